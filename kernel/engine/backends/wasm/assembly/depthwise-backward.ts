// Depthwise conv2d (groups = C = OC) gradients as direct kernels, the counterpart of depthwise.ts's
// depthwiseForward: im2col + GEMM would multiply 1-row matrices. Both work on one zero-padded
// plane at a time (PH x PW floats, depthwise.ts's depthwisePaddedHeight/Width), so every tap is a plain
// (4-wide when the stride is 1 or 2) row operation with no bounds checks.
//   input gradient: scatter weight * dout into the padded plane, then add its interior to dinp;
//   for 3x3 stride 1 (padding 0-2) instead a gather: a 3x3 conv of dout, zero-padded, with the
//   flipped kernel, adding into dinp (on rows of 16+ the forward's depthwise3x3Direct, reading
//   dout in place; else depthwise3x3 over a padded copy); for 3x3 stride 2 padding 1 a gather by
//   the parity of the input row and column (gatherStride2);
//   weight gradient: copy the input into the padded plane, then dot each tap's shifted rows
//   with dout, over images in order (3x3: the taps of several kernel rows in one pass over dout).
// Geometry block: conv-geometry.ts's 15 i32 (C, H, W, OC, KH, KW, OH, OW, sH, sW, pT, pL, dH, dW, G).

