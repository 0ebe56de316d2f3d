// gather, scatter, scatterAdd, oneHot, sort, argsort and topk beyond the PyTorch goldens: float64
// gradient checks of the ref kernels, results checked by hand, the gradient of a src larger than
// the index (PyTorch 1.13 fails there), and the errors for bad indices, shapes and dtypes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { gatherAlong, IndexGeometry, scatterAlong } from "../../kernel/engine/backends/ref/indexing";
import type { sortAlong, sortAlongBackward } from "../../kernel/engine/backends/ref/sort";
import { refKernel } from "../../kernel/engine/backends/registry";
import { argsort, F, gather, scatter, scatterAdd, sort, tensor, topk } from "../../kernel/engine/index";
import { stridesOf } from "../../kernel/engine/tensor/shape";
import { dot, expectClose, expectShape, f64Random, gradcheck } from "../helpers";

const gatherK = refKernel("gatherAlong") as typeof gatherAlong;
const scatterK = refKernel("scatterAlong") as typeof scatterAlong;
const sortK = refKernel("sortAlong") as typeof sortAlong;
const sortBackK = refKernel("sortAlongBackward") as typeof sortAlongBackward;

const long = (v: unknown) => tensor(v as number[], { dtype: "int64" });

/** The geometry ops/indexing.ts builds for an input `inShape` indexed along `d` by `idxShape`. */
function geometry(inShape: number[], idxShape: number[], d: number, other = idxShape): IndexGeometry {
  const target = stridesOf(inShape);
  return {
    shape: idxShape,
    target: target.map((s, k) => (k === d ? 0 : s)),
    dimStride: target[d],
    other: stridesOf(other),
  };
}

describe("gather / scatter ref kernels (float64 gradient check)", () => {
  it("gather's backward is scatter-add of dout (dim 1 of [3, 5, 2], repeats)", () => {
    const inShape = [3, 5, 2];
    const idxShape = [3, 4, 2];
    const g = geometry(inShape, idxShape, 1);
    const index = Float32Array.from({ length: 24 }, (_, i) => (i * 7) % 5);
    const w = f64Random(24, 3);
    gradcheck(
      "gather",
      [f64Random(30, 1)],
      ([x]) => {
        const out = new Float64Array(24);
        gatherK(out, x, index, g);
        return dot(out, w);
      },
      () => {
        const dx = new Float64Array(30);
        scatterK(dx, w, 0, index, g, "add");
        return [dx];
      },
    );
  });

  it("scatterAdd's backward reads dout where src went (src larger than the index)", () => {
    const g = geometry([4, 3], [2, 3], 0, [3, 5]);
    const index = Float32Array.from([3, 0, 3, 3, 1, 0]);
    const w = f64Random(12, 5);
    gradcheck(
      "scatterAdd",
      [f64Random(12, 6), f64Random(15, 7)],
      ([x, src]) => {
        const out = Float64Array.from(x);
        scatterK(out, src, 0, index, g, "add");
        return dot(out, w);
      },
      () => {
        const dsrc = new Float64Array(15);
        gatherK(dsrc, w, index, g);
        return [Float64Array.from(w), dsrc];
      },
    );
  });
});

describe("sort ref kernels (float64 gradient check)", () => {
  for (const [outer, R, inner, k, descending] of [
    [2, 5, 3, 5, false],
    [3, 6, 1, 2, true],
    [1, 4, 2, 3, false],
  ] as const)
    it(`(${outer}, ${R}, ${inner}) k ${k}${descending ? " descending" : ""}`, () => {
      const n = outer * R * inner;
      const m = outer * k * inner;
      const idx = new Float64Array(m);
      const w = f64Random(m, 9);
      gradcheck(
        "sort",
        [f64Random(n, 8)],
        ([x]) => {
          const values = new Float64Array(m);
          sortK(values, idx, x, outer, R, inner, k, descending);
          return dot(values, w);
        },
        ([x]) => {
          sortK(new Float64Array(m), idx, x, outer, R, inner, k, descending);
          const dx = new Float64Array(n);
          sortBackK(dx, w, idx, outer, R, inner, k);
          return [dx];
        },
      );
    });
});

