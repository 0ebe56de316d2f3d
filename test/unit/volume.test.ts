// The 3-D ops (conv3d, maxPool3d, avgPool3d, adaptive 3-D pooling): float64 gradient checks of the
// ref kernels, agreement with the 2-D kernels on clips of depth 1, and the ops' errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry3d, PoolGeometry3d, PoolPlanes3d } from "../../kernel/engine/backends/geometry";
import { conv3dBackward, conv3dForward } from "../../kernel/engine/backends/ref/conv3d";
import {
  adaptiveAvgPool3dBackward,
  adaptiveAvgPool3dForward,
  avgPool3dBackward,
  avgPool3dForward,
} from "../../kernel/engine/backends/ref/pool3d";
import { F, nn, randn } from "../../kernel/engine/index";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

const f64 = (n: number) => new Float64Array(n);

describe("3-D ref kernels: float64 gradient checks", () => {
  const geometries: [string, ConvGeometry3d][] = [
    [
      "stride, padding and dilation per dim",
      {
        N: 2,
        C: 2,
        D: 4,
        H: 5,
        W: 4,
        OC: 2,
        KD: 2,
        KH: 3,
        KW: 2,
        OD: 3,
        OH: 3,
        OW: 2,
        strideD: 1,
        strideH: 2,
        strideW: 2,
        padFront: 0,
        padTop: 1,
        padLeft: 0,
        dilationD: 2,
        dilationH: 1,
        dilationW: 2,
        groups: 1,
      },
    ],
    [
      "groups 2",
      {
        N: 1,
        C: 4,
        D: 3,
        H: 3,
        W: 3,
        OC: 2,
        KD: 2,
        KH: 2,
        KW: 2,
        OD: 4,
        OH: 4,
        OW: 4,
        strideD: 1,
        strideH: 1,
        strideW: 1,
        padFront: 1,
        padTop: 1,
        padLeft: 1,
        dilationD: 1,
        dilationH: 1,
        dilationW: 1,
        groups: 2,
      },
    ],
  ];
  for (const [name, g] of geometries)
    it(`conv3d: ${name}`, () => {
      const nIn = g.N * g.C * g.D * g.H * g.W;
      const nW = g.OC * (g.C / g.groups) * g.KD * g.KH * g.KW;
      const nOut = g.N * g.OC * g.OD * g.OH * g.OW;
      const [x, w, b, gout] = [
        f64Random(nIn, 61),
        f64Random(nW, 62),
        f64Random(g.OC, 63),
        f64Random(nOut, 64),
      ];
      const run = (x: Float64Array, w: Float64Array, b: Float64Array) => {
        const out = f64(nOut);
        conv3dForward(out, x, w, b, g);
        return out;
      };
      gradcheck(
        "conv3d",
        [x, w, b],
        ([x, w, b]) => dot(run(x, w, b), gout),
        ([x, w]) => {
          const [dx, dw, db] = [f64(nIn), f64(nW), f64(g.OC)];
          conv3dBackward(dx, dw, db, gout, x, w, g);
          return [dx, dw, db];
        },
      );
    });

  const pool: PoolGeometry3d = {
    N: 1,
    C: 2,
    D: 5,
    H: 4,
    W: 5,
    OD: 3,
    OH: 2,
    OW: 3,
    KD: 3,
    KH: 2,
    KW: 3,
    strideD: 2,
    strideH: 2,
    strideW: 2,
    padFront: 1,
    padTop: 0,
    padLeft: 1,
    dilationD: 1,
    dilationH: 1,
    dilationW: 1,
  };
  for (const countIncludePad of [true, false])
    it(`avgPool3d countIncludePad ${countIncludePad}`, () => {
      const nIn = pool.N * pool.C * pool.D * pool.H * pool.W;
      const nOut = pool.N * pool.C * pool.OD * pool.OH * pool.OW;
      const gout = f64Random(nOut, 71);
      gradcheck(
        "avgPool3d",
        [f64Random(nIn, 72)],
        ([x]) => {
          const out = f64(nOut);
          avgPool3dForward(out, x, pool, countIncludePad, 0);
          return dot(out, gout);
        },
        () => {
          const dx = f64(nIn);
          avgPool3dBackward(dx, gout, pool, countIncludePad, 0);
          return [dx];
        },
      );
    });

  it("adaptiveAvgPool3d with overlapping windows", () => {
    const p: PoolPlanes3d = { N: 2, C: 1, D: 5, H: 3, W: 7, OD: 2, OH: 2, OW: 3 };
    const nIn = p.N * p.C * p.D * p.H * p.W;
    const nOut = p.N * p.C * p.OD * p.OH * p.OW;
    const gout = f64Random(nOut, 81);
    gradcheck(
      "adaptiveAvgPool3d",
      [f64Random(nIn, 82)],
      ([x]) => {
        const out = f64(nOut);
        adaptiveAvgPool3dForward(out, x, p);
        return dot(out, gout);
      },
      () => {
        const dx = f64(nIn);
        adaptiveAvgPool3dBackward(dx, gout, p);
        return [dx];
      },
    );
  });
});

