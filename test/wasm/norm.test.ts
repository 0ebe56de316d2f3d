// The wasm batch-norm kernels against ref: training and eval, with and without affine parameters,
// (N, C) and (N, C, H, W) inputs with odd inner sizes, inputs far from zero (the f64 statistics
// must keep their precision), and += on every gradient; big tensors split channels over threads,
// which must give the bits of one thread.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { batchNormBackward, batchNormForward } from "../../kernel/engine/backends/ref/norm";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { expectIdentical, expectMatchesRef, f32Random } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

// [N, C, inner, offset added to the input]
const shapes: number[][] = [
  [8, 3, 1, 0], // (N, C)
  [4, 5, 7 * 9, 0],
  [2, 16, 32 * 32, 0],
  [3, 2, 13, 100], // large mean, small spread
];

describe("wasm batch norm vs ref", () => {
  it("implements batchNormForward and batchNormBackward in wasm", () => {
    const { fallbacks } = backendInfo();
    for (const k of ["batchNormForward", "batchNormBackward"]) assert.ok(!fallbacks.includes(k), k);
  });

  for (const [N, C, inner, offset] of shapes)
    for (const training of [true, false])
      for (const affine of [true, false]) {
        const what = `[${N}, ${C}, ${inner}] + ${offset}, training=${training}, affine=${affine}`;
        it(`forward and backward ${what}`, () => {
          const n = N * C * inner;
          const inp = f32Random(n, n + C).map((v) => v + offset);
          const weight = affine ? f32Random(C, 1).map((v) => v + 1.5) : null;
          const bias = affine ? f32Random(C, 2) : null;
          const stats = () => ({
            mean: training ? new Float32Array(C) : f32Random(C, 3).map((v) => v + offset),
            rstd: training ? new Float32Array(C) : f32Random(C, 4).map((v) => v + 2),
            variance: new Float32Array(C),
            out: new Float32Array(n).fill(Number.NaN), // must be overwritten
          });
          const e = stats();
          refKernel("batchNormForward")(
            e.out,
            e.mean,
            e.rstd,
            e.variance,
            inp,
            weight,
            bias,
            N,
            C,
            inner,
            1e-5,
            training,
          );
          const a = stats();
          batchNormForward(a.out, a.mean, a.rstd, a.variance, inp, weight, bias, N, C, inner, 1e-5, training);
          expectMatchesRef(a.out, e.out, `${what}: out`);
          expectMatchesRef(a.mean, e.mean, `${what}: mean`);
          expectMatchesRef(a.rstd, e.rstd, `${what}: rstd`);
          expectMatchesRef(a.variance, e.variance, `${what}: variance`);

          const dout = f32Random(n, 5);
          const grads = () => ({
            dinp: f32Random(n, 6),
            dweight: affine ? f32Random(C, 7) : null,
            dbias: affine ? f32Random(C, 8) : null,
          });
          const ge = grads();
          refKernel("batchNormBackward")(
            ge.dinp,
            ge.dweight,
            ge.dbias,
            dout,
            inp,
            e.mean,
            e.rstd,
            weight,
            N,
            C,
            inner,
            training,
          );
          const ga = grads();
          batchNormBackward(
            ga.dinp,
            ga.dweight,
            ga.dbias,
            dout,
            inp,
            e.mean,
            e.rstd,
            weight,
            N,
            C,
            inner,
            training,
          );
          expectMatchesRef(ga.dinp, ge.dinp, `${what}: dinp`);
          if (affine) {
            expectMatchesRef(ga.dweight!, ge.dweight!, `${what}: dweight`);
            expectMatchesRef(ga.dbias!, ge.dbias!, `${what}: dbias`);
          }
        });
      }
});

