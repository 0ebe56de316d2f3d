// batchNorm: float64 gradient checks of the fused ref kernel pair (training and evaluation),
// the in-place running-statistics update, and the op's errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { batchNormBackward, batchNormForward } from "../../kernel/engine/backends/ref/norm";
import { F, ones, randn, tensor, zeros } from "../../kernel/engine/index";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

const f64 = (n: number) => new Float64Array(n);

describe("batchNorm ref kernels: float64 gradient checks", () => {
  for (const training of [true, false])
    for (const [N, C, inner] of [
      [4, 3, 1],
      [2, 2, 5],
    ])
      it(`${training ? "training" : "evaluation"} over (${N}, ${C}, ${inner})`, () => {
        const n = N * C * inner;
        const x = f64Random(n, 31).map((v) => 2 * v + 0.3);
        const weight = f64Random(C, 32).map((v) => v + 1.5);
        const bias = f64Random(C, 33);
        const w = f64Random(n, 34);
        // Evaluation statistics are fixed inputs, as the running statistics are.
        const runMean = f64Random(C, 35);
        const runRstd = f64Random(C, 36).map((v) => 1 / Math.sqrt(v + 1.5));
        const run = (x: Float64Array, weight: Float64Array, bias: Float64Array) => {
          const out = f64(n);
          const mean = training ? f64(C) : runMean.slice();
          const rstd = training ? f64(C) : runRstd.slice();
          batchNormForward(out, mean, rstd, null, x, weight, bias, N, C, inner, 1e-5, training);
          return { out, mean, rstd };
        };
        gradcheck(
          "batchNorm",
          [x, weight, bias],
          ([x, weight, bias]) => dot(run(x, weight, bias).out, w),
          ([x, weight, bias]) => {
            const { mean, rstd } = run(x, weight, bias);
            const [dx, dw, db] = [f64(n), f64(C), f64(C)];
            batchNormBackward(dx, dw, db, w, x, mean, rstd, weight, N, C, inner, training);
            return [dx, dw, db];
          },
        );
      });
});

describe("batchNorm op", () => {
  it("normalises each channel to mean 0 and variance 1 in training", () => {
    const x = randn([8, 3, 4, 4]).mul(3).add(2);
    const y = F.batchNorm(x, null, null, { training: true });
    expectClose(y.mean([0, 2, 3]).storage, [0, 0, 0], "channel means", { atol: 1e-5 });
    expectClose(y.var([0, 2, 3], { correction: 0 }).storage, [1, 1, 1], "channel variances", { atol: 1e-3 });
  });

  it("updates running statistics in place with momentum and the unbiased variance", () => {
    const x = tensor([
      [1, 10],
      [3, 10],
      [5, 16],
    ]);
    const rm = zeros([2]);
    const rv = ones([2]);
    F.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
    expectClose(rm.storage, [0.5 * 3, 0.5 * 12], "running mean");
    expectClose(rv.storage, [0.5 + 0.5 * 4, 0.5 + 0.5 * 12], "running var (unbiased: 4 and 12)");
    // Evaluation uses them, and leaves them alone.
    const y = F.batchNorm(tensor([[1.5, 6]]), rm, rv, { eps: 0 });
    expectClose(y.storage, [0, 0], "eval output");
    expectClose(rm.storage, [1.5, 6], "running mean unchanged by eval");
  });

  it("explains wrongly sized statistics and parameters", () => {
    const x = randn([4, 3, 2, 2]);
    assert.throws(
      () => F.batchNorm(x, zeros([4]), ones([3])),
      /batchNorm: runningMean must have one entry per channel, shape \[3\] for input of shape \[4, 3, 2, 2\], got \[4\]/,
    );
    assert.throws(
      () => F.batchNorm(x, null, null, { training: true, weight: ones([2]) }),
      /batchNorm: weight must have one entry per channel, shape \[3\]/,
    );
    assert.throws(() => F.batchNorm(randn([3]), null, null, { training: true }), /input must be \(N, C\)/);
    assert.throws(
      () => F.batchNorm(x, null, null),
      /evaluation mode \(training: false\) normalises with runningMean/,
    );
  });

  it("needs more than one value per channel when training", () => {
    assert.throws(
      () => F.batchNorm(randn([1, 3]), zeros([3]), ones([3]), { training: true }),
      /batchNorm: Expected more than 1 value per channel when training, got input size \[1, 3\]/,
    );
    assert.throws(
      () => F.batchNorm(randn([1, 3, 1, 1]), null, null, { training: true }),
      /more than 1 value/,
    );
    assert.doesNotThrow(() => F.batchNorm(randn([1, 3]), zeros([3]), ones([3])));
  });
});
