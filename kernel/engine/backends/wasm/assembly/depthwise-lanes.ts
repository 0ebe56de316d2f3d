// Depthwise conv2d (groups = C = OC) gradients on small planes, four channels per f32x4: a lane is a
// channel, so every tap of every pixel is one full-width multiply-add whatever the plane's width,
// where depthwise-backward.ts's row kernels run scalar tails on rows under four or eight outputs
// (MobileNetV2's 8x8, 4x4 and 2x2 planes: 960 channels of 2x2 took ~4 ms a call, ~0.3 ms here).
// A group is channels [4g, 4g + 4) of one image; its planes are interleaved into scratch as
// (rows, cols, 4) (a 4x4 transpose per four pixels), worked on, and spread back. A last group of
// fewer than four channels leaves its other lanes zero.
//   input gradient: scatter weight * dout into an interleaved zero-padded plane, then add its
//   interior to dinp; groups (image, channels) are independent;
//   weight gradient: per channel group, over images in order, each tap's sum of dout times the
//   shifted interleaved padded input; one f32 sum per (channel, tap), in order of (image, oh, ow).
// Geometry block: conv-geometry.ts's 15 i32 (C, H, W, OC, KH, KW, OH, OW, sH, sW, pT, pL, dH, dW, G).

import {
  C_,
  convPaddedHeight,
  convPaddedWidth,
  DH_,
  DW_,
  H_,
  KH_,
  KW_,
  OH_,
  OW_,
  PL_,
  PT_,
  SH_,
  SW_,
  W_,
  zeroFloats,
} from "./conv-geometry";
import { madd } from "./simd";

/**
 * dst (count, 4) = the `count` floats at src of `lanes` planes `pitch` floats apart, interleaved
 * (lanes past `lanes` are zero).
 */
// @ts-ignore: decorator
@inline
function interleave(dst: usize, src: usize, pitch: i32, count: i32, lanes: i32): void {
  const step = 4 * <usize>pitch;
  let i = 0;
  if (lanes == 4) {
    for (; i + 4 <= count; i += 4) {
      const a = v128.load(src + 4 * i);
      const b = v128.load(src + step + 4 * i);
      const c = v128.load(src + 2 * step + 4 * i);
      const d = v128.load(src + 3 * step + 4 * i);
      const abLo = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
      const abHi = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const cdLo = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
      const cdHi = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
      const p = dst + 16 * i;
      v128.store(p, v128.shuffle<f32>(abLo, cdLo, 0, 1, 4, 5));
      v128.store(p, v128.shuffle<f32>(abLo, cdLo, 2, 3, 6, 7), 16);
      v128.store(p, v128.shuffle<f32>(abHi, cdHi, 0, 1, 4, 5), 32);
      v128.store(p, v128.shuffle<f32>(abHi, cdHi, 2, 3, 6, 7), 48);
    }
  }
  for (; i < count; i++) {
    const p = dst + 16 * i;
    v128.store(p, f32x4.splat(0));
    for (let j = 0; j < lanes; j++) store<f32>(p + 4 * j, load<f32>(src + j * step + 4 * i));
  }
}

/** The `lanes` planes at dst (`pitch` floats apart) += the interleaved src (count, 4), `count` floats each. */
// @ts-ignore: decorator
@inline
function spreadAdd(dst: usize, src: usize, pitch: i32, count: i32, lanes: i32): void {
  const step = 4 * <usize>pitch;
  let i = 0;
  if (lanes == 4) {
    for (; i + 4 <= count; i += 4) {
      const p = src + 16 * i;
      const a = v128.load(p);
      const b = v128.load(p, 16);
      const c = v128.load(p, 32);
      const d = v128.load(p, 48);
      const abLo = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
      const abHi = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const cdLo = v128.shuffle<f32>(c, d, 0, 4, 1, 5);
      const cdHi = v128.shuffle<f32>(c, d, 2, 6, 3, 7);
      const q0 = dst + 4 * i;
      v128.store(q0, f32x4.add(v128.load(q0), v128.shuffle<f32>(abLo, cdLo, 0, 1, 4, 5)));
      v128.store(q0 + step, f32x4.add(v128.load(q0 + step), v128.shuffle<f32>(abLo, cdLo, 2, 3, 6, 7)));
      v128.store(q0 + 2 * step, f32x4.add(v128.load(q0 + 2 * step), v128.shuffle<f32>(abHi, cdHi, 0, 1, 4, 5)));
      v128.store(q0 + 3 * step, f32x4.add(v128.load(q0 + 3 * step), v128.shuffle<f32>(abHi, cdHi, 2, 3, 6, 7)));
    }
  }
  for (; i < count; i++)
    for (let j = 0; j < lanes; j++) {
      const q = dst + j * step + 4 * i;
      store<f32>(q, load<f32>(q) + load<f32>(src + 16 * i + 4 * j));
    }
}

