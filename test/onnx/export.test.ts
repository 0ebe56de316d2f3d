// onnx.exportModel through the public API, for every layer in nn and every model in models:
// Debian's ONNX checker (python3-onnx, full check) accepts each file, and ONNX Runtime's outputs
// equal the engine's eval-mode forward within 1e-4, at a batch size other than the sample's
// (dynamic batch). Cases are data: a name, a module, an input shape.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  F,
  models,
  nn,
  noGrad,
  onnx,
  ReceptiveError,
  randn,
  type Tensor,
  tensor,
} from "../../kernel/engine/index";
import { expectClose, expectShape } from "../helpers";
import { checkOnnx, randomize, smallClassifier, tempDir } from "./helpers";

const dir = tempDir("onnx-export");

interface Case {
  name: string;
  make: () => nn.Module;
  /** Input shape; the test runs batch 3 through a graph exported with batch 2. */
  input: number[];
  opset?: number;
}

/** A module whose forward is the given function (for the ops a model calls between its layers). */
class Fn extends nn.Module {
  constructor(
    private readonly f: (m: Fn, x: Tensor) => Tensor,
    layers: Record<string, nn.Module> = {},
  ) {
    super();
    for (const [k, m] of Object.entries(layers)) this.addModule(k, m);
  }
  forward(x: Tensor): Tensor {
    return this.f(this, x);
  }
}
const seq =
  (...layers: nn.Module[]) =>
  () =>
    new nn.Sequential(...layers);

