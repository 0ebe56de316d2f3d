// Convolutions beyond the PyTorch goldens: float64 gradient checks of the ref kernel pairs, the
// transposed conv as the adjoint of conv, the output-size helpers, and the ops' error messages.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry } from "../../kernel/engine/backends/geometry";
import type {
  conv2dBackward,
  conv2dForward,
  convTranspose2dBackward,
  convTranspose2dForward,
} from "../../kernel/engine/backends/ref/conv";
import { refKernel } from "../../kernel/engine/backends/registry";
import { F, randn, type Tensor, zeros } from "../../kernel/engine/index";
import {
  convOutputSize,
  convParameterCount,
  convTransposeOutputSize,
  samePadding,
} from "../../kernel/engine/ops/conv-shape";
import { dot, expectClose, expectShape, f64Random, gradcheck } from "../helpers";

const fwd = refKernel("conv2dForward") as typeof conv2dForward;
const bwd = refKernel("conv2dBackward") as typeof conv2dBackward;
const tFwd = refKernel("convTranspose2dForward") as typeof convTranspose2dForward;
const tBwd = refKernel("convTranspose2dBackward") as typeof convTranspose2dBackward;

/** A conv's sizes, short names (as ConvGeometry with sH for strideH, pT for padTop...). */
interface Geo {
  N: number;
  C: number;
  H: number;
  W: number;
  OC: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  sH: number;
  sW: number;
  pT: number;
  pL: number;
  dH: number;
  dW: number;
  G: number;
}
const geometry = (g: Geo): ConvGeometry => ({
  ...g,
  strideH: g.sH,
  strideW: g.sW,
  padTop: g.pT,
  padLeft: g.pL,
  dilationH: g.dH,
  dilationW: g.dW,
  groups: g.G,
});

// Conv geometries: padTop/padLeft with OH/OW chosen freely cover asymmetric ('same') padding.
const convCases: [string, Geo][] = [
  [
    "plain 3x3",
    {
      N: 2,
      C: 2,
      H: 5,
      W: 4,
      OC: 3,
      KH: 3,
      KW: 3,
      OH: 3,
      OW: 2,
      sH: 1,
      sW: 1,
      pT: 0,
      pL: 0,
      dH: 1,
      dW: 1,
      G: 1,
    },
  ],
  [
    "stride 2, padding 1, 2x3 kernel",
    {
      N: 1,
      C: 2,
      H: 6,
      W: 7,
      OC: 2,
      KH: 2,
      KW: 3,
      OH: 4,
      OW: 4,
      sH: 2,
      sW: 2,
      pT: 1,
      pL: 1,
      dH: 1,
      dW: 1,
      G: 1,
    },
  ],
  [
    "dilation [2, 1], asymmetric 'same'-like padding",
    {
      N: 1,
      C: 1,
      H: 5,
      W: 5,
      OC: 2,
      KH: 2,
      KW: 4,
      OH: 5,
      OW: 5,
      sH: 1,
      sW: 1,
      pT: 1,
      pL: 1,
      dH: 2,
      dW: 1,
      G: 1,
    },
  ],
  [
    "groups 2, stride [1, 2]",
    {
      N: 2,
      C: 4,
      H: 4,
      W: 5,
      OC: 6,
      KH: 3,
      KW: 2,
      OH: 4,
      OW: 3,
      sH: 1,
      sW: 2,
      pT: 1,
      pL: 0,
      dH: 1,
      dW: 1,
      G: 2,
    },
  ],
  [
    "depthwise",
    {
      N: 1,
      C: 3,
      H: 4,
      W: 4,
      OC: 3,
      KH: 3,
      KW: 3,
      OH: 2,
      OW: 2,
      sH: 1,
      sW: 1,
      pT: 0,
      pL: 0,
      dH: 1,
      dW: 1,
      G: 3,
    },
  ],
];

// Transposed geometries: OH = (H - 1) * s - 2p + d(K - 1) + outputPadding + 1.
const transposeCases: [string, Geo][] = [
  [
    "plain",
    {
      N: 2,
      C: 2,
      H: 3,
      W: 2,
      OC: 3,
      KH: 3,
      KW: 2,
      OH: 5,
      OW: 3,
      sH: 1,
      sW: 1,
      pT: 0,
      pL: 0,
      dH: 1,
      dW: 1,
      G: 1,
    },
  ],
  [
    "stride 2, padding 1, outputPadding 1",
    {
      N: 1,
      C: 2,
      H: 3,
      W: 3,
      OC: 2,
      KH: 3,
      KW: 3,
      OH: 6,
      OW: 6,
      sH: 2,
      sW: 2,
      pT: 1,
      pL: 1,
      dH: 1,
      dW: 1,
      G: 1,
    },
  ],
  [
    "groups 2, dilation 2",
    {
      N: 1,
      C: 4,
      H: 3,
      W: 2,
      OC: 2,
      KH: 2,
      KW: 3,
      OH: 5,
      OW: 6,
      sH: 1,
      sW: 1,
      pT: 0,
      pL: 0,
      dH: 2,
      dW: 2,
      G: 2,
    },
  ],
];

