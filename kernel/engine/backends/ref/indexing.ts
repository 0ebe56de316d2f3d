// Reference kernels of gather and scatter along one dim. Both visit every position p of the index
// tensor; the indexed tensor is read or written at p with its `dim` coordinate replaced by
// index[p], the other tensor at p itself (through its own strides, so a src or an output larger
// than the index is read or written only where the index reaches).

import { type Buf, defineKernel } from "../registry";
import { forEachBroadcast } from "./elementwise";

/** Where gather/scatter read and write: the index's shape and the strides of both tensors. */
export interface IndexGeometry {
  /** The index's shape: the positions visited (the index itself is contiguous). */
  readonly shape: readonly number[];
  /** Strides of the indexed tensor (gather's input, scatter's output) with 0 at `dim`. */
  readonly target: readonly number[];
  /** The indexed tensor's stride along `dim` (index values are multiplied by it). */
  readonly dimStride: number;
  /** Strides of the other tensor (gather's output, scatter's src) in the index's shape. */
  readonly other: readonly number[];
}

/** out[p] = inp[p with dim -> index[p]], out read through g.other. */
export const gatherAlong = defineKernel(
  "gatherAlong",
  (out: Buf, inp: Buf, index: Float32Array, g: IndexGeometry) => {
    forEachBroadcast(g.shape, g.target, g.other, (i, it, io) => {
      out[io] = inp[it + index[i] * g.dimStride];
    });
  },
);

/** How scatterAlong combines: write, add (+=) or multiply (*=). */
export type ScatterReduce = "none" | "add" | "multiply";

/**
 * out[p with dim -> index[p]] (=, +=, *=) src[p] (src read through g.other), or `value` when src
 * is null. Where several positions hit one element, the last write wins ("none").
 */
export const scatterAlong = defineKernel(
  "scatterAlong",
  (
    out: Buf,
    src: Buf | null,
    value: number,
    index: Float32Array,
    g: IndexGeometry,
    reduce: ScatterReduce,
  ) => {
    forEachBroadcast(g.shape, g.target, g.other, (i, it, is) => {
      const o = it + index[i] * g.dimStride;
      const v = src === null ? value : src[is];
      if (reduce === "add") out[o] += v;
      else if (reduce === "multiply") out[o] *= v;
      else out[o] = v;
    });
  },
);
