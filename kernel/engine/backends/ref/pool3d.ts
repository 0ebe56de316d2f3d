// Reference 3-D pooling kernels over NCDHW volumes: max (with argmax indices), average (PyTorch's
// divisor arithmetic, as avgPool2dForward) and adaptive average/max. Each (n, c) volume is pooled on
// its own; indices are flat positions (d * H + h) * W + w inside the input volume, as PyTorch
// reports them. Max pooling's backward is maxPool2dBackward (./pool.ts) on volumes seen as flat planes.

import type { PoolGeometry3d, PoolPlanes3d } from "../geometry";
import { type Buf, defineKernel } from "../registry";

/** The [start, end) input range of sliding window o along one dim, clipped to the input. */
function taps(
  o: number,
  stride: number,
  pad: number,
  k: number,
  dilation: number,
  size: number,
): [number, number] {
  let start = o * stride - pad;
  const stop = Math.min(start + (k - 1) * dilation + 1, size);
  while (start < 0) start += dilation;
  return [start, stop];
}

/**
 * out, indices (N, C, OD, OH, OW) = max of inp (N, C, D, H, W) over each window; padding acts as
 * -inf. Ties and NaN as maxPool2dForward: the first maximum wins, a NaN propagates.
 */
export const maxPool3dForward = defineKernel(
  "maxPool3dForward",
  (out: Buf, indices: Buf, inp: Buf, g: PoolGeometry3d) => {
    const { N, C, D, H, W, OD, OH, OW, KD, KH, KW } = g;
    const { strideD, strideH, strideW, padFront, padTop, padLeft, dilationD, dilationH, dilationW } = g;
    let j = 0; // position in out, indices (N, C, OD, OH, OW)
    for (let q = 0; q < N * C; q++) {
      const iv = q * D * H * W; // volume offset in inp
      for (let od = 0; od < OD; od++) {
        const [d0, d1] = taps(od, strideD, padFront, KD, dilationD, D);
        for (let oh = 0; oh < OH; oh++) {
          const [h0, h1] = taps(oh, strideH, padTop, KH, dilationH, H);
          for (let ow = 0; ow < OW; ow++, j++) {
            const [w0, w1] = taps(ow, strideW, padLeft, KW, dilationW, W);
            let best = Number.NEGATIVE_INFINITY;
            let bestI = (d0 * H + h0) * W + w0;
            for (let d = d0; d < d1; d += dilationD)
              for (let h = h0; h < h1; h += dilationH)
                for (let w = w0; w < w1; w += dilationW) {
                  const at = (d * H + h) * W + w;
                  const v = inp[iv + at];
                  if (v > best || v !== v) {
                    best = v;
                    bestI = at;
                  }
                }
            out[j] = best;
            indices[j] = bestI;
          }
        }
      }
    }
  },
);

/**
 * The clipped window and divisor of average-pooling window (od, oh, ow), as avgWindow in ./pool.ts:
 * clipped to the padded input (that size is the divisor with countIncludePad), then to the input.
 * Writes [d0, d1, h0, h1, w0, w1, divisor] into `win`.
 */
function avgWindow3d(
  win: Int32Array,
  od: number,
  oh: number,
  ow: number,
  g: PoolGeometry3d,
  countIncludePad: boolean,
  divisorOverride: number,
): void {
  const { D, H, W, KD, KH, KW, strideD, strideH, strideW, padFront, padTop, padLeft } = g;
  const lo = [od * strideD - padFront, oh * strideH - padTop, ow * strideW - padLeft];
  const hi = [
    Math.min(lo[0] + KD, D + padFront),
    Math.min(lo[1] + KH, H + padTop),
    Math.min(lo[2] + KW, W + padLeft),
  ];
  const padded = (hi[0] - lo[0]) * (hi[1] - lo[1]) * (hi[2] - lo[2]);
  const size = [D, H, W];
  for (let a = 0; a < 3; a++) {
    win[2 * a] = Math.max(lo[a], 0);
    win[2 * a + 1] = Math.min(hi[a], size[a]);
  }
  const inside = (win[1] - win[0]) * (win[3] - win[2]) * (win[5] - win[4]);
  win[6] = divisorOverride !== 0 ? divisorOverride : countIncludePad ? padded : inside;
}

/** out (N, C, OD, OH, OW) = sum of inp (N, C, D, H, W) over each window / divisor; an empty window gives 0. */
export const avgPool3dForward = defineKernel(
  "avgPool3dForward",
  (out: Buf, inp: Buf, g: PoolGeometry3d, countIncludePad: boolean, divisorOverride: number) => {
    const { N, C, D, H, W, OD, OH, OW } = g;
    const win = new Int32Array(7); // [d0, d1, h0, h1, w0, w1, divisor]
    let j = 0;
    for (let q = 0; q < N * C; q++) {
      const iv = q * D * H * W;
      for (let od = 0; od < OD; od++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++, j++) {
            avgWindow3d(win, od, oh, ow, g, countIncludePad, divisorOverride);
            const [d0, d1, h0, h1, w0, w1, divisor] = win;
            let s = 0;
            for (let d = d0; d < d1; d++)
              for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += inp[iv + (d * H + h) * W + w];
            out[j] = d0 < d1 && h0 < h1 && w0 < w1 ? s / divisor : 0;
          }
    }
  },
);