function weightSize(g: Geo, transposed: boolean): number {
  return transposed ? g.C * (g.OC / g.G) * g.KH * g.KW : g.OC * (g.C / g.G) * g.KH * g.KW;
}

describe("conv ref kernels (float64 gradient check)", () => {
  for (const transposed of [false, true]) {
    const [forward, backward] = transposed ? [tFwd, tBwd] : [fwd, bwd];
    for (const [name, g] of transposed ? transposeCases : convCases)
      it(`${transposed ? "convTranspose2d" : "conv2d"}: ${name}`, () => {
        const inp = f64Random(g.N * g.C * g.H * g.W, 1);
        const weight = f64Random(weightSize(g, transposed), 2);
        const bias = f64Random(g.OC, 3);
        const outN = g.N * g.OC * g.OH * g.OW;
        const w = f64Random(outN, 4); // loss = sum(out * w)
        const run = ([x, k, b]: Float64Array[]) => {
          const out = new Float64Array(outN);
          forward(out, x, k, b, geometry(g));
          return dot(out, w);
        };
        gradcheck(`${name}`, [inp, weight, bias], run, ([x, k]) => {
          const dinp = new Float64Array(x.length);
          const dweight = new Float64Array(k.length);
          const dbias = new Float64Array(g.OC);
          backward(dinp, dweight, dbias, w, x, k, geometry(g));
          return [dinp, dweight, dbias];
        });
      });
  }

  it("conv2dBackward skips null gradient buffers and accumulates into the others", () => {
    const [, g] = convCases[1];
    const inp = f64Random(g.N * g.C * g.H * g.W, 5);
    const weight = f64Random(weightSize(g, false), 6);
    const dout = f64Random(g.N * g.OC * g.OH * g.OW, 7);
    const once = new Float64Array(weight.length);
    bwd(null, once, null, dout, inp, weight, geometry(g));
    const twice = new Float64Array(weight.length);
    bwd(null, twice, null, dout, inp, weight, geometry(g));
    bwd(null, twice, null, dout, inp, weight, geometry(g));
    expectClose(
      twice,
      once.map((v) => 2 * v),
      "dweight accumulated twice",
    );
  });

  it("convTranspose2d is the adjoint of conv2d's input map: <conv(x), y> = <x, convT(y)>", () => {
    // conv: C=3 -> OC=2 over 7x6, 3x2 kernel, stride [2, 1], padding [1, 0], dilation [1, 2].
    const g: Geo = {
      N: 2,
      C: 3,
      H: 7,
      W: 6,
      OC: 2,
      KH: 3,
      KW: 2,
      OH: 4,
      OW: 4,
      sH: 2,
      sW: 1,
      pT: 1,
      pL: 0,
      dH: 1,
      dW: 2,
      G: 1,
    };
    const x = f64Random(g.N * g.C * g.H * g.W, 8);
    const y = f64Random(g.N * g.OC * g.OH * g.OW, 9);
    const weight = f64Random(g.OC * g.C * g.KH * g.KW, 10); // (OC, C, KH, KW) = (C', OC', KH, KW) of the transpose
    const cx = new Float64Array(y.length);
    fwd(cx, x, weight, null, geometry(g));
    // The transpose maps (N, OC, OH, OW) back to (N, C, H, W).
    const t: Geo = { ...g, C: g.OC, H: g.OH, W: g.OW, OC: g.C, OH: g.H, OW: g.W };
    const ty = new Float64Array(x.length);
    tFwd(ty, y, weight, null, geometry(t));
    assert.ok(Math.abs(dot(cx, y) - dot(x, ty)) < 1e-10, `${dot(cx, y)} vs ${dot(x, ty)}`);
  });
});

