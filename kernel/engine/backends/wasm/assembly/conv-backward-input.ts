// conv2d's input gradient the general way (any stride): per image, dcol (K, OH * OW) = weight^T @
// dout, scattered back onto dinp by col2im. Stride-1 convs use the forward kernel instead (see
// backends/wasm/conv-backward.ts).

import { gemmPrepacked, MR, NR, packAWhole, packBWhole, packedAFloats, packedBFloats } from "./gemm";
import { spreadHigh, spreadLow } from "./simd";
import { C_, DH_, DW_, G_, H_, KH_, KW_, OC_, OH_, OW_, PL_, PT_, SH_, SW_, W_ } from "./conv-geometry";

/** dinp planes (C/G, H, W) += col2im(dcol (K, OH * OW)): the adjoint of im2col over all rows. */
function col2imAdd(dinp: usize, dcol: usize, geo: usize): void {
  const C = load<i32>(geo, C_) / load<i32>(geo, G_);
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
  const K = C * KH * KW;
  for (let k = 0; k < K; k++) {
    const c = k / (KH * KW);
    const kh = (k / KW) % KH;
    const kw = k % KW;
    const plane = dinp + 4 * c * H * W;
    const offW = kw * dW - pL;
    const owStart = offW >= 0 ? 0 : min(OW, (-offW + sW - 1) / sW);
    const owEnd = max(owStart, min(OW, offW < W ? (W - 1 - offW) / sW + 1 : 0));
    let src = dcol + 4 * k * OH * OW;
    for (let oh = 0; oh < OH; oh++, src += 4 * OW) {
      const ih = oh * sH - pT + kh * dH;
      if (ih < 0 || ih >= H) continue;
      const dst = plane + 4 * (ih * W + offW);
      let ow = owStart;
      if (sW == 1)
        for (; ow + 4 <= owEnd; ow += 4)
          v128.store(dst + 4 * ow, f32x4.add(v128.load(dst + 4 * ow), v128.load(src + 4 * ow)));
      // Stride 2: 4 values onto every other float of 8, adding 0 to the others, which must then
      // lie in this row (another thread may own the next image's planes).
      if (sW == 2)
        for (; ow + 4 <= owEnd && offW + 2 * ow + 8 <= W; ow += 4) {
          const s = v128.load(src + 4 * ow);
          const d = dst + 8 * ow;
          v128.store(d, f32x4.add(v128.load(d), spreadLow(s)));
          v128.store(d, f32x4.add(v128.load(d, 16), spreadHigh(s)), 16);
        }
      for (; ow < owEnd; ow++) {
        const d = dst + 4 * ow * sW;
        store<f32>(d, load<f32>(d) + load<f32>(src + 4 * ow));
      }
    }
  }
}

/**
 * Images [n0, n1): dinp (N, C, H, W) += col2im(dcol[n] (K, OH * OW)), dcol (N, K, OH * OW) computed
 * beforehand as one batched GEMM (on MLAS: conv-mlas.ts mlasInputGradient). Groups 1.
 * @threaded
 */
export function col2imImages(n0: i32, n1: i32, geo: usize, dinp: usize, dcol: usize): void {
  const CHW = load<i32>(geo, C_) * load<i32>(geo, H_) * load<i32>(geo, W_);
  const KP = load<i32>(geo, C_) * load<i32>(geo, KH_) * load<i32>(geo, KW_) * load<i32>(geo, OH_) * load<i32>(geo, OW_);
  for (let n = n0; n < n1; n++) col2imAdd(dinp + 4 * <usize>(n * CHW), dcol + 4 * <usize>(n * KP), geo);
}

/**
 * Bytes of the `scratch` conv2dBackwardInput needs per thread: weight[g]^T (K, OC/G) packed whole
 * (once per call with one group: packing it per image cost as much as a fifth of the GEMMs on
 * small planes), one image's dout (OC/G, P) packed, and an edge tile.
 */
export function convBackwardInputScratchBytes(geo: usize): i32 {
  const G = load<i32>(geo, G_);
  const OCG = load<i32>(geo, OC_) / G;
  const K = (load<i32>(geo, C_) / G) * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_);
  return 4 * (packedAFloats(K, OCG) + packedBFloats(OCG, P) + MR * NR);
}

/**
 * Images [n0, n1): dinp (N, C, H, W) += conv2d's input gradient from dout (N, OC, OH, OW).
 * `col` holds C/G * KH * KW * OH * OW floats; `scratch` convBackwardInputScratchBytes bytes.
 * @threaded
 */
export function conv2dBackwardInput(
  n0: i32,
  n1: i32,
  geo: usize,
  dinp: usize,
  dout: usize,
  weight: usize,
  col: usize,
  scratch: usize,
): void {
  const C = load<i32>(geo, C_);
  const G = load<i32>(geo, G_);
  const OC = load<i32>(geo, OC_);
  const HW = load<i32>(geo, H_) * load<i32>(geo, W_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_);
  const CG = C / G;
  const OCG = OC / G;
  const K = CG * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  const packedA = scratch; // weight[g]^T (K, OC/G), packed whole
  const packedB = packedA + 4 * <usize>packedAFloats(K, OCG); // dout[n, g] (OC/G, P), packed
  const tile = packedB + 4 * <usize>packedBFloats(OCG, P); // (MR, NR)
  for (let n = n0; n < n1; n++)
    for (let g = 0; g < G; g++) {
      // dcol (K, P) = weight[g]^T (K, OC/G) @ dout[n, g] (OC/G, P): the same sums as gemm
      if (G > 1 || n == n0) packAWhole(packedA, weight + 4 * g * OCG * K, 1, K, K, OCG);
      packBWhole(packedB, dout + 4 * (n * OC + g * OCG) * P, P, 1, OCG, P);
      gemmPrepacked(K, P, OCG, packedA, packedB, col, P, false, 0, tile);
      col2imAdd(dinp + 4 * (n * C + g * CG) * HW, col, geo);
    }
}