const layerCases: Case[] = [
  { name: "Conv2d", make: seq(new nn.Conv2d(3, 8, 3)), input: [2, 3, 9, 9] },
  {
    name: "Conv2d stride padding",
    make: seq(new nn.Conv2d(3, 8, 3, { stride: 2, padding: 1 })),
    input: [2, 3, 9, 9],
  },
  {
    name: "Conv2d dilation",
    make: seq(new nn.Conv2d(3, 4, 3, { dilation: 2, padding: 2 })),
    input: [2, 3, 9, 9],
  },
  {
    name: "Conv2d groups",
    make: seq(new nn.Conv2d(4, 8, 3, { groups: 2, bias: false })),
    input: [2, 4, 7, 7],
  },
  {
    name: "Conv2d depthwise",
    make: seq(new nn.Conv2d(6, 6, 3, { groups: 6, padding: 1 })),
    input: [2, 6, 7, 7],
  },
  {
    name: "Conv2d non-square",
    make: seq(new nn.Conv2d(2, 3, [3, 5], { padding: [1, 2], stride: [1, 2] })),
    input: [2, 2, 8, 9],
  },
  { name: "Conv2d same odd", make: seq(new nn.Conv2d(2, 3, 5, { padding: "same" })), input: [2, 2, 8, 8] },
  {
    name: "Conv2d same even",
    make: seq(new nn.Conv2d(2, 3, 4, { padding: "same", dilation: 1 })),
    input: [2, 2, 8, 7],
  },
  { name: "Conv2d valid", make: seq(new nn.Conv2d(2, 3, 3, { padding: "valid" })), input: [2, 2, 6, 6] },
  {
    name: "Conv2d reflect",
    make: seq(new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode: "reflect" })),
    input: [2, 2, 6, 6],
  },
  {
    name: "Conv2d replicate",
    make: seq(new nn.Conv2d(2, 3, 3, { padding: 2, paddingMode: "replicate" })),
    input: [2, 2, 6, 6],
  },
  {
    name: "Conv2d circular opset 17",
    make: seq(new nn.Conv2d(2, 3, 3, { padding: [1, 2], paddingMode: "circular" })),
    input: [2, 2, 6, 6],
  },
  {
    name: "Conv2d circular opset 19",
    make: seq(new nn.Conv2d(2, 3, 3, { padding: 1, paddingMode: "circular" })),
    input: [2, 2, 6, 6],
    opset: 19,
  },
  {
    name: "Conv1d reflect",
    make: seq(new nn.Conv1d(2, 4, 3, { padding: 1, paddingMode: "reflect" })),
    input: [2, 2, 10],
  },
  {
    name: "ConvTranspose2d",
    make: seq(new nn.ConvTranspose2d(4, 3, 3, { stride: 2, padding: 1, outputPadding: 1 })),
    input: [2, 4, 5, 5],
  },
  {
    name: "ConvTranspose2d groups dilation",
    make: seq(new nn.ConvTranspose2d(4, 6, 3, { groups: 2, dilation: 2 })),
    input: [2, 4, 5, 5],
  },
  {
    name: "ConvTranspose2d outputSize",
    make: () =>
      new Fn((m, x) => (m as unknown as { up: nn.ConvTranspose2d }).up.forward(x, [12, 12]), {
        up: new nn.ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1 }),
      }),
    input: [2, 2, 6, 6],
  },
  { name: "MaxPool2d", make: seq(new nn.MaxPool2d(2)), input: [2, 3, 8, 8] },
  {
    name: "MaxPool2d stride padding",
    make: seq(new nn.MaxPool2d(3, { stride: 2, padding: 1 })),
    input: [2, 3, 9, 9],
  },
  {
    name: "MaxPool2d ceil",
    make: seq(new nn.MaxPool2d(3, { stride: 2, ceilMode: true })),
    input: [2, 3, 8, 8],
  },
  {
    name: "MaxPool2d ceil padding",
    make: seq(new nn.MaxPool2d(2, { stride: 2, padding: 1, ceilMode: true })),
    input: [2, 3, 7, 7],
  },
  {
    name: "MaxPool2d dilation",
    make: seq(new nn.MaxPool2d(2, { stride: 1, dilation: 2 })),
    input: [2, 3, 7, 7],
  },
  { name: "MaxPool1d", make: seq(new nn.MaxPool1d(3, { stride: 2, ceilMode: true })), input: [2, 3, 10] },
  { name: "AvgPool2d", make: seq(new nn.AvgPool2d(2)), input: [2, 3, 8, 8] },
  {
    name: "AvgPool2d padding",
    make: seq(new nn.AvgPool2d(3, { stride: 2, padding: 1 })),
    input: [2, 3, 9, 9],
  },
  {
    name: "AvgPool2d padding excluded",
    make: seq(new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false })),
    input: [2, 3, 9, 9],
  },
  {
    name: "AvgPool2d ceil",
    make: seq(new nn.AvgPool2d(3, { stride: 2, ceilMode: true })),
    input: [2, 3, 8, 8],
  },
  {
    name: "AvgPool2d ceil padding",
    make: seq(new nn.AvgPool2d(2, { stride: 2, padding: 1, ceilMode: true })),
    input: [2, 3, 7, 7],
  },
  {
    name: "AvgPool2d divisorOverride",
    make: seq(new nn.AvgPool2d(2, { divisorOverride: 3 })),
    input: [2, 3, 8, 8],
  },
  { name: "AvgPool1d", make: seq(new nn.AvgPool1d(3, { stride: 2, padding: 1 })), input: [2, 3, 10] },
  { name: "AdaptiveAvgPool2d global", make: seq(new nn.AdaptiveAvgPool2d(1)), input: [2, 3, 5, 7] },
  { name: "AdaptiveAvgPool2d 2x2", make: seq(new nn.AdaptiveAvgPool2d([2, 2])), input: [2, 3, 8, 6] },
  { name: "AdaptiveAvgPool2d 7x7 of 1x1", make: seq(new nn.AdaptiveAvgPool2d([7, 7])), input: [2, 3, 1, 1] },
  { name: "AdaptiveAvgPool1d", make: seq(new nn.AdaptiveAvgPool1d(2)), input: [2, 3, 8] },
  { name: "AdaptiveMaxPool2d", make: seq(new nn.AdaptiveMaxPool2d([2, 1])), input: [2, 3, 8, 6] },
  { name: "BatchNorm2d", make: seq(new nn.BatchNorm2d(3)), input: [2, 3, 5, 5] },
  {
    name: "BatchNorm2d not affine",
    make: seq(new nn.BatchNorm2d(3, { affine: false, eps: 1e-3 })),
    input: [2, 3, 5, 5],
  },
  { name: "BatchNorm1d (N, C)", make: seq(new nn.BatchNorm1d(6)), input: [2, 6] },
  {
    name: "3-D: Conv3d, BatchNorm3d, MaxPool3d",
    make: seq(
      new nn.Conv3d(2, 4, [3, 3, 3], { padding: [1, 1, 1], stride: [1, 2, 2] }),
      new nn.BatchNorm3d(4),
      new nn.MaxPool3d([1, 2, 2], { ceilMode: true }),
    ),
    input: [2, 2, 4, 9, 8],
  },
  {
    name: "3-D: Conv3d replicate, AvgPool3d, AdaptiveAvgPool3d",
    make: seq(
      new nn.Conv3d(2, 3, 2, { padding: "same", paddingMode: "replicate", groups: 1 }),
      new nn.AvgPool3d(2, { stride: 1, padding: 1, countIncludePad: false }),
      new nn.AdaptiveAvgPool3d(1),
    ),
    input: [2, 2, 3, 5, 4],
  },
  { name: "3-D: AdaptiveMaxPool3d", make: seq(new nn.AdaptiveMaxPool3d([2, 2, 1])), input: [2, 3, 4, 6, 5] },
  { name: "BatchNorm1d (N, C, L)", make: seq(new nn.BatchNorm1d(4)), input: [2, 4, 7] },
  { name: "Linear", make: seq(new nn.Linear(12, 5)), input: [2, 12] },
  { name: "Linear without bias", make: seq(new nn.Linear(12, 5, { bias: false })), input: [2, 12] },
  { name: "Linear on (N, L, features)", make: seq(new nn.Linear(6, 4)), input: [2, 3, 6] },
  { name: "ReLU", make: seq(new nn.ReLU()), input: [2, 10] },
  { name: "ReLU6", make: seq(new nn.Linear(4, 10), new nn.ReLU6()), input: [2, 4] },
  { name: "LeakyReLU", make: seq(new nn.LeakyReLU(0.2)), input: [2, 10] },
  { name: "ELU", make: seq(new nn.ELU(0.7)), input: [2, 10] },
  { name: "Hardtanh", make: seq(new nn.Hardtanh(-0.5, 0.25)), input: [2, 10] },
  { name: "Sigmoid", make: seq(new nn.Sigmoid()), input: [2, 10] },
  { name: "Tanh", make: seq(new nn.Tanh()), input: [2, 10] },
  { name: "Softmax", make: seq(new nn.Softmax(1)), input: [2, 10] },
  { name: "Softmax last dim of 3-D", make: seq(new nn.Softmax(-1)), input: [2, 3, 5] },
  { name: "LogSoftmax", make: seq(new nn.LogSoftmax(1)), input: [2, 10] },
  { name: "Flatten", make: seq(new nn.Flatten()), input: [2, 3, 4, 4] },
  { name: "Flatten dims 1..2", make: seq(new nn.Flatten(1, 2)), input: [2, 3, 4, 5] },
  { name: "Unflatten", make: seq(new nn.Unflatten(1, [2, 6])), input: [2, 12] },
  {
    name: "Identity Dropout Dropout2d",
    make: seq(new nn.Identity(), new nn.Dropout(0.5), new nn.Dropout2d(0.3), new nn.Conv2d(2, 2, 1)),
    input: [2, 2, 3, 3],
  },
];

