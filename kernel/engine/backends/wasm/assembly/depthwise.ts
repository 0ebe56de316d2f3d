// Depthwise conv2d forward (groups = C = OC) as a direct kernel: an im2col GEMM would multiply
// 1-row matrices. 3x3 reads wide planes in place and runs small planes four to an f32x4; other
// shapes work on zero-padded rows.

import { C_, DH_, DW_, H_, KH_, KW_, OH_, OW_, PL_, PT_, SH_, SW_, W_, zeroFloats } from "./conv-geometry";
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
 * Depthwise conv2d (groups = C = OC), items [q0, q1) of N * C planes x ceil(OH / bandRows) bands of
 * output rows (bandRows >= OH: one item a plane; threads split planes, or rows when planes are
 * fewer than shares). Every output is bias + sum over (kh, kw) of weight * input, in ref's order.
 * 3x3 with stride 1 or 2 reads wide planes where they are (depthwise3x3Direct) and runs planes
 * under 8 columns four to an f32x4 (depthwise3x3Lanes: planes 4k..4k + 3 when [q0, q1) holds all
 * four); the rest copy the band's input rows into zero-padded rows in `scratch` first
 * (depthwiseScratchBytes).
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
  scratch: usize,
  bandRows: i32,
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
  const PW = depthwisePaddedWidth(geo);
  const bands = (OH + bandRows - 1) / bandRows;
  const direct = directFits(geo);
  const lanes = bands == 1 && lanesFit(geo);
  for (let q = q0; q < q1; q++) {
    if (lanes && q % 4 == 0 && q + 4 <= q1) {
      depthwise3x3Lanes(q, geo, out, inp, weight, bias, scratch);
      q += 3;
      continue;
    }
    const p = q / bands; // plane of N * C
    const oh0 = (q % bands) * bandRows;
    const oh1 = min(OH, oh0 + bandRows);
    const c = p % C;
    const plane = inp + 4 * p * H * W;
    const w = weight + 4 * c * KH * KW;
    const b: f32 = bias != 0 ? load<f32>(bias + 4 * c) : 0;
    const o = out + 4 * p * OH * OW;
    if (direct) {
      depthwise3x3Direct(o, plane, w, b, geo, oh0, oh1, scratch, false, false);
      continue;
    }
    // Rows [oh0 * sH, ...) of the zero-padded plane: padded[y][x] = inp[oh0 * sH + y - pT][x - pL].
    const padded = scratch;
    padRows(padded, plane, geo, oh0 * sH, (oh1 - oh0 - 1) * sH + (KH - 1) * dH + 1, PW);
    const ob = o + 4 * oh0 * OW;
    if (KH == 3 && KW == 3 && sH == 1 && sW == 1 && dH == 1 && dW == 1) {
      depthwise3x3(ob, padded, w, b, oh1 - oh0, OW, PW, false, false);
      continue;
    }
    if (KH == 3 && KW == 3 && sH == 2 && sW == 2 && dH == 1 && dW == 1) {
      depthwise3x3Stride2(ob, padded, w, b, oh1 - oh0, OW, PW);
      continue;
    }
    for (let oh = 0; oh < oh1 - oh0; oh++) {
      const dst = ob + 4 * oh * OW;
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
        // 8 from 2 * ow + kw (the padded rows' slack covers the last load).
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

/**
 * Bytes of `scratch` one share of depthwiseForward needs for bands of `bandRows` output rows: the
 * band's zero-padded input rows, or depthwise3x3Direct's four rows.
 */
export function depthwiseScratchBytes(geo: usize, bandRows: i32): i32 {
  const rows = (min(bandRows, load<i32>(geo, OH_)) - 1) * load<i32>(geo, SH_) + (load<i32>(geo, KH_) - 1) * load<i32>(geo, DH_) + 1;
  const grid = lanesFit(geo) ? 16 * laneGridRows(geo) * laneGridCols(geo) : 0; // depthwise3x3Lanes
  return max(grid, 4 * max(rows, 4) * depthwisePaddedWidth(geo));
}

/**
 * Whether depthwiseForward runs groups of four planes with depthwise3x3Lanes: 3x3, stride 1 or 2,
 * dilation 1, on planes under 8 columns (MobileNet's 2x2 and 4x4 planes, where the per-plane
 * padded path computed a few scalar outputs per padded copy: 960 channels of 2x2, batch 32, ran
 * at 1.1 GFLOP/s, now 4.6).
 */
// @ts-ignore: decorator
@inline
function lanesFit(geo: usize): bool {
  const s = load<i32>(geo, SW_);
  return (
    load<i32>(geo, KH_) == 3 &&
    load<i32>(geo, KW_) == 3 &&
    load<i32>(geo, DH_) == 1 &&
    load<i32>(geo, DW_) == 1 &&
    (s == 1 || s == 2) &&
    load<i32>(geo, SH_) == s &&
    load<i32>(geo, PT_) >= 0 &&
    load<i32>(geo, PL_) >= 0 &&
    load<i32>(geo, W_) < 8
  );
}

/** Rows of depthwise3x3Lanes's zero-padded grid: the padded rows some output's taps reach. */
// @ts-ignore: decorator
@inline
function laneGridRows(geo: usize): i32 {
  return (load<i32>(geo, OH_) - 1) * load<i32>(geo, SH_) + 3;
}

/** Columns of depthwise3x3Lanes's zero-padded grid. */
// @ts-ignore: decorator
@inline
function laneGridCols(geo: usize): i32 {
  return (load<i32>(geo, OW_) - 1) * load<i32>(geo, SW_) + 3;
}

/**
 * Planes q .. q + 3 of N * C (q a multiple of 4, so every split computes the same sums) of a 3x3
 * depthwise conv on small planes, one plane per f32x4 lane: the four planes interleaved into a
 * zero-padded grid of f32x4 in `scratch`, each lane's nine weights and bias those of its plane's
 * channel, every output of the four planes nine multiply-adds in ref's (kh, kw) order.
 */
function depthwise3x3Lanes(q: i32, geo: usize, out: usize, inp: usize, weight: usize, bias: usize, scratch: usize): void {
  const C = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const s = load<i32>(geo, SH_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const GH = laneGridRows(geo);
  const GW = laneGridCols(geo);
  const plane = H * W;
  const z = f32x4.splat(0);
  for (let i = 0; i < GH * GW; i++) v128.store(scratch + 16 * i, z);
  const src = inp + 4 * q * plane;
  for (let y = 0; y < H && y + pT < GH; y++)
    for (let x = 0; x < W && x + pL < GW; x++) {
      const p = src + 4 * (y * W + x);
      let v = f32x4.splat(load<f32>(p));
      v = f32x4.replace_lane(v, 1, load<f32>(p + 4 * plane));
      v = f32x4.replace_lane(v, 2, load<f32>(p + 8 * plane));
      v = f32x4.replace_lane(v, 3, load<f32>(p + 12 * plane));
      v128.store(scratch + 16 * ((y + pT) * GW + x + pL), v);
    }
  const c0 = q % C;
  const c1 = (q + 1) % C;
  const c2 = (q + 2) % C;
  const c3 = (q + 3) % C;
  const w0 = laneTap(weight, c0, c1, c2, c3, 0);
  const w1 = laneTap(weight, c0, c1, c2, c3, 1);
  const w2 = laneTap(weight, c0, c1, c2, c3, 2);
  const w3 = laneTap(weight, c0, c1, c2, c3, 3);
  const w4 = laneTap(weight, c0, c1, c2, c3, 4);
  const w5 = laneTap(weight, c0, c1, c2, c3, 5);
  const w6 = laneTap(weight, c0, c1, c2, c3, 6);
  const w7 = laneTap(weight, c0, c1, c2, c3, 7);
  const w8 = laneTap(weight, c0, c1, c2, c3, 8);
  let vb = z;
  if (bias != 0) {
    vb = f32x4.splat(load<f32>(bias + 4 * c0));
    vb = f32x4.replace_lane(vb, 1, load<f32>(bias + 4 * c1));
    vb = f32x4.replace_lane(vb, 2, load<f32>(bias + 4 * c2));
    vb = f32x4.replace_lane(vb, 3, load<f32>(bias + 4 * c3));
  }
  const rowBytes = 16 * GW;
  const o = out + 4 * q * OH * OW;
  const oPlane = 4 * OH * OW;
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++) {
      const g = scratch + oh * s * rowBytes + 16 * ow * s;
      let a = madd(v128.load(g), w0, vb);
      a = madd(v128.load(g, 16), w1, a);
      a = madd(v128.load(g, 32), w2, a);
      a = madd(v128.load(g + rowBytes), w3, a);
      a = madd(v128.load(g + rowBytes, 16), w4, a);
      a = madd(v128.load(g + rowBytes, 32), w5, a);
      a = madd(v128.load(g + 2 * rowBytes), w6, a);
      a = madd(v128.load(g + 2 * rowBytes, 16), w7, a);
      a = madd(v128.load(g + 2 * rowBytes, 32), w8, a);
      const d = o + 4 * (oh * OW + ow);
      store<f32>(d, f32x4.extract_lane(a, 0));
      store<f32>(d + oPlane, f32x4.extract_lane(a, 1));
      store<f32>(d + 2 * oPlane, f32x4.extract_lane(a, 2));
      store<f32>(d + 3 * oPlane, f32x4.extract_lane(a, 3));
    }
}

/** Tap k of the 3x3 kernels of channels c0..c3, one per lane. */
// @ts-ignore: decorator
@inline
function laneTap(weight: usize, c0: i32, c1: i32, c2: i32, c3: i32, k: i32): v128 {
  let v = f32x4.splat(load<f32>(weight + 4 * (9 * c0 + k)));
  v = f32x4.replace_lane(v, 1, load<f32>(weight + 4 * (9 * c1 + k)));
  v = f32x4.replace_lane(v, 2, load<f32>(weight + 4 * (9 * c2 + k)));
  return f32x4.replace_lane(v, 3, load<f32>(weight + 4 * (9 * c3 + k)));
}

/**
 * Whether depthwiseForward runs this shape with depthwise3x3Direct (so splitting a plane's rows
 * copies nothing twice): 3x3, stride 1 or 2, dilation 1, rows of at least 16 inputs for stride 1
 * (8 for stride 2; narrower rows are mostly edge blocks: 8x8 planes ran at 9.6 GFLOP/s here, 11.2
 * through padded rows) and 4 outputs, padding 0-3 on the left and top, and no column read further
 * right than the next input row.
 */
export function depthwiseDirectFits(geo: usize): bool {
  return directFits(geo);
}

// @ts-ignore: decorator
@inline
function directFits(geo: usize): bool {
  const W = load<i32>(geo, W_);
  const OW = load<i32>(geo, OW_);
  const s = load<i32>(geo, SW_);
  const pL = load<i32>(geo, PL_);
  const pT = load<i32>(geo, PT_);
  const shape =
    load<i32>(geo, KH_) == 3 && load<i32>(geo, KW_) == 3 && load<i32>(geo, DH_) == 1 && load<i32>(geo, DW_) == 1;
  // The last f32x4 block's furthest padded column read: ow + 2 + 3 (stride 1), 2 * ow + 11 (stride 2).
  const furthest = s == 1 ? OW + 1 : 2 * OW + 3;
  return (
    shape &&
    (s == 1 || s == 2) &&
    load<i32>(geo, SH_) == s &&
    W >= (s == 1 ? 16 : 8) &&
    OW >= 4 &&
    pL >= 0 &&
    pL <= 3 &&
    pT >= 0 &&
    furthest - pL < 2 * W
  );
}

/**
 * Output rows [oh0, oh1) of one plane of a 3x3, dilation-1 depthwise conv with stride 1 or 2,
 * reading the input plane where it is: no padded copy of the plane. Input rows 1..H-2 are read in
 * place; rows 0 and H-1 (whose f32x4 loads would reach outside the plane at its ends) are copied
 * into zero-padded rows of `scratch`, and rows outside the input are a zero row there. Blocks of 4
 * outputs whose taps all lie inside the input row load them directly; the few at the row ends load
 * the same addresses (the neighbouring row's floats) and zero the lanes outside the input
 * (colMask). Two output rows per pass (an odd last row's partner is a scratch row); the last block
 * of a row overlaps the one before when OW is not a multiple of 4 (with `add`, it writes only
 * its new lanes). Stride 1 may also `flip` the kernel and `add` into `o` (b unused): the input
 * gradient's gather, depthwise-backward.ts.
 * @internal a helper of depthwise-backward.ts too, not a wasm export
 */
export function depthwise3x3Direct(
  o: usize,
  plane: usize,
  w: usize,
  b: f32,
  geo: usize,
  oh0: i32,
  oh1: i32,
  scratch: usize,
  flip: bool,
  add: bool,
): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const OW = load<i32>(geo, OW_);
  const s = load<i32>(geo, SH_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const PW = depthwisePaddedWidth(geo);
  const rowBytes = 4 * PW;
  // scratch: a zero row, padded input rows 0 and H - 1, a row for an odd pass's second output row
  const zero = scratch;
  const first = zero + rowBytes;
  const last = first + rowBytes;
  const spare = last + rowBytes;
  zeroFloats(zero, PW);
  // Input rows this band reads: [oh0 * s - pT, (oh1 - 1) * s - pT + 2].
  const y0 = oh0 * s - pT;
  const y1 = (oh1 - 1) * s - pT + 2;
  if (y0 <= 0 && y1 >= 0) padRows(first, plane, geo, pT, 1, PW);
  if (y0 <= H - 1 && y1 >= H - 1) padRows(last, plane, geo, H - 1 + pT, 1, PW);
  // A row's base address: padded column x (input column x - pL) is at base + 4 * x.
  const inside = plane - 4 * pL;
  const rows = s == 1 ? 4 : 5;
  for (let oh = oh0; oh < oh1; oh += 2) {
    const iy = oh * s - pT;
    const r0 = rowBase(iy, H, W, inside, zero, first, last);
    const r1 = rowBase(iy + 1, H, W, inside, zero, first, last);
    const r2 = rowBase(iy + 2, H, W, inside, zero, first, last);
    const two = oh + 1 < oh1;
    const r3 = two ? rowBase(iy + 3, H, W, inside, zero, first, last) : zero;
    const r4 = two && rows == 5 ? rowBase(iy + 4, H, W, inside, zero, first, last) : zero;
    const d0 = o + 4 * oh * OW;
    const d1 = two ? d0 + 4 * OW : spare;
    if (s == 1) rows3x3(d0, d1, r0, r1, r2, r3, w, b, W, OW, pL, flip, add);
    else rows3x3Stride2(d0, d1, r0, r1, r2, r3, r4, w, b, W, OW, pL);
  }
}

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

/** Base address of input row iy (see depthwise3x3Direct): in place, a padded copy, or the zero row. */
// @ts-ignore: decorator
@inline
function rowBase(iy: i32, H: i32, W: i32, inside: usize, zero: usize, first: usize, last: usize): usize {
  if (iy < 0 || iy >= H) return zero;
  if (iy == 0) return first;
  if (iy == H - 1) return last;
  return inside + 4 * iy * W;
}

/** All ones in the lanes whose padded columns x .. x + 3 lie inside the input [pL, pL + W), else 0. */
// @ts-ignore: decorator
@inline
function colMask(x: i32, pL: i32, W: i32): v128 {
  const cols = i32x4.add(i32x4.splat(x - pL), i32x4(0, 1, 2, 3));
  return v128.and(i32x4.ge_s(cols, i32x4.splat(0)), i32x4.lt_s(cols, i32x4.splat(W)));
}

/**
 * Two output rows d0, d1 of a 3x3 stride-1 depthwise conv from input rows r0..r3 (bases as in
 * depthwise3x3Direct): the nine weights in registers, the rows' two common input rows loaded once
 * (12 loads per 8 outputs), each output's taps in (kh, kw) order (of the flipped kernel with
 * `flip`), starting from b or, with `add`, from the outputs' values.
 */
function rows3x3(
  d0: usize, d1: usize, r0: usize, r1: usize, r2: usize, r3: usize,
  w: usize, b: f32, W: i32, OW: i32, pL: i32, flip: bool, add: bool,
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
  const ones = i32x4.splat(-1);
  // Blocks at ow in [pL, W + pL - 5] read only the input row: ow + kw + 3 < pL + W for kw <= 2.
  const inEnd = min(OW - 4, W + pL - 6);
  let ow = 0;
  for (; ow < pL; ow += 4) {
    const x = min(ow, OW - 4);
    block3x3(d0, d1, r0, r1, r2, r3, 4 * x, w0, w1, w2, w3, w4, w5, w6, w7, w8, vb, colMask(x, pL, W), colMask(x + 1, pL, W), colMask(x + 2, pL, W), true, add, ones);
  }
  for (; ow <= inEnd; ow += 4)
    block3x3(d0, d1, r0, r1, r2, r3, 4 * ow, w0, w1, w2, w3, w4, w5, w6, w7, w8, vb, ones, ones, ones, false, add, ones);
  for (; ow < OW; ow += 4) {
    const x = min(ow, OW - 4);
    // Lanes before ow were written by the block before (they only matter with `add`).
    const fresh = i32x4.ge_s(i32x4.add(i32x4.splat(x), i32x4(0, 1, 2, 3)), i32x4.splat(ow));
    block3x3(d0, d1, r0, r1, r2, r3, 4 * x, w0, w1, w2, w3, w4, w5, w6, w7, w8, vb, colMask(x, pL, W), colMask(x + 1, pL, W), colMask(x + 2, pL, W), true, add, fresh);
  }
}

/**
 * Outputs ow .. ow + 3 (x = 4 * ow bytes) of rows3x3's two rows; `masked` zeroes the lanes of tap
 * kw outside m<kw>. With `add` the sums start from the outputs and, when `masked`, only the lanes
 * in `fresh` are written. NOTE: the `if (<i32>x < 0) return` lines never return: they split the block
 * into basic blocks, which keeps V8's TurboFan from scheduling all twelve loads first and spilling
 * the weights and loaded vectors (32 channels of 112x112: 0.235 -> 0.216 ms a call).
 */
// @ts-ignore: decorator
@inline
function block3x3(
  d0: usize, d1: usize, r0: usize, r1: usize, r2: usize, r3: usize, x: usize,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128, vb: v128,
  m0: v128, m1: v128, m2: v128, masked: bool, add: bool, fresh: v128,
): void {
  let a0 = madd(tap(r0 + x, 0, m0, masked), w0, add ? v128.load(d0 + x) : vb);
  a0 = madd(tap(r0 + x, 4, m1, masked), w1, a0);
  if (<i32>x < 0) return;
  a0 = madd(tap(r0 + x, 8, m2, masked), w2, a0);
  if (<i32>x < 0) return;
  let v = tap(r1 + x, 0, m0, masked);
  a0 = madd(v, w3, a0);
  let a1 = madd(v, w0, add ? v128.load(d1 + x) : vb);
  v = tap(r1 + x, 4, m1, masked);
  a0 = madd(v, w4, a0);
  a1 = madd(v, w1, a1);
  if (<i32>x < 0) return;
  v = tap(r1 + x, 8, m2, masked);
  a0 = madd(v, w5, a0);
  a1 = madd(v, w2, a1);
  if (<i32>x < 0) return;
  v = tap(r2 + x, 0, m0, masked);
  a0 = madd(v, w6, a0);
  a1 = madd(v, w3, a1);
  if (<i32>x < 0) return;
  v = tap(r2 + x, 4, m1, masked);
  a0 = madd(v, w7, a0);
  a1 = madd(v, w4, a1);
  if (<i32>x < 0) return;
  v = tap(r2 + x, 8, m2, masked);
  a0 = madd(v, w8, a0);
  a1 = madd(v, w5, a1);
  if (<i32>x < 0) return;
  a1 = madd(tap(r3 + x, 0, m0, masked), w6, a1);
  a1 = madd(tap(r3 + x, 4, m1, masked), w7, a1);
  a1 = madd(tap(r3 + x, 8, m2, masked), w8, a1);
  if (add && masked) {
    a0 = v128.bitselect(a0, v128.load(d0 + x), fresh);
    a1 = v128.bitselect(a1, v128.load(d1 + x), fresh);
  }
  v128.store(d0 + x, a0);
  v128.store(d1 + x, a1);
}

/** The f32x4 at p + offset, its lanes outside m zeroed when `masked`. */
// @ts-ignore: decorator
@inline
function tap(p: usize, offset: usize, m: v128, masked: bool): v128 {
  const v = v128.load(p + offset);
  return masked ? v128.and(v, m) : v;
}

/**
 * Two output rows d0, d1 of a 3x3 stride-2 depthwise conv from input rows r0..r4 (bases as in
 * depthwise3x3Direct; d1 reads r2..r4): the nine weights in registers, each input row's three
 * taps for four outputs from three loads and three shuffles (tapRow), in ref's (kh, kw) order.
 */
function rows3x3Stride2(
  d0: usize, d1: usize, r0: usize, r1: usize, r2: usize, r3: usize, r4: usize,
  w: usize, b: f32, W: i32, OW: i32, pL: i32,
): void {
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
  const ones = i32x4.splat(-1);
  // Blocks whose taps (padded columns 2 * ow .. 2 * ow + 8) lie inside the input row.
  const inEnd = min(OW - 4, (W + pL - 9) >> 1);
  let ow = 0;
  for (; 2 * ow < pL; ow += 4) {
    const x = min(ow, OW - 4);
    blockStride2(d0, d1, r0, r1, r2, r3, r4, x, w0, w1, w2, w3, w4, w5, w6, w7, w8, vb, colMask(2 * x, pL, W), colMask(2 * x + 4, pL, W), colMask(2 * x + 8, pL, W), true);
  }
  for (; ow <= inEnd; ow += 4)
    blockStride2(d0, d1, r0, r1, r2, r3, r4, ow, w0, w1, w2, w3, w4, w5, w6, w7, w8, vb, ones, ones, ones, false);
  for (; ow < OW; ow += 4) {
    const x = min(ow, OW - 4);
    blockStride2(d0, d1, r0, r1, r2, r3, r4, x, w0, w1, w2, w3, w4, w5, w6, w7, w8, vb, colMask(2 * x, pL, W), colMask(2 * x + 4, pL, W), colMask(2 * x + 8, pL, W), true);
  }
}

/**
 * Outputs ow .. ow + 3 of rows3x3Stride2's two rows; `masked` zeroes the lanes outside mLo, mHi,
 * m8. The `if (ow < 0) return` lines never return: they split the block for V8's scheduler, as in
 * block3x3 (96 channels of 112x112: 0.29 -> 0.26 ms a call).
 */
// @ts-ignore: decorator
@inline
function blockStride2(
  d0: usize, d1: usize, r0: usize, r1: usize, r2: usize, r3: usize, r4: usize, ow: i32,
  w0: v128, w1: v128, w2: v128, w3: v128, w4: v128, w5: v128, w6: v128, w7: v128, w8: v128, vb: v128,
  mLo: v128, mHi: v128, m8: v128, masked: bool,
): void {
  const x = 8 * ow;
  let a0 = tapRowMasked(r0 + x, w0, w1, w2, vb, mLo, mHi, m8, masked);
  if (ow < 0) return;
  a0 = tapRowMasked(r1 + x, w3, w4, w5, a0, mLo, mHi, m8, masked);
  if (ow < 0) return;
  // Row r2 feeds both output rows: its three tap vectors once.
  const lo = tap(r2 + x, 0, mLo, masked);
  const hi = tap(r2 + x, 16, mHi, masked);
  const even = evenLanes(lo, hi);
  const odd = oddLanes(lo, hi);
  const next = i8x16.shuffle(even, tap(r2 + x, 32, m8, masked), 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19);
  a0 = madd(even, w6, a0);
  let a1 = madd(even, w0, vb);
  a0 = madd(odd, w7, a0);
  a1 = madd(odd, w1, a1);
  a0 = madd(next, w8, a0);
  a1 = madd(next, w2, a1);
  if (ow < 0) return;
  a1 = tapRowMasked(r3 + x, w3, w4, w5, a1, mLo, mHi, m8, masked);
  if (ow < 0) return;
  a1 = tapRowMasked(r4 + x, w6, w7, w8, a1, mLo, mHi, m8, masked);
  v128.store(d0 + 4 * ow, a0);
  v128.store(d1 + 4 * ow, a1);
}

/** tapRow with the lanes of its three loads outside mLo, mHi, m8 zeroed when `masked`. */
// @ts-ignore: decorator
@inline
function tapRowMasked(p: usize, wa: v128, wb: v128, wc: v128, acc: v128, mLo: v128, mHi: v128, m8: v128, masked: bool): v128 {
  const lo = tap(p, 0, mLo, masked);
  const hi = tap(p, 16, mHi, masked);
  const even = evenLanes(lo, hi);
  acc = madd(even, wa, acc);
  acc = madd(oddLanes(lo, hi), wb, acc);
  // even's lanes 1-3, then p[8]
  return madd(i8x16.shuffle(even, tap(p, 32, m8, masked), 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), wc, acc);
}

/**
 * One plane of a 3x3, stride-1, dilation-1 depthwise conv (`o` (OH, OW) = bias + the taps over the
 * padded plane of pitch PW, each output's taps in (kh, kw) order, ref's): the nine weights stay in
 * registers and two output rows share the loads of their two common input rows (12 loads per 8
 * outputs instead of 18 loads and 18 weight broadcasts). `flip` takes the weights in reverse order
 * (the input gradient's flipped kernel), `add` adds into `o` instead of starting from the bias.
 * The forward's path for rows of 8-15 inputs (the input gradient's for all sizes); wider rows go
 * to depthwise3x3Direct. 32 channels of 112x112, batch 1, 1 thread, best of 100 calls: 6.9 -> 17
 * GFLOP/s, 19 with strips of padded rows in L1 (33 in place). NOTE: tried and slower or no faster: three rows per pass (15 loads per 12 outputs; 19.2 vs 19.4
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
 * Now only for what depthwise3x3Direct and depthwise3x3Lanes leave: the last planes under 8
 * columns that do not fill a group of four, padding over 3.
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
