// The Winograd weight gradient with dot-product products (backends/wasm/winograd-weight.ts) against
// ref, called directly: added into dweight; channel counts not multiples of the 2 x 4 register block,
// tile counts not multiples of 4 (the masked last vector), several chunks of images, paddings 0-2,
// long sums (16 channels on 32x32 planes, batch 32; C = OC = 512 on 4x4 planes), and bit-identical
// results on 1, 2 and 3 threads. Also checks the dispatch rule and that conv2dBackward uses it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry } from "../../kernel/engine/backends/geometry";
import { conv2dBackward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/threads/parallel";
import { winogradWeightGradientPays } from "../../kernel/engine/backends/wasm/winograd";
import {
  winogradWeightGradientDots,
  winogradWeightPays,
} from "../../kernel/engine/backends/wasm/winograd-weight";
import { type Conv3x3Case, conv3x3Geometry, expectMatchesRef, f32Random } from "./wasm-helpers";

const runtime = wasmRuntime();

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
if (runtime instanceof Error) throw runtime;
const rt = runtime;
setBackend("wasm");

type Case = Conv3x3Case;
const sizes = conv3x3Geometry;

const cases: Case[] = [
  { name: "16 channels, 32x32, batch 32 (5 chunks)", N: 32, C: 16, H: 32, W: 32, OC: 16, pad: [1, 1, 1, 1] },
  { name: "C = OC = 512, 4x4 plane", N: 2, C: 512, H: 4, W: 4, OC: 512, pad: [1, 1, 1, 1] },
  { name: "odd channels, 4x4 plane, 7 tiles", N: 7, C: 19, H: 4, W: 4, OC: 13, pad: [1, 1, 1, 1] },
  { name: "one output channel, 5 tiles", N: 5, C: 6, H: 4, W: 4, OC: 1, pad: [1, 1, 1, 1] },
  { name: "8x12 plane, pad 0", N: 3, C: 17, H: 10, W: 14, OC: 18, pad: [0, 0, 0, 0] },
  { name: "12x8 plane, pad 2 asymmetric", N: 2, C: 20, H: 10, W: 8, OC: 21, pad: [2, 0, 2, 2] },
  { name: "28x28 plane, 2 chunks", N: 9, C: 24, H: 28, W: 28, OC: 16, pad: [1, 1, 1, 1] },
];

describe("wasm Winograd weight gradient (dot products) vs ref", () => {
  for (const c of cases) {
    const s = sizes(c);
    const { N, C, H, W, OC, OH, OW } = s;
    it(`${c.name}, added into dweight`, () => {
      assert.ok(OH % 4 === 0 && OW % 4 === 0, "whole 4x4 tiles");
      const inp = f32Random(N * C * H * W, 1 + N * C);
      const dout = f32Random(N * OC * OH * OW, 2 + OC);
      const expected = f32Random(OC * C * 9, 3);
      const actual = expected.slice();
      refKernel("conv2dBackward")(null, expected, null, dout, inp, new Float32Array(OC * C * 9), s);
      weightGradient(actual, dout, inp, s);
      expectMatchesRef(actual, expected, `${c.name}: dweight`);
    });
  }

  it("gives bit-identical results on 1, 2 and 3 threads", () => {
    const s = sizes({ name: "", N: 9, C: 18, H: 32, W: 32, OC: 17, pad: [1, 1, 1, 1] });
    const { N, C, H, W, OC, OH, OW } = s;
    assert.ok(N * OC * OH * OW * C * 4 >= PARALLEL_MIN_MACS, "big enough to use the worker threads");
    const inp = f32Random(N * C * H * W, 11);
    const dout = f32Random(N * OC * OH * OW, 12);
    const defaultThreads = getNumThreads();
    const run = (threads: number) => {
      setNumThreads(threads);
      const dweight = new Float32Array(OC * C * 9);
      weightGradient(dweight, dout, inp, s);
      return dweight;
    };
    try {
      const single = run(1);
      for (const threads of [2, 3]) assert.deepEqual(run(threads), single, `${threads} threads`);
    } finally {
      setNumThreads(defaultThreads);
    }
  });

  it("is used for 3x3, stride 1, 16+ channels, planes of whole 4x4 tiles", () => {
    const base = sizes({ name: "", N: 2, C: 16, H: 8, W: 8, OC: 16, pad: [1, 1, 1, 1] });
    assert.ok(winogradWeightPays(base));
    assert.ok(!winogradWeightPays({ ...base, C: 8 }), "8 input channels");
    assert.ok(!winogradWeightPays({ ...base, OC: 8 }), "8 output channels");
    assert.ok(!winogradWeightPays({ ...base, OH: 7 }), "OH = 7");
    assert.ok(!winogradWeightPays({ ...base, OW: 6 }), "OW = 6");
    assert.ok(!winogradWeightPays({ ...base, strideH: 2 }), "stride 2");
    assert.ok(!winogradWeightPays({ ...base, groups: 2 }), "2 groups");
    const c32 = { ...base, C: 32, OC: 32 };
    assert.ok(!winogradWeightPays(c32), "32 channels on 8x8 (winograd.ts)");
    assert.ok(winogradWeightPays({ ...c32, W: 16, OW: 16 }), "32 channels on 8x16 (rows of whole vectors)");
  });

  for (const [inC, outC] of [
    [16, 24],
    [32, 40],
  ])
    it(`conv2dBackward's weight gradient (and bias gradient) come from it when it pays (${inC} -> ${outC})`, () => {
      const s = sizes({ name: "", N: 3, C: inC, H: 16, W: 16, OC: outC, pad: [1, 1, 1, 1] });
      assert.ok(winogradWeightPays(s) && winogradWeightGradientPays(s) === inC >= 32);
      const { N, C, H, W, OC, OH, OW } = s;
      const inp = f32Random(N * C * H * W, 21);
      const weight = f32Random(OC * C * 9, 22);
      const dout = f32Random(N * OC * OH * OW, 23);
      const dweightOp = new Float32Array(weight.length);
      const dbiasOp = new Float32Array(OC);
      conv2dBackward(null, dweightOp, dbiasOp, dout, inp, weight, s);
      const dweight = new Float32Array(weight.length);
      weightGradient(dweight, dout, inp, s);
      assert.deepEqual(dweightOp, dweight, "weight gradient");
      const dbias = new Float32Array(OC);
      refKernel("conv2dBackward")(null, null, dbias, dout, inp, weight, s);
      expectMatchesRef(dbiasOp, dbias, "bias gradient");
    });
});

/** dweight += conv2d's weight gradient for dout, through winograd-weight.ts (dout put in the arena first). */
function weightGradient(dweight: Float32Array, dout: Float32Array, inp: Float32Array, s: ConvGeometry): void {
  rt.arena.begin();
  const pDout = rt.arena.put(dout);
  winogradWeightGradientDots(rt, dweight, pDout, inp, s);
}
