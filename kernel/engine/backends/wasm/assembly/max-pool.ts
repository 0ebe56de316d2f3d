// Max pooling over NCHW planes with argmax indices, forward and backward, exactly as
// backends/ref/pool.ts: padding acts as -inf, the first maximum wins ties, NaN propagates, and an
// index is the flat position h * W + w in the input plane (stored as f32, like ref).

import { DH_, DW_, H_, KH_, KW_, OH_, OW_, PL_, PT_, SH_, SW_, W_ } from "./pool-geometry";

/**
 * Planes [p0, p1) of out, indices (N*C, OH, OW) = max over the windows of inp (N*C, H, W).
 * @threaded
 */
export function maxPool2dForward(p0: i32, p1: i32, geo: usize, out: usize, indices: usize, inp: usize): void {
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
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  if (KH == 2 && KW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && dH == 1 && dW == 1 && 2 * OH <= H && 2 * OW <= W) {
    maxPool2x2(p0, p1, H, W, OH, OW, out, indices, inp);
    return;
  }
  for (let p = p0; p < p1; p++) {
    const plane = inp + 4 * p * H * W;
    const o = 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = min(h0 + (KH - 1) * dH + 1, H);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * sW - pW;
        const w1 = min(w0 + (KW - 1) * dW + 1, W);
        while (w0 < 0) w0 += dW;
        let best = -Infinity as f32;
        let bestI = h0 * W + w0;
        for (let h = h0; h < h1; h += dH)
          for (let w = w0; w < w1; w += dW) {
            // Branch-free: with random data, "is it bigger" mispredicts half the time.
            const v = load<f32>(plane + 4 * (h * W + w));
            const wins = v > best || v != v;
            best = select<f32>(v, best, wins);
            bestI = select<i32>(h * W + w, bestI, wins);
          }
        const at = o + 4 * (oh * OW + ow);
        store<f32>(out + at, best);
        store<f32>(indices + at, <f32>bestI);
      }
    }
  }
}

/** `v` replaces the running max where it is greater or NaN (the first maximum wins ties). */
// @ts-ignore: decorator
@inline function wins(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}

/** Windows ow..ow+3 of one output row (see maxPool2x2): top, bottom are its two input rows. */
// @ts-ignore: decorator
@inline function pool4(top: usize, bottom: usize, rowIndex: i32, W: i32, ow: i32, out: usize, indices: usize): void {
  const t0 = v128.load(top + 8 * ow);
  const t1 = v128.load(top + 8 * ow, 16);
  const b0 = v128.load(bottom + 8 * ow);
  const b1 = v128.load(bottom + 8 * ow, 16);
  const topLeft = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6);
  const topRight = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
  const bottomLeft = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
  const bottomRight = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
  const i0 = i32x4.add(i32x4.splat(rowIndex + 2 * ow), i32x4(0, 2, 4, 6));
  let best = topLeft;
  let index = i0;
  let m = wins(topRight, best);
  best = v128.bitselect(topRight, best, m);
  index = v128.bitselect(i32x4.add(i0, i32x4.splat(1)), index, m);
  m = wins(bottomLeft, best);
  best = v128.bitselect(bottomLeft, best, m);
  index = v128.bitselect(i32x4.add(i0, i32x4.splat(W)), index, m);
  m = wins(bottomRight, best);
  best = v128.bitselect(bottomRight, best, m);
  index = v128.bitselect(i32x4.add(i0, i32x4.splat(W + 1)), index, m);
  v128.store(out + 4 * ow, best);
  v128.store(indices + 4 * ow, f32x4.convert_i32x4_s(index));
}

/**
 * maxPool2dForward for 2x2 windows with stride 2 and no padding (LeNet, VGG), four windows at a
 * time: deinterleave even and odd columns of two input rows, then keep the running max and its
 * index in the window order ref uses (top-left, top-right, bottom-left, bottom-right).
 */
function maxPool2x2(p0: i32, p1: i32, H: i32, W: i32, OH: i32, OW: i32, out: usize, indices: usize, inp: usize): void {
  for (let p = p0; p < p1; p++) {
    const plane = inp + 4 * p * H * W;
    const o = 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const top = plane + 8 * oh * W; // input row 2 * oh
      const bottom = top + 4 * W;
      const rowIndex = 2 * oh * W;
      const dst = o + 4 * oh * OW;
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) pool4(top, bottom, rowIndex, W, ow, out + dst, indices + dst);
      // The last few windows as one more group of four ending at the row's end (recomputing some
      // windows gives the same values), instead of the scalar loop below.
      if (ow < OW && OW >= 4) {
        pool4(top, bottom, rowIndex, W, OW - 4, out + dst, indices + dst);
        ow = OW;
      }
      for (; ow < OW; ow++) {
        let best = load<f32>(top + 8 * ow);
        let index = rowIndex + 2 * ow;
        for (let q = 1; q < 4; q++) {
          const dy = q >> 1;
          const dx = q & 1;
          const v = load<f32>(top + 4 * (dy * W + 2 * ow + dx));
          const better = v > best || v != v;
          best = select<f32>(v, best, better);
          index = select<i32>(rowIndex + dy * W + 2 * ow + dx, index, better);
        }
        store<f32>(out + dst + 4 * ow, best);
        store<f32>(indices + dst + 4 * ow, <f32>index);
      }
    }
  }
}

/**
 * dinp (N*C, H, W) += dout (N*C, OH, OW) routed to each output's argmax; out-of-plane indices skip.
 * @threaded
 */
export function maxPool2dBackward(dinp: usize, dout: usize, indices: usize, planes: i32, HW: i32, OHW: i32): void {
  for (let p = 0; p < planes; p++) {
    const d = dinp + 4 * p * HW;
    const g = dout + 4 * p * OHW;
    const ix = indices + 4 * p * OHW;
    for (let j = 0; j < OHW; j++) {
      const idx = <i32>load<f32>(ix + 4 * j);
      if (idx >= 0 && idx < HW) store<f32>(d + 4 * idx, load<f32>(d + 4 * idx) + load<f32>(g + 4 * j));
    }
  }
}
