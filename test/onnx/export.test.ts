// onnx.exportModel through the public API, for every layer in nn and every model in models:
// Debian's ONNX checker (python3-onnx, full check) accepts each file, and ONNX Runtime's outputs
// equal the engine's eval-mode forward within 1e-4, at a batch size other than the sample's
// (dynamic batch). Cases are data: a name, a module, an input shape.

import assert from "node:assert/strict";
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
  /** Also import the file back (onnx.importModel) and compare with the engine. */
  imports?: boolean;
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
  {
    name: "MaxPool2d returnIndices and MaxUnpool2d",
    imports: true,
    make: () =>
      new Fn(
        (m, x) => {
          const { pool, unpool, conv } = m as unknown as {
            pool: nn.MaxPool2d;
            unpool: nn.MaxUnpool2d;
            conv: nn.Conv2d;
          };
          const [v, i] = pool.forward(x) as unknown as [Tensor, Tensor];
          return unpool.forward(conv.forward(v), i, [x.shape[2], x.shape[3]]);
        },
        {
          pool: new nn.MaxPool2d(2, { returnIndices: true, padding: 1 }),
          unpool: new nn.MaxUnpool2d(2, { padding: 1 }),
          conv: new nn.Conv2d(3, 3, 1),
        },
      ),
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

/** A module with a conv's weights for F.conv2d / F.convTranspose2d calls in its forward. */
const convs = () => ({
  c: new nn.Conv2d(3, 4, 3),
  t: new nn.ConvTranspose2d(4, 3, 3),
  d: new nn.Conv1d(3, 2, 3),
});
type Convs = ReturnType<typeof convs>;
const fn = (f: (x: Tensor, m: Convs) => Tensor) => () =>
  new Fn((m, x) => f(x, m as unknown as Convs), convs());

/** F.* ops with arguments inside a forward (their arguments come from the autograd graph). */
const functionalCases: Case[] = [
  {
    name: "F.conv2d F.convTranspose2d F.conv1d",
    make: fn((x, m) => {
      const y = F.conv2d(x, m.c.weight, m.c.bias, { stride: 2, padding: [1, 2], dilation: [1, 2] });
      const z = F.convTranspose2d(y, m.t.weight, m.t.bias, { stride: 2, padding: 1, outputPadding: 1 });
      const same = F.conv2d(x, m.c.weight, null, { padding: "same" });
      const line = F.conv1d(x.mean(2), m.d.weight, m.d.bias, { padding: 2 });
      return cat([z.flatten(1), same.flatten(1), line.flatten(1)], 1);
    }),
    input: [2, 3, 9, 9],
  },
  {
    name: "F.maxPool2d F.avgPool2d F.maxPool1d F.avgPool1d",
    make: fn((x) => {
      const a = F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true });
      const b = F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true });
      const c = F.avgPool2d(x, 2, { countIncludePad: false, padding: 1 });
      const d = F.maxPool2d(x, 2, { dilation: 2, stride: 1 });
      const e = F.avgPool2d(x, 2, { divisorOverride: 3 });
      const l = F.maxPool1d(x.flatten(2), 4).add(F.avgPool1d(x.flatten(2), 4, { stride: 4 }));
      return cat([a.flatten(1), b.flatten(1), c.flatten(1), d.flatten(1), e.flatten(1), l.flatten(1)], 1);
    }),
    input: [2, 3, 8, 8],
  },
  {
    name: "F.maxPool2d returnIndices and F.maxUnpool2d",
    imports: true,
    make: fn((x) => {
      const [v, i] = F.maxPool2d(x, 2, { returnIndices: true });
      const [v3, i3] = F.maxPool2d(x, 3, { stride: 2, padding: 1, returnIndices: true });
      const up = F.maxUnpool2d(v.relu(), i, 2);
      const odd = F.maxUnpool2d(v3, i3, 3, { stride: 2, padding: 1, outputSize: [x.shape[2], x.shape[3]] });
      return cat([up.flatten(1), odd.flatten(1)], 1);
    }),
    input: [2, 3, 8, 8],
  },
  {
    name: "F.pad every mode, slices",
    make: fn((x) => {
      const a = F.pad(x, [1, 2, 0, 1], "reflect");
      const b = F.pad(x, [2, 1, 1, 0], "replicate");
      const c = F.pad(x, [1, 1, 2, 2], "circular");
      const d = F.pad(x, [1, 1, 1, 1, 0, 1], "constant", 0.5);
      const e = F.pad(x, [-1, 1, 0, -2]);
      const s = x.slice(3, 1, -1, 2).select(1, 0).narrow(1, 1, 3);
      const [p, q] = x.split(2, 1);
      return cat(
        [a, b, c, d.slice(1, 0, 3), e]
          .map((t) => t.flatten(1).sum(1, true))
          .concat([s.flatten(1), p.mean([1, 2, 3], true).flatten(1), q.flatten(1).sum(1, true)]),
        1,
      );
    }),
    input: [2, 3, 6, 7],
  },
  {
    name: "F.pad circular opset 19",
    make: fn((x) => F.pad(x, [1, 2, 2, 1], "circular")),
    input: [2, 3, 5, 6],
    opset: 19,
  },
  {
    name: "activations with arguments, softmax, clamp, pow",
    make: fn((x) =>
      cat(
        [
          F.leakyRelu(x, 0.2),
          F.elu(x, { alpha: 0.7 }),
          F.celu(x, 1.3),
          F.selu(x),
          F.hardtanh(x, -0.5, 0.3),
          x.clamp(-0.4, null),
          x.clamp(null, 0.2),
          x.clamp(-0.1, 0.1),
          F.relu6(x.mul(8)),
          F.softplus(x),
          F.softplus(x, { beta: 2, threshold: 1 }),
          F.softmax(x, 1),
          F.logSoftmax(x, -1),
          x.pow(3),
          x.abs().pow(0.5),
        ],
        1,
      ),
    ),
    input: [2, 3, 4, 5],
  },
  ...[13, 17, 18, 20].map((opset) => ({
    name: `new activations opset ${opset}`,
    make: fn((x) =>
      cat(
        [
          F.silu(x),
          F.hardswish(x.mul(4)),
          F.hardsigmoid(x.mul(4)),
          F.gelu(x),
          F.gelu(x, { approximate: "tanh" }),
          F.mish(x.mul(3)),
        ],
        1,
      ),
    ),
    input: [2, 3, 4, 5],
    opset,
  })),
  {
    name: "nn activations (SiLU Hardswish Hardsigmoid GELU Mish SELU CELU Softplus PReLU)",
    make: seq(
      new nn.Conv2d(3, 4, 1),
      new nn.SiLU(),
      new nn.Hardswish(),
      new nn.Hardsigmoid(),
      new nn.GELU(),
      new nn.Mish(),
      new nn.SELU(),
      new nn.CELU(0.5),
      new nn.Softplus(),
      new nn.PReLU(4),
      new nn.Conv2d(4, 4, 1),
      new nn.PReLU(),
    ),
    input: [2, 3, 4, 4],
  },
];

