// 2-D convolution (NCHW, groups, stride, padding, dilation) as im2col + GEMM, forward and backward.
// Sizes come in a geometry block of 15 i32 in memory (see Geometry below) so calls stay short.
// Each exported kernel takes the range of work one thread does, chosen so that a thread's result
// never depends on how the work was split: forward and the input gradient split images; the
// weight gradient splits the rows of the im2col matrix (k = (c, kh, kw)) and walks images in order.
//
// col (K, OH * OW) with K = C/G * KH * KW: col[(c, kh, kw), (oh, ow)] = inp[c, oh*sH - pT + kh*dH,
// ow*sW - pL + kw*dW], zero outside the input. Then out[n, group] (OC/G, OH*OW) = weight[group]
// (OC/G, K) @ col; dcol = weight^T @ dout, scattered back (col2im); dweight += dout @ col^T.

import { gemm, gemmPackedB, KC, NR, packedBFloats } from "./gemm";
import { madd } from "./simd";

// Geometry block: i32 fields at these byte offsets.
const C_ = 0;
const H_ = 4;
const W_ = 8;
const OC_ = 12;
const KH_ = 16;
const KW_ = 20;
const OH_ = 24;
const OW_ = 28;
const SH_ = 32;
const SW_ = 36;
const PT_ = 40;
const PL_ = 44;
const DH_ = 48;
const DW_ = 52;
const G_ = 56;
// Field 16, per kernel: conv2dForward: 1 to add into `out` (no bias); conv2dBackwardWeight: images
// per GEMM.
const ADD_ = 60;
const CHUNK_ = 60;

/** Zeroes n floats at p. */
// @ts-ignore: decorator
@inline function zeroFloats(p: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + 4 * i, z);
  for (; i < n; i++) store<f32>(p + 4 * i, 0);
}

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
      for (; ow < OW; ow++) store<f32>(dst + 4 * ow, load<f32>(src + 4 * ow * sW));
    }
  }
}

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
      for (; ow < owEnd; ow++) {
        const d = dst + 4 * ow * sW;
        store<f32>(d, load<f32>(d) + load<f32>(src + 4 * ow));
      }
    }
  }
}

/** Rows of the zero-padded planes packColumns reads: exactly the rows some output's taps reach. */
export function convPaddedHeight(geo: usize): i32 {
  return (load<i32>(geo, OH_) - 1) * load<i32>(geo, SH_) + (load<i32>(geo, KH_) - 1) * load<i32>(geo, DH_) + 1;
}

/** Width of the zero-padded planes packColumns reads. */
export function convPaddedWidth(geo: usize): i32 {
  return (load<i32>(geo, OW_) - 1) * load<i32>(geo, SW_) + (load<i32>(geo, KW_) - 1) * load<i32>(geo, DW_) + 1;
}

/**
 * Floats of the `col` buffer conv2dForward needs per thread: one group's zero-padded input planes
 * (C/G, PH, PW), its im2col matrix packed for gemmPackedB (K, OH * OW), and K tap offsets (i32).
 */
export function convForwardColFloats(geo: usize): i32 {
  const CG = load<i32>(geo, C_) / load<i32>(geo, G_);
  const K = CG * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_);
  return CG * convPaddedHeight(geo) * convPaddedWidth(geo) + packedBFloats(K, P) + K;
}

/** padded (CG, PH, PW)[c][y][x] = inp (CG, H, W)[c][y - pT][x - pL], zero outside the input. */
function padPlanes(padded: usize, inp: usize, geo: usize, CG: i32): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  const x0 = min(PW, max(0, pL)); // first x inside the input
  const x1 = max(x0, min(PW, W + pL)); // one past the last
  for (let c = 0; c < CG; c++)
    for (let y = 0; y < PH; y++) {
      const row = padded + 4 * (c * PH + y) * PW;
      const iy = y - pT;
      if (iy < 0 || iy >= H) {
        zeroFloats(row, PW);
        continue;
      }
      zeroFloats(row, x0);
      const src = inp + 4 * ((c * H + iy) * W - pL);
      let x = x0;
      for (; x + 4 <= x1; x += 4) v128.store(row + 4 * x, v128.load(src + 4 * x));
      for (; x < x1; x++) store<f32>(row + 4 * x, load<f32>(src + 4 * x));
      zeroFloats(row + 4 * x1, PW - x1);
    }
}

