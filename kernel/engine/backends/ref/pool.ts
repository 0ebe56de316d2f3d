// Reference pooling kernels over NCHW planes: max (with argmax indices), average (PyTorch's divisor
// arithmetic), adaptive average/max, and max-unpooling. Every (n, c) plane is pooled on its own;
// indices are flat positions h * W + w inside the input plane, as PyTorch reports them. Sizes come
// as one PoolGeometry (sliding windows) or PoolPlanes (adaptive, unpooling): see ../geometry.ts.

import type { PoolGeometry, PoolPlanes } from "../geometry";
import { type Buf, defineKernel } from "../registry";

/**
 * out, indices (N, C, OH, OW) = max of inp (N, C, H, W) over each window; padding acts as -inf.
 * Window (oh, ow) reads rows oh * strideH - padTop + i * dilationH (i < KH), columns likewise.
 *
 * NOTE: as PyTorch's CPU kernel: a value wins when it is greater than the running max or NaN, so
 * the first maximum wins ties and a NaN propagates (the last NaN's index is reported). The index
 * starts at the window's first in-bounds position, which is what an all -inf window reports.
 */
export const maxPool2dForward = defineKernel(
  "maxPool2dForward",
  (out: Buf, indices: Buf, inp: Buf, g: PoolGeometry) => {
    const { N, C, H, W, OH, OW, KH, KW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = g;
    for (let p = 0; p < N * C; p++) {
      const ip = p * H * W; // plane offset in inp (N, C, H, W)
      const op = p * OH * OW; // plane offset in out, indices (N, C, OH, OW)
      for (let oh = 0; oh < OH; oh++) {
        let h0 = oh * strideH - padTop;
        const h1 = Math.min(h0 + (KH - 1) * dilationH + 1, H);
        while (h0 < 0) h0 += dilationH;
        for (let ow = 0; ow < OW; ow++) {
          let w0 = ow * strideW - padLeft;
          const w1 = Math.min(w0 + (KW - 1) * dilationW + 1, W);
          while (w0 < 0) w0 += dilationW;
          let best = Number.NEGATIVE_INFINITY;
          let bestI = h0 * W + w0;
          for (let h = h0; h < h1; h += dilationH)
            for (let w = w0; w < w1; w += dilationW) {
              const v = inp[ip + h * W + w];
              if (v > best || v !== v) {
                best = v;
                bestI = h * W + w;
              }
            }
          out[op + oh * OW + ow] = best;
          indices[op + oh * OW + ow] = bestI;
        }
      }
    }
  },
);

/**
 * dinp (N, C, H, W) += dout (N, C, OH, OW) routed to each output's argmax (indices, same shape as
 * dout). Serves max and adaptive max pooling. Indices outside the plane (a window that held no
 * input at all) carry no gradient. `dinpZeroed`: the caller promises dinp holds zeros, a hint for
 * backends that would otherwise copy dinp in (wasm); ref adds onto it either way.
 */
export const maxPool2dBackward = defineKernel(
  "maxPool2dBackward",
  (dinp: Buf, dout: Buf, indices: Buf, p: PoolPlanes, _dinpZeroed = false) => {
    const { N, C, H, W, OH, OW } = p;
    for (let q = 0; q < N * C; q++) {
      const ip = q * H * W;
      const op = q * OH * OW;
      for (let j = 0; j < OH * OW; j++) {
        const idx = indices[op + j];
        if (idx >= 0 && idx < H * W) dinp[ip + idx] += dout[op + j];
      }
    }
  },
);

/**
 * The divisor and the clipped window of average-pooling window (oh, ow), PyTorch's arithmetic:
 * the window is first clipped to the padded input (that size is the divisor with countIncludePad),
 * then to the input (that size is the divisor without). divisorOverride (0 = none) replaces both.
 * Writes [h0, h1, w0, w1, divisor] into `win`.
 */
function avgWindow(
  win: Int32Array,
  oh: number,
  ow: number,
  g: PoolGeometry,
  countIncludePad: boolean,
  divisorOverride: number,
): void {
  const { H, W, KH, KW, strideH, strideW, padTop, padLeft } = g;
  let h0 = oh * strideH - padTop;
  let w0 = ow * strideW - padLeft;
  let h1 = Math.min(h0 + KH, H + padTop);
  let w1 = Math.min(w0 + KW, W + padLeft);
  const padded = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, H);
  w1 = Math.min(w1, W);
  win[0] = h0;
  win[1] = h1;
  win[2] = w0;
  win[3] = w1;
  win[4] = divisorOverride !== 0 ? divisorOverride : countIncludePad ? padded : (h1 - h0) * (w1 - w0);
}

/**
 * out (N, C, OH, OW) = sum of inp (N, C, H, W) over each window / divisor (see avgWindow).
 * A window that covers no input (possible only with ceilMode) gives 0.
 */
export const avgPool2dForward = defineKernel(
  "avgPool2dForward",
  (out: Buf, inp: Buf, g: PoolGeometry, countIncludePad: boolean, divisorOverride: number) => {
    const { N, C, H, W, OH, OW } = g;
    const win = new Int32Array(5); // [h0, h1, w0, w1, divisor]
    for (let p = 0; p < N * C; p++) {
      const ip = p * H * W;
      const op = p * OH * OW;
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          avgWindow(win, oh, ow, g, countIncludePad, divisorOverride);
          const [h0, h1, w0, w1, divisor] = win;
          let s = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += inp[ip + h * W + w];
          out[op + oh * OW + ow] = h0 < h1 && w0 < w1 ? s / divisor : 0;
        }
    }
  },
);