/** dinp (N, C, D, H, W) += dout (N, C, OD, OH, OW) / divisor over each window (the adjoint of avgPool3dForward). */
export const avgPool3dBackward = defineKernel(
  "avgPool3dBackward",
  (dinp: Buf, dout: Buf, g: PoolGeometry3d, countIncludePad: boolean, divisorOverride: number) => {
    const { N, C, D, H, W, OD, OH, OW } = g;
    const win = new Int32Array(7);
    let j = 0;
    for (let q = 0; q < N * C; q++) {
      const iv = q * D * H * W;
      for (let od = 0; od < OD; od++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++, j++) {
            avgWindow3d(win, od, oh, ow, g, countIncludePad, divisorOverride);
            const [d0, d1, h0, h1, w0, w1, divisor] = win;
            const v = dout[j] / divisor;
            for (let d = d0; d < d1; d++)
              for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dinp[iv + (d * H + h) * W + w] += v;
          }
    }
  },
);

/** Adaptive window i of O over L: [floor(i L / O), ceil((i + 1) L / O)). */
function adaptive(i: number, L: number, O: number): [number, number] {
  return [Math.floor((i * L) / O), Math.ceil(((i + 1) * L) / O)];
}

/** out (N, C, OD, OH, OW) = mean of inp (N, C, D, H, W) over each adaptive window (per dim as adaptiveAvgPool2d). */
export const adaptiveAvgPool3dForward = defineKernel(
  "adaptiveAvgPool3dForward",
  (out: Buf, inp: Buf, p: PoolPlanes3d) => {
    const { N, C, D, H, W, OD, OH, OW } = p;
    let j = 0;
    for (let q = 0; q < N * C; q++) {
      const iv = q * D * H * W;
      for (let od = 0; od < OD; od++) {
        const [d0, d1] = adaptive(od, D, OD);
        for (let oh = 0; oh < OH; oh++) {
          const [h0, h1] = adaptive(oh, H, OH);
          for (let ow = 0; ow < OW; ow++, j++) {
            const [w0, w1] = adaptive(ow, W, OW);
            let s = 0;
            for (let d = d0; d < d1; d++)
              for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += inp[iv + (d * H + h) * W + w];
            out[j] = s / ((d1 - d0) * (h1 - h0) * (w1 - w0));
          }
        }
      }
    }
  },
);

/** dinp (N, C, D, H, W) += dout (N, C, OD, OH, OW) spread evenly over each adaptive window. */
export const adaptiveAvgPool3dBackward = defineKernel(
  "adaptiveAvgPool3dBackward",
  (dinp: Buf, dout: Buf, p: PoolPlanes3d) => {
    const { N, C, D, H, W, OD, OH, OW } = p;
    let j = 0;
    for (let q = 0; q < N * C; q++) {
      const iv = q * D * H * W;
      for (let od = 0; od < OD; od++) {
        const [d0, d1] = adaptive(od, D, OD);
        for (let oh = 0; oh < OH; oh++) {
          const [h0, h1] = adaptive(oh, H, OH);
          for (let ow = 0; ow < OW; ow++, j++) {
            const [w0, w1] = adaptive(ow, W, OW);
            const v = dout[j] / ((d1 - d0) * (h1 - h0) * (w1 - w0));
            for (let d = d0; d < d1; d++)
              for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) dinp[iv + (d * H + h) * W + w] += v;
          }
        }
      }
    }
  },
);

/** out, indices (N, C, OD, OH, OW) = max of inp (N, C, D, H, W) over each adaptive window; ties and NaN as maxPool3dForward. */
export const adaptiveMaxPool3dForward = defineKernel(
  "adaptiveMaxPool3dForward",
  (out: Buf, indices: Buf, inp: Buf, p: PoolPlanes3d) => {
    const { N, C, D, H, W, OD, OH, OW } = p;
    let j = 0;
    for (let q = 0; q < N * C; q++) {
      const iv = q * D * H * W;
      for (let od = 0; od < OD; od++) {
        const [d0, d1] = adaptive(od, D, OD);
        for (let oh = 0; oh < OH; oh++) {
          const [h0, h1] = adaptive(oh, H, OH);
          for (let ow = 0; ow < OW; ow++, j++) {
            const [w0, w1] = adaptive(ow, W, OW);
            let best = Number.NEGATIVE_INFINITY;
            let bestI = (d0 * H + h0) * W + w0;
            for (let d = d0; d < d1; d++)
              for (let h = h0; h < h1; h++)
                for (let w = w0; w < w1; w++) {
                  const at = (d * H + h) * W + w;
                  const v = inp[iv + at];
                  if (v > best || v !== v) {
                    best = v;
                    bestI = at;
                  }
                }
            out[j] = best;
            indices[j] = bestI;
          }
        }
      }
    }
  },
);
