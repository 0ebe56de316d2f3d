// flip, roll and cumsum beyond the PyTorch goldens: float64 gradient checks of the ref kernels,
// results checked by hand, the ways to pass dims and shifts, and the errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { remapDims } from "../../kernel/engine/backends/ref/reorder";
import type { cumsumAlong } from "../../kernel/engine/backends/ref/scan";
import { refKernel } from "../../kernel/engine/backends/registry";
import { arange, cumsum, flip, roll, tensor } from "../../kernel/engine/index";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

const remapK = refKernel("remapDims") as typeof remapDims;
const cumsumK = refKernel("cumsumAlong") as typeof cumsumAlong;

describe("reorder and scan ref kernels (float64 gradient check)", () => {
  it("remapDims: a flip of dim 0 and a roll of dim 2 of (2, 3, 4)", () => {
    const shape = [2, 3, 4];
    const maps = [Int32Array.from([1, 0]), Int32Array.from([0, 1, 2]), Int32Array.from([3, 0, 1, 2])];
    const w = f64Random(24, 2);
    gradcheck(
      "remapDims",
      [f64Random(24, 1)],
      ([x]) => {
        const out = new Float64Array(24);
        remapK(out, x, shape, maps);
        return dot(out, w);
      },
      () => {
        const dx = new Float64Array(24);
        remapK(w, dx, shape, maps, true);
        return [dx];
      },
    );
  });
  it("cumsumAlong: (2, 5, 3) along the middle dim", () => {
    const w = f64Random(30, 4);
    gradcheck(
      "cumsum",
      [f64Random(30, 3)],
      ([x]) => {
        const out = new Float64Array(30);
        cumsumK(out, x, 2, 5, 3);
        return dot(out, w);
      },
      () => {
        const dx = new Float64Array(30);
        cumsumK(dx, w, 2, 5, 3, true);
        return [dx];
      },
    );
  });
});

describe("flip, roll and cumsum values", () => {
  const x = arange(6).reshape([2, 3]); // [[0, 1, 2], [3, 4, 5]]
  it("flip takes dims as a list or as numbers (checked by hand)", () => {
    expectClose(flip(x, [1]).storage, [2, 1, 0, 5, 4, 3], "flip [1]");
    expectClose(x.flip(0, 1).storage, [5, 4, 3, 2, 1, 0], "x.flip(0, 1)");
    expectClose(x.fliplr().storage, [2, 1, 0, 5, 4, 3], "fliplr");
    expectClose(x.flipud().storage, [3, 4, 5, 0, 1, 2], "flipud");
  });
  it("roll: flattened, along dims, and by name", () => {
    expectClose(roll(x, 1).storage, [5, 0, 1, 2, 3, 4], "flattened");
    expectClose(x.roll(-1, 1).storage, [1, 2, 0, 4, 5, 3], "dim 1 by -1");
    expectClose(roll(x, { shifts: [1, 1], dims: [0, 1] }).storage, [5, 3, 4, 2, 0, 1], "by name");
  });
  it("cumsum's gradient sums the upstream gradient over later positions", () => {
    const v = tensor([1, 2, 3], { requiresGrad: true });
    const c = cumsum(v, 0);
    expectClose(c.storage, [1, 3, 6], "values");
    c.mul(tensor([1, 10, 100]))
      .sum()
      .backward();
    expectClose(v.grad!.storage, [111, 110, 100], "grad");
    assert.equal(tensor([true, true], { dtype: "bool" }).cumsum(0).dtype, "int64");
  });
});

describe("flip, roll and cumsum errors", () => {
  const x = arange(6).reshape([2, 3]);
  it("name the op and the bad value", () => {
    assert.throws(() => flip(x, [0, -2]), /flip: dim -2 appears more than once/);
    assert.throws(() => flip(x, [2]), /flip: dim 2 is out of range for a tensor of rank 2/);
    assert.throws(() => x.fliplr().flatten().fliplr(), /fliplr: input must have at least 2 dims/);
    assert.throws(
      () => roll(x, [1, 2]),
      /roll: without dims, shifts must be one number.*roll\(x, \[1, 2\], \[0, 1\]\)/,
    );
    assert.throws(() => roll(x, [1, 2], [0]), /roll: shifts and dims must have the same length/);
    assert.throws(() => roll(x, 1.5), /roll: shifts must be whole numbers/);
    assert.throws(() => cumsum(x), /cumsum: needs the dim to sum along/);
    assert.throws(() => x.cumsum(2), /cumsum: dim 2 is out of range/);
  });
});
