// The wasm depthwise conv2d gradients (direct kernels, groups = C = OC) against ref's
// conv2dBackward: odd plane sizes, stride, dilation, asymmetric and over-wide padding, kernels
// wider than the input, += on every gradient, null gradients skipped, and bit-identical results
// on 1, 2 and 3 threads.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conv2dBackward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/parallel";
import { runtime } from "../../kernel/engine/backends/wasm/runtime";
import { type ConvCase, convGeometry, expectIdentical, expectMatchesRef, f32Random } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

/** A depthwise conv (groups = C = OC): ConvCase without OC and groups, the kernel size as K. */
type Case = Omit<ConvCase, "OC" | "KH" | "KW" | "groups"> & { name: string; K: [number, number] };

const sizes = (c: Case) => convGeometry({ ...c, OC: c.C, KH: c.K[0], KW: c.K[1], groups: c.C });

const cases: Case[] = [
  { name: "3x3 pad 1, odd planes", N: 3, C: 5, H: 9, W: 11, K: [3, 3], pad: [1, 1, 1, 1] },
  { name: "3x3 stride 2 pad 1", N: 2, C: 3, H: 13, W: 10, K: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] },
  { name: "5x5 pad 2, rows of 23", N: 1, C: 4, H: 7, W: 23, K: [5, 5], pad: [2, 2, 2, 2] },
  { name: "7x3, stride 1x3", N: 2, C: 2, H: 15, W: 14, K: [7, 3], stride: [1, 3], pad: [3, 1, 3, 1] },
  {
    name: "dilation 2, asymmetric padding",
    N: 2,
    C: 3,
    H: 11,
    W: 12,
    K: [3, 3],
    dilation: [2, 2],
    pad: [0, 3, 2, 1],
  },
  { name: "no padding, 1 output column", N: 1, C: 6, H: 5, W: 3, K: [3, 3] },
  { name: "padding wider than the kernel", N: 1, C: 2, H: 3, W: 2, K: [2, 2], pad: [3, 3, 3, 3] },
  { name: "1x1", N: 2, C: 7, H: 5, W: 6, K: [1, 1] },
];

describe("wasm depthwise conv2d backward vs ref", () => {
  for (const c of cases) {
    const s = sizes(c);
    const { N, C, H, W, KH, KW, OH, OW } = s;
    const inLen = N * C * H * W;
    const wLen = C * KH * KW;
    const outLen = N * C * OH * OW;
    it(`${c.name}: accumulates into every gradient`, () => {
      const inp = f32Random(inLen, 1 + inLen);
      const weight = f32Random(wLen, 2 + wLen);
      const dout = f32Random(outLen, 3 + outLen);
      const start = () => ({
        dinp: f32Random(inLen, 4),
        dweight: f32Random(wLen, 5),
        dbias: f32Random(C, 6),
      });
      const e = start();
      refKernel("conv2dBackward")(e.dinp, e.dweight, e.dbias, dout, inp, weight, s);
      const a = start();
      conv2dBackward(a.dinp, a.dweight, a.dbias, dout, inp, weight, s);
      expectMatchesRef(a.dinp, e.dinp, `${c.name}: dinp`);
      expectMatchesRef(a.dweight, e.dweight, `${c.name}: dweight`);
      expectMatchesRef(a.dbias, e.dbias, `${c.name}: dbias`);
    });
  }

  it("skips null gradients", () => {
    const s = sizes(cases[1]);
    const { N, C, H, W, KH, KW, OH, OW } = s;
    const inp = f32Random(N * C * H * W, 1);
    const weight = f32Random(C * KH * KW, 2);
    const dout = f32Random(N * C * OH * OW, 3);
    for (const which of ["dinp", "dweight"] as const) {
      const a = new Float32Array(which === "dinp" ? inp.length : weight.length);
      const e = new Float32Array(a.length);
      const args = (b: Float32Array) => (which === "dinp" ? [b, null, null] : [null, b, null]);
      refKernel("conv2dBackward")(...args(e), dout, inp, weight, s);
      (conv2dBackward as (...a: unknown[]) => void)(...args(a), dout, inp, weight, s);
      expectMatchesRef(a, e, `${which} alone`);
    }
  });

  it("gives bit-identical results on 1, 2 and 3 threads", () => {
    const c: Case = { name: "big", N: 8, C: 32, H: 33, W: 31, K: [3, 3], pad: [1, 1, 1, 1] };
    const s = sizes(c);
    const { N, C, H, W, KH, KW, OH, OW } = s;
    assert.ok(N * C * OH * OW * KH * KW >= PARALLEL_MIN_MACS, "big enough to use the pool");
    const inp = f32Random(N * C * H * W, 7);
    const weight = f32Random(C * KH * KW, 8);
    const dout = f32Random(N * C * OH * OW, 9);
    const defaultThreads = getNumThreads();
    const run = (threads: number) => {
      setNumThreads(threads);
      const g = {
        dinp: f32Random(inp.length, 10),
        dweight: f32Random(weight.length, 11),
        dbias: new Float32Array(C),
      };
      conv2dBackward(g.dinp, g.dweight, g.dbias, dout, inp, weight, s);
      return g;
    };
    try {
      const single = run(1);
      for (const threads of [2, 3]) {
        const multi = run(threads);
        expectIdentical(multi.dinp, single.dinp, `dinp on ${threads} threads`);
        expectIdentical(multi.dweight, single.dweight, `dweight on ${threads} threads`);
        expectIdentical(multi.dbias, single.dbias, `dbias on ${threads} threads`);
      }
      if (runtime instanceof Error) throw runtime;
      assert.equal(runtime.pool.startupFailure, null);
      assert.ok(runtime.pool.workerCount >= 1, "the pool ran a share");
    } finally {
      setNumThreads(defaultThreads);
    }
  });
});