describe("wasm batch norm backward, dinp known to be zeros", () => {
  it("skips copying dinp in and still adds onto zeros, whatever the arena held before", () => {
    const [N, C, inner] = [3, 4, 37];
    const n = N * C * inner;
    const inp = f32Random(n, 41);
    const dout = f32Random(n, 42);
    const mean = new Float32Array(C);
    const rstd = new Float32Array(C);
    batchNormForward(new Float32Array(n), mean, rstd, null, inp, null, null, N, C, inner, 1e-5, true);
    const expected = new Float32Array(n);
    refKernel("batchNormBackward")(expected, null, null, dout, inp, mean, rstd, null, N, C, inner, true);
    // Leave non-zero values in the arena where dinp will go: a call with a non-zero dinp.
    batchNormBackward(f32Random(n, 43), null, null, dout, inp, mean, rstd, null, N, C, inner, true);
    const actual = new Float32Array(n);
    const hinted = batchNormBackward as (...args: [...Parameters<typeof batchNormBackward>, boolean]) => void;
    hinted(actual, null, null, dout, inp, mean, rstd, null, N, C, inner, true, true);
    expectMatchesRef(actual, expected, "batchNormBackward, dinpZeroed");
  });
});

describe("wasm batch norm on threads", () => {
  it("matches ref and gives bit-identical results on 1, 2 and 3 threads (channels split)", () => {
    const [N, C, inner] = [16, 37, 33 * 33]; // big enough to be split
    const n = N * C * inner;
    const inp = f32Random(n, 51).map((v) => v + 3);
    const weight = f32Random(C, 52);
    const bias = f32Random(C, 53);
    const dout = f32Random(n, 54);
    const run = (threads: number) => {
      setNumThreads(threads);
      const r = {
        out: new Float32Array(n),
        mean: new Float32Array(C),
        rstd: new Float32Array(C),
        variance: new Float32Array(C),
        dinp: f32Random(n, 55),
        dweight: f32Random(C, 56),
        dbias: f32Random(C, 57),
      };
      batchNormForward(r.out, r.mean, r.rstd, r.variance, inp, weight, bias, N, C, inner, 1e-5, true);
      batchNormBackward(r.dinp, r.dweight, r.dbias, dout, inp, r.mean, r.rstd, weight, N, C, inner, true);
      const hinted = batchNormBackward as (
        ...args: [...Parameters<typeof batchNormBackward>, boolean]
      ) => void;
      const dinpZeroed = new Float32Array(n); // with the zeros hint: written, not added to
      hinted(dinpZeroed, null, null, dout, inp, r.mean, r.rstd, weight, N, C, inner, true, true);
      return { ...r, dinpZeroed };
    };
    const defaultThreads = getNumThreads();
    try {
      const single = run(1);
      const e = {
        out: new Float32Array(n),
        mean: new Float32Array(C),
        rstd: new Float32Array(C),
        variance: new Float32Array(C),
        dinp: f32Random(n, 55),
        dweight: f32Random(C, 56),
        dbias: f32Random(C, 57),
        dinpZeroed: new Float32Array(n),
      };
      refKernel("batchNormForward")(
        e.out,
        e.mean,
        e.rstd,
        e.variance,
        inp,
        weight,
        bias,
        N,
        C,
        inner,
        1e-5,
        true,
      );
      refKernel("batchNormBackward")(
        e.dinp,
        e.dweight,
        e.dbias,
        dout,
        inp,
        e.mean,
        e.rstd,
        weight,
        N,
        C,
        inner,
        true,
      );
      refKernel("batchNormBackward")(
        e.dinpZeroed,
        null,
        null,
        dout,
        inp,
        e.mean,
        e.rstd,
        weight,
        N,
        C,
        inner,
        true,
      );
      for (const threads of [2, 3]) {
        const multi = run(threads);
        for (const k of Object.keys(e) as (keyof typeof e)[]) {
          expectMatchesRef(multi[k], e[k], `${k} on ${threads} threads vs ref`);
          expectIdentical(multi[k], single[k], `${k} on ${threads} threads`);
        }
      }
    } finally {
      setNumThreads(defaultThreads);
    }
  });
});