describe("conv output-size arithmetic", () => {
  it("convOutputSize follows floor((n + 2p - d(k - 1) - 1) / s) + 1", () => {
    assert.equal(convOutputSize(28, 5), 24);
    assert.equal(convOutputSize(28, 5, { padding: 2 }), 28);
    assert.equal(convOutputSize(7, 3, { stride: 2 }), 3);
    assert.equal(convOutputSize(8, 3, { stride: 3 }), 2);
    assert.equal(convOutputSize(9, 3, { dilation: 2 }), 5);
    assert.equal(convOutputSize(224, 11, { stride: 4, padding: 2 }), 55); // AlexNet conv1
  });
  it("convTransposeOutputSize inverts a strided conv's size", () => {
    assert.equal(convTransposeOutputSize(4, 3, { stride: 2, padding: 1, outputPadding: 1 }), 8);
    assert.equal(convTransposeOutputSize(4, 3, { stride: 2, padding: 1 }), 7);
    assert.equal(convTransposeOutputSize(3, 3, { dilation: 2 }), 7);
  });
  it("samePadding puts the odd pixel after (right/bottom)", () => {
    assert.deepEqual(samePadding(3), [1, 1]);
    assert.deepEqual(samePadding(4), [1, 2]);
    assert.deepEqual(samePadding(2, 3), [1, 2]);
    assert.deepEqual(samePadding(1), [0, 0]);
  });
  it("convParameterCount counts weights and biases", () => {
    assert.equal(convParameterCount(3, 16, 3), 16 * (3 * 9 + 1));
    assert.equal(convParameterCount(3, 16, [3, 1], { bias: false }), 16 * 3 * 3);
    assert.equal(convParameterCount(32, 32, 3, { groups: 32 }), 32 * 9 + 32); // depthwise
  });
});

describe("conv ops", () => {
  it("an unbatched input gives the batched result without the batch dim", () => {
    const x = randn([3, 6, 5]);
    const w = randn([4, 3, 3, 3]);
    const b = randn([4]);
    const single = F.conv2d(x, w, b, { padding: 1, stride: [2, 1] });
    const batched = F.conv2d(x.reshape([1, 3, 6, 5]), w, b, { padding: 1, stride: [2, 1] });
    expectShape(single.shape, [4, 3, 5], "unbatched output");
    expectClose(single.storage, batched.storage, "unbatched vs batched");
  });

  it("conv1d equals conv2d on a height-1 image", () => {
    const x = randn([2, 3, 11]);
    const w = randn([4, 3, 4]);
    const y1 = F.conv1d(x, w, null, { stride: 2, padding: 1, dilation: 2 });
    const y2 = F.conv2d(x.reshape([2, 3, 1, 11]), w.reshape([4, 3, 1, 4]), null, {
      stride: [1, 2],
      padding: [0, 1],
      dilation: [1, 2],
    });
    expectShape(y1.shape, [2, 4, 4], "conv1d output");
    expectClose(y1.storage, y2.storage, "conv1d vs conv2d");
  });

  it("options may stand in for the bias", () => {
    const x = randn([1, 2, 5, 5]);
    const w = randn([3, 2, 3, 3]);
    const a = F.conv2d(x, w, { padding: "same" });
    const b = F.conv2d(x, w, null, { padding: 1 });
    expectClose(a.storage, b.storage, "conv2d(x, w, {padding: 'same'})");
  });

  it("records one graph node named after the op", () => {
    const x = randn([1, 1, 4, 4], { requiresGrad: true });
    const y = F.conv2d(x, randn([2, 1, 3, 3]));
    assert.equal(y.gradFn?.name, "conv2d");
    assert.equal(F.convTranspose2d(x, randn([1, 2, 3, 3])).gradFn?.name, "convTranspose2d");
  });
});

