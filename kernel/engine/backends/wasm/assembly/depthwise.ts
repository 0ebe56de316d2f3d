// Depthwise conv2d forward (groups = C = OC) as a direct kernel: an im2col GEMM would multiply
// 1-row matrices.

import { C_, DH_, DW_, H_, KH_, KW_, OH_, OW_, PL_, PT_, padPlane, SH_, SW_, W_, zeroFloats } from "./conv-geometry";
import { evenLanes, madd, oddLanes } from "./simd";

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
 * a time when the stride is 1 or 2.
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
    const w = weight + 4 * c * KH * KW;
    const b: f32 = bias != 0 ? load<f32>(bias + 4 * c) : 0;
    const o = out + 4 * q * OH * OW;
    if (KH == 3 && KW == 3 && sH == 1 && sW == 1 && dH == 1 && dW == 1) {
      // Strips of STRIP output rows: their STRIP + 2 padded rows stay in L1 while they are read.
      for (let oh0 = 0; oh0 < OH; oh0 += STRIP) {
        const rows = min(STRIP, OH - oh0);
        padRows(padded, plane, geo, oh0, rows + 2, PW);
        depthwise3x3(o + 4 * oh0 * OW, padded, w, b, rows, OW, PW, false, false);
      }
      continue;
    }
    padPlane(padded, plane, geo, PH, PW); // padded[y][x] = inp[y - pT][x - pL], zero outside the input
    if (KH == 3 && KW == 3 && sH == 2 && sW == 2 && dH == 1 && dW == 1) {
      depthwise3x3Stride2(o, padded, w, b, OH, OW, PW);
      continue;
    }
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
      else if (sW == 2 && dW == 1)
        // Stride 2 (MobileNet's downsampling): the 4 outputs' taps are every other float of the
        // 8 from 2 * ow + kw (the padded plane's slack covers the last load).
        for (; ow + 4 <= OW; ow += 4) {
          let acc = f32x4.splat(b);
          for (let kh = 0; kh < KH; kh++) {
            const row = padded + 4 * ((oh * sH + kh * dH) * PW + 2 * ow);
            for (let kw = 0; kw < KW; kw++) {
              const p = row + 4 * kw;
              const taps = evenLanes(v128.load(p), v128.load(p, 16));
              acc = madd(taps, f32x4.splat(load<f32>(w + 4 * (kh * KW + kw))), acc);
            }
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

/** Output rows per strip of the 3x3 stride-1 forward (18 padded rows of a 112-wide plane: 8.5 KiB). */
const STRIP = 16;

/**
 * Rows [y0, y0 + R) of the zero-padded plane (pitch PW) into `dst`: dst[y - y0][x] =
 * plane[y - pT][x - pL], zero outside the input.
 */
function padRows(dst: usize, plane: usize, geo: usize, y0: i32, R: i32, PW: i32): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const x0 = min(PW, max(0, pL)); // first x inside the input
  const x1 = max(x0, min(PW, W + pL)); // one past the last
  for (let r = 0; r < R; r++) {
    const row = dst + 4 * r * PW;
    const iy = y0 + r - pT;
    if (iy < 0 || iy >= H) {
      zeroFloats(row, PW);
      continue;
    }
    zeroFloats(row, x0);
    const src = plane + 4 * (iy * W - pL);
    let x = x0;
    for (; x + 4 <= x1; x += 4) v128.store(row + 4 * x, v128.load(src + 4 * x));
    for (; x < x1; x++) store<f32>(row + 4 * x, load<f32>(src + 4 * x));
    zeroFloats(row + 4 * x1, PW - x1);
  }
}

/**
 * One plane of a 3x3, stride-1, dilation-1 depthwise conv (`o` (OH, OW) = bias + the taps over the
 * padded plane of pitch PW, each output's taps in (kh, kw) order, ref's): the nine weights stay in
 * registers and two output rows share the loads of their two common input rows (12 loads per 8
 * outputs instead of 18 loads and 18 weight broadcasts). `flip` takes the weights in reverse order
 * (the input gradient's flipped kernel), `add` adds into `o` instead of starting from the bias.
 * 32 channels of 112x112, batch 1, 1 thread, best of 100 calls: 6.9 -> 17 GFLOP/s, 19 with strips.
 * NOTE: tried and slower or no faster: three rows per pass (15 loads per 12 outputs; 19.2 vs 19.4
 * GFLOP/s) and 2 rows x 8 columns (four chains, but V8 spills: 17.8).
 * @internal
 */
export function depthwise3x3(
  o: usize,
  padded: usize,
  w: usize,
  b: f32,
  OH: i32,
  OW: i32,
  PW: i32,
  flip: bool,
  add: bool,
): void {
  const w0 = f32x4.splat(tap3x3(w, 0, flip));
  const w1 = f32x4.splat(tap3x3(w, 1, flip));
  const w2 = f32x4.splat(tap3x3(w, 2, flip));
  const w3 = f32x4.splat(tap3x3(w, 3, flip));
  const w4 = f32x4.splat(tap3x3(w, 4, flip));
  const w5 = f32x4.splat(tap3x3(w, 5, flip));
  const w6 = f32x4.splat(tap3x3(w, 6, flip));
  const w7 = f32x4.splat(tap3x3(w, 7, flip));
  const w8 = f32x4.splat(tap3x3(w, 8, flip));
  const vb = f32x4.splat(b);
  const rowBytes = 4 * PW;
  let oh = 0;
  for (; oh + 2 <= OH; oh += 2) {
    const r0 = padded + oh * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const r3 = r2 + rowBytes;
    const d0 = o + 4 * oh * OW;
    const d1 = d0 + 4 * OW;
    let ow = 0;
    for (; ow + 4 <= OW; ow += 4) {
      const x = 4 * ow;
      let a0 = madd(v128.load(r0 + x), w0, add ? v128.load(d0 + x) : vb);
      a0 = madd(v128.load(r0 + x, 4), w1, a0);
      a0 = madd(v128.load(r0 + x, 8), w2, a0);
      let v = v128.load(r1 + x);
      a0 = madd(v, w3, a0);
      let a1 = madd(v, w0, add ? v128.load(d1 + x) : vb);
      v = v128.load(r1 + x, 4);
      a0 = madd(v, w4, a0);
      a1 = madd(v, w1, a1);
      v = v128.load(r1 + x, 8);
      a0 = madd(v, w5, a0);
      a1 = madd(v, w2, a1);
      v = v128.load(r2 + x);
      a0 = madd(v, w6, a0);
      a1 = madd(v, w3, a1);
      v = v128.load(r2 + x, 4);
      a0 = madd(v, w7, a0);
      a1 = madd(v, w4, a1);
      v = v128.load(r2 + x, 8);
      a0 = madd(v, w8, a0);
      a1 = madd(v, w5, a1);
      a1 = madd(v128.load(r3 + x), w6, a1);
      a1 = madd(v128.load(r3 + x, 4), w7, a1);
      a1 = madd(v128.load(r3 + x, 8), w8, a1);
      v128.store(d0 + x, a0);
      v128.store(d1 + x, a1);
    }
    for (; ow < OW; ow++) {
      store<f32>(d0 + 4 * ow, depthwise3x3At(r0 + 4 * ow, rowBytes, w, add ? load<f32>(d0 + 4 * ow) : b, flip));
      store<f32>(d1 + 4 * ow, depthwise3x3At(r1 + 4 * ow, rowBytes, w, add ? load<f32>(d1 + 4 * ow) : b, flip));
    }
  }
  for (; oh < OH; oh++) {
    const r0 = padded + oh * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const d0 = o + 4 * oh * OW;
    let ow = 0;
    for (; ow + 4 <= OW; ow += 4) {
      const x = 4 * ow;
      let a0 = madd(v128.load(r0 + x), w0, add ? v128.load(d0 + x) : vb);
      a0 = madd(v128.load(r0 + x, 4), w1, a0);
      a0 = madd(v128.load(r0 + x, 8), w2, a0);
      a0 = madd(v128.load(r1 + x), w3, a0);
      a0 = madd(v128.load(r1 + x, 4), w4, a0);
      a0 = madd(v128.load(r1 + x, 8), w5, a0);
      a0 = madd(v128.load(r2 + x), w6, a0);
      a0 = madd(v128.load(r2 + x, 4), w7, a0);
      a0 = madd(v128.load(r2 + x, 8), w8, a0);
      v128.store(d0 + x, a0);
    }
    for (; ow < OW; ow++)
      store<f32>(d0 + 4 * ow, depthwise3x3At(r0 + 4 * ow, rowBytes, w, add ? load<f32>(d0 + 4 * ow) : b, flip));
  }
}

/**
 * One plane of a 3x3, stride-2, dilation-1 depthwise conv (MobileNet's downsampling), like
 * depthwise3x3: the nine weights in registers, two output rows a pass (sharing their common input
 * row's cache lines), and each input row's three taps for four outputs from three loads and three
 * shuffles (tapRow), in ref's (kh, kw) order.
 * 32 channels of 112x112, batch 1, 1 thread, CPU time of the whole op on a loaded host: 1180 us
 * (scalar) -> 375 us (the general path's evenLanes per tap, 18 loads per 4 outputs) -> 240 us.
 */
function depthwise3x3Stride2(o: usize, padded: usize, w: usize, b: f32, OH: i32, OW: i32, PW: i32): void {
  const w0 = f32x4.splat(load<f32>(w));
  const w1 = f32x4.splat(load<f32>(w, 4));
  const w2 = f32x4.splat(load<f32>(w, 8));
  const w3 = f32x4.splat(load<f32>(w, 12));
  const w4 = f32x4.splat(load<f32>(w, 16));
  const w5 = f32x4.splat(load<f32>(w, 20));
  const w6 = f32x4.splat(load<f32>(w, 24));
  const w7 = f32x4.splat(load<f32>(w, 28));
  const w8 = f32x4.splat(load<f32>(w, 32));
  const vb = f32x4.splat(b);
  const rowBytes = 4 * PW;
  let oh = 0;
  for (; oh + 2 <= OH; oh += 2) {
    const r0 = padded + 2 * oh * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const r3 = r2 + rowBytes;
    const r4 = r3 + rowBytes;
    const d0 = o + 4 * oh * OW;
    const d1 = d0 + 4 * OW;
    let ow = 0;
    for (; ow + 4 <= OW; ow += 4) {
      const x = 8 * ow;
      let a0 = tapRow(r0 + x, w0, w1, w2, vb);
      a0 = tapRow(r1 + x, w3, w4, w5, a0);
      a0 = tapRow(r2 + x, w6, w7, w8, a0);
      let a1 = tapRow(r2 + x, w0, w1, w2, vb);
      a1 = tapRow(r3 + x, w3, w4, w5, a1);
      a1 = tapRow(r4 + x, w6, w7, w8, a1);
      v128.store(d0 + 4 * ow, a0);
      v128.store(d1 + 4 * ow, a1);
    }
    for (; ow < OW; ow++) {
      store<f32>(d0 + 4 * ow, depthwise3x3At(r0 + 8 * ow, rowBytes, w, b, false));
      store<f32>(d1 + 4 * ow, depthwise3x3At(r2 + 8 * ow, rowBytes, w, b, false));
    }
  }
  if (oh < OH) {
    const r0 = padded + 2 * oh * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const d0 = o + 4 * oh * OW;
    let ow = 0;
    for (; ow + 4 <= OW; ow += 4) {
      const x = 8 * ow;
      let a0 = tapRow(r0 + x, w0, w1, w2, vb);
      a0 = tapRow(r1 + x, w3, w4, w5, a0);
      a0 = tapRow(r2 + x, w6, w7, w8, a0);
      v128.store(d0 + 4 * ow, a0);
    }
    for (; ow < OW; ow++) store<f32>(d0 + 4 * ow, depthwise3x3At(r0 + 8 * ow, rowBytes, w, b, false));
  }
}

/**
 * acc + the three taps of one input row for four stride-2 outputs starting at `p`, in order: the
 * floats p[0, 2, 4, 6] times wa, p[1, 3, 5, 7] times wb, p[2, 4, 6, 8] times wc (three loads).
 */
// @ts-ignore: decorator
@inline
function tapRow(p: usize, wa: v128, wb: v128, wc: v128, acc: v128): v128 {
  const lo = v128.load(p);
  const hi = v128.load(p, 16);
  const even = evenLanes(lo, hi);
  acc = madd(even, wa, acc);
  acc = madd(oddLanes(lo, hi), wb, acc);
  // even's lanes 1-3, then p[8]
  return madd(i8x16.shuffle(even, v128.load(p, 32), 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), wc, acc);
}

/** One output of depthwise3x3 whose top-left tap is at `p`, starting from `acc`, in ref's order. */
// @ts-ignore: decorator
@inline
function depthwise3x3At(p: usize, rowBytes: usize, w: usize, acc: f32, flip: bool): f32 {
  for (let kh = 0; kh < 3; kh++)
    for (let kw = 0; kw < 3; kw++) acc += load<f32>(p + kh * rowBytes + 4 * kw) * tap3x3(w, kh * 3 + kw, flip);
  return acc;
}

/** Tap i of a 3x3 kernel, or of the kernel flipped in both directions. */
// @ts-ignore: decorator
@inline
function tap3x3(w: usize, i: i32, flip: bool): f32 {
  return load<f32>(w + 4 * (flip ? 8 - i : i));
}
