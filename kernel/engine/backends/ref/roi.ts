// Reference RoI kernels (torchvision.ops roi_align / roi_pool, Mask R-CNN and Fast R-CNN): each
// region of interest of a feature map is pooled to a fixed OH x OW grid. rois (K, 5) rows are
// (batch index, x1, y1, x2, y2) in image coordinates; spatialScale maps them onto the feature map.
//
// NOTE: torchvision computes the geometry (box corners, bin sizes, sample positions, bilinear
// weights) in float32; `f` (Math.fround) after each step reproduces its arithmetic exactly
// (double rounding is harmless for one float32 +, -, *, /), so bins and sample counts that sit on
// a float boundary come out as torchvision's. Values are summed in the buffers' own precision.

import { type Buf, defineKernel } from "../registry";

const f = Math.fround;

/** The sizes of one RoI call: inp (N, C, H, W), rois (K, 5), out (K, C, OH, OW). */
export interface RoiGeometry {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly K: number;
  readonly OH: number;
  readonly OW: number;
  readonly spatialScale: number;
  /** RoIAlign's samples per bin and side; <= 0: ceil(bin size), adaptive. */
  readonly samplingRatio: number;
  /** RoIAlign: shift the box by -0.5 pixel (pixel centres at integer + 0.5), Detectron2's version. */
  readonly aligned: boolean;
}

/** One bilinear sample: four flat positions in the (H, W) plane and their weights (all 0 when outside). */
interface Sample {
  p1: number;
  p2: number;
  p3: number;
  p4: number;
  w1: number;
  w2: number;
  w3: number;
  w4: number;
}

/** torchvision's bilinear_interpolate: a sample more than a pixel outside the map reads nothing. */
function bilinear(H: number, W: number, yIn: number, xIn: number, s: Sample): boolean {
  if (yIn < -1 || yIn > H || xIn < -1 || xIn > W) return false;
  let y = yIn <= 0 ? 0 : yIn;
  let x = xIn <= 0 ? 0 : xIn;
  let y0 = Math.trunc(y);
  let x0 = Math.trunc(x);
  let y1: number;
  let x1: number;
  if (y0 >= H - 1) {
    y0 = y1 = H - 1;
    y = y0;
  } else y1 = y0 + 1;
  if (x0 >= W - 1) {
    x0 = x1 = W - 1;
    x = x0;
  } else x1 = x0 + 1;
  const ly = f(y - y0);
  const lx = f(x - x0);
  const hy = f(1 - ly);
  const hx = f(1 - lx);
  s.p1 = y0 * W + x0;
  s.p2 = y0 * W + x1;
  s.p3 = y1 * W + x0;
  s.p4 = y1 * W + x1;
  s.w1 = f(hy * hx);
  s.w2 = f(hy * lx);
  s.w3 = f(ly * hx);
  s.w4 = f(ly * lx);
  return true;
}

/**
 * Calls visit(k, b, oh, ow, sample, count) for every bilinear sample of every RoIAlign bin:
 * bin (oh, ow) of roi k averages a gridH x gridW grid of samples (count of them) on map b.
 */
function forEachAlignSample(
  rois: Buf,
  g: RoiGeometry,
  visit: (k: number, b: number, oh: number, ow: number, s: Sample, count: number) => void,
): void {
  const { H, W, K, OH, OW, spatialScale, samplingRatio, aligned } = g;
  const scale = f(spatialScale);
  const offset = aligned ? 0.5 : 0;
  const s: Sample = { p1: 0, p2: 0, p3: 0, p4: 0, w1: 0, w2: 0, w3: 0, w4: 0 };
  for (let k = 0; k < K; k++) {
    const r = k * 5; // rois (K, 5)
    const b = Math.trunc(rois[r]);
    const x1 = f(f(rois[r + 1] * scale) - offset);
    const y1 = f(f(rois[r + 2] * scale) - offset);
    const x2 = f(f(rois[r + 3] * scale) - offset);
    const y2 = f(f(rois[r + 4] * scale) - offset);
    let roiW = f(x2 - x1);
    let roiH = f(y2 - y1);
    if (!aligned) {
      roiW = Math.max(roiW, 1); // legacy: force malformed rois to be 1x1
      roiH = Math.max(roiH, 1);
    }
    const binH = f(roiH / OH);
    const binW = f(roiW / OW);
    const gridH = samplingRatio > 0 ? samplingRatio : Math.ceil(f(roiH / OH));
    const gridW = samplingRatio > 0 ? samplingRatio : Math.ceil(f(roiW / OW));
    const count = Math.max(gridH * gridW, 1);
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let iy = 0; iy < gridH; iy++) {
          const y = f(f(y1 + f(oh * binH)) + f(f(f(iy + 0.5) * binH) / gridH));
          for (let ix = 0; ix < gridW; ix++) {
            const x = f(f(x1 + f(ow * binW)) + f(f(f(ix + 0.5) * binW) / gridW));
            if (bilinear(H, W, y, x, s)) visit(k, b, oh, ow, s, count);
          }
        }
  }
}

