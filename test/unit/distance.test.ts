// pairwiseDistance and cosineSimilarity: values users can check by hand, the eps guards, and errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, tensor, zeros } from "../../kernel/engine/index";
import { expectClose } from "../helpers";

describe("pairwiseDistance", () => {
  it("is the p-norm of x1 - x2 + eps along the last dim", () => {
    const a = tensor([
      [0, 0],
      [1, 1],
    ]);
    const b = tensor([
      [3, 4],
      [1, 1],
    ]);
    expectClose(F.pairwiseDistance(a, b, { eps: 0 }).storage, [5, 0], "p=2");
    expectClose(F.pairwiseDistance(a, b, { p: 1, eps: 0 }).storage, [7, 0], "p=1");
    expectClose(F.pairwiseDistance(a, b, { p: Number.POSITIVE_INFINITY, eps: 0 }).storage, [4, 0], "p=inf");
    // The default eps keeps identical vectors at a small positive distance (finite gradient).
    expectClose([F.pairwiseDistance(a, b).storage[1]], [Math.SQRT2 * 1e-6], "eps", { atol: 1e-9 });
    assert.deepEqual(F.pairwiseDistance(a, b, { keepdim: true }).shape, [2, 1]);
  });

  it("rejects shapes that do not broadcast and a non-positive p", () => {
    assert.throws(
      () => F.pairwiseDistance(zeros([2, 3]), zeros([2, 4])),
      /pairwiseDistance: shapes \[2, 3\] and \[2, 4\] cannot be broadcast/,
    );
    assert.throws(
      () => F.pairwiseDistance(zeros([2, 3]), zeros([2, 3]), { p: 0 }),
      /pairwiseDistance: p must be positive/,
    );
  });
});

describe("cosineSimilarity", () => {
  it("is the cosine of the angle between vectors along dim", () => {
    const a = tensor([
      [1, 0],
      [1, 1],
      [2, 0],
    ]);
    const b = tensor([
      [0, 3],
      [2, 2],
      [-1, 0],
    ]);
    expectClose(F.cosineSimilarity(a, b).storage, [0, 1, -1], "dim 1");
    expectClose(
      F.cosineSimilarity(a, b, { dim: 0 }).storage,
      [0, 2 / Math.sqrt(13)], // [1, 1, 2] . [0, 2, -1] = 0; [0, 1, 0] . [3, 2, 0] = 2 over norms 1, sqrt(13)
      "dim 0",
    );
  });

  it("gives 0 (not NaN) for a zero vector, with a finite gradient", () => {
    const a = zeros([1, 3], { requiresGrad: true });
    const s = F.cosineSimilarity(a, tensor([[1, 2, 2]]));
    assert.equal(s.item(), 0);
    s.backward();
    // d/da of a . b / (eps * |b|) at a = 0: b / (eps |b|)
    expectClose(a.grad!.storage, [1 / 3e-8, 2 / 3e-8, 2 / 3e-8], "gradient");
  });

  it("rejects a dim out of range", () => {
    assert.throws(
      () => F.cosineSimilarity(zeros([2, 3]), zeros([2, 3]), { dim: 2 }),
      /cosineSimilarity: dim 2 is out of range/,
    );
  });
});
