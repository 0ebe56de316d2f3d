// The wasm transposed convolution (conv's GEMM kernels run as the adjoint convolution) against
// ref: odd sizes, stride with output padding, groups, dilation, asymmetric padding, 1x1, += on
// every gradient, null gradients skipped, and bit-identical results on 1, 2 and 3 threads.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { convTranspose2dBackward, convTranspose2dForward } from "../../kernel/engine/backends/ref/conv";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/parallel";
import {
  type ConvTransposeCase,
  convTransposeGeometry,
  expectIdentical,
  expectMatchesRef,
  f32Random,
} from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

type Case = Omit<ConvTransposeCase, "KH" | "KW"> & { name: string; K: [number, number] };

const sizes = (c: Case) => convTransposeGeometry({ ...c, KH: c.K[0], KW: c.K[1] });

const cases: Case[] = [
  { name: "3x3, odd sizes", N: 2, C: 5, H: 7, W: 9, OC: 3, K: [3, 3] },
  {
    name: "4x4 stride 2 pad 1 (2x upsampling)",
    N: 2,
    C: 4,
    H: 5,
    W: 6,
    OC: 6,
    K: [4, 4],
    stride: [2, 2],
    pad: [1, 1, 1, 1],
  },
  {
    name: "3x3 stride 2 pad 1, output padding 1",
    N: 1,
    C: 3,
    H: 6,
    W: 5,
    OC: 5,
    K: [3, 3],
    stride: [2, 2],
    pad: [1, 1, 1, 1],
    outputPadding: [1, 1],
  },
  { name: "groups 2", N: 2, C: 6, H: 5, W: 7, OC: 4, K: [3, 2], groups: 2, pad: [1, 0, 1, 0] },
  {
    name: "dilation 2, asymmetric padding",
    N: 1,
    C: 2,
    H: 6,
    W: 5,
    OC: 3,
    K: [3, 3],
    dilation: [2, 2],
    pad: [1, 2, 0, 1],
  },
  { name: "1x1 stride 3x2", N: 2, C: 7, H: 4, W: 5, OC: 5, K: [1, 1], stride: [3, 2] },
  {
    name: "depthwise-like, groups = C = OC",
    N: 2,
    C: 4,
    H: 5,
    W: 5,
    OC: 4,
    K: [3, 3],
    groups: 4,
    stride: [2, 2],
  },
  { name: "deep: C = 40, K = 5x5", N: 1, C: 40, H: 4, W: 3, OC: 9, K: [5, 5], pad: [2, 2, 2, 2] },
];

describe("wasm convTranspose2d vs ref", () => {
  it("are wasm kernels, not ref fallbacks", () => {
    const { fallbacks } = backendInfo();
    for (const k of ["convTranspose2dForward", "convTranspose2dBackward"])
      assert.ok(!fallbacks.includes(k), k);
  });

  for (const c of cases) {
    const s = sizes(c);
    const { N, C, H, W, OC, KH, KW, OH, OW, groups: G } = s;
    const inLen = N * C * H * W;
    const wLen = C * (OC / G) * KH * KW;
    const outLen = N * OC * OH * OW;
    for (const withBias of [true, false])
      it(`forward ${c.name}${withBias ? "" : ", no bias"}`, () => {
        const inp = f32Random(inLen, 1 + inLen);
        const weight = f32Random(wLen, 2 + wLen);
        const bias = withBias ? f32Random(OC, 3) : null;
        const expected = new Float32Array(outLen);
        refKernel("convTranspose2dForward")(expected, inp, weight, bias, s);
        const actual = new Float32Array(outLen).fill(Number.NaN); // must be overwritten
        convTranspose2dForward(actual, inp, weight, bias, s);
        expectMatchesRef(actual, expected, `${c.name}: out`);
      });
    it(`backward ${c.name} accumulates into every gradient`, () => {
      const inp = f32Random(inLen, 4 + inLen);
      const weight = f32Random(wLen, 5 + wLen);
      const dout = f32Random(outLen, 6 + outLen);
      const start = () => ({
        dinp: f32Random(inLen, 7),
        dweight: f32Random(wLen, 8),
        dbias: f32Random(OC, 9),
      });
      const e = start();
      refKernel("convTranspose2dBackward")(e.dinp, e.dweight, e.dbias, dout, inp, weight, s);
      const a = start();
      convTranspose2dBackward(a.dinp, a.dweight, a.dbias, dout, inp, weight, s);
      expectMatchesRef(a.dinp, e.dinp, `${c.name}: dinp`);
      expectMatchesRef(a.dweight, e.dweight, `${c.name}: dweight`);
      expectMatchesRef(a.dbias, e.dbias, `${c.name}: dbias`);
    });
  }

  it("skips null gradients", () => {
    const s = sizes(cases[1]);
    const { N, C, H, W, OC, KH, KW, OH, OW } = s;
    const inp = f32Random(N * C * H * W, 1);
    const weight = f32Random(C * OC * KH * KW, 2);
    const dout = f32Random(N * OC * OH * OW, 3);
    const dweight = new Float32Array(weight.length);
    convTranspose2dBackward(null, dweight, null, dout, inp, weight, s);
    const expected = new Float32Array(weight.length);
    refKernel("convTranspose2dBackward")(null, expected, null, dout, inp, weight, s);
    expectMatchesRef(dweight, expected, "dweight alone");
  });

  it("gives bit-identical results on 1, 2 and 3 threads", () => {
    const c: Case = {
      name: "big",
      N: 8,
      C: 16,
      H: 16,
      W: 15,
      OC: 16,
      K: [4, 4],
      stride: [2, 2],
      pad: [1, 1, 1, 1],
    };
    const s = sizes(c);
    const { N, C, H, W, OC, KH, KW, OH, OW } = s;
    assert.ok(N * C * H * W * OC * KH * KW >= PARALLEL_MIN_MACS, "big enough to use the pool");
    const inp = f32Random(N * C * H * W, 11);
    const weight = f32Random(C * OC * KH * KW, 12);
    const bias = f32Random(OC, 13);
    const dout = f32Random(N * OC * OH * OW, 14);
    const defaultThreads = getNumThreads();
    const run = (threads: number) => {
      setNumThreads(threads);
      const out = new Float32Array(N * OC * OH * OW);
      convTranspose2dForward(out, inp, weight, bias, s);
      const grads = {
        dinp: new Float32Array(inp.length),
        dweight: new Float32Array(weight.length),
        dbias: new Float32Array(OC),
      };
      convTranspose2dBackward(grads.dinp, grads.dweight, grads.dbias, dout, inp, weight, s);
      return { out, ...grads };
    };
    try {
      const single = run(1);
      for (const threads of [2, 3]) {
        const multi = run(threads);
        for (const k of ["out", "dinp", "dweight", "dbias"] as const)
          expectIdentical(multi[k], single[k], `${k} on ${threads} threads`);
      }
    } finally {
      setNumThreads(defaultThreads);
    }
  });
});
