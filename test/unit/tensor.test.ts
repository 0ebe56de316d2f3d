// Tensor creation, reading values, shape ops, views, seeded randomness and error messages.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  arange,
  cat,
  eye,
  full,
  linspace,
  manualSeed,
  ones,
  ReceptiveError,
  rand,
  randn,
  stack,
  tensor,
  zeros,
} from "../../kernel/engine/index";

describe("creating tensors", () => {
  it("infers shapes from nested arrays and reads them back", () => {
    const t = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.numel, 6);
    assert.equal(t.dtype, "float32");
    assert.deepEqual(t.toArray(), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.deepEqual([...t.data], [1, 2, 3, 4, 5, 6]);
  });

  it("takes typed arrays with a shape, and .data is a copy", () => {
    const t = tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] });
    const d = t.data;
    d[0] = 99;
    assert.equal(t.toArray().toString(), "1,2,3,4");
  });

  it("rejects ragged arrays and mismatched shapes with the op's name", () => {
    assert.throws(
      () => tensor([[1, 2], [3]]),
      /tensor: ragged nested array: data\[1\] has length 1, expected length 2/,
    );
    assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /tensor: shape \[2, 2\] does not fit 3 values/);
  });

  it("makes filled, ranged and identity tensors", () => {
    assert.deepEqual(zeros([2, 2]).toArray(), [
      [0, 0],
      [0, 0],
    ]);
    assert.deepEqual(ones([3]).toArray(), [1, 1, 1]);
    assert.deepEqual(full([2], 7).toArray(), [7, 7]);
    assert.deepEqual(arange(5).toArray(), [0, 1, 2, 3, 4]);
    assert.deepEqual(arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
    assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(eye(2, 3).toArray(), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it("is reproducible under manualSeed, with the right statistics", () => {
    manualSeed(42);
    const a = randn([10000]);
    manualSeed(42);
    const b = randn([10000]);
    assert.deepEqual(a.data, b.data);
    const mean = a.mean().item();
    const std = a.std().item();
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 0.05, `std ${std}`);
    const u = rand([10000]);
    assert.ok(u.min().item() >= 0 && u.max().item() < 1);
    assert.ok(Math.abs(u.mean().item() - 0.5) < 0.02);
  });

  it("item() works only on one element", () => {
    assert.equal(tensor([[3.5]]).item(), 3.5);
    assert.throws(
      () => tensor([1, 2]).item(),
      /item: only one-element tensors can be converted to a number, this one has shape \[2\]/,
    );
  });
});

describe("shapes and views", () => {
  it("reshape and view share storage like PyTorch views", () => {
    const x = arange(6).float();
    const v = x.view(2, 3);
    v.storage[0] = 100;
    assert.equal(x.storage[0], 100);
    assert.deepEqual(x.reshape([3, -1]).shape, [3, 2]);
  });

  it("explains impossible reshapes", () => {
    assert.throws(() => arange(6).reshape(4, 2), /reshape: shape \[4, 2\] is invalid for input of size 6/);
    assert.throws(() => arange(6).reshape(-1, -1), /only one dimension can be -1/);
  });

  it("selects a sample and a channel from an image batch", () => {
    const batch = arange(2 * 3 * 4 * 4)
      .float()
      .reshape(2, 3, 4, 4);
    const sample = batch.get(1);
    assert.deepEqual(sample.shape, [3, 4, 4]);
    const channel = sample.get(2);
    assert.deepEqual(channel.shape, [4, 4]);
    assert.equal(channel.storage[0], 1 * 48 + 2 * 16);
    assert.deepEqual(batch.get(-1).get(-1).shape, [4, 4]);
    const crop = batch.index(0, null, [1, 3], [0, 4, 2]);
    assert.deepEqual(crop.shape, [3, 2, 2]);
    assert.equal(crop.storage[0], 4);
    assert.throws(() => batch.get(2), /select: index 2 is out of range for dim 0 of size 2/);
  });

  it("cat and stack check the other dims", () => {
    assert.deepEqual(cat([zeros([2, 3]), ones([1, 3])]).shape, [3, 3]);
    assert.deepEqual(stack([zeros([2]), ones([2])], 1).toArray(), [
      [0, 1],
      [0, 1],
    ]);
    assert.throws(
      () => cat([zeros([2, 3]), zeros([2, 4])]),
      /cat: tensor 1 has shape \[2, 4\] but tensor 0 has \[2, 3\]; all dims except dim 0 must match/,
    );
  });

  it("broadcasting errors name both shapes", () => {
    assert.throws(
      () => zeros([2, 3]).add(zeros([4])),
      (e: unknown) =>
        e instanceof ReceptiveError &&
        /add: shapes \[2, 3\] and \[4\] cannot be broadcast: dim -1 has sizes 3 and 4/.test(e.message),
    );
  });

  it("prints like PyTorch", () => {
    assert.equal(
      tensor([
        [0, 30],
        [30, 0],
      ]).toString(),
      "tensor([[ 0., 30.],\n        [30.,  0.]])",
    );
    assert.equal(tensor([1.5, -2.25]).toString(), "tensor([ 1.5000, -2.2500])");
    assert.match(randn([100, 100]).toString(), /\.\.\./);
  });
});

describe("reductions and comparisons", () => {
  it("max along a dim returns values and indices", () => {
    const x = tensor([
      [1, 5, 2],
      [7, 0, 7],
    ]);
    const { values, indices } = x.max(1);
    assert.deepEqual(values.toArray(), [5, 7]);
    assert.deepEqual(indices.toArray(), [1, 0]);
    assert.equal(indices.dtype, "int64");
    assert.deepEqual(x.argmax().toArray(), 3);
    assert.deepEqual(x.gt(4).toArray(), [
      [false, true, false],
      [true, false, true],
    ]);
  });
});
