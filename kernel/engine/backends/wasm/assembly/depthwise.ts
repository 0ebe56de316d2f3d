// Depthwise conv2d forward (groups = C = OC) as a direct kernel: an im2col GEMM would multiply
// 1-row matrices.

import { C_, DH_, DW_, H_, KH_, KW_, OH_, OW_, padPlane, SH_, SW_, W_ } from "./conv-geometry";
import { madd } from "./simd";

/** Width of the zero-padded plane depthwiseForward works on (with slack for 4-wide loads). */
export function depthwisePaddedWidth(geo: usize): i32 {
  const OW = load<i32>(geo, OW_);
  return (OW + 3) * load<i32>(geo, SW_) + (load<i32>(geo, KW_) - 1) * load<i32>(geo, DW_) + 1;
}

/** Rows of the zero-padded plane depthwiseForward works on. */
export function depthwisePaddedHeight(geo: usize): i32 {
  return (load<i32>(geo, OH_) - 1) * load<i32>(geo, SH_) + (load<i32>(geo, KH_) - 1) * load<i32>(geo, DH_) + 1;
}

/**
 * Depthwise conv2d (groups = C = OC) as a direct kernel, planes [q0, q1) of N * C: each input plane
 * is copied into a zero-padded plane `padded` (depthwisePaddedHeight x depthwisePaddedWidth floats),
 * then every output is bias + sum over (kh, kw) of weight * input, in ref's order; four outputs at
 * a time when the stride is 1.
 * @threaded
 */
export function depthwiseForward(
  q0: i32,
  q1: i32,
  geo: usize,
  out: usize,
  inp: usize,
  weight: usize,
  bias: usize,
  padded: usize,
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
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = depthwisePaddedHeight(geo);
  const PW = depthwisePaddedWidth(geo);
  for (let q = q0; q < q1; q++) {
    const c = q % C;
    const plane = inp + 4 * q * H * W;
    padPlane(padded, plane, geo, PH, PW); // padded[y][x] = inp[y - pT][x - pL], zero outside the input
    const w = weight + 4 * c * KH * KW;
    const b: f32 = bias != 0 ? load<f32>(bias + 4 * c) : 0;
    const o = out + 4 * q * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      const dst = o + 4 * oh * OW;
      let ow = 0;
      if (sW == 1)
        for (; ow + 4 <= OW; ow += 4) {
          let acc = f32x4.splat(b);
          for (let kh = 0; kh < KH; kh++) {
            const row = padded + 4 * ((oh * sH + kh * dH) * PW + ow);
            for (let kw = 0; kw < KW; kw++)
              acc = madd(v128.load(row + 4 * kw * dW), f32x4.splat(load<f32>(w + 4 * (kh * KW + kw))), acc);
          }
          v128.store(dst + 4 * ow, acc);
        }
      for (; ow < OW; ow++) {
        let acc = b;
        for (let kh = 0; kh < KH; kh++) {
          const row = padded + 4 * ((oh * sH + kh * dH) * PW + ow * sW);
          for (let kw = 0; kw < KW; kw++) acc += load<f32>(row + 4 * kw * dW) * load<f32>(w + 4 * (kh * KW + kw));
        }
        store<f32>(dst + 4 * ow, acc);
      }
    }
  }
}
