// The wasm elementwise kernels against ref: every unary op it implements forward and backward,
// same-shape and scalar-operand binary arithmetic, lengths not divisible by 4, special values
// (NaN, +-0, infinities), the ref fallback for ops and broadcasts it leaves to ref, and loops long
// enough to be split across threads (the same bits on 1, 2 and 3 threads).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  binaryBackward,
  binaryForward,
  unaryBackward,
  unaryForward,
} from "../../kernel/engine/backends/ref/elementwise";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { expectMatchesRef, f32Random } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

/** Random values with special ones sprinkled in. */
function values(n: number, seed: number): Float32Array {
  const x = f32Random(n, seed).map((v) => v * 4);
  const specials = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-30, -1e-30];
  for (let i = 0; i < specials.length && i * 37 < n; i++) x[i * 37] = specials[i];
  return x;
}

// [op, a, b] as the ops call them.
const UNARY: [string, number, number][] = [
  ["relu", 0, 0],
  ["leakyRelu", 0.01, 0],
  ["affine", 0.5, -1.25],
  ["neg", 0, 0],
  ["square", 0, 0],
  ["sigmoid", 0, 0], // not in wasm: goes to ref
];

describe("wasm elementwise kernels vs ref", () => {
  it("implements unaryForward, unaryBackward and binaryForward in wasm", () => {
    const { fallbacks } = backendInfo();
    for (const k of ["unaryForward", "unaryBackward", "binaryForward", "binaryBackward"])
      assert.ok(!fallbacks.includes(k), k);
  });

  for (const n of [256, 257, 1003, 4096 + 3])
    for (const [op, a, b] of UNARY) {
      it(`unaryForward ${op} on ${n} elements`, () => {
        const x = values(n, n);
        const expected = new Float32Array(n);
        refKernel("unaryForward")(op, expected, x, a, b);
        const actual = new Float32Array(n).fill(Number.NaN); // must be overwritten
        unaryForward(op as Parameters<typeof unaryForward>[0], actual, x, a, b);
        expectMatchesRef(actual, expected, `${op} forward`);
      });
      it(`unaryBackward ${op} on ${n} elements`, () => {
        const x = values(n, n + 1);
        const y = new Float32Array(n);
        refKernel("unaryForward")(op, y, x, a, b);
        const dout = f32Random(n, n + 2);
        const expected = new Float32Array(n);
        refKernel("unaryBackward")(op, expected, x, y, dout, a, b);
        const actual = new Float32Array(n).fill(Number.NaN); // must be overwritten
        unaryBackward(op as Parameters<typeof unaryBackward>[0], actual, x, y, dout, a, b);
        expectMatchesRef(actual, expected, `${op} backward`);
      });
    }

  const contiguous = (shape: number[]) => shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));
  for (const op of ["add", "sub", "mul", "div", "maximum"] as const)
    for (const shape of [
      [16, 16],
      [3, 7, 13],
      [1, 1001],
    ]) {
      const n = shape.reduce((p, q) => p * q, 1);
      it(`binaryForward ${op} same shape [${shape}]`, () => {
        const a = values(n, 3);
        const b = f32Random(n, 4);
        const expected = new Float32Array(n);
        refKernel("binaryForward")(op, expected, a, b, shape, contiguous(shape), contiguous(shape));
        const actual = new Float32Array(n).fill(Number.NaN); // must be overwritten
        binaryForward(op, actual, a, b, shape, contiguous(shape), contiguous(shape));
        expectMatchesRef(actual, expected, `${op} same shape`);
      });
      it(`binaryForward ${op} with a scalar right operand [${shape}]`, () => {
        const a = values(n, 5);
        const b = Float32Array.of(-0.75);
        const zeros = shape.map(() => 0);
        const expected = new Float32Array(n);
        refKernel("binaryForward")(op, expected, a, b, shape, contiguous(shape), zeros);
        const actual = new Float32Array(n).fill(Number.NaN); // must be overwritten
        binaryForward(op, actual, a, b, shape, contiguous(shape), zeros);
        expectMatchesRef(actual, expected, `${op} scalar`);
      });
    }

  for (const op of ["add", "sub", "mul", "div"] as const)
    for (const which of ["both", "a only", "b only"])
      it(`binaryBackward ${op} same shape, gradient for ${which}, accumulating`, () => {
        const shape = [7, 61];
        const n = 7 * 61;
        const strides = contiguous(shape);
        const a = f32Random(n, 1);
        const b = f32Random(n, 2).map((v) => v + 2); // away from 0 for div
        const y = new Float32Array(n);
        refKernel("binaryForward")(op, y, a, b, shape, strides, strides);
        const dout = f32Random(n, 3);
        const grads = () => ({
          da: which === "b only" ? null : f32Random(n, 4),
          db: which === "a only" ? null : f32Random(n, 5),
        });
        const e = grads();
        refKernel("binaryBackward")(op, e.da, e.db, a, b, y, dout, shape, strides, strides);
        const w = grads();
        binaryBackward(op, w.da, w.db, a, b, y, dout, shape, strides, strides);
        if (e.da !== null) expectMatchesRef(w.da!, e.da, `${op} da`);
        if (e.db !== null) expectMatchesRef(w.db!, e.db, `${op} db`);
      });

  it("splits long loops across threads: ref's values, the same bits on 1, 2 and 3 threads", () => {
    const n = (1 << 18) + 13; // past SPLIT_ELEMENTS, shares not multiples of 16
    const shape = [n];
    const strides = [1];
    const x = values(n, 11);
    const b = f32Random(n, 12).map((v) => v + 2);
    const dout = f32Random(n, 13);
    const run = () => {
      const affine = new Float32Array(n);
      unaryForward("affine", affine, x, 0.5, -1.25);
      const drelu = new Float32Array(n);
      unaryBackward("relu", drelu, x, affine, dout, 0, 0);
      const product = new Float32Array(n);
      binaryForward("mul", product, x, b, shape, strides, strides);
      const da = f32Random(n, 14);
      const db = f32Random(n, 15);
      binaryBackward("mul", da, db, x, b, product, dout, shape, strides, strides);
      return [affine, drelu, product, da, db];
    };
    const threads = getNumThreads();
    try {
      setNumThreads(1);
      const one = run();
      const ref = [
        new Float32Array(n),
        new Float32Array(n),
        new Float32Array(n),
        f32Random(n, 14),
        f32Random(n, 15),
      ];
      refKernel("unaryForward")("affine", ref[0], x, 0.5, -1.25);
      refKernel("unaryBackward")("relu", ref[1], x, ref[0], dout, 0, 0);
      refKernel("binaryForward")("mul", ref[2], x, b, shape, strides, strides);
      refKernel("binaryBackward")("mul", ref[3], ref[4], x, b, ref[2], dout, shape, strides, strides);
      for (const [i, v] of one.entries()) expectMatchesRef(v, ref[i], `output ${i}`);
      for (const t of [2, 3]) {
        setNumThreads(t);
        for (const [i, v] of run().entries()) assert.deepEqual(v, one[i], `output ${i} on ${t} threads`);
      }
    } finally {
      setNumThreads(threads);
    }
  });

  it("leaves real broadcasts to ref with the same result", () => {
    const shape = [40, 30];
    const a = f32Random(1200, 1);
    const b = f32Random(30, 2); // a row broadcast down the columns
    const expected = new Float32Array(1200);
    refKernel("binaryForward")("add", expected, a, b, shape, [30, 1], [0, 1]);
    const actual = new Float32Array(1200);
    binaryForward("add", actual, a, b, shape, [30, 1], [0, 1]);
    assert.deepEqual(actual, expected);
  });
});