/** F.interpolate / nn.Upsample as Resize: every mode by size and by scale factor. */
const resizeCases: Case[] = [
  { name: "Upsample nearest x2", make: seq(new nn.Upsample({ scaleFactor: 2 })), input: [2, 3, 5, 4] },
  { name: "Upsample nearest size", make: seq(new nn.Upsample({ size: [7, 11] })), input: [2, 3, 5, 4] },
  {
    name: "Upsample nearest x1.5 down 0.6",
    make: fn((x) => F.interpolate(F.interpolate(x, { scaleFactor: [1.5, 0.6] }), { size: [4, 3] })),
    input: [2, 3, 6, 5],
  },
  {
    name: "nearest-exact",
    make: fn((x) =>
      cat(
        [
          F.interpolate(x, { size: [9, 3], mode: "nearest-exact" }).flatten(1),
          F.interpolate(x, { scaleFactor: 1.5, mode: "nearest-exact" }).flatten(1),
        ],
        1,
      ),
    ),
    input: [2, 3, 6, 5],
  },
  {
    name: "bilinear x2",
    make: seq(new nn.Upsample({ scaleFactor: 2, mode: "bilinear" })),
    input: [2, 3, 5, 4],
  },
  {
    name: "bilinear alignCorners size",
    make: seq(new nn.Upsample({ size: [9, 7], mode: "bilinear", alignCorners: true })),
    input: [2, 3, 5, 4],
  },
  { name: "UpsamplingBilinear2d", make: seq(new nn.UpsamplingBilinear2d(null, 2)), input: [2, 3, 4, 4] },
  { name: "UpsamplingNearest2d", make: seq(new nn.UpsamplingNearest2d([6, 9])), input: [2, 3, 4, 4] },
  {
    name: "bilinear down size 1",
    make: fn((x) => F.interpolate(x, { size: [3, 1], mode: "bilinear" })),
    input: [2, 3, 7, 5],
  },
  {
    name: "bicubic",
    make: fn((x) =>
      F.interpolate(x, { scaleFactor: 2, mode: "bicubic" }).add(
        F.interpolate(x, { size: [10, 8], mode: "bicubic", alignCorners: true }),
      ),
    ),
    input: [2, 3, 5, 4],
  },
  { name: "linear 1-D", make: seq(new nn.Upsample({ scaleFactor: 3, mode: "linear" })), input: [2, 3, 5] },
  { name: "nearest 1-D", make: seq(new nn.Upsample({ size: 12 })), input: [2, 3, 5] },
  { name: "area", make: fn((x) => F.interpolate(x, { size: [2, 3], mode: "area" })), input: [2, 3, 8, 6] },
  {
    name: "trilinear 5-D by scale and by size",
    make: fn((x) =>
      cat(
        [
          F.interpolate(x, { scaleFactor: 2, mode: "trilinear" }).flatten(1),
          F.interpolate(x, { size: [5, 6, 7], mode: "trilinear", alignCorners: true }).flatten(1),
        ],
        1,
      ),
    ),
    input: [2, 2, 3, 4, 5],
  },
  {
    name: "bilinear recomputeScaleFactor",
    make: fn((x) => F.interpolate(x, { scaleFactor: 1.7, recomputeScaleFactor: true, mode: "bilinear" })),
    input: [2, 3, 5, 4],
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
/** Files written at opsets Debian's ONNX checker (python3-onnx 1.12) knows: up to 17. */
const written: string[] = [];

/** Exports with batch 2, then compares ONNX Runtime and the engine at batch 3. */
async function roundTrip(c: Case, seed: number): Promise<void> {
  const net = c.make();
  randomize(net, seed);
  net.train(); // export must switch to eval mode itself, and restore this
  await onnx.exportModel(net, randn(c.input), file(c), { opset: c.opset });
  assert.equal(net.training, true, "exportModel restores training mode");
  if ((c.opset ?? 17) <= 17) written.push(file(c));
  const x = randn([3, ...c.input.slice(1)]);
  net.eval();
  const want = noGrad(() => net.forward(x)) as Tensor;
  const session = await onnx.InferenceSession.create(file(c), { intraOpNumThreads: 1 });
  const got = await session.run(x);
  await session.release();
  expectShape(got.shape, want.shape, c.name);
  expectClose(got.data, want.data, `${c.name}: ONNX Runtime vs engine`, { atol: 1e-4, rtol: 1e-4 });
  assert.ok(want.abs().max().item() > 1e-3, `${c.name}: outputs are not all ~0`);
  if (!c.imports) return;
  const back = await onnx.importModel(file(c));
  const imported = noGrad(() => back.forward(x)) as Tensor;
  expectShape(imported.shape, want.shape, c.name);
  expectClose(imported.data, want.data, `${c.name}: imported vs engine`, { atol: 1e-5, rtol: 1e-4 });
}

describe("onnx.exportModel", () => {
  describe("every layer in nn", () => {
    for (const [i, c] of layerCases.entries()) it(c.name, () => roundTrip(c, 100 + i));
  });
  describe("the ops a forward calls between its layers", () => {
    for (const [i, c] of glueCases.entries()) it(c.name, () => roundTrip(c, 200 + i));
  });
  describe("functional ops with arguments in a forward (F.conv2d, F.maxPool2d, F.pad, clamp...)", () => {
    for (const [i, c] of functionalCases.entries()) it(c.name, () => roundTrip(c, 400 + i));
  });
  describe("F.interpolate and nn.Upsample as Resize", () => {
    // Each also imported back (Resize at run-time sizes included): the same outputs.
    for (const [i, c] of resizeCases.entries()) it(c.name, () => roundTrip({ ...c, imports: true }, 500 + i));
  });
  describe("every model in models", () => {
    for (const [i, c] of modelCases.entries()) it(c.name, () => roundTrip(c, 300 + i));
  });

  it("writes files the ONNX checker accepts (opsets up to 17: Debian's python3-onnx 1.12 knows no newer)", () => {
    assert.ok(written.length >= layerCases.length + functionalCases.length + resizeCases.length);
    checkOnnx(written);
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
      (m, x) => {
        const { c, bn } = m as unknown as { c: nn.Conv2d; bn: nn.BatchNorm2d };
        const y = F.interpolate(c.forward(x), { scaleFactor: 2, mode: "bilinear", antialias: true });
        const [v] = F.adaptiveMaxPool2d(x, 2, { returnIndices: true });
        return F.batchNorm(y, bn.runningMean, bn.runningVar)
          .mean([2, 3])
          .add(v.mean([2, 3]));
      },
      { c: new nn.Conv2d(1, 1, 3, { padding: 1 }), bn: new nn.BatchNorm2d(1) },
    );
    await assert.rejects(onnx.exportModel(net, randn([1, 1, 8, 8]), join(dir, "bad.onnx")), (e: Error) => {
      assert.ok(e instanceof ReceptiveError);
      assert.match(e.message, /cannot export 3 parts of the model/);
      assert.match(
        e.message,
        /interpolate in the forward \(input \[1, 1, 8, 8\]\): antialias is not exported/,
      );
      assert.match(e.message, /adaptiveMaxPool2d in the forward \(input \[1, 1, 8, 8\]\): returnIndices/);
      assert.match(e.message, /batchNorm in the forward \(input \[1, 1, 16, 16\]\): .*use nn\.BatchNorm2d/);
      return true;
    });
  });
});