const glueCases: Case[] = [
  {
    // Dims of equal size: the permutation and the reduced dim are read from the autograd node.
    name: "permute and sum over dims of equal size",
    make: () =>
      new Fn((_m, x) =>
        x
          .permute(0, 3, 2, 1)
          .sum(1)
          .mul(x.mean([2, 3]).sum(1, true).unsqueeze(2)),
      ),
    input: [2, 3, 4, 4],
  },
  {
    name: "residual add, cat, mean, scalar arithmetic",
    make: () =>
      new Fn(
        (m, x) => {
          const { a, b } = m as unknown as { a: nn.Conv2d; b: nn.Conv2d };
          const y = F.relu(a.forward(x)).add(x);
          const z = tensor(0).add(y.sub(0.5).mul(2).div(3)).sigmoid();
          const c = [y, b.forward(z)];
          const joined = c[0].add(0).neg().exp().log().abs().sqrt();
          return F.adaptiveAvgPool2d(joined.mul(c[1]).tanh(), [1, 1])
            .flatten(1)
            .add(x.mean([2, 3], true).view([x.shape[0], -1]).sum(1, true));
        },
        { a: new nn.Conv2d(3, 3, 3, { padding: 1 }), b: new nn.Conv2d(3, 3, 1) },
      ),
    input: [2, 3, 6, 6],
  },
  {
    name: "torch.cat and F.linear",
    make: () =>
      new Fn(
        (m, x) => {
          const { fc } = m as unknown as { fc: nn.Linear };
          return F.linear(x.square().rsqrt().clone(), fc.weight, fc.bias)
            .unsqueeze(1)
            .squeeze(1)
            .maximum(tensor([0.1, 0.2, 0.3, 0.4, 0.5]).minimum(0.25));
        },
        { fc: new nn.Linear(6, 5) },
      ),
    input: [2, 6],
  },
];