/** out (K, C, OH, OW) = the mean of bilinear samples of inp (N, C, H, W) inside each bin of each roi. */
export const roiAlignForward = defineKernel(
  "roiAlignForward",
  (out: Buf, inp: Buf, rois: Buf, g: RoiGeometry) => {
    const { C, H, W, OH, OW } = g;
    out.fill(0);
    forEachAlignSample(rois, g, (k, b, oh, ow, s, count) => {
      for (let c = 0; c < C; c++) {
        const ip = (b * C + c) * H * W; // plane (b, c) of inp
        const v =
          s.w1 * inp[ip + s.p1] + s.w2 * inp[ip + s.p2] + s.w3 * inp[ip + s.p3] + s.w4 * inp[ip + s.p4];
        out[((k * C + c) * OH + oh) * OW + ow] += v / count;
      }
    });
  },
);

/** dinp (N, C, H, W) += each bin's dout (K, C, OH, OW) spread back over its samples' four pixels. */
export const roiAlignBackward = defineKernel(
  "roiAlignBackward",
  (dinp: Buf, dout: Buf, rois: Buf, g: RoiGeometry) => {
    const { C, H, W, OH, OW } = g;
    forEachAlignSample(rois, g, (k, b, oh, ow, s, count) => {
      for (let c = 0; c < C; c++) {
        const ip = (b * C + c) * H * W;
        const d = dout[((k * C + c) * OH + oh) * OW + ow] / count;
        dinp[ip + s.p1] += d * s.w1;
        dinp[ip + s.p2] += d * s.w2;
        dinp[ip + s.p3] += d * s.w3;
        dinp[ip + s.p4] += d * s.w4;
      }
    });
  },
);

/** C's round(): halves away from zero (Math.round sends -2.5 to -2). */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * out, argmax (K, C, OH, OW) = the max of inp (N, C, H, W) over each bin of each roi (box corners
 * rounded to whole pixels, bins split by floor/ceil); an empty bin gives 0 with argmax -1. argmax
 * is the flat position in inp of the winner ((b * C + c) * H + h) * W + w, for backward; the
 * first maximum wins ties.
 */
export const roiPoolForward = defineKernel(
  "roiPoolForward",
  (out: Buf, argmax: Int32Array, inp: Buf, rois: Buf, g: RoiGeometry) => {
    const { C, H, W, K, OH, OW, spatialScale } = g;
    const scale = f(spatialScale);
    for (let k = 0; k < K; k++) {
      const r = k * 5; // rois (K, 5)
      const b = Math.trunc(rois[r]);
      const x1 = roundHalfAway(f(rois[r + 1] * scale));
      const y1 = roundHalfAway(f(rois[r + 2] * scale));
      const x2 = roundHalfAway(f(rois[r + 3] * scale));
      const y2 = roundHalfAway(f(rois[r + 4] * scale));
      const binH = f(Math.max(y2 - y1 + 1, 1) / OH);
      const binW = f(Math.max(x2 - x1 + 1, 1) / OW);
      for (let oh = 0; oh < OH; oh++) {
        const h0 = Math.min(Math.max(Math.floor(f(oh * binH)) + y1, 0), H);
        const h1 = Math.min(Math.max(Math.ceil(f((oh + 1) * binH)) + y1, 0), H);
        for (let ow = 0; ow < OW; ow++) {
          const w0 = Math.min(Math.max(Math.floor(f(ow * binW)) + x1, 0), W);
          const w1 = Math.min(Math.max(Math.ceil(f((ow + 1) * binW)) + x1, 0), W);
          const empty = h1 <= h0 || w1 <= w0;
          for (let c = 0; c < C; c++) {
            const ip = (b * C + c) * H * W;
            let best = empty ? 0 : -3.4028234663852886e38; // -FLT_MAX
            let bestI = -1;
            for (let h = h0; h < h1; h++)
              for (let w = w0; w < w1; w++) {
                const v = inp[ip + h * W + w];
                if (v > best) {
                  best = v;
                  bestI = ip + h * W + w;
                }
              }
            const o = ((k * C + c) * OH + oh) * OW + ow;
            out[o] = best;
            argmax[o] = bestI;
          }
        }
      }
    }
  },
);

/** dinp (N, C, H, W) += dout (K, C, OH, OW) routed to each bin's argmax (-1: an empty bin, no gradient). */
export const roiPoolBackward = defineKernel("roiPoolBackward", (dinp: Buf, dout: Buf, argmax: Int32Array) => {
  for (let o = 0; o < dout.length; o++) {
    const idx = argmax[o];
    if (idx >= 0) dinp[idx] += dout[o];
  }
});
