// The Winograd conv path (backends/wasm/winograd.ts) against ref, called directly (not through the
// dispatch rule): forward with and without bias, the input and weight gradients added into dinp and
// dweight; odd planes (partial tiles, the scalar path), planes a multiple of 8 wide (the vector
// path) and of 16 wide (F(4x4, 3x3)), every padding 0-2, channels not a multiple of 4, deep C = 512
// sums, and bit-identical results on 1, 2 and 3 threads. Also checks that conv2dForward and
// conv2dBackward dispatch here when it pays, and that the transforms' planes avoid L1-set conflicts.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry } from "../../kernel/engine/backends/geometry";
import { conv2dBackward, conv2dForward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/threads/parallel";
import {
  winogradForward,
  winogradInputGradient,
  winogradPays,
  winogradWeightGradient,
  winogradWeightGradientPays,
} from "../../kernel/engine/backends/wasm/winograd";
import { WINOGRAD } from "./kernel-cases";
import { type Conv3x3Case, conv3x3Geometry, convGeometry, expectMatchesRef, f32Random } from "./wasm-helpers";

const runtime = wasmRuntime();

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
if (runtime instanceof Error) throw runtime;
const rt = runtime;
setBackend("wasm");

type Case = Conv3x3Case;
const sizes = conv3x3Geometry;

const cases: Case[] = [
  { name: "odd plane, pad 1", N: 2, C: 9, H: 7, W: 11, OC: 10, pad: [1, 1, 1, 1] },
  { name: "vector path (OW = 16), pad 1", N: 3, C: 8, H: 9, W: 16, OC: 12, pad: [1, 1, 1, 1] },
  { name: "vector path (OW = 8), odd OH", N: 2, C: 13, H: 5, W: 8, OC: 9, pad: [1, 1, 1, 1] },
  {
    name: "F(4x4) (OW = 16), channels not a multiple of 4",
    N: 2,
    C: 9,
    H: 7,
    W: 16,
    OC: 13,
    pad: [1, 1, 1, 1],
  },
  { name: "F(4x4) (OW = 32), OH = 7, pad 2 on top", N: 1, C: 8, H: 6, W: 32, OC: 12, pad: [2, 1, 1, 1] },
  { name: "F(4x4) gathered tiles, 8x8 plane", N: 3, C: 12, H: 8, W: 8, OC: 10, pad: [1, 1, 1, 1] },
  { name: "F(4x4) deep sum C = 512", N: 1, C: 512, H: 8, W: 16, OC: 8, pad: [1, 1, 1, 1] },
  { name: "no padding", N: 2, C: 11, H: 8, W: 10, OC: 8, pad: [0, 0, 0, 0] },
  { name: "pad 2, asymmetric", N: 1, C: 8, H: 6, W: 7, OC: 14, pad: [2, 0, 1, 2] },
  { name: "4x4 plane (ResNet stage 4)", N: 5, C: 20, H: 4, W: 4, OC: 24, pad: [1, 1, 1, 1] },
  { name: "deep sum C = 600 (three GEMM blocks)", N: 2, C: 600, H: 4, W: 4, OC: 16, pad: [1, 1, 1, 1] },
  { name: "C = OC = 512, 4x4 plane", N: 2, C: 512, H: 4, W: 4, OC: 512, pad: [1, 1, 1, 1] },
  {
    name: "weight gradient over two chunks, 31x31 (F(2x2))",
    N: 10,
    C: 8,
    H: 31,
    W: 31,
    OC: 8,
    pad: [1, 1, 1, 1],
  },
  {
    name: "weight gradient over two chunks, 32x32 (F(4x4))",
    N: 16,
    C: 8,
    H: 32,
    W: 32,
    OC: 8,
    pad: [1, 1, 1, 1],
  },
  { name: "many images per GEMM, 2x2 plane", N: 70, C: 8, H: 2, W: 2, OC: 8, pad: [1, 1, 1, 1] },
];

describe("wasm Winograd conv vs ref", () => {
  for (const c of cases) {
    const s = sizes(c);
    const { N, C, H, W, OC, OH, OW } = s;
    const inLen = N * C * H * W;
    const wLen = OC * C * 9;
    const outLen = N * OC * OH * OW;
    for (const withBias of [true, false])
      it(`forward ${c.name}${withBias ? "" : ", no bias"}`, () => {
        const inp = f32Random(inLen, 1 + inLen);
        const weight = f32Random(wLen, 2 + wLen);
        const bias = withBias ? f32Random(OC, 3) : null;
        const expected = new Float32Array(outLen);
        refKernel("conv2dForward")(expected, inp, weight, bias, s);
        const actual = new Float32Array(outLen).fill(Number.NaN); // must be overwritten
        winogradForward(rt, actual, inp, weight, bias, s);
        expectMatchesRef(actual, expected, `${c.name}: out`);
      });
    it(`weight gradient ${c.name}, added into dweight`, () => {
      const inp = f32Random(inLen, 8 + inLen);
      const dout = f32Random(outLen, 9 + outLen);
      const weight = new Float32Array(wLen);
      const expected = f32Random(wLen, 10);
      refKernel("conv2dBackward")(null, expected, null, dout, inp, weight, s);
      const actual = f32Random(wLen, 10);
      weightGradient(actual, dout, inp, s);
      expectMatchesRef(actual, expected, `${c.name}: dweight`);
    });
    it(`input gradient ${c.name}, added into dinp`, () => {
      const weight = f32Random(wLen, 5 + wLen);
      const dout = f32Random(outLen, 6 + outLen);
      const expected = f32Random(inLen, 7);
      refKernel("conv2dBackward")(expected, null, null, dout, new Float32Array(inLen), weight, s);
      const actual = f32Random(inLen, 7);
      inputGradient(actual, dout, weight, s);
      expectMatchesRef(actual, expected, `${c.name}: dinp`);
    });
  }

  const threaded: Case[] = [
    { name: "16x16 planes", N: 9, C: 16, H: 16, W: 16, OC: 16, pad: [1, 1, 1, 1] },
    { name: "4x4 planes, images split in fours", N: 18, C: 64, H: 4, W: 4, OC: 64, pad: [1, 1, 1, 1] },
    { name: "15x15 planes (F(2x2))", N: 10, C: 16, H: 15, W: 15, OC: 16, pad: [1, 1, 1, 1] },
    // Fewer images than threads: threads split output channels (36 = 9 micro-panels: uneven at 2 and 3)
    {
      name: "one image, channels split (F(4x4), 32x32)",
      N: 1,
      C: 16,
      H: 32,
      W: 32,
      OC: 36,
      pad: [1, 1, 1, 1],
    },
    {
      name: "one image, channels split (F(4x4) gathered, 20x20)",
      N: 1,
      C: 40,
      H: 20,
      W: 20,
      OC: 44,
      pad: [1, 1, 1, 1],
    },
    // U outweighs the batch's tiles (winograd.ts CHANNEL_SPLIT): output channels split too.
    {
      name: "four images on 4x4 planes, 136 channels: channels split",
      N: 4,
      C: 64,
      H: 4,
      W: 4,
      OC: 136,
      pad: [1, 1, 1, 1],
    },
    {
      name: "two images, channels split at 3 threads (F(2x2), 15x15)",
      N: 2,
      C: 48,
      H: 15,
      W: 15,
      OC: 28,
      pad: [1, 1, 1, 1],
    },
  ];
  for (const c of threaded)
    it(`gives bit-identical results on 1, 2 and 3 threads (${c.name})`, () => {
      const s = sizes(c);
      const { N, C, H, W, OC, OH, OW } = s;
      assert.ok(N * OC * OH * OW * C * 4 >= PARALLEL_MIN_MACS, "big enough to use the worker threads");
      const inp = f32Random(N * C * H * W, 11);
      const weight = f32Random(OC * C * 9, 12);
      const bias = f32Random(OC, 13);
      const dout = f32Random(N * OC * OH * OW, 14);
      const defaultThreads = getNumThreads();
      const run = (threads: number) => {
        setNumThreads(threads);
        const out = new Float32Array(N * OC * OH * OW);
        winogradForward(rt, out, inp, weight, bias, s);
        const dinp = new Float32Array(inp.length);
        inputGradient(dinp, dout, weight, s);
        const dweight = new Float32Array(weight.length);
        weightGradient(dweight, dout, inp, s);
        return { out, dinp, dweight };
      };
      try {
        const single = run(1);
        for (const threads of [2, 3]) assert.deepEqual(run(threads), single, `${threads} threads`);
        assert.equal(rt.workers.startupFailure, null);
      } finally {
        setNumThreads(defaultThreads);
      }
    });

  it("is used only for 3x3, stride 1, dilation 1, one group, 16+ channels, 4+ blocks of outputs", () => {
    const base = sizes({ name: "", N: 2, C: 16, H: 8, W: 8, OC: 16, pad: [1, 1, 1, 1] });
    assert.ok(winogradPays(base));
    assert.ok(!winogradPays({ ...base, C: 8 }), "8 input channels");
    assert.ok(!winogradPays({ ...base, OC: 8 }), "8 output channels");
    assert.ok(!winogradPays({ ...base, KH: 5 }), "5x3 kernel");
    assert.ok(!winogradPays({ ...base, strideH: 2 }), "stride 2");
    assert.ok(!winogradPays({ ...base, dilationH: 2 }), "dilation 2");
    assert.ok(!winogradPays({ ...base, groups: 2 }), "2 groups");
    // One image of 4x4 planes is one block of 4x4 outputs: the weight transform would cost more
    // than the multiplies it saves (ResNet-18's last stage classifying a single image).
    const plane4 = { ...base, C: 128, OC: 128, H: 4, W: 4, OH: 4, OW: 4 };
    assert.ok(!winogradPays({ ...plane4, N: 1 }), "one image of 4x4 planes");
    assert.ok(!winogradPays({ ...plane4, N: 3 }), "three images of 4x4 planes");
    assert.ok(winogradPays({ ...plane4, N: 4 }), "four images of 4x4 planes");
    assert.ok(winogradPays({ ...base, N: 1 }), "one image of 8x8 planes: four blocks");
    assert.ok(!winogradWeightGradientPays(base), "weight gradient with 16 channels");
    const c32 = { ...base, C: 32, OC: 32 };
    assert.ok(winogradWeightGradientPays(c32), "weight gradient with 32 channels on 8x8");
    assert.ok(!winogradWeightGradientPays({ ...c32, OW: 7 }), "weight gradient with 32 channels, F(2x2)");
    assert.ok(winogradWeightGradientPays({ ...base, C: 64, OC: 64 }));
  });
});

describe("wasm Winograd plane strides", () => {
  it("put the 36 planes a transform touches in 36 different L1 sets (odd cache-line strides)", () => {
    // Planes a multiple of 4 KiB apart (U of 128 x 128 channels: 64 KiB) all land in one set of a
    // 64-set L1 and evict each other: the F(4x4) weight transform ran 4x slower per filter.
    for (const n of [128 * 128, 64 * 64 * 9, 16 * 256, 1024, 1000, 17, 1]) {
      const stride = rt.kernels.winogradPlaneFloats(n);
      assert.ok(stride >= n, `winogradPlaneFloats(${n}) = ${stride} holds a plane`);
      assert.equal(stride % 16, 0, `winogradPlaneFloats(${n}) is whole 64-byte lines`);
      const sets = new Set(Array.from({ length: 36 }, (_, xi) => ((xi * stride) / 16) % 64));
      assert.equal(sets.size, 36, `winogradPlaneFloats(${n}) = ${stride}: 36 planes in ${sets.size} sets`);
    }
  });
});

describe("wasm conv2d kernels and Winograd", () => {
  it("takes the table's Winograd cases (kernel-cases.ts)", () => {
    for (const c of WINOGRAD) assert.ok(winogradPays(convGeometry(c)), c.name);
  });

  it("conv2dForward and conv2dBackward's input and weight gradients dispatch to Winograd when it pays", () => {
    const s = sizes({ name: "", N: 2, C: 64, H: 8, W: 8, OC: 64, pad: [1, 1, 1, 1] });
    assert.ok(winogradPays(s) && winogradWeightGradientPays(s));
    const { N, C, H, W, OC, OH, OW } = s;
    const inp = f32Random(N * C * H * W, 21);
    const weight = f32Random(OC * C * 9, 22);
    const dout = f32Random(N * OC * OH * OW, 23);
    const viaOp = new Float32Array(N * OC * OH * OW);
    conv2dForward(viaOp, inp, weight, null, s);
    const direct = new Float32Array(viaOp.length);
    winogradForward(rt, direct, inp, weight, null, s);
    assert.deepEqual(viaOp, direct, "forward");
    const dinpOp = new Float32Array(inp.length);
    conv2dBackward(dinpOp, null, null, dout, inp, weight, s);
    const dinp = new Float32Array(inp.length);
    inputGradient(dinp, dout, weight, s);
    assert.deepEqual(dinpOp, dinp, "input gradient");
    const dweightOp = new Float32Array(weight.length);
    conv2dBackward(null, dweightOp, null, dout, inp, weight, s);
    const dweight = new Float32Array(weight.length);
    weightGradient(dweight, dout, inp, s);
    assert.deepEqual(dweightOp, dweight, "weight gradient");
  });
});

/** dinp += conv2d's input gradient for dout, through the Winograd path (dout put in the arena first). */
function inputGradient(dinp: Float32Array, dout: Float32Array, weight: Float32Array, s: ConvGeometry): void {
  rt.arena.begin();
  const pDout = rt.arena.put(dout);
  winogradInputGradient(rt, dinp, pDout, weight, s);
}

/** dweight += conv2d's weight gradient for dout, through the Winograd path (dout put in the arena first). */
function weightGradient(dweight: Float32Array, dout: Float32Array, inp: Float32Array, s: ConvGeometry): void {
  rt.arena.begin();
  const pDout = rt.arena.put(dout);
  winogradWeightGradient(rt, dweight, pDout, inp, s);
}