/** Floats of scratch the lane kernels need per thread: the padded plane, dout's plane and the weights, interleaved. */
export function depthwiseLanesScratchFloats(geo: usize): i32 {
  const taps = load<i32>(geo, KH_) * load<i32>(geo, KW_);
  return 4 * (convPaddedHeight(geo) * convPaddedWidth(geo) + load<i32>(geo, OH_) * load<i32>(geo, OW_) + taps);
}

/**
 * Groups [g0, g1) of ceil(C / 4) * N (channels from 4 * (g / N), image n = g % N):
 * dinp (N, C, H, W) += the input gradient from dout (N, C, OH, OW) and weight (C, 1, KH, KW).
 * `scratch` holds depthwiseLanesScratchFloats floats.
 * @threaded
 */
export function depthwiseBackwardInputLanes(
  g0: i32,
  g1: i32,
  N: i32,
  geo: usize,
  dinp: usize,
  dout: usize,
  weight: usize,
  scratch: usize,
): void {
  const C = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const sH = load<i32>(geo, SH_);
  const sW = load<i32>(geo, SW_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  const taps = KH * KW;
  const P = OH * OW;
  const padded = scratch; // (PH, PW, 4)
  const d = padded + 16 * PH * PW; // (OH, OW, 4)
  const wv = d + 16 * P; // (KH * KW, 4)
  const iy0 = max(0, -pT);
  const iy1 = min(H, PH - pT);
  const ix0 = max(0, -pL);
  const ix1 = max(ix0, min(W, PW - pL));
  let wGroup = -1;
  for (let g = g0; g < g1; g++) {
    const c = 4 * (g / N);
    const n = g % N;
    const lanes = min(4, C - c);
    if (c != wGroup) {
      interleave(wv, weight + 4 * c * taps, taps, taps, lanes);
      wGroup = c;
    }
    interleave(d, dout + 4 * (n * C + c) * P, P, P, lanes);
    zeroFloats(padded, 4 * PH * PW);
    if (KH == 3 && KW == 3) scatter3x3(padded, d, wv, OH, OW, PW, sH, sW, dH, dW);
    else
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const dv = v128.load(d + 16 * (oh * OW + ow));
        for (let kh = 0; kh < KH; kh++) {
          const row = padded + 16 * ((oh * sH + kh * dH) * PW + ow * sW);
          for (let kw = 0; kw < KW; kw++) {
            const p = row + 16 * kw * dW;
            v128.store(p, madd(v128.load(wv + 16 * (kh * KW + kw)), dv, v128.load(p)));
          }
        }
      }
    // dinp[iy][ix] += padded[iy + pT][ix + pL] where that lies inside the padded plane.
    const plane = dinp + 4 * (n * C + c) * H * W;
    for (let iy = iy0; iy < iy1; iy++)
      spreadAdd(plane + 4 * (iy * W + ix0), padded + 16 * ((iy + pT) * PW + ix0 + pL), H * W, ix1 - ix0, lanes);
  }
}

/**
 * Channel groups [g0, g1) of ceil(C / 4): dweight (C, 1, KH, KW) += sum over images n = 0..N-1 (in
 * order) of dout[n, c] (OH, OW) correlated with inp[n, c] (H, W). `scratch` holds
 * depthwiseLanesScratchFloats floats.
 * @threaded
 */
export function depthwiseBackwardWeightLanes(
  g0: i32,
  g1: i32,
  N: i32,
  geo: usize,
  dweight: usize,
  dout: usize,
  inp: usize,
  scratch: usize,
): void {
  const C = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const sH = load<i32>(geo, SH_);
  const sW = load<i32>(geo, SW_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  const taps = KH * KW;
  const P = OH * OW;
  const padded = scratch; // (PH, PW, 4)
  const d = padded + 16 * PH * PW; // (OH, OW, 4)
  const acc = d + 16 * P; // (KH * KW, 4): one sum per (tap, channel)
  // The input rows and columns inside the padded plane; the rest of it stays zero for every plane.
  const iy0 = max(0, -pT);
  const iy1 = min(H, PH - pT);
  const ix0 = max(0, -pL);
  const ix1 = max(ix0, min(W, PW - pL));
  zeroFloats(padded, 4 * PH * PW);
  for (let g = g0; g < g1; g++) {
    const c = 4 * g;
    const lanes = min(4, C - c);
    zeroFloats(acc, 4 * taps);
    for (let n = 0; n < N; n++) {
      const plane = inp + 4 * (n * C + c) * H * W;
      for (let iy = iy0; iy < iy1; iy++)
        interleave(padded + 16 * ((iy + pT) * PW + ix0 + pL), plane + 4 * (iy * W + ix0), H * W, ix1 - ix0, lanes);
      interleave(d, dout + 4 * (n * C + c) * P, P, P, lanes);
      if (KH == 3 && KW == 3) {
        tapSums3x3(acc, d, padded, OH, OW, PW, sH, sW, dH, dW);
        continue;
      }
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const dv = v128.load(d + 16 * (oh * OW + ow));
          for (let kh = 0; kh < KH; kh++) {
            const row = padded + 16 * ((oh * sH + kh * dH) * PW + ow * sW);
            for (let kw = 0; kw < KW; kw++) {
              const a = acc + 16 * (kh * KW + kw);
              v128.store(a, madd(dv, v128.load(row + 16 * kw * dW), v128.load(a)));
            }
          }
        }
    }
    // dweight[c + j][tap] += acc[tap][j]
    spreadAdd(dweight + 4 * c * taps, acc, taps, taps, lanes);
  }
}

