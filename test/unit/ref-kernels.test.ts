// Float64 finite-difference checks of the foundation's reference kernels: every unary and binary
// derivative, broadcasting reductions, permute/slice adjoints, GEMM with transposes, and linear.

import { describe, it } from "node:test";
import {
  BINARY,
  binaryBackward,
  binaryForward,
  UNARY,
  unaryBackward,
  unaryForward,
} from "../../kernel/engine/backends/ref/elementwise";
import { linearBackward, linearForward, matmul } from "../../kernel/engine/backends/ref/matmul";
import { broadcastTo, sumTo } from "../../kernel/engine/backends/ref/reduce";
import { permute, sliceDim } from "../../kernel/engine/backends/ref/shape";
import { dot, f64Random, gradcheck } from "../helpers";

const f64 = (n: number) => new Float64Array(n);

describe("ref kernels: float64 gradient checks", () => {
  const params: Record<string, [number, number]> = {
    powScalar: [2.5, 0],
    affine: [1.5, -0.5],
    clamp: [-0.4, 0.3],
    hardtanh: [-0.4, 0.3],
    leakyRelu: [0.1, 0],
    elu: [1.3, 0],
    celu: [0.7, 0],
    softplus: [2, 20], // beta, threshold: beta 0 divides by 0
  };
  const piecewiseConstant = new Set(["sign", "floor", "round"]);
  for (const op of Object.keys(UNARY) as (keyof typeof UNARY)[]) {
    if (piecewiseConstant.has(op)) continue;
    it(`unary ${op}`, () => {
      const n = 17;
      // Keep inputs away from kinks and out of domains where the function is undefined.
      const x = f64Random(n, 7).map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
      if (["log", "sqrt", "rsqrt", "powScalar", "reciprocal"].includes(op))
        x.set(x.map((v) => Math.abs(v) + 0.2));
      const [a, b] = params[op] ?? [0, 0];
      const w = f64Random(n, 11);
      const f = ([x]: Float64Array[]) => {
        const y = f64(n);
        unaryForward(op, y, x, a, b);
        return dot(y, w);
      };
      gradcheck(op, [x], f, ([x]) => {
        const y = f64(n);
        unaryForward(op, y, x, a, b);
        const dx = f64(n);
        unaryBackward(op, dx, x, y, w, a, b);
        return [dx];
      });
    });
  }

  const differentiable = Object.keys(BINARY).filter((k) => "da" in BINARY[k as keyof typeof BINARY]);
  for (const op of differentiable as (keyof typeof BINARY)[]) {
    it(`binary ${op} with broadcasting`, () => {
      const shape = [3, 4, 5];
      const sa = [20, 5, 1]; // a: (3, 4, 5)
      const sb = [0, 1, 0]; // b: (1, 4, 1)
      const a = f64Random(60, 3);
      const b = f64Random(4, 5);
      if (op === "pow" || op === "div") {
        a.set(a.map((v) => Math.abs(v) + 0.5));
        b.set(b.map((v) => Math.abs(v) + 0.5));
      }
      const w = f64Random(60, 9);
      const fwd = ([a, b]: Float64Array[]) => {
        const y = f64(60);
        binaryForward(op, y, a, b, shape, sa, sb);
        return y;
      };
      gradcheck(
        op,
        [a, b],
        (ins) => dot(fwd(ins), w),
        ([a, b]) => {
          const y = fwd([a, b]);
          const da = f64(60);
          const db = f64(4);
          binaryBackward(op, da, db, a, b, y, w, shape, sa, sb);
          return [da, db];
        },
      );
    });
  }

  it("sumTo and broadcastTo are adjoint", () => {
    const shape = [2, 3, 4];
    const outStrides = [3, 1, 0]; // reduce the last dim -> (2, 3)
    const x = f64Random(24, 1);
    const w = f64Random(6, 2);
    const f = ([x]: Float64Array[]) => {
      const o = f64(6);
      sumTo(o, x, shape, outStrides);
      return dot(o, w);
    };
    gradcheck("sumTo", [x], f, () => {
      const dx = f64(24);
      broadcastTo(dx, w, shape, outStrides);
      return [dx];
    });
  });

  it("permute and slice adjoints", () => {
    const shape = [2, 3, 4];
    const perm = [2, 0, 1];
    const inv = [1, 2, 0];
    const x = f64Random(24, 4);
    const w = f64Random(24, 6);
    gradcheck(
      "permute",
      [x],
      ([x]) => {
        const o = f64(24);
        permute(o, x, shape, perm);
        return dot(o, w);
      },
      () => {
        const dx = f64(24);
        permute(dx, w, [4, 2, 3], inv);
        return [dx];
      },
    );
    const ws = f64Random(2 * 2 * 4, 8); // slice dim 1: start 0, step 2, count 2
    gradcheck(
      "sliceDim",
      [x],
      ([x]) => {
        const o = f64(16);
        sliceDim(o, x, 2, 3, 4, 0, 2, 2);
        return dot(o, ws);
      },
      () => {
        const dx = f64(24);
        sliceDim(ws, dx, 2, 3, 4, 0, 2, 2, true);
        return [dx];
      },
    );
  });

  for (const [transA, transB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`matmul transA=${transA} transB=${transB} against naive products`, () => {
      const [B, M, K, N] = [2, 3, 5, 4];
      const a = f64Random(B * M * K, 1);
      const b = f64Random(B * K * N, 2);
      const out = f64(B * M * N);
      matmul(out, a, b, B, M, K, N, transA, transB);
      const A = (p: number, i: number, k: number) =>
        transA ? a[p * M * K + k * M + i] : a[p * M * K + i * K + k];
      const Bm = (p: number, k: number, j: number) =>
        transB ? b[p * K * N + j * K + k] : b[p * K * N + k * N + j];
      for (let p = 0; p < B; p++)
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += A(p, i, k) * Bm(p, k, j);
            if (Math.abs(s - out[p * M * N + i * N + j]) > 1e-12)
              throw new Error(`matmul mismatch at ${p},${i},${j}`);
          }
    });
  }

  it("linear forward/backward", () => {
    const [B, IC, OC] = [3, 5, 4];
    const inp = f64Random(B * IC, 1);
    const weight = f64Random(OC * IC, 2);
    const bias = f64Random(OC, 3);
    const w = f64Random(B * OC, 4);
    gradcheck(
      "linear",
      [inp, weight, bias],
      ([inp, weight, bias]) => {
        const o = f64(B * OC);
        linearForward(o, inp, weight, bias, B, IC, OC);
        return dot(o, w);
      },
      ([inp, weight]) => {
        const dinp = f64(B * IC);
        const dweight = f64(OC * IC);
        const dbias = f64(OC);
        linearBackward(dinp, dweight, dbias, w, inp, weight, B, IC, OC);
        return [dinp, dweight, dbias];
      },
    );
  });
});
