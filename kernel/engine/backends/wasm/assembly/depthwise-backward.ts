// Depthwise conv2d (groups = C = OC) gradients as direct kernels, the counterpart of depthwise.ts's
// depthwiseForward: im2col + GEMM would multiply 1-row matrices. Both work on one zero-padded
// plane at a time (PH x PW floats, depthwise.ts's depthwisePaddedHeight/Width), so every tap is a plain
// (4-wide when the stride is 1) row operation with no bounds checks.
//   input gradient: scatter weight * dout into the padded plane, then add its interior to dinp;
//   weight gradient: copy the input into the padded plane, then dot each tap's shifted rows
//   with dout, over images in order.
// Geometry block: conv-geometry.ts's 15 i32 (C, H, W, OC, KH, KW, OH, OW, sH, sW, pT, pL, dH, dW, G).

import { C_, DH_, DW_, H_, KH_, KW_, OH_, OW_, PL_, PT_, padPlane, SH_, SW_, W_, zeroFloats } from "./conv-geometry";
import { depthwisePaddedHeight, depthwisePaddedWidth } from "./depthwise";
import { madd } from "./simd";

/**
 * Planes [q0, q1) of N * C: dinp (N, C, H, W) += the input gradient from dout (N, C, OH, OW) and
 * weight (C, 1, KH, KW). `padded` holds depthwisePaddedHeight x ...Width floats (the forward's padded plane).
 * @threaded
 */
export function depthwiseBackwardInput(
  q0: i32,
  q1: i32,
  geo: usize,
  dinp: usize,
  dout: usize,
  weight: usize,
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
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = depthwisePaddedHeight(geo);
  const PW = depthwisePaddedWidth(geo);
  for (let q = q0; q < q1; q++) {
    const w = weight + 4 * (q % C) * KH * KW;
    const d = dout + 4 * q * OH * OW;
    zeroFloats(padded, PH * PW);
    for (let oh = 0; oh < OH; oh++) {
      const drow = d + 4 * oh * OW;
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++) {
          const wv: f32 = load<f32>(w + 4 * (kh * KW + kw));
          const dst = padded + 4 * ((oh * sH + kh * dH) * PW + kw * dW);
          let ow = 0;
          if (sW == 1) {
            const ws = f32x4.splat(wv);
            for (; ow + 4 <= OW; ow += 4)
              v128.store(dst + 4 * ow, madd(v128.load(drow + 4 * ow), ws, v128.load(dst + 4 * ow)));
          }
          for (; ow < OW; ow++) {
            const p = dst + 4 * ow * sW;
            store<f32>(p, load<f32>(p) + wv * load<f32>(drow + 4 * ow));
          }
        }
    }
    // dinp[iy][ix] += padded[iy + pT][ix + pL] where that lies inside the padded plane.
    const plane = dinp + 4 * q * H * W;
    const ix0 = max(0, -pL);
    const ix1 = max(ix0, min(W, PW - pL));
    for (let iy = max(0, -pT); iy < min(H, PH - pT); iy++) {
      const src = padded + 4 * ((iy + pT) * PW + pL);
      const dst = plane + 4 * iy * W;
      let ix = ix0;
      for (; ix + 4 <= ix1; ix += 4)
        v128.store(dst + 4 * ix, f32x4.add(v128.load(dst + 4 * ix), v128.load(src + 4 * ix)));
      for (; ix < ix1; ix++) store<f32>(dst + 4 * ix, load<f32>(dst + 4 * ix) + load<f32>(src + 4 * ix));
    }
  }
}

/**
 * Channels [c0, c1): dweight (C, 1, KH, KW) += sum over images n = 0..N-1 (in order) of dout[n, c]
 * (OH, OW) correlated with inp[n, c] (H, W). `padded` holds one padded plane.
 * @threaded
 */
export function depthwiseBackwardWeight(
  c0: i32,
  c1: i32,
  N: i32,
  geo: usize,
  dweight: usize,
  dout: usize,
  inp: usize,
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
  for (let c = c0; c < c1; c++) {
    const dw = dweight + 4 * c * KH * KW;
    for (let n = 0; n < N; n++) {
      const q = n * C + c;
      padPlane(padded, inp + 4 * q * H * W, geo, PH, PW);
      const d = dout + 4 * q * OH * OW;
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++) {
          let acc = f32x4.splat(0);
          let tail: f32 = 0;
          for (let oh = 0; oh < OH; oh++) {
            const drow = d + 4 * oh * OW;
            const src = padded + 4 * ((oh * sH + kh * dH) * PW + kw * dW);
            let ow = 0;
            if (sW == 1)
              for (; ow + 4 <= OW; ow += 4) acc = madd(v128.load(drow + 4 * ow), v128.load(src + 4 * ow), acc);
            for (; ow < OW; ow++) tail += load<f32>(drow + 4 * ow) * load<f32>(src + 4 * ow * sW);
          }
          const sum =
            f32x4.extract_lane(acc, 0) +
            f32x4.extract_lane(acc, 1) +
            f32x4.extract_lane(acc, 2) +
            f32x4.extract_lane(acc, 3) +
            tail;
          const p = dw + 4 * (kh * KW + kw);
          store<f32>(p, load<f32>(p) + sum);
        }
    }
  }
}