describe("3-D ops", () => {
  it("on a clip of depth 1 with a depth-1 kernel equal the 2-D ops", () => {
    const x = randn([2, 3, 1, 6, 7]);
    const w = randn([4, 3, 1, 3, 3]);
    const y3 = F.conv3d(x, w, null, { stride: [1, 2, 1], padding: [0, 1, 1] });
    const y2 = F.conv2d(x.squeeze(2), w.squeeze(2), null, { stride: [2, 1], padding: 1 });
    expectClose(y3.storage, y2.storage, "conv3d vs conv2d");
    expectClose(F.maxPool3d(x, [1, 2, 2]).storage, F.maxPool2d(x.squeeze(2), 2).storage, "maxPool3d");
    expectClose(
      F.avgPool3d(x, [1, 3, 3], { padding: [0, 1, 1] }).storage,
      F.avgPool2d(x.squeeze(2), 3, { padding: 1 }).storage,
      "avgPool3d",
    );
  });

  it("maxPool3d's indices feed the gradient to each window's maximum", () => {
    const x = randn([1, 1, 2, 2, 2], { requiresGrad: true });
    const [y, idx] = F.maxPool3d(x, 2, { returnIndices: true });
    y.sum().backward();
    const argmax = [...x.storage].indexOf(Math.max(...x.storage));
    assert.equal(idx.item(), argmax);
    assert.deepEqual(
      [...x.grad!.storage].map((v, i) => (i === argmax ? v === 1 : v === 0)),
      new Array(8).fill(true),
    );
  });

  it("explain bad input", () => {
    const x = randn([1, 2, 4, 4, 4]);
    assert.throws(
      () => F.conv3d(randn([2, 4, 4]), randn([1, 2, 3, 3, 3])),
      /conv3d: expects a 4-D \(C, D, H, W\) or 5-D \(N, C, D, H, W\) input, got rank 3/,
    );
    assert.throws(
      () => F.conv3d(x, randn([1, 2, 3, 3])),
      /conv3d: weight must be 5-D \(OC, C\/groups, KD, KH, KW\), got rank 4/,
    );
    assert.throws(
      () => F.conv3d(x, randn([1, 3, 3, 3, 3])),
      /conv3d: weight expects 3 input channels .* but input has 2/,
    );
    assert.throws(
      () => F.conv3d(x, randn([1, 2, 5, 3, 3])),
      /conv3d: the kernel size \(5x3x3\) is larger than the padded input \(4x4x4/,
    );
    assert.throws(
      () => F.conv3d(x, randn([1, 2, 3, 3, 3]), null, { stride: [1, 2] }),
      /conv3d: stride must be a number or 3 numbers, got \[1, 2\]/,
    );
    assert.throws(
      () => F.maxPool3d(randn([4, 4, 4]), 2),
      /maxPool3d: input must be rank 5 \(N, C, D, H, W\) or rank 4 \(C, D, H, W\), got rank 3.*unsqueeze/,
    );
    assert.throws(
      () => F.maxPool3d(x, [2, 2]),
      /maxPool3d: kernelSize must be a number or \[d, h, w\], got \[2,2\]/,
    );
    assert.throws(
      () => F.avgPool3d(x, 2, { padding: 2 }),
      /avgPool3d: padding \[2, 2, 2\] is more than half of kernelSize \[2, 2, 2\]/,
    );
    assert.throws(
      () => F.avgPool3d(x, 5),
      /avgPool3d: kernelSize \[5, 5, 5\] is larger than the padded input/,
    );
    assert.throws(
      () => F.avgPool3d(x, 2, { divisorOverride: 0 }),
      /avgPool3d: divisorOverride must be a non-zero integer/,
    );
    assert.throws(
      () => F.adaptiveAvgPool3d(x, [2, 0, 2]),
      /adaptiveAvgPool3d: outputSize must be positive integers/,
    );
    assert.throws(
      () => new nn.BatchNorm3d(2).forward(randn([2, 2, 4, 4])),
      /BatchNorm3d: expects 5D input \(N, C, D, H, W\).*use BatchNorm2d/,
    );
    assert.throws(() => new nn.Conv3d(2, 4, [3, 3]), /Conv3d: kernelSize/);
  });

  it("print their non-default arguments", () => {
    assert.equal(
      String(new nn.Conv3d(3, 8, [1, 3, 3], { stride: [1, 2, 2] })),
      "Conv3d(3, 8, kernelSize=[1, 3, 3], stride=[1, 2, 2])",
    );
    assert.equal(String(new nn.MaxPool3d(2)), "MaxPool3d(2)");
    assert.equal(String(new nn.AvgPool3d(3, { stride: 2 })), "AvgPool3d(3, stride=2)");
  });
});