/** dinp (N, C, H, W) += dout (N, C, OH, OW) / divisor over each window (the adjoint of avgPool2dForward). */
export const avgPool2dBackward = defineKernel(
  "avgPool2dBackward",
  (dinp: Buf, dout: Buf, g: PoolGeometry, countIncludePad: boolean, divisorOverride: number) => {
    const { N, C, H, W, OH, OW } = g;
    const win = new Int32Array(5);
    for (let p = 0; p < N * C; p++) {
      const ip = p * H * W;
      const op = p * OH * OW;
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          avgWindow(win, oh, ow, g, countIncludePad, divisorOverride);
          const [h0, h1, w0, w1, divisor] = win;
          const d = dout[op + oh * OW + ow] / divisor;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dinp[ip + h * W + w] += d;
        }
    }
  },
);

/** out (N, C, OH, OW) = mean of inp (N, C, H, W) over rows [floor(oh H / OH), ceil((oh + 1) H / OH)), columns likewise. */
export const adaptiveAvgPool2dForward = defineKernel(
  "adaptiveAvgPool2dForward",
  (out: Buf, inp: Buf, p: PoolPlanes) => {
    const { N, C, H, W, OH, OW } = p;
    for (let q = 0; q < N * C; q++) {
      const ip = q * H * W;
      const op = q * OH * OW;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = Math.floor((oh * H) / OH);
        const h1 = Math.ceil(((oh + 1) * H) / OH);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = Math.floor((ow * W) / OW);
          const w1 = Math.ceil(((ow + 1) * W) / OW);
          let s = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += inp[ip + h * W + w];
          out[op + oh * OW + ow] = s / ((h1 - h0) * (w1 - w0));
        }
      }
    }
  },
);

/** dinp (N, C, H, W) += dout (N, C, OH, OW) spread evenly over each adaptive window. */
export const adaptiveAvgPool2dBackward = defineKernel(
  "adaptiveAvgPool2dBackward",
  (dinp: Buf, dout: Buf, p: PoolPlanes) => {
    const { N, C, H, W, OH, OW } = p;
    for (let q = 0; q < N * C; q++) {
      const ip = q * H * W;
      const op = q * OH * OW;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = Math.floor((oh * H) / OH);
        const h1 = Math.ceil(((oh + 1) * H) / OH);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = Math.floor((ow * W) / OW);
          const w1 = Math.ceil(((ow + 1) * W) / OW);
          const g = dout[op + oh * OW + ow] / ((h1 - h0) * (w1 - w0));
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dinp[ip + h * W + w] += g;
        }
      }
    }
  },
);

/**
 * out, indices (N, C, OH, OW) = max of inp (N, C, H, W) over each adaptive window (as
 * adaptiveAvgPool2dForward); ties and NaN as maxPool2dForward. Backward is maxPool2dBackward.
 */
export const adaptiveMaxPool2dForward = defineKernel(
  "adaptiveMaxPool2dForward",
  (out: Buf, indices: Buf, inp: Buf, p: PoolPlanes) => {
    const { N, C, H, W, OH, OW } = p;
    for (let q = 0; q < N * C; q++) {
      const ip = q * H * W;
      const op = q * OH * OW;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = Math.floor((oh * H) / OH);
        const h1 = Math.ceil(((oh + 1) * H) / OH);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = Math.floor((ow * W) / OW);
          const w1 = Math.ceil(((ow + 1) * W) / OW);
          let best = Number.NEGATIVE_INFINITY;
          let bestI = h0 * W + w0;
          for (let h = h0; h < h1; h++)
            for (let w = w0; w < w1; w++) {
              const v = inp[ip + h * W + w];
              if (v > best || v !== v) {
                best = v;
                bestI = h * W + w;
              }
            }
          out[op + oh * OW + ow] = best;
          indices[op + oh * OW + ow] = bestI;
        }
      }
    }
  },
);

/**
 * out (N, C, OH, OW) (zeroed by the caller): out[n, c].flat[indices[n, c, h, w]] = inp[n, c, h, w]
 * for inp, indices (N, C, H, W). Indices must lie in [0, OH * OW) (the op checks); when two
 * entries name the same position the later one wins, as in PyTorch's CPU kernel.
 */
export const maxUnpool2dForward = defineKernel(
  "maxUnpool2dForward",
  (out: Buf, inp: Buf, indices: Buf, p: PoolPlanes) => {
    const { N, C, H, W, OH, OW } = p;
    for (let q = 0; q < N * C; q++) {
      const ip = q * H * W;
      const op = q * OH * OW;
      for (let j = 0; j < H * W; j++) out[op + indices[ip + j]] = inp[ip + j];
    }
  },
);

/** dinp (N, C, H, W) = dout (N, C, OH, OW) gathered at indices (N, C, H, W): the adjoint of the scatter. */
export const maxUnpool2dBackward = defineKernel(
  "maxUnpool2dBackward",
  (dinp: Buf, dout: Buf, indices: Buf, p: PoolPlanes) => {
    const { N, C, H, W, OH, OW } = p;
    for (let q = 0; q < N * C; q++) {
      const ip = q * H * W;
      const op = q * OH * OW;
      for (let j = 0; j < H * W; j++) dinp[ip + j] += dout[op + indices[ip + j]];
    }
  },
);