const modelCases: Case[] = [
  { name: "lenet5", make: () => models.lenet5(), input: [2, 1, 28, 28] },
  { name: "tinyVGG", make: () => models.tinyVGG({ numClasses: 3 }), input: [2, 3, 64, 64] },
  {
    name: "alexnet",
    make: () => smallClassifier(models.alexnet({ numClasses: 10 }), 256 * 6 * 6, 10),
    input: [2, 3, 64, 64],
  },
  {
    name: "vgg11Bn",
    make: () => smallClassifier(models.vgg11Bn({ numClasses: 10 }), 512 * 7 * 7, 10),
    input: [2, 3, 32, 32],
  },
  {
    name: "resnet18 cifar",
    make: () => models.resnet18({ numClasses: 10, cifar: true, width: 16 }),
    input: [2, 3, 32, 32],
  },
  { name: "resnet34", make: () => models.resnet34({ numClasses: 10, width: 8 }), input: [2, 3, 64, 64] },
  { name: "resnet50", make: () => models.resnet50({ numClasses: 10, width: 8 }), input: [2, 3, 64, 64] },
  {
    name: "mobilenetV1",
    make: () => models.mobilenetV1({ numClasses: 10, widthMult: 0.25 }),
    input: [2, 3, 64, 64],
  },
  {
    name: "mobilenetV2",
    make: () => models.mobilenetV2({ numClasses: 10, widthMult: 0.35 }),
    input: [2, 3, 64, 64],
  },
];

const file = (c: Case) => join(dir, `${c.name.replace(/[^a-zA-Z0-9]+/g, "_")}.onnx`);
const written: string[] = [];

/** Exports with batch 2, then compares ONNX Runtime and the engine at batch 3. */
async function roundTrip(c: Case, seed: number): Promise<void> {
  const net = c.make();
  randomize(net, seed);
  net.train(); // export must switch to eval mode itself, and restore this
  await onnx.exportModel(net, randn(c.input), file(c), { opset: c.opset });
  assert.equal(net.training, true, "exportModel restores training mode");
  written.push(file(c));
  const x = randn([3, ...c.input.slice(1)]);
  net.eval();
  const want = noGrad(() => net.forward(x)) as Tensor;
  const session = await onnx.InferenceSession.create(file(c), { intraOpNumThreads: 1 });
  const got = await session.run(x);
  await session.release();
  expectShape(got.shape, want.shape, c.name);
  expectClose(got.data, want.data, `${c.name}: ONNX Runtime vs engine`, { atol: 1e-4, rtol: 1e-4 });
  assert.ok(want.abs().max().item() > 1e-3, `${c.name}: outputs are not all ~0`);
}

