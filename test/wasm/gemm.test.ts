// The wasm matmul-family kernels against ref on randomized shapes: odd sizes, sizes not divisible
// by the SIMD width or the 4x8 micro-tile, depths beyond one packed block (KC = 256), every
// transpose, batches, `accumulate`, and the += semantics of dweight/dbias.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { linearBackward, linearForward, matmul } from "../../kernel/engine/backends/ref/matmul";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { runtime } from "../../kernel/engine/backends/wasm/runtime";
import { SGEMM_MIN_MACS } from "../../kernel/engine/backends/wasm/sgemm";
import { expectMatchesRef, f32Random, intGenerator } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

const forced = process.env.RECEPTIVE_WASM_VARIANT;

describe("wasm SGEMM kernels vs ref", () => {
  it("runs the variant that was asked for", () => {
    if (runtime instanceof Error) throw runtime;
    if (forced !== undefined) assert.equal(runtime.variant, forced);
  });

  // [batch, M, K, N]: edges of the micro-tile (4x8), the f32x4 width and the packing blocks.
  const shapes: number[][] = [
    [1, 1, 1, 1],
    [1, 1, 7, 1],
    [1, 3, 5, 7],
    [1, 4, 8, 8],
    [1, 5, 9, 17],
    [2, 8, 16, 16],
    [1, 13, 300, 9], // K spans two packed blocks
    [1, 131, 7, 10], // M spans two A blocks
    [1, 3, 5, 1030], // N spans two B blocks
    [3, 1, 33, 6],
    [1, 6, 0, 5], // K = 0: zeros (or unchanged with accumulate)
  ];
  const rand = intGenerator(7);
  for (let i = 0; i < 12; i++) shapes.push([rand(1, 3), rand(1, 70), rand(1, 70), rand(1, 70)]);

  for (const [batch, M, K, N] of shapes)
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ])
      for (const accumulate of [false, true]) {
        const name = `matmul batch ${batch} (${M}x${K}) @ (${K}x${N}) transA=${transA} transB=${transB} accumulate=${accumulate}`;
        it(name, () => {
          const seed = batch * 1000003 + M * 10007 + K * 101 + N;
          const a = f32Random(batch * M * K, seed);
          const b = f32Random(batch * K * N, seed + 1);
          const start = f32Random(batch * M * N, seed + 2);
          const expected = start.slice();
          refKernel("matmul")(expected, a, b, batch, M, K, N, transA, transB, accumulate);
          const actual = start.slice();
          matmul(actual, a, b, batch, M, K, N, transA, transB, accumulate);
          expectMatchesRef(actual, expected, name);
        });
      }

  // [B, IC, OC]
  const linearShapes: number[][] = [
    [1, 1, 1],
    [3, 5, 7],
    [64, 400, 120],
    [64, 84, 10],
    [7, 257, 9],
  ];
  for (let i = 0; i < 6; i++) linearShapes.push([rand(1, 40), rand(1, 90), rand(1, 40)]);
  for (const [B, IC, OC] of linearShapes)
    for (const withBias of [true, false]) {
      it(`linearForward B=${B} IC=${IC} OC=${OC} bias=${withBias}`, () => {
        const inp = f32Random(B * IC, B + IC);
        const weight = f32Random(OC * IC, OC + 5);
        const bias = withBias ? f32Random(OC, OC + 9) : null;
        const expected = new Float32Array(B * OC);
        refKernel("linearForward")(expected, inp, weight, bias, B, IC, OC);
        const actual = new Float32Array(B * OC).fill(Number.NaN); // must be overwritten
        linearForward(actual, inp, weight, bias, B, IC, OC);
        expectMatchesRef(actual, expected, "linearForward");
      });

      it(`linearBackward B=${B} IC=${IC} OC=${OC} accumulates dweight/dbias=${withBias}`, () => {
        const dout = f32Random(B * OC, 3 * B + OC);
        const inp = f32Random(B * IC, B + 2 * IC);
        const weight = f32Random(OC * IC, OC + 11);
        const grads = () => ({
          dinp: new Float32Array(B * IC).fill(Number.NaN), // overwritten
          dweight: f32Random(OC * IC, 17), // += onto existing gradients
          dbias: withBias ? f32Random(OC, 19) : null,
        });
        const e = grads();
        refKernel("linearBackward")(e.dinp, e.dweight, e.dbias, dout, inp, weight, B, IC, OC);
        const w = grads();
        linearBackward(w.dinp, w.dweight, w.dbias, dout, inp, weight, B, IC, OC);
        expectMatchesRef(w.dinp, e.dinp, "dinp");
        expectMatchesRef(w.dweight, e.dweight, "dweight");
        if (withBias) expectMatchesRef(w.dbias!, e.dbias!, "dbias");
      });
    }

  it("linearBackward skips null gradients", () => {
    const [B, IC, OC] = [5, 6, 7];
    const dweight = f32Random(OC * IC, 1);
    const before = dweight.slice();
    const dinp = new Float32Array(B * IC);
    linearBackward(
      dinp,
      null,
      null,
      f32Random(B * OC, 2),
      f32Random(B * IC, 3),
      f32Random(OC * IC, 4),
      B,
      IC,
      OC,
    );
    const expected = new Float32Array(B * IC);
    refKernel("linearBackward")(
      expected,
      null,
      null,
      f32Random(B * OC, 2),
      f32Random(B * IC, 3),
      f32Random(OC * IC, 4),
      B,
      IC,
      OC,
    );
    expectMatchesRef(dinp, expected, "dinp");
    assert.deepEqual(dweight, before);
  });

  it("gives the same results with the thread pool on and off, for large products", () => {
    const defaultThreads = getNumThreads();
    try {
      for (const [batch, M, K, N] of [
        [8, 64, 193, 100], // split by batch
        [1, 61, 541, 259], // split by columns
        [1, 263, 1601, 21], // split by rows
      ]) {
        assert.ok(batch * M * K * N >= SGEMM_MIN_MACS, "big enough to use the pool");
        const a = f32Random(batch * M * K, M);
        const b = f32Random(batch * K * N, N);
        setNumThreads(1);
        const single = new Float32Array(batch * M * N);
        matmul(single, a, b, batch, M, K, N, false, true);
        for (const threads of [2, 3]) {
          setNumThreads(threads);
          const pooled = new Float32Array(batch * M * N);
          matmul(pooled, a, b, batch, M, K, N, false, true);
          assert.deepEqual(pooled, single, `${threads} threads, batch ${batch} (${M}x${K}) @ (${K}x${N})`);
        }
        const expected = new Float32Array(batch * M * N);
        refKernel("matmul")(expected, a, b, batch, M, K, N, false, true);
        expectMatchesRef(single, expected, "threaded matmul vs ref");
      }
      if (runtime instanceof Error) throw runtime;
      assert.equal(runtime.pool.startupFailure, null);
      assert.equal(runtime.pool.workerCount, 2, "3 threads = the caller + 2 workers");
    } finally {
      setNumThreads(defaultThreads);
    }
  });

  it("sends float64 buffers (gradient checks) to the ref kernel", () => {
    const a = Float64Array.from(f32Random(6, 1));
    const b = Float64Array.from(f32Random(6, 2));
    const out = new Float64Array(4);
    matmul(out, a, b, 1, 2, 3, 2);
    const expected = new Float64Array(4);
    refKernel("matmul")(expected, a, b, 1, 2, 3, 2);
    assert.deepEqual(out, expected);
  });
});
