// Reference kernel of cumsum: running sums along the middle dim of x viewed as (outer, R, inner),
// accumulated in float64 as PyTorch's CPU kernel does.

import { type Buf, defineKernel } from "../registry";

/**
 * out (outer, R, inner)[o, r, j] = sum of x[o, 0..r, j]; with `reverse`, of x[o, r..R-1, j]
 * (cumsum's backward: the gradient of each input is the sum of dout over the outputs that read it).
 */
export const cumsumAlong = defineKernel(
  "cumsumAlong",
  (out: Buf, x: Buf, outer: number, R: number, inner: number, reverse = false) => {
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < inner; j++) {
        const base = o * R * inner + j;
        let acc = 0;
        for (let k = 0; k < R; k++) {
          const at = base + (reverse ? R - 1 - k : k) * inner;
          acc += x[at];
          out[at] = acc;
        }
      }
  },
);
