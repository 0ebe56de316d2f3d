// onnx.importModel through the public API: models written by Debian's python3-onnx
// (test/onnx/models/make_import_models.py) exercise every op of the table with its attribute
// changes across opsets 6..18; each imported module's forward equals ONNX Runtime's output.
// Exported zoo models come back with the same outputs and state-dict names; unsupported ops are
// all named in one error.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  cat,
  F,
  models,
  nn,
  noGrad,
  onnx,
  ReceptiveError,
  randn,
  type Tensor,
} from "../../kernel/engine/index";
import { expectClose, expectShape } from "../helpers";
import { python, randomize, smallClassifier, tempDir } from "./helpers";

const dir = tempDir("onnx-import");
python("make_import_models.py", [dir]);
const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as {
  name: string;
  opset: number;
  input: number[];
  /** The file ONNX Runtime runs for comparison (a twin at a newer opset where ORT lacks the old kernel). */
  ort: string;
}[];

async function compareWithOrt(file: string, x: Tensor, what: string, ortFile = file): Promise<void> {
  const session = await onnx.InferenceSession.create(ortFile, { intraOpNumThreads: 1 });
  const want = await session.run(x);
  const net = await onnx.importModel(file);
  net.eval();
  const got = noGrad(() => net.forward(x)) as Tensor;
  expectShape(got.shape, want.shape, what);
  expectClose(got.data, want.data, `${what}: imported module vs ONNX Runtime`, { atol: 1e-5, rtol: 1e-4 });
}

/** A forward of functional ops and the newer layers between convs (export -> import round trip). */
class Decoder extends nn.Module {
  enc = new nn.Conv2d(3, 6, 3, { padding: 1 });
  act = new nn.Sequential(new nn.SiLU(), new nn.Hardswish(), new nn.GELU(), new nn.Mish(), new nn.PReLU(6));
  up = new nn.Upsample({ scaleFactor: 2, mode: "bilinear" });
  dec = new nn.Conv2d(12, 4, 3);
  forward(x: Tensor): Tensor {
    const y = this.act.forward(F.maxPool2d(this.enc.forward(x), 2));
    const z = F.interpolate(F.leakyRelu(y, 0.1), { scaleFactor: 2 });
    const joined = cat([this.up.forward(y), z.clamp(-1, 1)], 1);
    const h = F.softplus(this.dec.forward(F.pad(joined, [1, 1, 1, 1], "reflect")));
    return F.softmax(h.mean([2, 3]), 1).add(h.slice(2, 1, 3).mean([2, 3]));
  }
}

