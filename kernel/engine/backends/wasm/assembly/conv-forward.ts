// 2-D convolution forward (NCHW, groups, stride, padding, dilation) as im2col + GEMM, images
// [n0, n1) per thread. col (K, OH * OW) with K = C/G * KH * KW: col[(c, kh, kw), (oh, ow)] =
// inp[c, oh*sH - pT + kh*dH, ow*sW - pL + kw*dW], zero outside the input, written straight into the
// GEMM's packed B panels; out[n, group] (OC/G, OH*OW) = weight[group] (OC/G, K) @ col + bias.

import { gemmPrepacked, KC, MR, NR, packAWhole, packedAFloats, packedBFloats } from "./gemm";
import { evenLanes } from "./simd";
import { ADD_, C_, convPaddedHeight, convPaddedWidth, DH_, DW_, G_, H_, KH_, KW_, OC_, OH_, OW_, padPlanes, SH_, SW_, W_ } from "./conv-geometry";

/**
 * Floats of the `col` buffer conv2dForward needs per thread: one group's zero-padded input planes
 * (C/G, PH, PW), its im2col matrix packed for gemmPrepacked (K, OH * OW), and K tap offsets (i32).
 */
export function convForwardColFloats(geo: usize): i32 {
  const CG = load<i32>(geo, C_) / load<i32>(geo, G_);
  const K = CG * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_);
  return CG * convPaddedHeight(geo) * convPaddedWidth(geo) + packedBFloats(K, P) + K;
}

/**
 * Bytes of the `scratch` conv2dForward needs per thread: a group's weight (OC/G, K) packed whole
 * (once per call with one group: packing it for every image cost ~30% of a 64->128 stride-2 conv
 * on 4x4 outputs) and an edge tile.
 */
export function convForwardScratchBytes(geo: usize): i32 {
  const G = load<i32>(geo, G_);
  const K = (load<i32>(geo, C_) / G) * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  return 4 * (packedAFloats(load<i32>(geo, OC_) / G, K) + MR * NR);
}

/**
 * The im2col matrix (K, P) of zero-padded planes (CG, PH, PW), written straight into gemmPrepacked's
 * layout: per depth block, NR output pixels at a time, each k's NR values adjacent. When the NR
 * pixels sit in one output row and the stride is 1 they are NR adjacent input floats (two f32x4);
 * across two rows, a blend of two such loads. With stride 2 and rows of a multiple of 4 pixels, each
 * 4 pixels are every other float of 8 adjacent ones. Otherwise they are gathered one by one.
 * `taps` comes from fillTaps.
 */
function packColumns(dst: usize, padded: usize, taps: usize, geo: usize, K: i32): void {
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const sH = load<i32>(geo, SH_);
  const sW = load<i32>(geo, SW_);
  const PW = convPaddedWidth(geo);
  const P = OH * OW;
  const panels = (P + NR - 1) / NR;
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const t0 = taps + 4 * pc;
    for (let j0 = 0; j0 < P; j0 += NR) {
      const d0 = dst + 4 * (<usize>pc * panels * NR + j0 * kc);
      const o0 = padded + 4 * pixelOffset(j0, P, OW, sH, sW, PW);
      if (sW == 1 && j0 + NR <= P && (j0 % OW) + NR <= OW) {
        for (let k = 0, d = d0; k < kc; k++, d += 4 * NR) {
          const s = o0 + load<i32>(t0 + 4 * k);
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
        }
        continue;
      }
      if (sW == 1 && OW >= NR && j0 + NR <= P) {
        // The NR pixels run past the end of their output row into the next one: blend the
        // floats at this row's offsets (lanes before the end) with the next row's.
        const a = OW - (j0 % OW); // pixels left in this row
        const next = o0 + 4 * (sH * PW - OW); // lane j of the next row, as if it started at j0
        const maskLo = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(a));
        const maskHi = i32x4.lt_s(i32x4(4, 5, 6, 7), i32x4.splat(a));
        for (let k = 0, d = d0; k < kc; k++, d += 4 * NR) {
          const t = load<i32>(t0 + 4 * k);
          v128.store(d, v128.bitselect(v128.load(o0 + t), v128.load(next + t), maskLo));
          v128.store(d, v128.bitselect(v128.load(o0 + t, 16), v128.load(next + t, 16), maskHi), 16);
        }
        continue;
      }
      if (sW == 2 && OW % 4 == 0 && j0 + NR <= P) {
        // Each half's 4 pixels sit in one row (rows hold whole f32x4s): even lanes of 8 floats.
        // NOTE: the 8th float may lie past the planes' end; it is read, never used.
        const o4 = padded + 4 * pixelOffset(j0 + 4, P, OW, sH, sW, PW);
        for (let k = 0, d = d0; k < kc; k++, d += 4 * NR) {
          const t = load<i32>(t0 + 4 * k);
          v128.store(d, evenLanes(v128.load(o0 + t), v128.load(o0 + t, 16)));
          v128.store(d, evenLanes(v128.load(o4 + t), v128.load(o4 + t, 16)), 16);
        }
        continue;
      }
      // Pixels past P repeat the last one (their columns are never stored).
      const o1 = padded + 4 * pixelOffset(j0 + 1, P, OW, sH, sW, PW);
      const o2 = padded + 4 * pixelOffset(j0 + 2, P, OW, sH, sW, PW);
      const o3 = padded + 4 * pixelOffset(j0 + 3, P, OW, sH, sW, PW);
      const o4 = padded + 4 * pixelOffset(j0 + 4, P, OW, sH, sW, PW);
      const o5 = padded + 4 * pixelOffset(j0 + 5, P, OW, sH, sW, PW);
      const o6 = padded + 4 * pixelOffset(j0 + 6, P, OW, sH, sW, PW);
      const o7 = padded + 4 * pixelOffset(j0 + 7, P, OW, sH, sW, PW);
      for (let k = 0, d = d0; k < kc; k++, d += 4 * NR) {
        const t = load<i32>(t0 + 4 * k);
        let lo = v128.load32_zero(o0 + t);
        lo = f32x4.replace_lane(lo, 1, load<f32>(o1 + t));
        lo = f32x4.replace_lane(lo, 2, load<f32>(o2 + t));
        lo = f32x4.replace_lane(lo, 3, load<f32>(o3 + t));
        let hi = v128.load32_zero(o4 + t);
        hi = f32x4.replace_lane(hi, 1, load<f32>(o5 + t));
        hi = f32x4.replace_lane(hi, 2, load<f32>(o6 + t));
        hi = f32x4.replace_lane(hi, 3, load<f32>(o7 + t));
        v128.store(d, lo);
        v128.store(d, hi, 16);
      }
    }
  }
}

