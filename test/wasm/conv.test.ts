// The wasm conv2d kernels (im2col + GEMM) against ref: odd sizes, stride, padding (including
// asymmetric), dilation, groups (depthwise too), 1x1, depths beyond one packed GEMM block, the +=
// semantics of every gradient, and bit-identical results with the thread pool on and off. Stride-1
// cases also cover the input gradient computed as a forward conv with the flipped weight.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conv2dBackward, conv2dForward } from "../../kernel/engine/backends/ref/conv";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/parallel";
import { runtime } from "../../kernel/engine/backends/wasm/runtime";
import {
  type ConvCase,
  convGeometry,
  convLengths,
  convMacs,
  expectMatchesRef,
  f32Random,
} from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

type Case = ConvCase & { name: string };

/** A 3x3, stride-2, padding-1 case (ResNet's downsampling convs). */
function down(name: string, N: number, C: number, H: number, W: number, OC: number): Case {
  return { name, N, C, H, W, OC, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1, 1, 1] };
}

const cases: Case[] = [
  { name: "LeNet conv1 (5x5, pad 2)", N: 3, C: 1, H: 28, W: 28, OC: 6, KH: 5, KW: 5, pad: [2, 2, 2, 2] },
  { name: "LeNet conv2 (5x5)", N: 2, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5 },
  { name: "3x3 pad 1 on odd sizes", N: 2, C: 5, H: 9, W: 11, OC: 7, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  {
    name: "3x3 stride 2 pad 1",
    N: 2,
    C: 3,
    H: 10,
    W: 13,
    OC: 9,
    KH: 3,
    KW: 3,
    stride: [2, 2],
    pad: [1, 1, 1, 1],
  },
  // Stride 2 on rows of 8 and 4 outputs (SIMD every-other-float paths), and of 9 (plus a tail).
  down("3x3 stride 2, 8 outputs a row", 2, 5, 16, 16, 6),
  down("3x3 stride 2, 4 outputs a row", 3, 4, 8, 8, 5),
  down("3x3 stride 2, 9 outputs a row", 2, 3, 11, 18, 4),
  { name: "1x1", N: 2, C: 12, H: 5, W: 7, OC: 10, KH: 1, KW: 1 },
  { name: "1x1 stride 2", N: 1, C: 4, H: 7, W: 6, OC: 3, KH: 1, KW: 1, stride: [2, 2] },
  { name: "rectangular kernel, stride 3x1", N: 1, C: 2, H: 13, W: 9, OC: 5, KH: 2, KW: 4, stride: [3, 1] },
  {
    name: "dilation 2, asymmetric padding",
    N: 2,
    C: 3,
    H: 12,
    W: 10,
    OC: 4,
    KH: 3,
    KW: 3,
    dilation: [2, 2],
    pad: [1, 0, 2, 3],
  },
  { name: "groups 2", N: 2, C: 6, H: 8, W: 7, OC: 4, KH: 3, KW: 3, groups: 2, pad: [1, 1, 1, 1] },
  { name: "depthwise", N: 2, C: 5, H: 9, W: 9, OC: 5, KH: 3, KW: 3, groups: 5, pad: [1, 1, 1, 1] },
  {
    name: "depthwise stride 2",
    N: 2,
    C: 4,
    H: 13,
    W: 14,
    OC: 4,
    KH: 3,
    KW: 3,
    groups: 4,
    stride: [2, 2],
    pad: [1, 1, 1, 1],
  },
  {
    name: "depthwise 5x5 wide rows",
    N: 1,
    C: 3,
    H: 7,
    W: 23,
    OC: 3,
    KH: 5,
    KW: 5,
    groups: 3,
    pad: [2, 2, 2, 2],
  },
  {
    name: "depthwise dilation 2, asymmetric padding",
    N: 1,
    C: 2,
    H: 11,
    W: 12,
    OC: 2,
    KH: 3,
    KW: 3,
    groups: 2,
    dilation: [2, 2],
    pad: [0, 3, 2, 1],
  },
  {
    name: "depthwise, channel multiplier 2",
    N: 2,
    C: 3,
    H: 8,
    W: 9,
    OC: 6,
    KH: 3,
    KW: 3,
    groups: 3,
    pad: [1, 1, 1, 1],
  },
  {
    name: "depth K = 288 spans two GEMM blocks",
    N: 1,
    C: 32,
    H: 6,
    W: 5,
    OC: 9,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
  {
    // The input gradient of a stride-1 conv runs as a forward conv over OC * KH * KW = 297 taps.
    name: "input-gradient depth OC * KH * KW = 297 spans two GEMM blocks",
    N: 2,
    C: 5,
    H: 7,
    W: 6,
    OC: 33,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
  {
    name: "groups 2 with C/G = 4, dilation 2x1, asymmetric padding (input gradient as a forward conv)",
    N: 2,
    C: 8,
    H: 9,
    W: 10,
    OC: 6,
    KH: 3,
    KW: 3,
    groups: 2,
    dilation: [2, 1],
    pad: [2, 1, 1, 2],
  },
  {
    name: "padding wider than the kernel reach",
    N: 1,
    C: 2,
    H: 3,
    W: 2,
    OC: 3,
    KH: 2,
    KW: 2,
    pad: [3, 3, 3, 3],
  },
  { name: "1-D (conv1d shape)", N: 2, C: 3, H: 1, W: 17, OC: 4, KH: 1, KW: 3, pad: [0, 1, 0, 1] },
];

describe("wasm conv2d kernels vs ref", () => {
  it("are wasm kernels, not ref fallbacks", () => {
    const { name, fallbacks } = backendInfo();
    assert.equal(name, "wasm");
    for (const k of ["conv2dForward", "conv2dBackward"])
      assert.ok(!fallbacks.includes(k), `${k} falls back to ref`);
  });

  for (const c of cases) {
    const g = convGeometry(c);
    const { inp: inLen, weight: wLen, out: outLen } = convLengths(g);
    const { OC } = g;
    for (const withBias of [true, false])
      it(`conv2dForward ${c.name}${withBias ? "" : ", no bias"}`, () => {
        const inp = f32Random(inLen, 1 + inLen);
        const weight = f32Random(wLen, 2 + wLen);
        const bias = withBias ? f32Random(OC, 3) : null;
        const expected = new Float32Array(outLen);
        refKernel("conv2dForward")(expected, inp, weight, bias, g);
        const actual = new Float32Array(outLen).fill(Number.NaN); // must be overwritten
        conv2dForward(actual, inp, weight, bias, g);
        expectMatchesRef(actual, expected, `${c.name}: out`);
      });
    it(`conv2dBackward ${c.name} accumulates into every gradient`, () => {
      const inp = f32Random(inLen, 4 + inLen);
      const weight = f32Random(wLen, 5 + wLen);
      const dout = f32Random(outLen, 6 + outLen);
      const start = () => ({
        dinp: f32Random(inLen, 7),
        dweight: f32Random(wLen, 8),
        dbias: f32Random(OC, 9),
      });
      const e = start();
      refKernel("conv2dBackward")(e.dinp, e.dweight, e.dbias, dout, inp, weight, g);
      const a = start();
      conv2dBackward(a.dinp, a.dweight, a.dbias, dout, inp, weight, g);
      expectMatchesRef(a.dinp, e.dinp, `${c.name}: dinp`);
      expectMatchesRef(a.dweight, e.dweight, `${c.name}: dweight`);
      expectMatchesRef(a.dbias, e.dbias, `${c.name}: dbias`);
    });
  }

  it("skips null gradients", () => {
    const g = convGeometry(cases[2]);
    const n = convLengths(g);
    const inp = f32Random(n.inp, 1);
    const weight = f32Random(n.weight, 2);
    const dout = f32Random(n.out, 3);
    const dweight = new Float32Array(n.weight);
    conv2dBackward(null, dweight, null, dout, inp, weight, g);
    const expected = new Float32Array(dweight.length);
    refKernel("conv2dBackward")(null, expected, null, dout, inp, weight, g);
    expectMatchesRef(dweight, expected, "dweight alone");
  });

  const threaded: Case[] = [
    { name: "regular", N: 8, C: 8, H: 16, W: 15, OC: 16, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
    { name: "stride 2", N: 8, C: 16, H: 33, W: 32, OC: 16, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1, 1, 1] },
    { name: "depthwise", N: 8, C: 32, H: 32, W: 31, OC: 32, KH: 3, KW: 3, groups: 32, pad: [1, 1, 1, 1] },
  ];
  for (const c of threaded)
    it(`gives bit-identical results with the thread pool on and off (${c.name})`, () => {
      const defaultThreads = getNumThreads();
      const g = convGeometry(c);
      const n = convLengths(g);
      assert.ok(convMacs(g) >= PARALLEL_MIN_MACS, "big enough to use the pool");
      const inp = f32Random(n.inp, 11);
      const weight = f32Random(n.weight, 12);
      const bias = f32Random(g.OC, 13);
      const dout = f32Random(n.out, 14);
      const run = (threads: number) => {
        setNumThreads(threads);
        const out = new Float32Array(n.out);
        conv2dForward(out, inp, weight, bias, g);
        const grads = {
          dinp: new Float32Array(inp.length),
          dweight: new Float32Array(weight.length),
          dbias: new Float32Array(g.OC),
        };
        conv2dBackward(grads.dinp, grads.dweight, grads.dbias, dout, inp, weight, g);
        return { out, ...grads };
      };
      try {
        const single = run(1);
        for (const threads of [2, 3]) assert.deepEqual(run(threads), single, `${threads} threads`);
        if (runtime instanceof Error) throw runtime;
        assert.equal(runtime.pool.startupFailure, null);
      } finally {
        setNumThreads(defaultThreads);
      }
    });
});