/** padded (PH, PW, 4) += each 3x3 tap's weights (wv, (9, 4)) times dout (d, (OH, OW, 4)), weights in registers. */
function scatter3x3(
  padded: usize,
  d: usize,
  wv: usize,
  OH: i32,
  OW: i32,
  PW: i32,
  sH: i32,
  sW: i32,
  dH: i32,
  dW: i32,
): void {
  const w0 = v128.load(wv);
  const w1 = v128.load(wv, 16);
  const w2 = v128.load(wv, 32);
  const w3 = v128.load(wv, 48);
  const w4 = v128.load(wv, 64);
  const w5 = v128.load(wv, 80);
  const w6 = v128.load(wv, 96);
  const w7 = v128.load(wv, 112);
  const w8 = v128.load(wv, 128);
  const rowStep = 16 * <usize>(dH * PW);
  const c1 = 16 * <usize>dW;
  const c2 = 2 * c1;
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++) {
      const dv = v128.load(d + 16 * (oh * OW + ow));
      const r0 = padded + 16 * (oh * sH * PW + ow * sW);
      const r1 = r0 + rowStep;
      const r2 = r1 + rowStep;
      v128.store(r0, madd(w0, dv, v128.load(r0)));
      v128.store(r0 + c1, madd(w1, dv, v128.load(r0 + c1)));
      v128.store(r0 + c2, madd(w2, dv, v128.load(r0 + c2)));
      v128.store(r1, madd(w3, dv, v128.load(r1)));
      v128.store(r1 + c1, madd(w4, dv, v128.load(r1 + c1)));
      v128.store(r1 + c2, madd(w5, dv, v128.load(r1 + c2)));
      v128.store(r2, madd(w6, dv, v128.load(r2)));
      v128.store(r2 + c1, madd(w7, dv, v128.load(r2 + c1)));
      v128.store(r2 + c2, madd(w8, dv, v128.load(r2 + c2)));
    }
}

/** acc (9, 4) += the 3x3 taps' sums of one interleaved plane, in nine registers. */
function tapSums3x3(
  acc: usize,
  d: usize,
  padded: usize,
  OH: i32,
  OW: i32,
  PW: i32,
  sH: i32,
  sW: i32,
  dH: i32,
  dW: i32,
): void {
  let s0 = v128.load(acc);
  let s1 = v128.load(acc, 16);
  let s2 = v128.load(acc, 32);
  let s3 = v128.load(acc, 48);
  let s4 = v128.load(acc, 64);
  let s5 = v128.load(acc, 80);
  let s6 = v128.load(acc, 96);
  let s7 = v128.load(acc, 112);
  let s8 = v128.load(acc, 128);
  const rowStep = 16 * <usize>(dH * PW);
  const colStep = 16 * <usize>dW;
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++) {
      const dv = v128.load(d + 16 * (oh * OW + ow));
      const r0 = padded + 16 * (oh * sH * PW + ow * sW);
      const r1 = r0 + rowStep;
      const r2 = r1 + rowStep;
      s0 = madd(dv, v128.load(r0), s0);
      s1 = madd(dv, v128.load(r0 + colStep), s1);
      s2 = madd(dv, v128.load(r0 + 2 * colStep), s2);
      s3 = madd(dv, v128.load(r1), s3);
      s4 = madd(dv, v128.load(r1 + colStep), s4);
      s5 = madd(dv, v128.load(r1 + 2 * colStep), s5);
      s6 = madd(dv, v128.load(r2), s6);
      s7 = madd(dv, v128.load(r2 + colStep), s7);
      s8 = madd(dv, v128.load(r2 + 2 * colStep), s8);
    }
  v128.store(acc, s0);
  v128.store(acc, s1, 16);
  v128.store(acc, s2, 32);
  v128.store(acc, s3, 48);
  v128.store(acc, s4, 64);
  v128.store(acc, s5, 80);
  v128.store(acc, s6, 96);
  v128.store(acc, s7, 112);
  v128.store(acc, s8, 128);
}