/** taps (K i32) = byte offset of tap k = (c, kh, kw) in padded planes from an output pixel's first tap. */
function fillTaps(taps: usize, geo: usize, K: i32): void {
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  for (let k = 0; k < K; k++) {
    const c = k / (KH * KW);
    const kh = (k / KW) % KH;
    const kw = k % KW;
    store<i32>(taps + 4 * k, 4 * ((c * PH + kh * dH) * PW + kw * dW));
  }
}

/** Float offset in a padded plane of output pixel p's first tap (p clamped to P - 1). */
// @ts-ignore: decorator
@inline function pixelOffset(p: i32, P: i32, OW: i32, sH: i32, sW: i32, PW: i32): i32 {
  const q = min(p, P - 1);
  return (q / OW) * sH * PW + (q % OW) * sW;
}

/**
 * Images [n0, n1): out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C/G, KH, KW)) + bias
 * (OC; 0 for none), or out += conv(inp, weight) when the geometry block says so (the input
 * gradient of a stride-1 conv is such a conv, see backends/wasm/conv.ts). `col` holds
 * convForwardColFloats floats; `scratch` convForwardScratchBytes bytes.
 * @threaded
 */
export function conv2dForward(
  n0: i32,
  n1: i32,
  geo: usize,
  out: usize,
  inp: usize,
  weight: usize,
  bias: usize,
  col: usize,
  scratch: usize,
): void {
  const C = load<i32>(geo, C_);
  const G = load<i32>(geo, G_);
  const OC = load<i32>(geo, OC_);
  const HW = load<i32>(geo, H_) * load<i32>(geo, W_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_); // output pixels per plane
  const CG = C / G;
  const OCG = OC / G;
  const K = CG * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  const padded = col; // (C/G, PH, PW)
  const packed = col + 4 * CG * convPaddedHeight(geo) * convPaddedWidth(geo); // im2col, packed
  const taps = packed + 4 * packedBFloats(K, P); // (K) i32
  const packedA = scratch; // weight[g] (OC/G, K), packed whole
  const tile = packedA + 4 * <usize>packedAFloats(OCG, K); // (MR, NR)
  const add = load<i32>(geo, ADD_) != 0;
  for (let n = n0; n < n1; n++)
    for (let g = 0; g < G; g++) {
      const outG = out + 4 * (n * OC + g * OCG) * P; // (OC/G, P)
      padPlanes(padded, inp + 4 * (n * C + g * CG) * HW, geo, CG);
      if (n == n0 && g == 0) fillTaps(taps, geo, K);
      packColumns(packed, padded, taps, geo, K);
      const biasG: usize = bias == 0 ? 0 : bias + 4 * g * OCG;
      if (G > 1 || n == n0) packAWhole(packedA, weight + 4 * g * OCG * K, K, 1, OCG, K);
      gemmPrepacked(OCG, P, K, packedA, packed, outG, P, add, biasG, tile);
    }
}