describe("onnx.importModel", () => {
  describe("every op of the table, across opsets", () => {
    for (const c of cases.filter((c) => !c.name.startsWith("unsupported")))
      it(`${c.name} (opset ${c.opset})`, () =>
        compareWithOrt(join(dir, `${c.name}.onnx`), randn(c.input), c.name, join(dir, `${c.ort}.onnx`)));
  });

  it("names every node it cannot import, with op type and opset, in one error", async () => {
    await assert.rejects(onnx.importModel(join(dir, "unsupported_two.onnx")), (e: Error) => {
      assert.ok(e instanceof ReceptiveError);
      assert.match(e.message, /cannot import 2 nodes of ".*unsupported_two\.onnx" \(opset 13\):\n/);
      assert.match(e.message, /Supported ops: Abs, Add, /);
      assert.match(e.message, /hardmax_node \(Hardmax, opset 13\): op Hardmax is not supported/);
      assert.match(e.message, /det_node \(Det, opset 13\): op Det is not supported/);
      return true;
    });
  });

  it("maps ops onto nn layers and keeps every initializer as a trainable Parameter", async () => {
    const net = await onnx.importModel(join(dir, "conv_same_upper_opset17.onnx"));
    assert.match(String(net), /PaddedConv2d\(3, 4, kernelSize=3, stride=2/);
    const gemm = await onnx.importModel(join(dir, "gemm_linear.onnx"));
    const [[name, p]] = gemm.namedParameters();
    assert.equal(name, "Gemm_0.weight");
    assert.ok(p.requiresGrad);
    assert.ok(gemm.getSubmodule("Gemm_0") instanceof nn.Linear);
    const add = await onnx.importModel(join(dir, "matmul_add.onnx"));
    assert.deepEqual(
      add.namedParameters().map(([k]) => k),
      ["MatMul_0.B", "Add_1.B"],
    );
    assert.match(String(add), /\(Add_1\): Add\(\)/);
  });

  describe("round trips of exported models: every model in models", () => {
    // One case per factory in `models` (a factory missing here fails the first test). VGG and
    // AlexNet get the small classifier of export.test.ts (their 4096-unit ones are 100+ M weights).
    const vgg = (f: (o: { numClasses: number }) => nn.Module & { classifier: nn.Sequential }) => () =>
      smallClassifier(f({ numClasses: 10 }), 512 * 7 * 7, 10);
    const cases: Record<string, [() => nn.Module, number[]]> = {
      lenet5: [() => models.lenet5(), [2, 1, 28, 28]],
      tinyVGG: [() => models.tinyVGG({ numClasses: 3 }), [2, 3, 64, 64]],
      alexnet: [() => smallClassifier(models.alexnet({ numClasses: 10 }), 256 * 6 * 6, 10), [2, 3, 64, 64]],
      ...Object.fromEntries(
        ["vgg11", "vgg11Bn", "vgg13", "vgg13Bn", "vgg16", "vgg16Bn", "vgg19", "vgg19Bn"].map((k) => [
          k,
          [vgg((models as unknown as Record<string, Parameters<typeof vgg>[0]>)[k]), [1, 3, 32, 32]],
        ]),
      ),
      resnet18: [() => models.resnet18({ numClasses: 10, cifar: true, width: 8 }), [2, 3, 32, 32]],
      resnet34: [() => models.resnet34({ numClasses: 10, width: 8 }), [2, 3, 64, 64]],
      resnet50: [() => models.resnet50({ numClasses: 10, width: 8 }), [2, 3, 64, 64]],
      mobilenetV1: [() => models.mobilenetV1({ numClasses: 10, widthMult: 0.25 }), [2, 3, 32, 32]],
      mobilenetV2: [() => models.mobilenetV2({ numClasses: 10, widthMult: 0.35 }), [2, 3, 32, 32]],
      efficientnetB0: [
        () => models.efficientnetB0({ numClasses: 10, widthMult: 0.25, depthMult: 0.25 }),
        [2, 3, 32, 32],
      ],
      googlenet: [
        () => models.googlenet({ numClasses: 10, auxLogits: false, transformInput: false }),
        [1, 3, 32, 32],
      ],
      unet: [
        () =>
          models.unet({ width: 4, depth: 2, inChannels: 1, numClasses: 2, padding: "same", up: "bilinear" }),
        [2, 1, 16, 16],
      ],
      yoloTiny: [() => models.yoloTiny({ numClasses: 3, gridSize: 4, width: 4 }), [1, 3, 64, 64]],
    };
    // Exports of `models` that are not model factories: the YOLO loss and its helpers, a layer function.
    const notFactories = [
      "makeDivisible",
      "initWeights",
      "stochasticDepth",
      "cellIou",
      "yoloDecode",
      "yoloLoss",
      "yoloTargets",
    ];
    const extra: Record<string, [() => nn.Module, number[]]> = {
      "functional ops, Upsample and the new activations": [() => new Decoder(), [2, 3, 8, 8]],
    };
    it("covers every model factory", () => {
      const factories = Object.entries(models)
        .filter(([k, v]) => typeof v === "function" && /^[a-z]/.test(k) && !notFactories.includes(k))
        .map(([k]) => k);
      assert.deepEqual(
        factories.filter((k) => !(k in cases)),
        [],
        "models without a round-trip case",
      );
    });
    const zoo = Object.entries({ ...cases, ...extra }).map(([k, [make, shape]]) => [k, make, shape] as const);
    for (const [name, make, shape] of zoo)
      it(`${name}: export -> import gives the same outputs and state-dict names`, async () => {
        const net = make();
        randomize(net, 11);
        const file = join(dir, `${name}.onnx`);
        await onnx.exportModel(net, randn(shape), file);
        const x = randn([shape[0] + 1, ...shape.slice(1)]);
        net.eval();
        const want = noGrad(() => net.forward(x));
        const back = await onnx.importModel(file);
        back.eval();
        expectClose((noGrad(() => back.forward(x)) as Tensor).data, want.data, `${name} round trip`, {
          atol: 1e-5,
          rtol: 1e-4,
        });
        const ours = Object.keys(net.stateDict()).filter((k) => !k.endsWith("numBatchesTracked"));
        const theirs = new Set(Object.keys(back.stateDict()));
        assert.deepEqual(
          ours.filter((k) => !theirs.has(k)),
          [],
          "state-dict keys of the original are all in the import",
        );
      });
  });
});
