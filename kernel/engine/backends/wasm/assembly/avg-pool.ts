// Average pooling over NCHW planes, forward and backward, and adaptive average pooling, exactly as
// backends/ref/pool.ts: PyTorch's divisor arithmetic (window clipped to the padded input, then to
// the input; countIncludePad picks which size divides; a non-zero divisorOverride replaces both).
// Sums run in f64 like ref's JS numbers, so results match it to the last bit or so. Each call
// takes a range of planes [p0, p1) of N * C, so threads split planes and never share an output.

import { DIVISOR_, H_, INCLUDE_PAD_, KH_, KW_, OH_, OW_, PL_, PT_, SH_, SW_, W_ } from "./pool-geometry";

/**
 * Planes [p0, p1): out (N*C, OH, OW) = window sums of inp (N*C, H, W) / divisor when `backward` is
 * 0; when it is 1, dinp (the `inp` buffer) += dout (the `out` buffer) / divisor over each window.
 */
function avgPool(p0: i32, p1: i32, geo: usize, out: usize, inp: usize, backward: bool): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const sH = load<i32>(geo, SH_);
  const sW = load<i32>(geo, SW_);
  const pH = load<i32>(geo, PT_);
  const pW = load<i32>(geo, PL_);
  const includePad = load<i32>(geo, INCLUDE_PAD_) != 0;
  const divisorOverride = load<i32>(geo, DIVISOR_);
  for (let p = p0; p < p1; p++) {
    const plane = inp + 4 * p * H * W;
    const o = out + 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sH - pH;
      let h1 = min(h0 + KH, H + pH);
      const padH = h1 - h0;
      h0 = max(h0, 0);
      h1 = min(h1, H);
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * sW - pW;
        let w1 = min(w0 + KW, W + pW);
        const padded = padH * (w1 - w0);
        w0 = max(w0, 0);
        w1 = min(w1, W);
        const divisor = f64(divisorOverride != 0 ? divisorOverride : includePad ? padded : (h1 - h0) * (w1 - w0));
        const at = o + 4 * (oh * OW + ow);
        if (backward) {
          const g = f64(load<f32>(at)) / divisor;
          for (let h = h0; h < h1; h++)
            for (let w = w0; w < w1; w++) {
              const d = plane + 4 * (h * W + w);
              store<f32>(d, f32(f64(load<f32>(d)) + g));
            }
        } else {
          let s: f64 = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += f64(load<f32>(plane + 4 * (h * W + w)));
          store<f32>(at, h0 < h1 && w0 < w1 ? f32(s / divisor) : 0);
        }
      }
    }
  }
}

/**
 * Planes [p0, p1): out (N*C, OH, OW) = average of inp (N*C, H, W) over each window.
 * @threaded
 */
export function avgPool2dForward(p0: i32, p1: i32, geo: usize, out: usize, inp: usize): void {
  avgPool(p0, p1, geo, out, inp, false);
}

/**
 * Planes [p0, p1): dinp (N*C, H, W) += dout (N*C, OH, OW) / divisor over each window.
 * @threaded
 */
export function avgPool2dBackward(p0: i32, p1: i32, geo: usize, dinp: usize, dout: usize): void {
  avgPool(p0, p1, geo, dout, dinp, true);
}

/**
 * Planes [p0, p1): adaptive average pooling, out (N*C, OH, OW) = mean of inp (N*C, H, W) over rows
 * [floor(oh H / OH), ceil((oh + 1) H / OH)), columns likewise; with `backward` 1, dinp (`inp`) +=
 * dout (`out`) spread evenly over each window instead.
 */
function adaptive(p0: i32, p1: i32, geo: usize, out: usize, inp: usize, backward: bool): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  for (let p = p0; p < p1; p++) {
    const plane = inp + 4 * p * H * W;
    const o = out + 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = (oh * H) / OH;
      const h1 = ((oh + 1) * H + OH - 1) / OH;
      for (let ow = 0; ow < OW; ow++) {
        const w0 = (ow * W) / OW;
        const w1 = ((ow + 1) * W + OW - 1) / OW;
        const count = f64((h1 - h0) * (w1 - w0));
        const at = o + 4 * (oh * OW + ow);
        if (backward) {
          const g = f64(load<f32>(at)) / count;
          for (let h = h0; h < h1; h++)
            for (let w = w0; w < w1; w++) {
              const d = plane + 4 * (h * W + w);
              store<f32>(d, f32(f64(load<f32>(d)) + g));
            }
        } else {
          let s: f64 = 0;
          for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += f64(load<f32>(plane + 4 * (h * W + w)));
          store<f32>(at, f32(s / count));
        }
      }
    }
  }
}

/**
 * Planes [p0, p1): out (N*C, OH, OW) = adaptive average pooling of inp (N*C, H, W).
 * @threaded
 */
export function adaptiveAvgPool2dForward(p0: i32, p1: i32, geo: usize, out: usize, inp: usize): void {
  adaptive(p0, p1, geo, out, inp, false);
}

/**
 * Planes [p0, p1): dinp (N*C, H, W) += dout (N*C, OH, OW) spread evenly over each adaptive window.
 * @threaded
 */
export function adaptiveAvgPool2dBackward(p0: i32, p1: i32, geo: usize, dinp: usize, dout: usize): void {
  adaptive(p0, p1, geo, dout, dinp, true);
}
