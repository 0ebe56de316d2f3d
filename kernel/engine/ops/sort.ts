// Sorting along one dim (PyTorch 1.13): sort, argsort and topk. Sorting is always stable (equal
// values keep their order, which satisfies `stable: true` and is one valid order without it); NaN
// sorts above every number. Values carry gradients back to where they came from; indices are int64.

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp } from "../autograd/record";
import { sortAlong, sortAlongBackward } from "../backends/ref/sort";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { normDim, numelOf } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { checkTensor } from "./tensor-args";

export interface SortOptions {
  /** The dim to sort along. Default -1 (the last). */
  dim?: number;
  /** Largest first. Default false. */
  descending?: boolean;
  /** Keep equal values in their order (always so here). Default false. */
  stable?: boolean;
}

export interface TopkOptions {
  /** Default -1 (the last). */
  dim?: number;
  /** The k largest (default) or, false, the k smallest. */
  largest?: boolean;
  /** Return them in sorted order (always so here). Default true. */
  sorted?: boolean;
}

/** Values with the positions they came from, as PyTorch's (values, indices) named tuple. */
export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

/** Sorts the first k entries of every line along dim; values keep the gradient. */
function sortLines(
  op: string,
  input: Tensor,
  dim: number,
  k: number | null,
  descending: boolean,
): ValuesIndices {
  const d = normDim(dim, input.ndim, op);
  const shape = input.ndim === 0 ? [1] : input.shape;
  const outer = numelOf(shape.slice(0, d));
  const R = shape[d];
  const inner = numelOf(shape.slice(d + 1));
  const K = k ?? R;
  check(
    Number.isInteger(K) && K >= 0 && K <= R,
    op,
    () =>
      `k must be a whole number from 0 to the size of dim ${d} (${R}, input shape ${fmtShape(input.shape)}), got ${String(k)}`,
  );
  const outShape = input.shape.map((s, i) => (i === d ? K : s));
  const values = emptyStorage(outer * K * inner); // (outer, K, inner)
  const indices = emptyStorage(outer * K * inner);
  sortAlong(values, indices, input.storage, outer, R, inner, K, descending);
  const idx = new Tensor(indices, outShape, "int64"); // returned to the caller
  const v = fromOp(op, values, outShape, [input], [idx], (dout) => {
    const dx = gradBuffer(input.numel); // (input shape), zeros
    sortAlongBackward(dx, dout, indices, outer, R, inner, K);
    return [dx];
  });
  v.dtype = input.dtype;
  return { values: v, indices: idx };
}

/**
 * The values along `dim` in ascending (or descending) order, with their original positions:
 * `const { values, indices } = x.sort()`, `x.sort(0, true)`, `x.sort({ dim: 0, stable: true })`.
 */
export function sort(input: Tensor, ...args: (number | boolean | SortOptions | undefined)[]): ValuesIndices {
  checkTensor(input, "sort", "input");
  const o = namedArgs<SortOptions>("sort", ["dim", "descending"], args);
  return sortLines("sort", input, o.dim ?? -1, null, o.descending ?? false);
}

/** The positions that sort `input` along `dim` (int64): sort(...).indices. */
export function argsort(input: Tensor, ...args: (number | boolean | SortOptions | undefined)[]): Tensor {
  checkTensor(input, "argsort", "input");
  const o = namedArgs<SortOptions>("argsort", ["dim", "descending", "stable"], args);
  return sortLines("argsort", input.detach(), o.dim ?? -1, null, o.descending ?? false).indices;
}

/** The k largest (or smallest) values along `dim` and their positions, largest first. */
export function topk(
  input: Tensor,
  k: number,
  ...args: (number | boolean | TopkOptions | undefined)[]
): ValuesIndices {
  checkTensor(input, "topk", "input");
  const o = namedArgs<TopkOptions>("topk", ["dim", "largest", "sorted"], args);
  return sortLines("topk", input, o.dim ?? -1, k, o.largest ?? true);
}
