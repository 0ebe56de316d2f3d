// layerNorm, groupNorm, instanceNorm: float64 gradient checks of the fused ref kernel pairs, the
// options given positionally, by name or both, the modules' behaviour the goldens do not reach
// (repr, unbatched input, bias-only group norm) and the ops' errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupNormBackward, groupNormForward } from "../../kernel/engine/backends/ref/group-norm";
import { layerNormBackward, layerNormForward } from "../../kernel/engine/backends/ref/layer-norm";
import { F, nn, ones, randn, tensor, zeros } from "../../kernel/engine/index";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

const f64 = (n: number) => new Float64Array(n);

describe("layerNorm / groupNorm ref kernels: float64 gradient checks", () => {
  for (const [M, D] of [
    [3, 5],
    [1, 8],
  ])
    it(`layerNorm over (${M}, ${D})`, () => {
      const x = f64Random(M * D, 41).map((v) => 2 * v + 0.3);
      const weight = f64Random(D, 42).map((v) => v + 1.5);
      const bias = f64Random(D, 43);
      const w = f64Random(M * D, 44);
      const run = (x: Float64Array, weight: Float64Array, bias: Float64Array) => {
        const [out, mean, rstd] = [f64(M * D), f64(M), f64(M)];
        layerNormForward(out, mean, rstd, x, weight, bias, M, D, 1e-5);
        return { out, mean, rstd };
      };
      gradcheck(
        "layerNorm",
        [x, weight, bias],
        ([x, weight, bias]) => dot(run(x, weight, bias).out, w),
        ([x, weight, bias]) => {
          const { mean, rstd } = run(x, weight, bias);
          const [dx, dw, db] = [f64(M * D), f64(D), f64(D)];
          layerNormBackward(dx, dw, db, w, x, mean, rstd, weight, M, D);
          return [dx, dw, db];
        },
      );
    });

  for (const [N, C, inner, G] of [
    [2, 4, 3, 2],
    [1, 3, 4, 3],
    [2, 2, 1, 1],
  ])
    it(`groupNorm over (${N}, ${C}, ${inner}) in ${G} groups`, () => {
      const n = N * C * inner;
      const x = f64Random(n, 51).map((v) => 2 * v - 0.2);
      const weight = f64Random(C, 52).map((v) => v + 1.5);
      const bias = f64Random(C, 53);
      const w = f64Random(n, 54);
      const run = (x: Float64Array, weight: Float64Array, bias: Float64Array) => {
        const [out, mean, rstd] = [f64(n), f64(N * G), f64(N * G)];
        groupNormForward(out, mean, rstd, null, x, weight, bias, N, C, inner, G, 1e-5);
        return { out, mean, rstd };
      };
      gradcheck(
        "groupNorm",
        [x, weight, bias],
        ([x, weight, bias]) => dot(run(x, weight, bias).out, w),
        ([x, weight, bias]) => {
          const { mean, rstd } = run(x, weight, bias);
          const [dx, dw, db] = [f64(n), f64(C), f64(C)];
          groupNormBackward(dx, dw, db, w, x, mean, rstd, weight, N, C, inner, G);
          return [dx, dw, db];
        },
      );
    });
});

