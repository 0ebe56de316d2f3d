// Reference data-movement kernels: permute, strided slices along one dim, and their adjoints.

import { type Buf, defineKernel } from "../registry";
import { forEachBroadcast } from "./elementwise";

/** out = x.permute(perm) made contiguous; `shape` is x's shape. */
export const permute = defineKernel(
  "permute",
  (out: Buf, x: Buf, shape: readonly number[], perm: readonly number[]) => {
    const nd = shape.length;
    const xStrides = new Array<number>(nd);
    let s = 1;
    for (let d = nd - 1; d >= 0; d--) {
      xStrides[d] = s;
      s *= shape[d];
    }
    const outShape = perm.map((p) => shape[p]);
    const readStrides = perm.map((p) => xStrides[p]);
    const zero = new Array<number>(nd).fill(0);
    forEachBroadcast(outShape, readStrides, zero, (i, ix) => {
      out[i] = x[ix];
    });
  },
);

/**
 * Strided slice of x viewed as (outer, size, inner): out[o, j, k] = x[o, start + j * step, k] for
 * j < count. With `add`, the adjoint: x[o, start + j * step, k] += out[o, j, k] (x is then the target).
 */
export const sliceDim = defineKernel(
  "sliceDim",
  (
    out: Buf,
    x: Buf,
    outer: number,
    size: number,
    inner: number,
    start: number,
    step: number,
    count: number,
    add = false,
  ) => {
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < count; j++) {
        const src = (o * size + start + j * step) * inner;
        const dst = (o * count + j) * inner;
        if (add) for (let k = 0; k < inner; k++) x[src + k] += out[dst + k];
        else for (let k = 0; k < inner; k++) out[dst + k] = x[src + k];
      }
  },
);

/**
 * Gathers along the middle dim of x viewed as (outer, size, inner): out[o, j, k] = x[o, index[j], k].
 * With `add`, the adjoint scatter-add into x.
 */
export const indexSelect = defineKernel(
  "indexSelect",
  (out: Buf, x: Buf, index: ArrayLike<number>, outer: number, size: number, inner: number, add = false) => {
    const count = index.length;
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < count; j++) {
        const src = (o * size + index[j]) * inner;
        const dst = (o * count + j) * inner;
        if (add) for (let k = 0; k < inner; k++) x[src + k] += out[dst + k];
        else for (let k = 0; k < inner; k++) out[dst + k] = x[src + k];
      }
  },
);