import { C_, DH_, DW_, G_, H_, KH_, KW_, OC_, OH_, OW_, PL_, PT_, padPlane, SH_, SW_, W_, zeroFloats } from "./conv-geometry";
import {
  depthwise3x3,
  depthwise3x3Direct,
  depthwiseDirectFits,
  depthwisePaddedHeight,
  depthwisePaddedWidth,
} from "./depthwise";
import { evenLanes, madd, oddLanes, spreadHigh, spreadLow } from "./simd";

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
  if (gatherInputGradient(geo)) {
    // dinp += the 3x3 conv of dout, zero-padded by (2 - pT, 2 - pL), with the flipped kernel.
    const qT = 2 - pT;
    const qL = 2 - pL;
    // Wide rows: the forward's direct kernel reads dout in place, with no padded copy of each plane
    // (32 channels of 112x112, 1 thread: 0.29 -> 0.21 ms a call).
    const gather = padded; // the gather's geometry: dout (OH, OW) padded by (qT, qL) into (H, W)
    putGatherGeometry(gather, C, H, W, OH, OW, qT, qL);
    if (depthwiseDirectFits(gather)) {
      for (let q = q0; q < q1; q++)
        depthwise3x3Direct(dinp + 4 * q * H * W, dout + 4 * q * OH * OW, weight + 36 * (q % C), 0, gather, 0, H, gather + 4 * GEO_FLOATS, true, true);
      return;
    }
    const GW = W + 2; // the padded dout's pitch (H + 2 rows)
    for (let q = q0; q < q1; q++) {
      const d = dout + 4 * q * OH * OW;
      zeroFloats(padded, (H + 2) * GW);
      for (let oh = 0; oh < OH; oh++) memory.copy(padded + 4 * ((oh + qT) * GW + qL), d + 4 * oh * OW, 4 * OW);
      depthwise3x3(dinp + 4 * q * H * W, padded, weight + 36 * (q % C), 0, H, W, GW, true, true);
    }
    return;
  }
  // The gather reads dout rows up to H / 2 and columns up to W / 2 + 3 (the rows copy's zeros stand
  // for the ones past OH, OW): not for outputs cropped below that (negative bottom/right padding).
  if (KH == 3 && KW == 3 && sH == 2 && sW == 2 && dH == 1 && dW == 1 && pT == 1 && pL == 1 && H >> 1 <= OH && W >> 1 <= OW) {
    for (let q = q0; q < q1; q++)
      gatherStride2(dinp + 4 * q * H * W, dout + 4 * q * OH * OW, weight + 36 * (q % C), H, W, OH, OW, padded);
    return;
  }
  for (let q = q0; q < q1; q++) {
    const w = weight + 4 * (q % C) * KH * KW;
    const d = dout + 4 * q * OH * OW;
    zeroFloats(padded, PH * PW);
    for (let oh = 0; oh < OH; oh++) {
      const drow = d + 4 * oh * OW;
      if (KW == 3 && sW == 2 && dW == 1) {
        for (let kh = 0; kh < KH; kh++) scatterRow3Stride2(padded + 4 * (oh * sH + kh * dH) * PW, drow, w + 12 * kh, OW);
        continue;
      }
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++) {
          const wv: f32 = load<f32>(w + 4 * (kh * KW + kw));
          const dst = padded + 4 * ((oh * sH + kh * dH) * PW + kw * dW);
          let ow = 0;
          if (sW == 1) {
            const ws = f32x4.splat(wv);
            for (; ow + 4 <= OW; ow += 4)
              v128.store(dst + 4 * ow, madd(v128.load(drow + 4 * ow), ws, v128.load(dst + 4 * ow)));
          } else if (sW == 2 && dW == 1) {
            // Every other float: the four products spread over two vectors (odd lanes add 0), as ref.
            const ws = f32x4.splat(wv);
            for (; ow + 4 <= OW; ow += 4) {
              const prod = f32x4.mul(v128.load(drow + 4 * ow), ws);
              const p = dst + 8 * ow;
              v128.store(p, f32x4.add(v128.load(p), spreadLow(prod)));
              v128.store(p, f32x4.add(v128.load(p, 16), spreadHigh(prod)), 16);
            }
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
 * plane (H, W) += the input gradient of a 3x3, stride-2, padding-1 depthwise conv of one plane,
 * gathered: input row 2m takes dout row m through kernel row 1; row 2m + 1 takes dout row m + 1
 * through kernel row 0 and row m through kernel row 2 (gatherRow). Each input float is read and
 * written once; the scatter added every kernel row into a padded plane, then the plane into dinp
 * (96 channels of 112x112, 1 thread: 0.53 -> 0.21 ms a call). `rows` holds dout copied into
 * OH + 1 rows of OW + 4 floats, zero after each row's end and in the last row, so that d[j + 1]
 * and row m + 1 need no bounds checks.
 */
function gatherStride2(plane: usize, d: usize, w: usize, H: i32, W: i32, OH: i32, OW: i32, rows: usize): void {
  const RW = OW + 4; // rows' pitch
  for (let oh = 0; oh < OH; oh++) {
    memory.copy(rows + 4 * oh * RW, d + 4 * oh * OW, 4 * OW);
    zeroFloats(rows + 4 * (oh * RW + OW), 4);
  }
  zeroFloats(rows + 4 * OH * RW, RW);
  for (let iy = 0; iy < H; iy++) {
    const m = iy >> 1;
    const out = plane + 4 * iy * W;
    if ((iy & 1) == 0) gatherRow(out, rows + 4 * m * RW, w + 12, 0, 0, W, false);
    else gatherRow(out, rows + 4 * (m + 1) * RW, w, rows + 4 * m * RW, w + 24, W, true);
  }
}

/**
 * out (W) += one input row of the stride-2 gather from dout row a through kernel row ka (and, with
 * `two`, row b through kb): column 2j takes ka[1] * a[j], column 2j + 1 takes ka[0] * a[j + 1] +
 * ka[2] * a[j]; four douts give eight columns (even and odd sums zipped).
 */
// @ts-ignore: decorator
@inline
function gatherRow(out: usize, a: usize, ka: usize, b: usize, kb: usize, W: i32, two: bool): void {
  const a0 = f32x4.splat(load<f32>(ka));
  const a1 = f32x4.splat(load<f32>(ka, 4));
  const a2 = f32x4.splat(load<f32>(ka, 8));
  const b0 = two ? f32x4.splat(load<f32>(kb)) : a0;
  const b1 = two ? f32x4.splat(load<f32>(kb, 4)) : a1;
  const b2 = two ? f32x4.splat(load<f32>(kb, 8)) : a2;
  let x = 0;
  for (; x + 8 <= W; x += 8) {
    const j = 2 * x; // byte offset of d[x / 2]
    const av = v128.load(a + j);
    let even = f32x4.mul(av, a1);
    let odd = madd(v128.load(a + j, 4), a0, f32x4.mul(av, a2));
    if (two) {
      const bv = v128.load(b + j);
      even = madd(bv, b1, even);
      odd = madd(v128.load(b + j, 4), b0, madd(bv, b2, odd));
    }
    const p = out + 4 * x;
    v128.store(p, f32x4.add(v128.load(p), v128.shuffle<f32>(even, odd, 0, 4, 1, 5)));
    v128.store(p, f32x4.add(v128.load(p, 16), v128.shuffle<f32>(even, odd, 2, 6, 3, 7)), 16);
  }
  for (; x < W; x++) {
    const j = 4 * (x >> 1);
    let v: f32 = 0;
    if ((x & 1) == 0) {
      v = load<f32>(a + j) * load<f32>(ka, 4);
      if (two) v += load<f32>(b + j) * load<f32>(kb, 4);
    } else {
      v = load<f32>(a + j, 4) * load<f32>(ka) + load<f32>(a + j) * load<f32>(ka, 8);
      if (two) v += load<f32>(b + j, 4) * load<f32>(kb) + load<f32>(b + j) * load<f32>(kb, 8);
    }
    store<f32>(out + 4 * x, load<f32>(out + 4 * x) + v);
  }
}

/**
 * dst[2 * ow + kw] += w[kw] * d[ow] for kw = 0..2, ow < OW: one kernel row of the stride-2 input
 * gradient's scatter in one pass (a read-modify-write of each float once instead of three times).
 * Four douts give the 8 floats from 2 * ow: the even ones w0 * d[j] + w2 * d[j - 1], the odd ones
 * w1 * d[j]; the last w2 * d[j] goes to the next four (so each float's sum is in another order than
 * ref's: within float rounding).
 */
function scatterRow3Stride2(dst: usize, d: usize, w: usize, OW: i32): void {
  const w0 = f32x4.splat(load<f32>(w));
  const w1 = f32x4.splat(load<f32>(w, 4));
  const w2 = f32x4.splat(load<f32>(w, 8));
  let prev = f32x4.splat(0); // the previous four douts (none yet)
  let ow = 0;
  for (; ow + 4 <= OW; ow += 4) {
    const cur = v128.load(d + 4 * ow);
    const before = i8x16.shuffle(prev, cur, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27); // d[j - 1]
    const even = madd(before, w2, f32x4.mul(cur, w0));
    const odd = f32x4.mul(cur, w1);
    const p = dst + 8 * ow;
    v128.store(p, f32x4.add(v128.load(p), v128.shuffle<f32>(even, odd, 0, 4, 1, 5)));
    v128.store(p, f32x4.add(v128.load(p, 16), v128.shuffle<f32>(even, odd, 2, 6, 3, 7)), 16);
    prev = cur;
  }
  if (ow > 0) store<f32>(dst + 8 * ow, load<f32>(dst + 8 * ow) + load<f32>(w, 8) * load<f32>(d + 4 * (ow - 1)));
  for (; ow < OW; ow++) {
    const dv = load<f32>(d + 4 * ow);
    const p = dst + 8 * ow;
    for (let kw = 0; kw < 3; kw++) store<f32>(p + 4 * kw, load<f32>(p + 4 * kw) + load<f32>(w + 4 * kw) * dv);
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
  const fast = KH == 3 && KW == 3 && sH == 1 && sW == 1 && dH == 1 && dW == 1;
  const fast2 = KH == 3 && KW == 3 && sH == 2 && sW == 2 && dH == 1 && dW == 1;
  for (let c = c0; c < c1; c++) {
    const dw = dweight + 4 * c * KH * KW;
    for (let n = 0; n < N; n++) {
      const q = n * C + c;
      padPlane(padded, inp + 4 * q * H * W, geo, PH, PW);
      const d = dout + 4 * q * OH * OW;
      if (fast) {
        depthwiseWeight3x3(dw, d, padded, OH, OW, PW);
        continue;
      }
      if (fast2) {
        depthwiseWeight3x3Stride2(dw, d, padded, OH, OW, PW);
        continue;
      }
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
            else if (sW == 2 && dW == 1)
              for (; ow + 4 <= OW; ow += 4) {
                const taps = evenLanes(v128.load(src + 8 * ow), v128.load(src + 8 * ow, 16));
                acc = madd(v128.load(drow + 4 * ow), taps, acc);
              }
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

/**
 * Whether depthwiseBackwardInput gathers (a 3x3 stride-1 conv of the zero-padded dout with the
 * flipped kernel, depthwise.ts's depthwise3x3: weights in registers, no read-modify-write of a
 * scratch plane per tap) instead of scattering: 3x3, stride 1, dilation 1, every padding 0-2. Its
 * scratch plane is (H + 2) x (W + 2) floats (depthwiseInputScratchFloats).
 * @internal
 */
export function gatherInputGradient(geo: usize): bool {
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const pB = load<i32>(geo, OH_) - load<i32>(geo, H_) + 2 - pT;
  const pR = load<i32>(geo, OW_) - load<i32>(geo, W_) + 2 - pL;
  return (
    load<i32>(geo, KH_) == 3 && load<i32>(geo, KW_) == 3 && load<i32>(geo, SH_) == 1 && load<i32>(geo, SW_) == 1 &&
    load<i32>(geo, DH_) == 1 && load<i32>(geo, DW_) == 1 &&
    pT >= 0 && pT <= 2 && pL >= 0 && pL <= 2 && pB >= 0 && pB <= 2 && pR >= 0 && pR <= 2
  );
}

/** Floats of the scratch plane depthwiseBackwardInput needs per thread. */
export function depthwiseInputScratchFloats(geo: usize): i32 {
  const forward = depthwisePaddedHeight(geo) * depthwisePaddedWidth(geo);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  // The gather: a padded dout plane, or a geometry block and depthwise3x3Direct's four rows of W + 6.
  return gatherInputGradient(geo) ? max(forward, max((H + 2) * (W + 2), GEO_FLOATS + 4 * (W + 6))) : forward;
}

/** Floats the gather's geometry block takes at the start of depthwiseBackwardInput's scratch. */
const GEO_FLOATS = 16;

/** The gather's geometry block at g: a 3x3 stride-1 depthwise conv of dout (OH, OW) padded by (qT, qL), giving (H, W). */
function putGatherGeometry(g: usize, C: i32, H: i32, W: i32, OH: i32, OW: i32, qT: i32, qL: i32): void {
  store<i32>(g, C, C_);
  store<i32>(g, OH, H_);
  store<i32>(g, OW, W_);
  store<i32>(g, C, OC_);
  store<i32>(g, 3, KH_);
  store<i32>(g, 3, KW_);
  store<i32>(g, H, OH_);
  store<i32>(g, W, OW_);
  store<i32>(g, 1, SH_);
  store<i32>(g, 1, SW_);
  store<i32>(g, qT, PT_);
  store<i32>(g, qL, PL_);
  store<i32>(g, 1, DH_);
  store<i32>(g, 1, DW_);
  store<i32>(g, C, G_);
}

/**
 * dw (3x3) += the 3x3 stride-1 weight gradient of one plane: dout `d` (OH, OW) against the padded
 * input (pitch PW). Two passes over dout: kernel rows 0-1 (per 4 outputs one dout load, six shifted
 * input loads, six sums), then row 2 (8 outputs a step into two sets of three sums). One pass with
 * nine sums made V8 spill two of them to the stack, and the store-to-load round trip held back
 * every step; the multiply and the add stay separate (mac: six chains of 3-cycle adds keep both
 * add pipes busy, where 4-cycle fused multiply-adds would not). 32 channels of 112x112, 1 thread:
 * 0.43 -> 0.24 ms a call.
 */
function depthwiseWeight3x3(dw: usize, d: usize, padded: usize, OH: i32, OW: i32, PW: i32): void {
  let s0 = f32x4.splat(0);
  let s1 = s0;
  let s2 = s0;
  let s3 = s0;
  let s4 = s0;
  let s5 = s0;
  const rowBytes = 4 * PW;
  const OW4 = OW & ~3;
  for (let oh = 0; oh < OH; oh++) {
    // Pointers stepped along the row: V8 recomputed row addresses from oh at every step.
    let pd = d + 4 * oh * OW;
    const end = pd + 4 * OW4;
    let r0 = padded + oh * rowBytes;
    let r1 = r0 + rowBytes;
    for (; pd < end; pd += 16) {
      const g = v128.load(pd);
      s0 = mac(g, v128.load(r0), s0);
      s1 = mac(g, v128.load(r0, 4), s1);
      s2 = mac(g, v128.load(r0, 8), s2);
      s3 = mac(g, v128.load(r1), s3);
      s4 = mac(g, v128.load(r1, 4), s4);
      s5 = mac(g, v128.load(r1, 8), s5);
      r0 += 16;
      r1 += 16;
    }
  }
  // Kernel row 2: outputs ow..ow + 3 into s6..s8 and ow + 4..ow + 7 into t6..t8 (six chains).
  let s6 = f32x4.splat(0);
  let s7 = s6;
  let s8 = s6;
  let t6 = s6;
  let t7 = s6;
  let t8 = s6;
  const OW8 = OW & ~7;
  for (let oh = 0; oh < OH; oh++) {
    let pd = d + 4 * oh * OW;
    const end = pd + 4 * OW8;
    let r2 = padded + (oh + 2) * rowBytes;
    for (; pd < end; pd += 32) {
      const g = v128.load(pd);
      const h = v128.load(pd, 16);
      s6 = mac(g, v128.load(r2), s6);
      s7 = mac(g, v128.load(r2, 4), s7);
      s8 = mac(g, v128.load(r2, 8), s8);
      t6 = mac(h, v128.load(r2, 16), t6);
      t7 = mac(h, v128.load(r2, 20), t7);
      t8 = mac(h, v128.load(r2, 24), t8);
      r2 += 32;
    }
    if (OW8 < OW4) {
      const g = v128.load(pd);
      s6 = mac(g, v128.load(r2), s6);
      s7 = mac(g, v128.load(r2, 4), s7);
      s8 = mac(g, v128.load(r2, 8), s8);
    }
  }
  s6 = f32x4.add(s6, t6);
  s7 = f32x4.add(s7, t7);
  s8 = f32x4.add(s8, t8);
  addTaps(dw, s0, s1, s2, s3, s4, s5, s6, s7, s8, d, padded, OH, OW, OW4, rowBytes, 1);
}

/**
 * dw (3x3) += the 3x3 stride-2 weight gradient of one plane: per 4 outputs of a row, each kernel
 * row's 8 + 2 input floats give the three taps' lanes (even, odd, even shifted by one). Two passes
 * over dout, kernel rows 0-1 (six sums) then row 2 (three), as depthwiseWeight3x3 and for the same
 * reason: one pass with nine sums spilled them (96 channels of 112x112 at stride 2, 1 thread:
 * 0.47 -> 0.34 ms a call; row 2 in two sets of sums, eight outputs a step, was no faster).
 */
function depthwiseWeight3x3Stride2(dw: usize, d: usize, padded: usize, OH: i32, OW: i32, PW: i32): void {
  let s0 = f32x4.splat(0);
  let s1 = s0;
  let s2 = s0;
  let s3 = s0;
  let s4 = s0;
  let s5 = s0;
  const rowBytes = 4 * PW;
  const OW4 = OW & ~3;
  for (let oh = 0; oh < OH; oh++) {
    let pd = d + 4 * oh * OW;
    const end = pd + 4 * OW4;
    let r0 = padded + 2 * oh * rowBytes;
    let r1 = r0 + rowBytes;
    for (; pd < end; pd += 16) {
      const g = v128.load(pd);
      let a = v128.load(r0);
      let b = v128.load(r0, 16);
      s0 = mac(g, evenLanes(a, b), s0);
      s1 = mac(g, oddLanes(a, b), s1);
      s2 = mac(g, evenLanes(v128.load(r0, 8), v128.load(r0, 24)), s2);
      a = v128.load(r1);
      b = v128.load(r1, 16);
      s3 = mac(g, evenLanes(a, b), s3);
      s4 = mac(g, oddLanes(a, b), s4);
      s5 = mac(g, evenLanes(v128.load(r1, 8), v128.load(r1, 24)), s5);
      r0 += 32;
      r1 += 32;
    }
  }
  let s6 = f32x4.splat(0);
  let s7 = s6;
  let s8 = s6;
  for (let oh = 0; oh < OH; oh++) {
    let pd = d + 4 * oh * OW;
    const end = pd + 4 * OW4;
    let r2 = padded + (2 * oh + 2) * rowBytes;
    for (; pd < end; pd += 16) {
      const g = v128.load(pd);
      const a = v128.load(r2);
      const b = v128.load(r2, 16);
      s6 = mac(g, evenLanes(a, b), s6);
      s7 = mac(g, oddLanes(a, b), s7);
      s8 = mac(g, evenLanes(v128.load(r2, 8), v128.load(r2, 24)), s8);
      r2 += 32;
    }
  }
  addTaps(dw, s0, s1, s2, s3, s4, s5, s6, s7, s8, d, padded, OH, OW, OW4, rowBytes, 2);
}

/** a * b + c rounded twice (a multiply, then an add): the add's latency (3 cycles) is shorter than a fused multiply-add's (4). */
// @ts-ignore: decorator
@inline
function mac(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/** dw[tap] += the lanes of the nine sums and the columns [OW4, OW) of each tap (rows `stride` apart). */
// @ts-ignore: decorator
@inline
function addTaps(
  dw: usize,
  s0: v128,
  s1: v128,
  s2: v128,
  s3: v128,
  s4: v128,
  s5: v128,
  s6: v128,
  s7: v128,
  s8: v128,
  d: usize,
  padded: usize,
  OH: i32,
  OW: i32,
  OW4: i32,
  rowBytes: usize,
  stride: i32,
): void {
  addTap(dw, 0, s0, tailSum(d, padded, OH, OW, OW4, rowBytes, 0, 0, stride));
  addTap(dw, 1, s1, tailSum(d, padded, OH, OW, OW4, rowBytes, 0, 1, stride));
  addTap(dw, 2, s2, tailSum(d, padded, OH, OW, OW4, rowBytes, 0, 2, stride));
  addTap(dw, 3, s3, tailSum(d, padded, OH, OW, OW4, rowBytes, 1, 0, stride));
  addTap(dw, 4, s4, tailSum(d, padded, OH, OW, OW4, rowBytes, 1, 1, stride));
  addTap(dw, 5, s5, tailSum(d, padded, OH, OW, OW4, rowBytes, 1, 2, stride));
  addTap(dw, 6, s6, tailSum(d, padded, OH, OW, OW4, rowBytes, 2, 0, stride));
  addTap(dw, 7, s7, tailSum(d, padded, OH, OW, OW4, rowBytes, 2, 1, stride));
  addTap(dw, 8, s8, tailSum(d, padded, OH, OW, OW4, rowBytes, 2, 2, stride));
}

/** The columns [OW4, OW) of tap (kh, kw)'s sum, row by row (0 when there are none), at stride 1 or 2. */
// @ts-ignore: decorator
@inline
function tailSum(
  d: usize,
  padded: usize,
  OH: i32,
  OW: i32,
  OW4: i32,
  rowBytes: usize,
  kh: i32,
  kw: i32,
  stride: i32,
): f32 {
  let tail: f32 = 0;
  if (OW4 == OW) return tail;
  for (let oh = 0; oh < OH; oh++) {
    const drow = d + 4 * oh * OW;
    const src = padded + (stride * oh + kh) * rowBytes + 4 * kw;
    for (let ow = OW4; ow < OW; ow++) tail += load<f32>(drow + 4 * ow) * load<f32>(src + 4 * stride * ow);
  }
  return tail;
}

/** dw[i] += the lanes of `acc` + `tail`, summed as the per-tap kernel does. */
// @ts-ignore: decorator
@inline
function addTap(dw: usize, i: i32, acc: v128, tail: f32): void {
  const sum =
    f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3) + tail;
  const p = dw + 4 * i;
  store<f32>(p, load<f32>(p) + sum);
}
