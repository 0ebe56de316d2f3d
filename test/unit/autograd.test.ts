// Autograd semantics users rely on: accumulation, noGrad, detach, non-leaf grads, in-place
// safety, and a clear error for backward through a non-scalar.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enableGrad, isGradEnabled, noGrad, ones, tensor, zeroGrad } from "../../kernel/engine/index";

describe("autograd", () => {
  it("accumulates gradients across backward calls until zeroed", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.toArray(), [4, 8, 12]);
    zeroGrad([x]);
    assert.equal(x.grad, null);
  });

  it("sums contributions of a tensor used twice", () => {
    const x = tensor([3], { requiresGrad: true });
    const y = x.mul(2).add(x.mul(x)); // 2x + x^2 -> 2 + 2x = 8
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [8]);
  });

  it("refuses backward through a non-scalar without a gradient", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    assert.throws(
      () => x.mul(2).backward(),
      /backward: grad can be implicitly created only for scalar outputs, but this tensor has shape \[2\]/,
    );
    x.mul(2).backward(tensor([1, 10]));
    assert.deepEqual(x.grad!.toArray(), [2, 20]);
  });

  it("backward(gradient) works on a copy of the gradient: the tensor given is left as it was", () => {
    // Big enough that the seed lives in wasm memory (a buffer the engine adds into and recycles).
    const n = 4096;
    const x = ones([n], { requiresGrad: true });
    const g = tensor(Array.from({ length: n }, (_, i) => (i % 7) - 3));
    const before = g.toArray();
    x.mul(2).backward(g);
    x.reshape([64, 64]).backward(g.reshape([64, 64]));
    x.add(x).backward(g);
    assert.deepEqual(g.toArray(), before);
    assert.deepEqual(
      x.grad!.toArray(),
      (before as number[]).map((v) => 5 * v),
    );
  });

  it("records nothing inside noGrad, sync or async", async () => {
    const x = tensor([1], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
    await noGrad(async () => {
      await Promise.resolve();
      assert.equal(isGradEnabled(), false);
      assert.equal(enableGrad(() => x.mul(2)).requiresGrad, true);
    });
    assert.equal(isGradEnabled(), true);
  });

  it("detach cuts the graph and shares values", () => {
    const x = tensor([2], { requiresGrad: true });
    const d = x.mul(3).detach();
    assert.equal(d.requiresGrad, false);
    const z = d.mul(x).sum();
    z.backward();
    assert.deepEqual(x.grad!.toArray(), [6]);
  });

  it("keeps .grad on non-leaves only when asked", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3).retainGrad();
    const other = x.mul(5);
    h.add(other).sum().backward();
    assert.deepEqual(h.grad!.toArray(), [1, 1]);
    assert.equal(other.grad, null);
  });

  it("forbids in-place updates of leaves that require grad outside noGrad", () => {
    const w = ones([2], { requiresGrad: true });
    assert.throws(
      () => w.add_(1),
      /add_: a leaf tensor that requires grad is being used in an in-place operation/,
    );
    noGrad(() => w.add_(1));
    assert.deepEqual(w.toArray(), [2, 2]);
  });

  it("backward through views, permutes, slices and broadcasting", () => {
    const x = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const y = x.t().reshape(-1).slice(0, 1, 5, 2); // picks x[1,0]=4 and x[1,1]=5
    y.mul(tensor([10, 100]))
      .sum()
      .backward();
    assert.deepEqual(x.grad!.toArray(), [
      [0, 0, 0],
      [10, 100, 0],
    ]);
    const b = tensor([1, 1, 1], { requiresGrad: true });
    x.detach().add(b).sum().backward();
    assert.deepEqual(b.grad!.toArray(), [2, 2, 2]);
  });
});
