// F.normalize beyond the PyTorch goldens: unit norms by hand, zero vectors stay zero with a finite
// gradient, options positionally or by name, and the errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, tensor } from "../../kernel/engine/index";
import { expectClose } from "../helpers";

describe("F.normalize", () => {
  it("scales each row to unit length; a zero row stays zero with a finite gradient", () => {
    const x = tensor(
      [
        [3, 4],
        [0, 0],
      ],
      { requiresGrad: true },
    );
    const y = F.normalize(x);
    expectClose(y.storage, [0.6, 0.8, 0, 0], "values");
    y.sum().backward();
    assert.ok(x.grad!.storage.every(Number.isFinite), `finite gradient, got ${x.grad!.storage}`);
  });
  it("takes p, dim and eps positionally or by name", () => {
    const x = tensor([
      [1, -3],
      [2, 2],
    ]);
    expectClose(F.normalize(x, 1, 0).storage, F.normalize(x, { p: 1, dim: 0 }).storage, "same");
    expectClose(F.normalize(x, Number.POSITIVE_INFINITY, 1).storage, [1 / 3, -1, 1, 1], "inf");
  });
  it("errors name the op and the value", () => {
    const x = tensor([[1, 2]]);
    assert.throws(() => F.normalize(x, 0), /normalize: p must be a positive number or Infinity, got 0/);
    assert.throws(() => F.normalize(x, { dim: 2 }), /normalize: dim 2 is out of range/);
    assert.throws(
      () => F.normalize(tensor([[1, 2]], { dtype: "int64" })),
      /normalize: expects a float tensor/,
    );
  });
});
