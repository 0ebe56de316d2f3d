// dropout / dropout2d: statistics of the mask (fraction zeroed, mean preserved), seeded
// reproducibility, backward through the same mask, evaluation mode, whole-channel zeroing, errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, Generator, manualSeed, ones, randn, type Tensor } from "../../kernel/engine/index";

const zeroFraction = (t: Tensor) => t.storage.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / t.numel;
const meanOf = (t: Tensor) => t.storage.reduce((s, v) => s + v, 0) / t.numel;

describe("dropout", () => {
  it("zeroes a fraction p and scales the rest so the mean is preserved", () => {
    const n = 200_000;
    for (const p of [0.1, 0.5, 0.8]) {
      const y = F.dropout(ones([n]), p);
      // Binomial standard deviation of the zero fraction is sqrt(p(1-p)/n) < 0.0012; allow 5 of them.
      assert.ok(Math.abs(zeroFraction(y) - p) < 0.006, `p=${p}: zero fraction ${zeroFraction(y)}`);
      assert.ok(Math.abs(meanOf(y) - 1) < 0.03, `p=${p}: mean ${meanOf(y)}`);
      const kept = y.storage.filter((v) => v !== 0);
      assert.ok(
        kept.every((v) => Math.abs(v - 1 / (1 - p)) < 1e-6),
        `p=${p}: survivors are scaled by 1/(1-p)`,
      );
    }
  });

  it("is reproducible after manualSeed, and differs between draws", () => {
    manualSeed(123);
    const a = F.dropout(ones([64])).storage;
    const b = F.dropout(ones([64])).storage;
    manualSeed(123);
    const a2 = F.dropout(ones([64])).storage;
    assert.deepEqual([...a2], [...a]);
    assert.notDeepEqual([...b], [...a]);
    const g1 = new Generator(7);
    const g2 = new Generator(7);
    assert.deepEqual(
      [...F.dropout(ones([32]), { p: 0.3, generator: g1 }).storage],
      [...F.dropout(ones([32]), { p: 0.3, generator: g2 }).storage],
    );
  });

  it("backward uses the forward's mask", () => {
    const x = randn([50], { requiresGrad: true });
    const y = F.dropout(x, 0.4);
    y.sum().backward();
    const g = x.grad!.storage;
    for (let i = 0; i < 50; i++) {
      const factor = y.storage[i] / x.storage[i];
      assert.ok(Math.abs(g[i] - factor) < 1e-5, `element ${i}: grad ${g[i]} vs output/input ${factor}`);
    }
  });

  it("is the identity when not training, or for p = 0; p = 1 gives zeros", () => {
    const x = randn([3, 4]);
    assert.equal(F.dropout(x, 0.5, false), x);
    assert.equal(F.dropout(x, { p: 0.9, training: false }), x);
    const x4 = x.reshape([1, 3, 2, 2]);
    assert.equal(F.dropout2d(x4, 0.5, false), x4);
    assert.deepEqual([...F.dropout(x, 0).storage], [...x.storage]);
    assert.ok(F.dropout(x, 1).storage.every((v) => v === 0));
  });

  it("rejects p outside [0, 1]", () => {
    assert.throws(
      () => F.dropout(ones([2]), 1.5),
      /dropout: dropout probability has to be between 0 and 1, but got 1\.5/,
    );
    assert.throws(() => F.dropout2d(ones([1, 1, 2, 2]), { p: -0.1 }), /dropout2d: dropout probability/);
  });
});

describe("dropout2d", () => {
  it("zeroes whole channels of (N, C, H, W) and (C, H, W)", () => {
    for (const shape of [
      [8, 16, 3, 3],
      [40, 4, 5],
    ]) {
      const y = F.dropout2d(ones(shape), 0.5);
      const plane = shape[shape.length - 1] * shape[shape.length - 2];
      const planes = y.numel / plane;
      let dropped = 0;
      for (let c = 0; c < planes; c++) {
        const vals = y.storage.subarray(c * plane, (c + 1) * plane);
        assert.ok(
          vals.every((v) => v === vals[0]),
          `channel ${c} of ${shape} is zeroed or kept as a whole`,
        );
        assert.ok(vals[0] === 0 || vals[0] === 2, `channel ${c}: value ${vals[0]}`);
        if (vals[0] === 0) dropped++;
      }
      // 128 or 40 Bernoulli(0.5) channels: the fraction dropped is within 0.5 +- 0.25 with near certainty.
      assert.ok(Math.abs(dropped / planes - 0.5) < 0.25, `${dropped} of ${planes} channels dropped`);
    }
  });

  it("requires (N, C, H, W) or (C, H, W) input", () => {
    assert.throws(
      () => F.dropout2d(ones([4, 5])),
      /dropout2d: expects \(N, C, H, W\) or unbatched \(C, H, W\) input, got shape \[4, 5\]/,
    );
  });
});
