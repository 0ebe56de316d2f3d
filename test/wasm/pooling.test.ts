// The wasm max-pooling kernels against ref: window sizes, strides, padding (acting as -inf),
// dilation, odd sizes, ties and NaN (the argmax indices must match exactly), the += backward,
// and identical results with the thread pool on and off.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { maxPool2dBackward, maxPool2dForward } from "../../kernel/engine/backends/ref/pool";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_READS } from "../../kernel/engine/backends/wasm/pooling";
import { expectMatchesRef, f32Random } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

// [N, C, H, W, KH, KW, stride, pad, dilation]
const cases: number[][] = [
  [2, 3, 28, 28, 2, 2, 2, 0, 1], // LeNet (the 2x2 fast path)
  [1, 2, 11, 9, 2, 2, 2, 0, 1], // 2x2 fast path with a row and column left over
  [1, 2, 9, 11, 3, 3, 2, 1, 1],
  [2, 1, 7, 7, 3, 2, 1, 1, 1],
  [1, 3, 10, 9, 2, 3, 3, 0, 2],
  [64, 16, 28, 28, 2, 2, 2, 0, 1], // big enough to split across threads
];

function geometry([N, C, H, W, KH, KW, s, p, d]: number[]): number[] {
  const OH = Math.floor((H + 2 * p - d * (KH - 1) - 1) / s) + 1;
  const OW = Math.floor((W + 2 * p - d * (KW - 1) - 1) / s) + 1;
  return [N, C, H, W, OH, OW, KH, KW, s, s, p, p, d, d];
}

function forward(fn: (...a: unknown[]) => void, inp: Float32Array, g: number[]) {
  const [N, C, , , OH, OW] = g;
  const out = new Float32Array(N * C * OH * OW).fill(Number.NaN); // must be overwritten
  const idx = new Float32Array(N * C * OH * OW).fill(Number.NaN);
  fn(out, idx, inp, ...g);
  return { out, idx };
}

describe("wasm max pooling vs ref", () => {
  it("implements maxPool2dForward and maxPool2dBackward in wasm", () => {
    const { fallbacks } = backendInfo();
    for (const k of ["maxPool2dForward", "maxPool2dBackward"]) assert.ok(!fallbacks.includes(k), k);
  });

  for (const c of cases) {
    const g = geometry(c);
    const [N, C, H, W, OH, OW] = g;
    it(`forward and backward, input [${N}, ${C}, ${H}, ${W}], kernel ${c[4]}x${c[5]}, stride ${c[6]}, pad ${c[7]}, dilation ${c[8]}`, () => {
      // Quantized values make ties common; a few NaNs must propagate with the same index.
      const inp = f32Random(N * C * H * W, H * W).map((v) => Math.round(v * 4) / 4);
      inp[5] = Number.NaN;
      const e = forward(refKernel("maxPool2dForward"), inp, g);
      const a = forward(maxPool2dForward as (...x: unknown[]) => void, inp, g);
      expectMatchesRef(a.out, e.out, "out");
      assert.deepEqual(a.idx, e.idx, "indices");
      const dout = f32Random(N * C * OH * OW, 9);
      const expected = f32Random(N * C * H * W, 10); // += onto it
      refKernel("maxPool2dBackward")(expected, dout, e.idx, N, C, H, W, OH, OW);
      const actual = f32Random(N * C * H * W, 10);
      maxPool2dBackward(actual, dout, a.idx, N, C, H, W, OH, OW);
      expectMatchesRef(actual, expected, "dinp");
    });
  }

  it("gives identical results with the thread pool on and off, forward and backward", () => {
    const defaultThreads = getNumThreads();
    const g = geometry(cases[5]);
    assert.ok(g[0] * g[1] * g[4] * g[5] * g[6] * g[7] >= PARALLEL_MIN_READS, "big enough to use the pool");
    const inp = f32Random(g[0] * g[1] * g[2] * g[3], 3);
    try {
      setNumThreads(1);
      const single = forward(maxPool2dForward as (...x: unknown[]) => void, inp, g);
      setNumThreads(2);
      assert.deepEqual(forward(maxPool2dForward as (...x: unknown[]) => void, inp, g), single);
      // Backward splits planes too, from as many outputs.
      const [N, C, H, W, OH, OW] = g;
      assert.ok(N * C * OH * OW * 4 >= PARALLEL_MIN_READS);
      const big = [N, 4 * C, H, W, OH, OW] as const; // 4x the planes: 4x the outputs
      const dout = f32Random(big[0] * big[1] * OH * OW, 4);
      const idx = new Float32Array(dout.length).map((_, i) => (i * 7) % (H * W));
      const backward = (threads: number) => {
        setNumThreads(threads);
        const dinp = f32Random(big[0] * big[1] * H * W, 5);
        maxPool2dBackward(dinp, dout, idx, ...big);
        return dinp;
      };
      const expected = new Float32Array(big[0] * big[1] * H * W);
      expected.set(f32Random(expected.length, 5));
      refKernel("maxPool2dBackward")(expected, dout, idx, ...big);
      assert.deepEqual(backward(2), backward(1));
      expectMatchesRef(backward(2), expected, "threaded maxPool2dBackward");
    } finally {
      setNumThreads(defaultThreads);
    }
  });
});

describe("wasm max pooling backward, dinp known to be zeros", () => {
  it("skips copying dinp in and still adds onto zeros, whatever the arena held before", () => {
    const [N, C, H, W, OH, OW] = [2, 3, 12, 10, 6, 5];
    const inp = f32Random(N * C * H * W, 31);
    const out = new Float32Array(N * C * OH * OW);
    const idx = new Float32Array(N * C * OH * OW);
    maxPool2dForward(out, idx, inp, N, C, H, W, OH, OW, 2, 2, 2, 2, 0, 0, 1, 1);
    const dout = f32Random(out.length, 32);
    const expected = new Float32Array(inp.length);
    refKernel("maxPool2dBackward")(expected, dout, idx, N, C, H, W, OH, OW);
    // Leave non-zero values in the arena where dinp will go: a call with a non-zero dinp.
    const dirty = f32Random(inp.length, 33);
    maxPool2dBackward(dirty, dout, idx, N, C, H, W, OH, OW);
    const actual = new Float32Array(inp.length);
    const hinted = maxPool2dBackward as (...args: [...Parameters<typeof maxPool2dBackward>, boolean]) => void;
    hinted(actual, dout, idx, N, C, H, W, OH, OW, true);
    expectMatchesRef(actual, expected, "maxPool2dBackward, dinpZeroed");
  });
});