describe("gather and scatter values", () => {
  it("gathers along dim 1 (checked by hand)", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const out = gather(
      x,
      1,
      long([
        [2, 0],
        [1, 1],
      ]),
    );
    expectShape(out.shape, [2, 2], "shape");
    expectClose(out.storage, [3, 1, 5, 5], "values");
  });

  it("scatter's src gradient is zero where no index reads src (src larger than the index)", () => {
    const src = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { requiresGrad: true },
    );
    const x = tensor([0, 0, 0, 0], { requiresGrad: true }).reshape([1, 4]);
    const out = scatter(x, 1, long([[3, 0]]), src);
    expectClose(out.storage, [2, 0, 0, 1], "values");
    out
      .mul(tensor([[10, 20, 30, 40]]))
      .sum()
      .backward();
    expectClose(src.grad!.storage, [40, 10, 0, 0, 0, 0], "d src");
  });

  it("scatter's input gradient is zero where it was overwritten; scatterAdd's passes through", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    scatter(x, 0, long([2]), 9)
      .sum()
      .backward();
    expectClose(x.grad!.storage, [1, 1, 0], "scatter");
    x.grad = null;
    scatterAdd(x, 0, long([2, 2]), tensor([1, 1]))
      .sum()
      .backward();
    expectClose(x.grad!.storage, [1, 1, 1], "scatterAdd");
  });

  it("scatter's backward leaves the upstream gradient as it was (a retained grad reads it)", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = scatter(x, 0, long([1]), 5);
    y.retainGrad();
    y.mul(tensor([1, 2, 3]))
      .sum()
      .backward();
    expectClose(y.grad!.storage, [1, 2, 3], "y.grad");
    expectClose(x.grad!.storage, [1, 0, 3], "x.grad");
  });

  it("scatter with reduce has no gradient, as in PyTorch 1.13, and says what to use", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const out = scatter(x, 0, long([0]), tensor([5]), { reduce: "add" });
    expectClose(out.storage, [6, 2, 3], "values");
    assert.throws(() => out.sum().backward(), /not implemented.*scatterAdd/);
  });

  it("oneHot infers the classes or takes them positionally or by name", () => {
    expectClose(F.oneHot(long([2, 0])).storage, [0, 0, 1, 1, 0, 0], "inferred");
    expectShape(F.oneHot(long([2, 0]), 4).shape, [2, 4], "positional");
    expectShape(F.oneHot(long([2, 0]), { numClasses: 5 }).shape, [2, 5], "by name");
    assert.equal(F.oneHot(long([1])).dtype, "int64");
  });
});

describe("sort, argsort and topk", () => {
  it("take their options positionally or by name", () => {
    const x = tensor([
      [3, 1, 2],
      [0, 5, 4],
    ]);
    expectClose(sort(x, 0, true).values.storage, [3, 5, 4, 0, 1, 2], "sort(x, 0, true)");
    expectClose(x.sort({ descending: true }).indices.storage, [0, 2, 1, 1, 2, 0], "x.sort({descending})");
    expectClose(argsort(x, { dim: 1 }).storage, [1, 2, 0, 0, 2, 1], "argsort by name");
    const t = topk(x, 2, 1, false);
    expectClose(t.values.storage, [1, 2, 0, 4], "topk smallest");
    expectClose(t.indices.storage, [1, 2, 0, 2], "topk smallest indices");
    assert.equal(t.indices.dtype, "int64");
  });
});

describe("indexing errors", () => {
  const x = tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  it("an index out of range names the op, the index, the dim and its size", () => {
    assert.throws(
      () => gather(x, 1, long([[0, 3]])),
      /gather: index 3 is out of bounds for dim 1 with size 3/,
    );
    assert.throws(
      () => scatter(x, 0, long([[-1, 0, 0]]), 1),
      /scatter: index -1 is out of bounds for dim 0 with size 2.*add 2 to them first/,
    );
    assert.throws(() => scatterAdd(x, 5, long([[0]]), x), /scatterAdd: dim 5 is out of range/i);
  });
  it("a float index, a rank mismatch, an index too large and a src of another dtype", () => {
    assert.throws(
      () => gather(x, 1, tensor([[0, 1]])),
      /gather: index must be an int64 tensor, got float32.*index\.long\(\)/,
    );
    assert.throws(
      () => gather(x, 1, long([0, 1])),
      /gather: index must have as many dims as the input.*unsqueeze/,
    );
    assert.throws(() => gather(x, 1, long([[0], [1], [1]])), /no larger than the input.*dim 0 has 3 > 2/);
    assert.throws(() => scatterAdd(x, 1, long([[0]]), long([[1]])), /src must have the input's dtype/);
    assert.throws(
      () => scatter(x, 1, long([[0]]), [1] as never),
      /scatter: src must be a Tensor or a number/,
    );
  });
  it("oneHot: negative classes, too few classes and float input", () => {
    assert.throws(() => F.oneHot(long([1, -1])), /oneHot: class values must be non-negative, got -1/);
    assert.throws(() => F.oneHot(long([1, 4]), 3), /smaller than numClasses \(3\), got 4/);
    assert.throws(() => F.oneHot(tensor([1, 2])), /oneHot: expects an int64 tensor.*tensor\.long\(\)/);
  });
  it("topk: k larger than the dim", () => {
    assert.throws(() => topk(x, 4), /topk: k must be a whole number from 0 to the size of dim 1 \(3/);
  });
});