describe("onnx.exportModel", () => {
  describe("every layer in nn", () => {
    for (const [i, c] of layerCases.entries()) it(c.name, () => roundTrip(c, 100 + i));
  });
  describe("the ops a forward calls between its layers", () => {
    for (const [i, c] of glueCases.entries()) it(c.name, () => roundTrip(c, 200 + i));
  });
  describe("every model in models", () => {
    for (const [i, c] of modelCases.entries()) it(c.name, () => roundTrip(c, 300 + i));
  });

  it("writes files the ONNX checker accepts (opsets up to 17: Debian's python3-onnx 1.12 knows no newer)", () => {
    const checkable = written.filter((f) => !f.includes("opset_19"));
    assert.ok(checkable.length >= layerCases.length + modelCases.length - 1);
    checkOnnx(checkable);
  });

  it("writes opsets 13 to the newest ONNX Runtime runs", async () => {
    const net = models.resnet18({ numClasses: 4, cifar: true, width: 4 });
    randomize(net, 7);
    net.eval();
    const x = randn([2, 3, 16, 16]);
    const want = noGrad(() => net.forward(x));
    const files: string[] = [];
    for (let opset = onnx.MIN_OPSET; opset <= onnx.MAX_OPSET; opset++) {
      const f = join(dir, `resnet_opset${opset}.onnx`);
      await onnx.exportModel(net, x, f, { opset });
      const got = await (await onnx.InferenceSession.create(f, { intraOpNumThreads: 1 })).run(x);
      expectClose(got.data, want.data, `opset ${opset}`, { atol: 1e-4, rtol: 1e-4 });
      if (opset <= 17) files.push(f);
    }
    checkOnnx(files);
    await assert.rejects(
      onnx.exportModel(net, x, join(dir, "x.onnx"), { opset: 12 }),
      /opset must be a whole number from 13 to 26/,
    );
  });

  it("names inputs and outputs, keeps a fixed batch when asked, and names initializers after the state dict", async () => {
    const net = models.lenet5();
    const f = join(dir, "named.onnx");
    await onnx.exportModel(net, randn([4, 1, 28, 28]), f, {
      inputNames: ["images"],
      outputNames: ["logits"],
      dynamicBatch: false,
    });
    const s = await onnx.InferenceSession.create(f);
    assert.deepEqual(s.inputs, [{ name: "images", type: "float32", shape: [4, 1, 28, 28] }]);
    assert.deepEqual(s.outputs, [{ name: "logits", type: "float32", shape: [4, 10] }]);
    await assert.rejects(
      s.run(randn([3, 1, 28, 28])),
      /expects shape \[4, 1, 28, 28\], given \[3, 1, 28, 28\]/,
    );
  });

  it("names every layer and op it cannot write, in one error", async () => {
    const net = new Fn(
      (m, x) =>
        F.leakyRelu(F.maxPool2d((m as unknown as { c: nn.Conv2d }).c.forward(x), 2), 0.2).add(
          (m as unknown as { u: nn.MaxPool2d }).u.forward(x)[0],
        ),
      { c: new nn.Conv2d(1, 1, 3, { padding: 1 }), u: new nn.MaxPool2d(2, { returnIndices: true }) },
    );
    await assert.rejects(onnx.exportModel(net, randn([1, 1, 8, 8]), join(dir, "bad.onnx")), (e: Error) => {
      assert.ok(e instanceof ReceptiveError);
      assert.match(e.message, /cannot export 3 parts of the model/);
      assert.match(e.message, /maxPool2d in the forward \(input \[1, 1, 8, 8\]\): .*use nn\.MaxPool2d/);
      assert.match(e.message, /leakyRelu in the forward \(input \[1, 1, 4, 4\]\): .*use nn\.LeakyReLU/);
      assert.match(e.message, /u \(MaxPool2d, input \[1, 1, 8, 8\]\): returnIndices/);
      return true;
    });
  });
});
