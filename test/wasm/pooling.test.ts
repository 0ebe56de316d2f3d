// The wasm max-pooling kernels against ref: window sizes, strides, padding (acting as -inf),
// dilation, odd sizes, ties and NaN (the argmax indices must match exactly), the += backward,
// and identical results with the thread pool on and off.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PoolGeometry } from "../../kernel/engine/backends/geometry";
import { maxPool2dBackward, maxPool2dForward } from "../../kernel/engine/backends/ref/pool";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_READS } from "../../kernel/engine/backends/wasm/pooling";
import { expectMatchesRef, f32Random, type PoolCase, poolGeometry } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

const cases: PoolGeometry[] = (
  [
    { N: 2, C: 3, H: 28, W: 28, KH: 2, KW: 2 }, // LeNet (the 2x2 fast path)
    { N: 1, C: 2, H: 11, W: 9, KH: 2, KW: 2 }, // 2x2 fast path with a row and column left over
    { N: 1, C: 2, H: 9, W: 11, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1] },
    { N: 2, C: 1, H: 7, W: 7, KH: 3, KW: 2, stride: [1, 1], pad: [1, 1] },
    { N: 1, C: 3, H: 10, W: 9, KH: 2, KW: 3, stride: [3, 3], dilation: [2, 2] },
    { N: 64, C: 16, H: 28, W: 28, KH: 2, KW: 2 }, // big enough to split across threads
  ] satisfies PoolCase[]
).map(poolGeometry);

function forward(fn: typeof maxPool2dForward, inp: Float32Array, g: PoolGeometry) {
  const { N, C, OH, OW } = g;
  const out = new Float32Array(N * C * OH * OW).fill(Number.NaN); // must be overwritten
  const idx = new Float32Array(N * C * OH * OW).fill(Number.NaN);
  fn(out, idx, inp, g);
  return { out, idx };
}

describe("wasm max pooling vs ref", () => {
  it("implements maxPool2dForward and maxPool2dBackward in wasm", () => {
    const { fallbacks } = backendInfo();
    for (const k of ["maxPool2dForward", "maxPool2dBackward"]) assert.ok(!fallbacks.includes(k), k);
  });

  for (const g of cases) {
    const { N, C, H, W, OH, OW } = g;
    it(`forward and backward, input [${N}, ${C}, ${H}, ${W}], kernel ${g.KH}x${g.KW}, stride ${g.strideH}, pad ${g.padTop}, dilation ${g.dilationH}`, () => {
      // Quantized values make ties common; a few NaNs must propagate with the same index.
      const inp = f32Random(N * C * H * W, H * W).map((v) => Math.round(v * 4) / 4);
      inp[5] = Number.NaN;
      const e = forward(refKernel("maxPool2dForward"), inp, g);
      const a = forward(maxPool2dForward, inp, g);
      expectMatchesRef(a.out, e.out, "out");
      assert.deepEqual(a.idx, e.idx, "indices");
      const dout = f32Random(N * C * OH * OW, 9);
      const expected = f32Random(N * C * H * W, 10); // += onto it
      refKernel("maxPool2dBackward")(expected, dout, e.idx, g);
      const actual = f32Random(N * C * H * W, 10);
      maxPool2dBackward(actual, dout, a.idx, g);
      expectMatchesRef(actual, expected, "dinp");
    });
  }

  it("gives identical results with the thread pool on and off, forward and backward", () => {
    const defaultThreads = getNumThreads();
    const g = cases[5];
    const { N, C, H, W, OH, OW } = g;
    assert.ok(N * C * OH * OW * g.KH * g.KW >= PARALLEL_MIN_READS, "big enough to use the pool");
    const inp = f32Random(N * C * H * W, 3);
    try {
      setNumThreads(1);
      const single = forward(maxPool2dForward, inp, g);
      setNumThreads(2);
      assert.deepEqual(forward(maxPool2dForward, inp, g), single);
      // Backward splits planes too, from as many outputs.
      assert.ok(N * C * OH * OW * 4 >= PARALLEL_MIN_READS);
      const big = { ...g, C: 4 * C }; // 4x the planes: 4x the outputs
      const dout = f32Random(N * big.C * OH * OW, 4);
      const idx = new Float32Array(dout.length).map((_, i) => (i * 7) % (H * W));
      const backward = (threads: number) => {
        setNumThreads(threads);
        const dinp = f32Random(N * big.C * H * W, 5);
        maxPool2dBackward(dinp, dout, idx, big);
        return dinp;
      };
      const expected = new Float32Array(N * big.C * H * W);
      expected.set(f32Random(expected.length, 5));
      refKernel("maxPool2dBackward")(expected, dout, idx, big);
      assert.deepEqual(backward(2), backward(1));
      expectMatchesRef(backward(2), expected, "threaded maxPool2dBackward");
    } finally {
      setNumThreads(defaultThreads);
    }
  });
});

describe("wasm max pooling backward, dinp known to be zeros", () => {
  it("skips copying dinp in and still adds onto zeros, whatever the arena held before", () => {
    const g = poolGeometry({ N: 2, C: 3, H: 12, W: 10, KH: 2, KW: 2 });
    const { N, C, H, W, OH, OW } = g;
    const inp = f32Random(N * C * H * W, 31);
    const out = new Float32Array(N * C * OH * OW);
    const idx = new Float32Array(N * C * OH * OW);
    maxPool2dForward(out, idx, inp, g);
    const dout = f32Random(out.length, 32);
    const expected = new Float32Array(inp.length);
    refKernel("maxPool2dBackward")(expected, dout, idx, g);
    // Leave non-zero values in the arena where dinp will go: a call with a non-zero dinp.
    const dirty = f32Random(inp.length, 33);
    maxPool2dBackward(dirty, dout, idx, g);
    const actual = new Float32Array(inp.length);
    maxPool2dBackward(actual, dout, idx, g, true);
    expectMatchesRef(actual, expected, "maxPool2dBackward, dinpZeroed");
  });
});
