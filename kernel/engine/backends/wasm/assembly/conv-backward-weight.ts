// conv2d's weight and bias gradients: dweight += dout @ im2col(inp)^T over all images in order,
// threads splitting the im2col rows k = (c, kh, kw) so results never depend on the split.

import { gemm, NR } from "./gemm";
import { evenLanes } from "./simd";
import { C_, CHUNK_, convPaddedHeight, convPaddedWidth, DH_, DW_, G_, H_, KH_, KW_, OC_, OH_, OW_, padPlanes, SH_, SW_, W_ } from "./conv-geometry";

/**
 * Rows [k0, k1) of the im2col matrix of zero-padded planes `padded` (C/G, PH, PW) (see padPlanes),
 * into col (k1 - k0, OH * OW) whose rows are `ld` floats apart. With the padding in the planes,
 * every output row is a plain copy of OW floats (every sW-th float).
 */
function im2colPadded(col: usize, padded: usize, geo: usize, k0: i32, k1: i32, ld: i32): void {
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const sH = load<i32>(geo, SH_);
  const sW = load<i32>(geo, SW_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  for (let k = k0; k < k1; k++) {
    const c = k / (KH * KW);
    const kh = (k / KW) % KH;
    const kw = k % KW;
    let src = padded + 4 * ((c * PH + kh * dH) * PW + kw * dW);
    let dst = col + 4 * (k - k0) * ld;
    for (let oh = 0; oh < OH; oh++, src += 4 * sH * PW, dst += 4 * OW) {
      let ow = 0;
      if (sW == 1) for (; ow + 4 <= OW; ow += 4) v128.store(dst + 4 * ow, v128.load(src + 4 * ow));
      // Stride 2: every other float of 8 (the 8th may lie past the planes' end: read, never used).
      if (sW == 2)
        for (; ow + 4 <= OW; ow += 4)
          v128.store(dst + 4 * ow, evenLanes(v128.load(src + 8 * ow), v128.load(src + 8 * ow, 16)));
      for (; ow < OW; ow++) store<f32>(dst + 4 * ow, load<f32>(src + 4 * ow * sW));
    }
  }
}

/**
 * Columns [k0, k1) of every group's dweight (OC, C/G * KH * KW) += dout @ im2col(inp)^T, summed over
 * all N images in order. Images go CHUNK at a time (the geometry block's 16th field) into one GEMM
 * whose depth is CHUNK * OH * OW, so small planes still give the GEMM a deep loop. `col` holds
 * (k1 - k0) * CHUNK * OH * OW floats of im2col rows, then (OC/G) * CHUNK * OH * OW for dout's planes
 * side by side (unused when CHUNK is 1), then one image's zero-padded planes (C/G, PH, PW); `scratch` is GEMM scratch for (OC/G) x (k1 - k0) with depth CHUNK * OH * OW.
 * @threaded
 */
export function conv2dBackwardWeight(
  k0: i32,
  k1: i32,
  N: i32,
  geo: usize,
  dweight: usize,
  dout: usize,
  inp: usize,
  col: usize,
  scratch: usize,
): void {
  const C = load<i32>(geo, C_);
  const G = load<i32>(geo, G_);
  const OC = load<i32>(geo, OC_);
  const HW = load<i32>(geo, H_) * load<i32>(geo, W_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_);
  const chunk = load<i32>(geo, CHUNK_);
  const CG = C / G;
  const OCG = OC / G;
  const K = CG * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  if (k0 >= k1) return;
  const douts = col + 4 * (k1 - k0) * chunk * P; // (OC/G, chunk * P)
  const padded = douts + 4 * OCG * chunk * P; // (C/G, PH, PW)
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const D = min(chunk, N - n0) * P; // GEMM depth: pixels of this chunk's images
    for (let g = 0; g < G; g++) {
      for (let n = n0; n < n0 + D / P; n++) {
        const j = 4 * (n - n0) * P;
        padPlanes(padded, inp + 4 * (n * C + g * CG) * HW, geo, CG);
        im2colPadded(col + j, padded, geo, k0, k1, D);
        if (chunk == 1) continue; // the GEMM reads dout's planes where they are
        spreadPlanes(douts + j, dout + 4 * (n * OC + g * OCG) * P, OCG, P, D);
      }
      // dweight[g][:, k0:k1] (OC/G, k1 - k0) += douts (OC/G, D) @ col^T (D, k1 - k0)
      const dw = dweight + 4 * (g * OCG * K + k0);
      const a = chunk == 1 ? dout + 4 * (n0 * OC + g * OCG) * P : douts;
      gemm(OCG, k1 - k0, D, a, D, 1, col, 1, D, dw, K, true, scratch);
    }
  }
}

