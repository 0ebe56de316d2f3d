// Reference padding kernels for F.pad: constant, reflect, replicate and circular borders on any
// dims of a contiguous tensor, and their adjoints. Every output element reads at most one input
// element, so backward scatters dout back with += (reflect, replicate and circular read some
// inputs several times; their gradients add up). Negative pads crop.
//
// `shape` is the input's shape, `before`/`after` the pads of every dim (0 where not padded);
// the output shape is shape[d] + before[d] + after[d].

import { type Buf, defineKernel } from "../registry";

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/**
 * The input index that output position `o` reads along a dim of `size` padded by
 * (`before`, `after`), or -1 when it reads the constant. NOTE: circular wraps within the part of
 * the input that survives negative pads (PyTorch crops first, then wraps); reflect and replicate
 * mirror and clamp against the whole input.
 */
function sourceIndex(o: number, size: number, before: number, after: number, mode: PadMode): number {
  const i = o - before;
  switch (mode) {
    case "constant":
      return i >= 0 && i < size ? i : -1;
    case "replicate":
      return i < 0 ? 0 : i >= size ? size - 1 : i;
    case "reflect":
      return i < 0 ? -i : i >= size ? 2 * (size - 1) - i : i;
    case "circular": {
      const lo = Math.max(0, -before);
      const len = size - lo - Math.max(0, -after);
      return lo + ((((o - Math.max(0, before)) % len) + len) % len);
    }
  }
}

/** For each dim, the source index of every output position along it (-1: constant). */
function indexMaps(
  shape: readonly number[],
  before: readonly number[],
  after: readonly number[],
  mode: PadMode,
): Int32Array[] {
  return shape.map((size, d) => {
    const m = new Int32Array(size + before[d] + after[d]);
    for (let o = 0; o < m.length; o++) m[o] = sourceIndex(o, size, before[d], after[d], mode);
    return m;
  });
}

/**
 * Walks the output row by row (rows along the last dim). For each row, `visit` gets the row's
 * offset in the output, the offset of the matching input row (-1 when a leading dim reads the
 * constant) and the last dim's index map.
 */
function forEachRow(
  shape: readonly number[],
  maps: Int32Array[],
  visit: (outRow: number, inRow: number, last: Int32Array) => void,
): void {
  const nd = shape.length;
  if (nd === 0) {
    visit(0, 0, Int32Array.of(0)); // a scalar: one row of one element
    return;
  }
  const outShape = maps.map((m) => m.length);
  const inStrides = new Array<number>(nd);
  let s = 1;
  for (let d = nd - 1; d >= 0; d--) {
    inStrides[d] = s;
    s *= shape[d];
  }
  const rowLen = outShape[nd - 1];
  let rows = 1;
  for (let d = 0; d < nd - 1; d++) rows *= outShape[d];
  if (rowLen === 0) return;
  const idx = new Array<number>(nd - 1).fill(0); // multi-index over the leading output dims
  for (let r = 0; r < rows; r++) {
    let inRow = 0;
    for (let d = 0; d < nd - 1; d++) {
      const src = maps[d][idx[d]];
      if (src < 0) {
        inRow = -1;
        break;
      }
      inRow += src * inStrides[d];
    }
    visit(r * rowLen, inRow, maps[nd - 1]);
    for (let d = nd - 2; d >= 0; d--) {
      if (++idx[d] < outShape[d]) break;
      idx[d] = 0;
    }
  }
}

/** out (shape + before + after) = pad(inp (shape)), filling with `value` in constant mode. */
export const padForward = defineKernel(
  "padForward",
  (
    out: Buf,
    inp: Buf,
    shape: readonly number[],
    before: readonly number[],
    after: readonly number[],
    mode: PadMode,
    value: number,
  ) => {
    forEachRow(shape, indexMaps(shape, before, after, mode), (outRow, inRow, last) => {
      if (inRow < 0) out.fill(value, outRow, outRow + last.length);
      else
        for (let j = 0; j < last.length; j++) {
          const src = last[j];
          out[outRow + j] = src < 0 ? value : inp[inRow + src];
        }
    });
  },
);

/** dinp (shape) += the gradient of padForward: each dout element goes back to the input it read. */
export const padBackward = defineKernel(
  "padBackward",
  (
    dinp: Buf,
    dout: Buf,
    shape: readonly number[],
    before: readonly number[],
    after: readonly number[],
    mode: PadMode,
  ) => {
    forEachRow(shape, indexMaps(shape, before, after, mode), (outRow, inRow, last) => {
      if (inRow < 0) return;
      for (let j = 0; j < last.length; j++) {
        const src = last[j];
        if (src >= 0) dinp[inRow + src] += dout[outRow + j];
      }
    });
  },
);