describe("layerNorm / groupNorm / instanceNorm ops", () => {
  it("take their options positionally, by name, or both", () => {
    const x = randn([3, 4]);
    const [w, b] = [randn([4]), randn([4])];
    const positional = F.layerNorm(x, [4], w, b, 1e-3);
    expectClose(F.layerNorm(x, 4, { weight: w, bias: b, eps: 1e-3 }).storage, positional.storage, "by name");
    expectClose(F.layerNorm(x, [4], w, { bias: b, eps: 1e-3 }).storage, positional.storage, "mixed");
    assert.throws(
      () => F.layerNorm(x, [4], w, { weight: w }),
      /layerNorm: weight was given both positionally and in the options object/,
    );
    assert.throws(() => F.layerNorm(x, [4], { wieght: w } as never), /layerNorm: unknown option 'wieght'/);
  });

  it("group norm with bias only shifts each channel (PyTorch 1.13 cannot run its backward)", () => {
    const x = randn([2, 4, 3], { requiresGrad: true });
    const b = tensor([1, 2, 3, 4], { requiresGrad: true });
    const y = F.groupNorm(x, 2, { bias: b });
    const plain = F.groupNorm(x.detach(), 2);
    expectClose(y.sub(b.detach().view([1, 4, 1])).storage, plain.storage, "bias shifts");
    y.sum().backward();
    expectClose(b.grad!.storage, [6, 6, 6, 6], "dbias counts N * inner");
  });

  it("instance norm's running variance averages each instance's unbiased variance", () => {
    const x = tensor([[[1, 3]], [[0, 4]]]); // (N=2, C=1, L=2): means 2, 2; unbiased vars 2, 8
    const [rm, rv] = [zeros([1]), ones([1])];
    F.instanceNorm(x, rm, rv, { momentum: 0.5 });
    expectClose(rm.storage, [1], "running mean");
    expectClose(rv.storage, [0.5 + 0.5 * 5], "running var");
  });

  it("explain bad input", () => {
    const x = randn([2, 6, 3]);
    assert.throws(
      () => F.layerNorm(x, [6]),
      /layerNorm: input of shape \[2, 6, 3\] must end with normalizedShape \[6\].*\[3\] for the last dim or \[6, 3\]/,
    );
    assert.throws(
      () => F.layerNorm(x, [3], ones([4])),
      /layerNorm: weight must have shape normalizedShape \[3\], got \[4\]/,
    );
    assert.throws(() => F.layerNorm(x, []), /layerNorm: normalizedShape must be a positive integer/);
    assert.throws(
      () => F.groupNorm(x, 4),
      /groupNorm: numGroups must be a positive integer dividing the 6 channels .* got 4; divisors of 6: 1, 2, 3, 6/,
    );
    assert.throws(
      () => F.groupNorm(x, 2, ones([3])),
      /groupNorm: weight must have one entry per channel, shape \[6\]/,
    );
    assert.throws(() => F.groupNorm(randn([6]), 2), /groupNorm: input must be \(N, C, \*\)/);
    assert.throws(
      () => F.groupNorm(x, 2, { eps: -1 }),
      /groupNorm: eps must be a non-negative number, got -1/,
    );
    assert.throws(
      () => F.instanceNorm(randn([4, 3])),
      /instanceNorm: expected more than 1 value per channel/,
    );
    assert.throws(
      () => F.instanceNorm(x, zeros([6]), null, { useInputStats: false }),
      /instanceNorm: useInputStats false normalises with runningMean and runningVar/,
    );
    assert.throws(
      () => F.instanceNorm(x, zeros([5])),
      /instanceNorm: runningMean must have one entry per channel, shape \[6\]/,
    );
  });
});

describe("LayerNorm, GroupNorm, InstanceNorm modules", () => {
  it("print their non-default arguments", () => {
    assert.equal(String(new nn.LayerNorm(8)), "LayerNorm(8)");
    assert.equal(
      String(new nn.LayerNorm([3, 4], { eps: 1e-3, elementwiseAffine: false })).replace(/\s/g, ""),
      "LayerNorm([3,4],eps=0.001,elementwiseAffine=false)",
    );
    assert.equal(String(new nn.GroupNorm(2, 4)), "GroupNorm(2, 4)");
    assert.equal(String(new nn.InstanceNorm2d(3, { affine: true })), "InstanceNorm2d(3, affine=true)");
  });

  it("InstanceNorm2d keeps running statistics only when asked, and uses them in eval", () => {
    assert.deepEqual(Object.keys(new nn.InstanceNorm2d(3).stateDict()), []);
    const m = new nn.InstanceNorm2d(2, { trackRunningStats: true, affine: true });
    assert.deepEqual(Object.keys(m.stateDict()), [
      "weight",
      "bias",
      "runningMean",
      "runningVar",
      "numBatchesTracked",
    ]);
    const x = randn([3, 2, 4, 4]).mul(2).add(1);
    m.forward(x);
    assert.notDeepEqual([...m.runningMean!.storage], [0, 0], "training updated the running mean");
    m.eval();
    const rm = Float32Array.from(m.runningMean!.storage);
    const y = m.forward(x);
    expectClose(m.runningMean!.storage, rm, "eval leaves the running mean");
    const expected = F.batchNorm(x, m.runningMean, m.runningVar, { weight: m.weight, bias: m.bias });
    expectClose(y.storage, expected.storage, "eval normalises with the running statistics");
  });

  it("refuse wrong channel counts and ranks, naming the layer", () => {
    assert.throws(
      () => new nn.GroupNorm(4, 6),
      /GroupNorm: numChannels \(6\) must be divisible by numGroups, got numGroups 4/,
    );
    assert.throws(
      () => new nn.GroupNorm(2, 4).forward(randn([2, 6, 3])),
      /GroupNorm: expects input \(N, 4, \*\), got shape \[2, 6, 3\]/,
    );
    assert.throws(
      () => new nn.InstanceNorm2d(3).forward(randn([3, 4])),
      /InstanceNorm2d: expects 4-D input \(N, C, H, W\) or 3-D unbatched/,
    );
    assert.throws(() => new nn.InstanceNorm1d(3).forward(randn([2, 3, 4, 4])), /use InstanceNorm2d/);
    assert.throws(
      () => new nn.InstanceNorm2d(3).forward(randn([2, 4, 4, 4])),
      /InstanceNorm2d: expects 3 channels/,
    );
    assert.throws(() => new nn.LayerNorm(0), /LayerNorm: normalizedShape must be a positive integer/);
  });
});
