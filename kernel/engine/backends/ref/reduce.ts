// Reference reduction kernels. Sums reduce any set of dims (the output is read through strides
// with 0 on reduced dims); max/min/argmax reduce one dim viewed as (outer, R, inner).

import { type Buf, defineKernel } from "../registry";
import { forEachBroadcast } from "./elementwise";

/** out[j] += x[i] for every i that maps to j; `outStrides` has 0 on reduced dims (out zeroed by caller). */
export const sumTo = defineKernel(
  "sumTo",
  (out: Buf, x: Buf, shape: readonly number[], outStrides: readonly number[]) => {
    const own = new Array<number>(shape.length).fill(0);
    forEachBroadcast(shape, outStrides, own, (i, io) => {
      out[io] += x[i];
    });
    // NOTE: forEachBroadcast's second operand is unused here (all-zero strides); x is contiguous.
  },
);

/** out[i] = x[j] for every i of `shape` (x read through broadcast strides): expand / broadcast copy. */
export const broadcastTo = defineKernel(
  "broadcastTo",
  (out: Buf, x: Buf, shape: readonly number[], xStrides: readonly number[]) => {
    const zero = new Array<number>(shape.length).fill(0);
    forEachBroadcast(shape, xStrides, zero, (i, ix) => {
      out[i] = x[ix];
    });
  },
);

/**
 * Max (or min) over the middle dim of x viewed as (outer, R, inner). The index is the first
 * occurrence of the extreme value; NaN propagates (and wins), as in PyTorch.
 */
export const maxDim = defineKernel(
  "maxDim",
  (values: Buf, indices: Buf, x: Buf, outer: number, R: number, inner: number, isMin: boolean) => {
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * R * inner + k;
        let best = x[base];
        let bestI = 0;
        for (let r = 1; r < R; r++) {
          const v = x[base + r * inner];
          if (best !== best) break;
          if (v !== v || (isMin ? v < best : v > best)) {
            best = v;
            bestI = r;
          }
        }
        values[o * inner + k] = best;
        indices[o * inner + k] = bestI;
      }
    }
  },
);

/** out[j] = max (or min) of x[i] over every i that maps to j; out pre-filled by the kernel. */
export const reduceMax = defineKernel(
  "reduceMax",
  (out: Buf, x: Buf, shape: readonly number[], outStrides: readonly number[], isMin: boolean) => {
    out.fill(isMin ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
    const own = new Array<number>(shape.length).fill(0);
    forEachBroadcast(shape, outStrides, own, (i, io) => {
      const v = x[i];
      const cur = out[io];
      if (v !== v || (cur === cur && (isMin ? v < cur : v > cur))) out[io] = v;
    });
  },
);