/**
 * GEMM operands of images [n0, n1) of a chunk that starts at image nBase, for a GEMM outside wasm
 * (ONNX Runtime's MLAS, see conv-mlas.ts): each image's im2col rows (K, P) into col at
 * (n - nBase) * imageStride floats, rows `ld` floats apart, and when douts is not 0, dout's planes
 * (OC, P) into douts at column (n - nBase) * P, rows `ld` apart. The weight gradient lays images
 * side by side (imageStride P, ld = chunk * P), the forward one after another (imageStride K * P,
 * ld P). Groups 1; `padded` holds one image's zero-padded planes (C, PH, PW).
 * @threaded
 */
export function convGemmOperands(
  n0: i32,
  n1: i32,
  nBase: i32,
  imageStride: i32,
  ld: i32,
  geo: usize,
  inp: usize,
  col: usize,
  padded: usize,
  dout: usize,
  douts: usize,
): void {
  const C = load<i32>(geo, C_);
  const OC = load<i32>(geo, OC_);
  const HW = load<i32>(geo, H_) * load<i32>(geo, W_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_);
  const K = C * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  for (let n = n0; n < n1; n++) {
    padPlanes(padded, inp + 4 * n * C * HW, geo, C);
    im2colPadded(col + 4 * (n - nBase) * imageStride, padded, geo, 0, K, ld);
    if (douts != 0) spreadPlanes(douts + 4 * (n - nBase) * P, dout + 4 * n * OC * P, OC, P, ld);
  }
}

/** `planes` planes of P floats, contiguous at src, into rows `ld` floats apart at dst. */
function spreadPlanes(dst: usize, src: usize, planes: i32, P: i32, ld: i32): void {
  for (let q = 0; q < planes; q++) {
    const from = src + 4 * q * P;
    const to = dst + 4 * q * ld;
    let p = 0;
    for (; p + 4 <= P; p += 4) v128.store(to + 4 * p, v128.load(from + 4 * p));
    for (; p < P; p++) store<f32>(to + 4 * p, load<f32>(from + 4 * p));
  }
}

/**
 * dbias (OC) += dout (N, OC, P) summed over images and pixels. Four f32x4 sums in turn (16 pixels
 * a step), so that the adds do not wait on each other.
 */
export function addChannelSums(dbias: usize, dout: usize, N: i32, OC: i32, P: i32): void {
  for (let oc = 0; oc < OC; oc++) {
    let s0 = f32x4.splat(0);
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0);
    let tail: f32 = 0;
    for (let n = 0; n < N; n++) {
      const row = dout + 4 * (n * OC + oc) * P;
      let p = 0;
      for (; p + 16 <= P; p += 16) {
        s0 = f32x4.add(s0, v128.load(row + 4 * p));
        s1 = f32x4.add(s1, v128.load(row + 4 * p, 16));
        s2 = f32x4.add(s2, v128.load(row + 4 * p, 32));
        s3 = f32x4.add(s3, v128.load(row + 4 * p, 48));
      }
      for (; p + 4 <= P; p += 4) s0 = f32x4.add(s0, v128.load(row + 4 * p));
      for (; p < P; p++) tail += load<f32>(row + 4 * p);
    }
    const s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3));
    const total =
      f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
    store<f32>(dbias + 4 * oc, load<f32>(dbias + 4 * oc) + total + tail);
  }
}