describe("conv errors", () => {
  const throwsWith = (f: () => Tensor, ...parts: string[]) =>
    assert.throws(f, (e: Error) => {
      for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" should contain "${p}"`);
      return e.name === "ReceptiveError";
    });

  it("names a wrong input rank and how to fix it", () => {
    throwsWith(
      () => F.conv2d(zeros([28, 28]), zeros([16, 1, 3, 3])),
      "conv2d: expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got rank 2 with shape [28, 28]; add batch and channel dims: x.reshape([1, 1, 28, 28])",
    );
    throwsWith(
      () => F.conv1d(zeros([100]), zeros([4, 1, 3])),
      "conv1d: expects a 2-D (C, L) or 3-D (N, C, L) input, got rank 1 with shape [100]; add batch and channel dims: x.reshape([1, 1, 100])",
    );
    throwsWith(() => F.conv2d(zeros([1, 1, 1, 8, 8]), zeros([2, 1, 3, 3])), "got rank 5", "squeeze");
    throwsWith(
      () => F.conv2d(zeros([1, 1, 8, 8]), zeros([2, 1, 3])),
      "weight must be 4-D (OC, C/groups, KH, KW)",
    );
  });

  it("names mismatched channels", () => {
    throwsWith(
      () => F.conv2d(zeros([1, 1, 28, 28]), zeros([16, 3, 3, 3])),
      "conv2d: weight expects 3 input channels (weight shape [16, 3, 3, 3]), but input has 1 (shape [1, 1, 28, 28])",
    );
    throwsWith(
      () => F.conv2d(zeros([2, 32, 32, 3]), zeros([8, 3, 3, 3])),
      "input has 32",
      "channels-last",
      "x.permute([0, 3, 1, 2])",
    );
    throwsWith(
      () => F.conv2d(zeros([1, 6, 8, 8]), zeros([4, 2, 3, 3]), null, { groups: 2 }),
      "weight expects 2 input channels per group x 2 groups = 4",
    );
    throwsWith(
      () => F.convTranspose2d(zeros([1, 2, 4, 4]), zeros([3, 2, 3, 3])),
      "convTranspose2d: weight expects 3 input channels",
      "(C, OC/groups, KH, KW)",
    );
  });

  it("rejects a kernel larger than the padded input", () => {
    throwsWith(
      () => F.conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 7, 7])),
      "conv2d: the kernel size (7x7) is larger than the padded input (5x5",
    );
    throwsWith(
      () => F.conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 3, 3]), null, { dilation: 3 }),
      "dilation [3, 3], spanning 7x7",
    );
    // Padding makes room: the same kernel fits once the input is padded.
    expectShape(
      F.conv2d(zeros([1, 1, 5, 5]), zeros([1, 1, 7, 7]), null, { padding: 1 }).shape,
      [1, 1, 1, 1],
      "",
    );
  });

  it("requires groups to divide the channels", () => {
    throwsWith(
      () => F.conv2d(zeros([1, 4, 5, 5]), zeros([6, 1, 3, 3]), null, { groups: 3 }),
      "conv2d: groups = 3 must divide both the input channels (4) and the output channels (6",
    );
    throwsWith(
      () => F.conv2d(zeros([1, 4, 5, 5]), zeros([6, 2, 3, 3]), null, { groups: 0 }),
      "positive integer",
    );
    throwsWith(
      () => F.convTranspose2d(zeros([1, 3, 5, 5]), zeros([3, 1, 3, 3]), null, { groups: 2 }),
      "groups = 2 must divide the input channels (3)",
    );
  });

  it("rejects padding='same' with a stride", () => {
    throwsWith(
      () => F.conv2d(zeros([1, 1, 8, 8]), zeros([1, 1, 3, 3]), null, { padding: "same", stride: 2 }),
      "conv2d: padding='same' is not supported for strided convolutions (stride [2, 2])",
      "padding=1",
    );
    throwsWith(
      () => F.conv1d(zeros([1, 1, 8]), zeros([1, 1, 3]), null, { padding: "same", stride: 2 }),
      "conv1d: padding='same' is not supported for strided convolutions (stride 2)",
    );
  });

  it("names a wrongly sized bias", () => {
    throwsWith(
      () => F.conv2d(zeros([1, 3, 8, 8]), zeros([16, 3, 3, 3]), zeros([8])),
      "conv2d: bias must have shape [16] (one value per output channel), got [8]",
    );
    throwsWith(
      () => F.convTranspose2d(zeros([1, 2, 4, 4]), zeros([2, 3, 3, 3]), zeros([2]), { groups: 2 }),
      "bias must have shape [6]",
    );
  });

  it("rejects a bad padding mode and bad sizes", () => {
    throwsWith(
      () => F.conv2d(zeros([1, 1, 8, 8]), zeros([1, 1, 3, 3]), null, { padding: "full" as "same" }),
      "conv2d: padding must be a number, [h, w], 'same' or 'valid', got 'full'",
      "dilation * (kernel size - 1)",
    );
    throwsWith(
      () =>
        F.convTranspose2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, {
          padding: "same" as unknown as number,
        }),
      "convTranspose2d: padding must be a number or 2 numbers (transposed convolutions take no 'same' or 'valid'), got 'same'",
    );
    throwsWith(
      () => F.conv2d(zeros([1, 1, 8, 8]), zeros([1, 1, 3, 3]), null, { stride: 0 }),
      "stride must be a positive integer",
    );
    throwsWith(
      () => F.conv2d(zeros([1, 1, 8, 8]), zeros([1, 1, 3, 3]), null, { padding: -1 }),
      "padding must be a non-negative integer",
    );
    throwsWith(
      () => F.conv2d(zeros([1, 1, 8, 8]), zeros([1, 1, 3, 3]), null, { stride: [1, 2, 3] }),
      "stride must be a number or 2 numbers",
    );
  });

  it("enforces PyTorch's outputPadding rule and a non-empty transposed output", () => {
    throwsWith(
      () =>
        F.convTranspose2d(zeros([1, 2, 3, 3]), zeros([2, 1, 3, 3]), null, { stride: 2, outputPadding: 2 }),
      "convTranspose2d: outputPadding must be smaller than either stride or dilation, got outputPadding [2, 2] with stride [2, 2] and dilation [1, 1]",
    );
    throwsWith(
      () => F.convTranspose2d(zeros([1, 2, 3, 3]), zeros([2, 1, 3, 3]), null, { padding: 3 }),
      "the output would be empty",
    );
  });
});