/**
 * The im2col matrix (K, P) of zero-padded planes (CG, PH, PW), written straight into gemmPackedB's
 * layout: per depth block, NR output pixels at a time, each k's NR values adjacent. When the NR
 * pixels sit in one output row and the stride is 1 they are NR adjacent input floats (two f32x4);
 * across two rows, a blend of two such loads; otherwise they are gathered one by one. `taps` comes from fillTaps.
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
 * gradient of a stride-1 conv is such a conv, see backends/wasm/conv.ts). `col` holds convForwardColFloats floats; `scratch` is packedScratchBytes for
 * (OC/G) rows and depth C/G * KH * KW.
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
  const add = load<i32>(geo, ADD_) != 0;
  for (let n = n0; n < n1; n++)
    for (let g = 0; g < G; g++) {
      const outG = out + 4 * (n * OC + g * OCG) * P; // (OC/G, P)
      padPlanes(padded, inp + 4 * (n * C + g * CG) * HW, geo, CG);
      if (n == n0 && g == 0) fillTaps(taps, geo, K);
      packColumns(packed, padded, taps, geo, K);
      const biasG: usize = bias == 0 ? 0 : bias + 4 * g * OCG;
      gemmPackedB(OCG, P, K, weight + 4 * g * OCG * K, K, 1, packed, outG, P, add, biasG, scratch);
    }
}

/**
 * Images [n0, n1): dinp (N, C, H, W) += conv2d's input gradient from dout (N, OC, OH, OW).
 * `col` holds C/G * KH * KW * OH * OW floats; `scratch` is GEMM scratch for (C/G * KH * KW) x
 * (OH * OW) with depth OC/G.
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
  for (let n = n0; n < n1; n++)
    for (let g = 0; g < G; g++) {
      // dcol (K, P) = weight[g]^T (K, OC/G) @ dout[n, g] (OC/G, P)
      gemm(K, P, OCG, weight + 4 * g * OCG * K, 1, K, dout + 4 * (n * OC + g * OCG) * P, P, 1, col, P, false, scratch);
      col2imAdd(dinp + 4 * (n * C + g * CG) * HW, col, geo);
    }
}

/**
 * Columns [k0, k1) of every group's dweight (OC, C/G * KH * KW) += dout @ im2col(inp)^T, summed over
 * all N images in order. Images go CHUNK at a time (the geometry block's 16th field) into one GEMM
 * whose depth is CHUNK * OH * OW, so small planes still give the GEMM a deep loop. `col` holds
 * (k1 - k0) * CHUNK * OH * OW floats of im2col rows, then (OC/G) * CHUNK * OH * OW for dout's planes
 * side by side (unused when CHUNK is 1), then one image's zero-padded planes (C/G, PH, PW); `scratch` is GEMM scratch for (OC/G) x (k1 - k0) with depth CHUNK * OH * OW.
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
        for (let oc = 0; oc < OCG; oc++) {
          const src = dout + 4 * (n * OC + g * OCG + oc) * P;
          const dst = douts + 4 * oc * D + j;
          let p = 0;
          for (; p + 4 <= P; p += 4) v128.store(dst + 4 * p, v128.load(src + 4 * p));
          for (; p < P; p++) store<f32>(dst + 4 * p, load<f32>(src + 4 * p));
        }
      }
      // dweight[g][:, k0:k1] (OC/G, k1 - k0) += douts (OC/G, D) @ col^T (D, k1 - k0)
      const dw = dweight + 4 * (g * OCG * K + k0);
      const a = chunk == 1 ? dout + 4 * (n0 * OC + g * OCG) * P : douts;
      gemm(OCG, k1 - k0, D, a, D, 1, col, 1, D, dw, K, true, scratch);
    }
  }
}

/** dbias (OC) += dout (N, OC, P) summed over images and pixels. */
export function addChannelSums(dbias: usize, dout: usize, N: i32, OC: i32, P: i32): void {
  for (let oc = 0; oc < OC; oc++) {
    let s = f32x4.splat(0);
    let tail: f32 = 0;
    for (let n = 0; n < N; n++) {
      const row = dout + 4 * (n * OC + oc) * P;
      let p = 0;
      for (; p + 4 <= P; p += 4) s = f32x4.add(s, v128.load(row + 4 * p));
      for (; p < P; p++) tail += load<f32>(row + 4 * p);
    }
    const total =
      f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
    store<f32>(dbias + 4 * oc, load<f32>(dbias + 4 * oc) + total + tail);
  }
}

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
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = depthwisePaddedHeight(geo);
  const PW = depthwisePaddedWidth(geo);
  for (let q = q0; q < q1; q++) {
    const c = q % C;
    const plane = inp + 4 * q * H * W;
    // padded[y][x] = inp[y - pT][x - pL], zero outside the input.
    for (let y = 0; y < PH; y++) {
      const row = padded + 4 * y * PW;
      const iy = y - pT;
      if (iy < 0 || iy >= H) {
        zeroFloats(row, PW);
        continue;
      }
      const x0 = min(PW, max(0, pL)); // first x inside the input
      const x1 = max(x0, min(PW, W + pL)); // one past the last
      zeroFloats(row, x0);
      const src = plane + 4 * (iy * W - pL);
      let x = x0;
      for (; x + 4 <= x1; x += 4) v128.store(row + 4 * x, v128.load(src + 4 * x));
      for (; x < x1; x++) store<f32>(row + 4 * x, load<f32>(src + 4 * x));
      zeroFloats(row + 4 * x1, PW - x1);
    }
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
