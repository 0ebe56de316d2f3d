// Reference kernel of sort, argsort and topk: each line along one dim, x viewed as (outer, R,
// inner), sorted stably (equal values keep their order) with NaN above every number, as in PyTorch.

import { type Buf, defineKernel } from "../registry";

/** a before b in ascending order: -1, 0 or 1, NaN last. */
function ascending(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  return a !== a ? (b !== b ? 0 : 1) : -1; // a or b is NaN
}

/**
 * values, indices (outer, k, inner) = the first k entries of each line of x (outer, R, inner) in
 * sorted order (descending: largest first) and their positions in the line.
 */
export const sortAlong = defineKernel(
  "sortAlong",
  (
    values: Buf,
    indices: Buf,
    x: Buf,
    outer: number,
    R: number,
    inner: number,
    k: number,
    descending: boolean,
  ) => {
    const order = new Array<number>(R);
    const line = new Float64Array(R);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < inner; j++) {
        const base = o * R * inner + j;
        for (let r = 0; r < R; r++) {
          order[r] = r;
          line[r] = x[base + r * inner];
        }
        order.sort(
          descending ? (a, b) => ascending(line[b], line[a]) : (a, b) => ascending(line[a], line[b]),
        );
        const outBase = o * k * inner + j;
        for (let r = 0; r < k; r++) {
          values[outBase + r * inner] = line[order[r]];
          indices[outBase + r * inner] = order[r];
        }
      }
  },
);

/** dx (outer, R, inner) += dvalues (outer, k, inner) sent back to the positions `indices` names. */
export const sortAlongBackward = defineKernel(
  "sortAlongBackward",
  (dx: Buf, dvalues: Buf, indices: Buf, outer: number, R: number, inner: number, k: number) => {
    for (let o = 0; o < outer; o++)
      for (let r = 0; r < k; r++)
        for (let j = 0; j < inner; j++) {
          const at = (o * k + r) * inner + j;
          dx[(o * R + indices[at]) * inner + j] += dvalues[at];
        }
  },
);
