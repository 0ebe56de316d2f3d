// conv2d's gradients as direct kernels for stride-1, ungrouped convs with few channels (LeNet-5),
// where im2col + GEMM spends more time copying and packing than multiplying. Both rest on
// "column-shifted planes" of pitch OW: plane (c, kw) row y holds a zero-padded input row
// starting at column kw*dW, so tap (c, kh, kw) of output pixel p = oh*OW + ow is the plane's
// float kh*dH*OW + p, and a tap is one contiguous f32x4 run over the flattened output pixels.
// - weight (and bias) gradient: dweight[oc][tap] = sum over images and pixels of dout[oc][p] *
//   plane[tap][p], in a 2 (oc) x 4 (tap) register block, partial sums kept as f32x4 per unit
//   across images, so every sum runs over images and pixels in the same order on any thread.
// - input gradient: z[(c, kw)][y*OW + ow] = sum over (oc, kh) of w[oc][c][kh][kw] *
//   dout[oc][(y - kh*dH)*OW + ow], 4 (c, kw) x 8 pixels per register block, then
//   dinp[c][y - pT][ow + kw*dW - pL] += z[(c, kw)][y*OW + ow].

import { madd } from "./simd";
import { C_, CHUNK_, DH_, DW_, H_, KH_, KW_, OC_, OH_, OW_, PL_, PT_, W_, zeroFloats } from "./conv-geometry";

// @ts-ignore: decorator
@inline function up4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** Rows of the column-shifted planes: every input row some output's taps reach (stride 1). */
// @ts-ignore: decorator
@inline function shiftedRows(geo: usize): i32 {
  return load<i32>(geo, OH_) + (load<i32>(geo, KH_) - 1) * load<i32>(geo, DH_);
}

/** Floats of one column-shifted plane: its rows, then zeros for the last f32x4 run's overreach. */
// @ts-ignore: decorator
@inline function shiftedPlaneFloats(geo: usize): i32 {
  return up4(shiftedRows(geo) * load<i32>(geo, OW_) + 4);
}

/** Zeroes n floats at p in whole f32x4 stores: may write up to 3 floats past the end. */
// @ts-ignore: decorator
@inline function zeroOver(p: usize, n: i32): void {
  const z = f32x4.splat(0);
  for (let i = 0; i < n; i += 4) v128.store(p + 4 * i, z);
}

/**
 * planes (C, KW, PH, OW): plane (c, kw)[y][ox] = inp (C, H, W)[c][y - pT][ox + kw*dW - pL], zero
 * outside the input.
 * NOTE: rows are written in whole f32x4 runs, left to right and top to bottom, so each write may run
 * up to 3 floats past its end (into the next row, which is written after it, or into the plane's
 * zeroed tail) and read up to 3 floats past an input row: no scalar tails on short rows.
 */
function shiftPlanes(planes: usize, inp: usize, geo: usize): void {
  const C = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const KW = load<i32>(geo, KW_);
  const OW = load<i32>(geo, OW_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const dW = load<i32>(geo, DW_);
  const PH = shiftedRows(geo);
  const L = shiftedPlaneFloats(geo);
  for (let c = 0; c < C; c++)
    for (let kw = 0; kw < KW; kw++) {
      const plane = planes + 4 * (c * KW + kw) * L;
      const shift = kw * dW - pL; // input column of ox = 0
      const x0 = min(OW, max(0, -shift)); // first ox inside the input
      const x1 = max(x0, min(OW, W - shift)); // one past the last
      for (let y = 0; y < PH; y++) {
        const row = plane + 4 * y * OW;
        const iy = y - pT;
        if (iy < 0 || iy >= H) {
          zeroOver(row, OW);
          continue;
        }
        if (x0 > 0) zeroOver(row, x0);
        const src = inp + 4 * ((c * H + iy) * W + shift);
        for (let x = x0; x < x1; x += 4) v128.store(row + 4 * x, v128.load(src + 4 * x));
        if (x1 < OW) zeroOver(row + 4 * x1, OW - x1);
      }
      zeroFloats(plane + 4 * PH * OW, L - PH * OW);
    }
}

/** Whether the weight gradient reads dout in place: whole f32x4 runs per plane, whole channel pairs. */
// @ts-ignore: decorator
@inline function doutInPlace(geo: usize): bool {
  return (load<i32>(geo, OH_) * load<i32>(geo, OW_)) % 4 == 0 && load<i32>(geo, OC_) % 2 == 0;
}

/** Floats of one image's shifted planes (C, KW, L), then a ones plane and a zeros plane (P4 each). */
// @ts-ignore: decorator
@inline function imagePlanesFloats(geo: usize): i32 {
  const P4 = up4(load<i32>(geo, OH_) * load<i32>(geo, OW_));
  return load<i32>(geo, C_) * load<i32>(geo, KW_) * shiftedPlaneFloats(geo) + 2 * P4;
}

/**
 * Bytes of scratch conv2dBackwardWeightDirect needs for `units` units and CHUNK images at a time (see
 * there): f32x4 partial sums, tap offsets, CHUNK images' planes and (unless read in place) dout.
 */
export function directWeightScratchBytes(geo: usize, units: i32): i32 {
  const chunk = load<i32>(geo, CHUNK_);
  const K = load<i32>(geo, C_) * load<i32>(geo, KH_) * load<i32>(geo, KW_);
  const P4 = up4(load<i32>(geo, OH_) * load<i32>(geo, OW_));
  const douts = doutInPlace(geo) ? 0 : chunk * ((load<i32>(geo, OC_) + 1) & ~1) * P4;
  return 128 * units + 4 * (up4(K + 4) + chunk * imagePlanesFloats(geo) + douts);
}

/** Units of work of the weight gradient: output-channel pairs x blocks of 4 taps (+1 bias tap). */
export function directWeightUnits(geo: usize, withBias: i32): i32 {
  const K = load<i32>(geo, C_) * load<i32>(geo, KH_) * load<i32>(geo, KW_) + (withBias ? 1 : 0);
  return ((load<i32>(geo, OC_) + 1) >> 1) * ((K + 3) >> 2);
}

/**
 * Units [u0, u1) of dweight (OC, C, KH, KW) and, when `dbias` is not 0, dbias (OC) += gradients
 * from dout (N, OC, OH, OW) and inp (N, C, H, W), summed over all N images in order. Unit u covers
 * output channels 2*(u % OCP) + {0, 1} and taps 4*(u / OCP) + {0..3} of K = C*KH*KW taps, tap K
 * being the bias (a plane of ones); missing channels and taps read a zero plane and are dropped.
 * Images go CHUNK at a time (the geometry block's 16th field): their planes are shifted first, then
 * each unit walks them with its sums in registers.
 * @threaded
 */
export function conv2dBackwardWeightDirect(
  u0: i32,
  u1: i32,
  N: i32,
  geo: usize,
  dweight: usize,
  dbias: usize,
  dout: usize,
  inp: usize,
  scratch: usize,
): void {
  if (u0 >= u1) return;
  const C = load<i32>(geo, C_);
  const HW = load<i32>(geo, H_) * load<i32>(geo, W_);
  const OC = load<i32>(geo, OC_);
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const OW = load<i32>(geo, OW_);
  const dH = load<i32>(geo, DH_);
  const chunk = load<i32>(geo, CHUNK_);
  const P = load<i32>(geo, OH_) * OW;
  const P4 = up4(P);
  const K = C * KH * KW;
  const OCP = (OC + 1) >> 1;
  const L = shiftedPlaneFloats(geo);
  const inPlace = doutInPlace(geo);
  const X = imagePlanesFloats(geo);
  const dFloats = inPlace ? OC * P : 2 * OCP * P4;
  const dStride = <usize>(4 * dFloats); // bytes between images' dout
  const xStride = <usize>(4 * X); // bytes between images' planes
  const acc = scratch; // (u1 - u0, 8) f32x4
  const taps = acc + 128 * (u1 - u0); // (up4(K + 4)) i32: byte offset of each tap's plane in an image's planes
  const planes = taps + 4 * up4(K + 4); // (chunk, X): shifted planes (C, KW, L), ones (P4), zeros (P4)
  const douts = planes + xStride * chunk; // (chunk, 2 * OCP, P4) unless dout is read in place
  const onesAt = 4 * C * KW * L;
  const zerosAt = onesAt + 4 * P4;
  for (let t = 0; t < 4 * ((K + 4) >> 2); t++) {
    let x = t == K && dbias != 0 ? onesAt : zerosAt;
    if (t < K) x = 4 * (((t / (KH * KW)) * KW + (t % KW)) * L + ((t / KW) % KH) * dH * OW);
    store<i32>(taps + 4 * t, x);
  }
  zeroFloats(acc, 32 * (u1 - u0));
  const one = f32x4.splat(1);
  for (let i = 0; i < chunk; i++) {
    const img = planes + <usize>i * xStride;
    for (let p = 0; p < P4; p += 4) v128.store(img + onesAt + 4 * p, one);
    zeroFloats(img + zerosAt, P4);
  }
  if (!inPlace) zeroFloats(douts, chunk * 2 * OCP * P4);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const nc = min(chunk, N - n0);
    let d = dout + 4 * n0 * OC * P;
    for (let i = 0; i < nc; i++) {
      shiftPlanes(planes + <usize>i * xStride, inp + 4 * (n0 + i) * C * HW, geo);
      if (inPlace) continue;
      for (let oc = 0; oc < OC; oc++) {
        const src = d + 4 * (i * OC + oc) * P;
        const dst = douts + <usize>i * dStride + 4 * oc * P4;
        for (let p = 0; p < P; p++) store<f32>(dst + 4 * p, load<f32>(src + 4 * p));
      }
    }
    if (!inPlace) d = douts;
    let op = u0 % OCP; // output-channel pair and tap block of unit u
    let tb = u0 / OCP;
    for (let u = u0; u < u1; u++, op++) {
      if (op == OCP) {
        op = 0;
        tb++;
      }
      let d0 = d + 4 * 2 * op * P4;
      let x0 = planes + load<i32>(taps + 16 * tb);
      let x1 = planes + load<i32>(taps + 16 * tb, 4);
      let x2 = planes + load<i32>(taps + 16 * tb, 8);
      let x3 = planes + load<i32>(taps + 16 * tb, 12);
      const a = acc + 128 * (u - u0);
      let a00 = v128.load(a, 0);
      let a01 = v128.load(a, 16);
      let a02 = v128.load(a, 32);
      let a03 = v128.load(a, 48);
      let a10 = v128.load(a, 64);
      let a11 = v128.load(a, 80);
      let a12 = v128.load(a, 96);
      let a13 = v128.load(a, 112);
      for (let i = 0; i < nc; i++, d0 += dStride, x0 += xStride, x1 += xStride, x2 += xStride, x3 += xStride) {
        const d1 = d0 + 4 * P4;
        for (let j: usize = 0; j < <usize>(4 * P4); j += 16) {
          const v0 = v128.load(d0 + j);
          const v1 = v128.load(d1 + j);
          const y0 = v128.load(x0 + j);
          a00 = madd(v0, y0, a00);
          a10 = madd(v1, y0, a10);
          const y1 = v128.load(x1 + j);
          a01 = madd(v0, y1, a01);
          a11 = madd(v1, y1, a11);
          const y2 = v128.load(x2 + j);
          a02 = madd(v0, y2, a02);
          a12 = madd(v1, y2, a12);
          const y3 = v128.load(x3 + j);
          a03 = madd(v0, y3, a03);
          a13 = madd(v1, y3, a13);
        }
      }
      v128.store(a, a00, 0);
      v128.store(a, a01, 16);
      v128.store(a, a02, 32);
      v128.store(a, a03, 48);
      v128.store(a, a10, 64);
      v128.store(a, a11, 80);
      v128.store(a, a12, 96);
      v128.store(a, a13, 112);
    }
  }
  for (let u = u0; u < u1; u++)
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 4; j++) {
        const oc = 2 * (u % OCP) + i;
        const t = 4 * (u / OCP) + j;
        const s = acc + 128 * (u - u0) + 16 * (4 * i + j);
        const sum = load<f32>(s) + load<f32>(s, 4) + (load<f32>(s, 8) + load<f32>(s, 12));
        let dst: usize = 0;
        if (oc < OC && t < K) dst = dweight + 4 * (oc * K + t);
        else if (oc < OC && t == K && dbias != 0) dst = dbias + 4 * oc;
        if (dst != 0) store<f32>(dst, load<f32>(dst) + sum);
      }
}

/** Floats of the zero-bordered dout planes of the input gradient: (KH-1)*dH rows of zeros around. */
// @ts-ignore: decorator
@inline function borderedPlaneFloats(geo: usize): i32 {
  const OW = load<i32>(geo, OW_);
  const B = (load<i32>(geo, KH_) - 1) * load<i32>(geo, DH_) * OW;
  return up4(2 * B + load<i32>(geo, OH_) * OW + 8);
}

/** Pixels of the z planes, shiftedRows * OW rounded up to whole 8-pixel blocks. */
// @ts-ignore: decorator
@inline function zPlaneFloats(geo: usize): i32 {
  return (shiftedRows(geo) * load<i32>(geo, OW_) + 7) & ~7;
}

/** (C * KW) rounded up to whole register blocks of 4 (c, kw) planes. */
export function directInputColumns(geo: usize): i32 {
  return up4(load<i32>(geo, C_) * load<i32>(geo, KW_));
}

/** Bytes of per-thread scratch conv2dBackwardInputDirect needs: bordered dout planes and z planes. */
export function directInputScratchBytes(geo: usize): i32 {
  return 4 * (load<i32>(geo, OC_) * borderedPlaneFloats(geo) + directInputColumns(geo) * zPlaneFloats(geo));
}

/**
 * Images [n0, n1): dinp (N, C, H, W) += conv2d's input gradient from dout (N, OC, OH, OW).
 * `wz` (KH, OC, J) with J = directInputColumns holds w[oc][c][kh][kw] at column c*KW + kw (zeros past
 * C*KW); `scratch` has directInputScratchBytes.
 * @threaded
 */
export function conv2dBackwardInputDirect(
  n0: i32,
  n1: i32,
  geo: usize,
  dinp: usize,
  dout: usize,
  wz: usize,
  scratch: usize,
): void {
  if (n0 >= n1) return;
  const C = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const OC = load<i32>(geo, OC_);
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const OW = load<i32>(geo, OW_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const P = load<i32>(geo, OH_) * OW;
  const PH = shiftedRows(geo);
  const J = directInputColumns(geo);
  const S = dH * OW; // pixels between taps kh and kh + 1
  const B = (KH - 1) * S; // leading zeros of a bordered plane
  const LV = borderedPlaneFloats(geo);
  const LZ = zPlaneFloats(geo);
  const bordered = scratch; // (OC, LV): B zeros, dout's plane, zeros
  const z = bordered + 4 * OC * LV; // (J, LZ)
  zeroFloats(bordered, OC * LV);
  for (let n = n0; n < n1; n++) {
    for (let oc = 0; oc < OC; oc++) {
      const src = dout + 4 * (n * OC + oc) * P;
      const dst = bordered + 4 * (oc * LV + B);
      let p = 0;
      for (; p + 4 <= P; p += 4) v128.store(dst + 4 * p, v128.load(src + 4 * p));
      for (; p < P; p++) store<f32>(dst + 4 * p, load<f32>(src + 4 * p));
    }
    for (let q0 = 0; q0 < PH * OW; q0 += 8) {
      // Taps kh whose dout rows some of the 8 pixels reach: 0 <= q - kh*S < P.
      const khLo = q0 >= P ? (q0 - P) / S + 1 : 0;
      const khHi = min(KH - 1, (q0 + 7) / S);
      for (let j = 0; j < J; j += 4) {
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        let b0 = f32x4.splat(0);
        let b1 = f32x4.splat(0);
        let b2 = f32x4.splat(0);
        let b3 = f32x4.splat(0);
        for (let kh = khLo; kh <= khHi; kh++) {
          let v = bordered + 4 * (B + q0 - kh * S);
          let w = wz + 4 * (kh * OC * J + j);
          for (let oc = 0; oc < OC; oc++, v += 4 * LV, w += 4 * J) {
            const lo = v128.load(v);
            const hi = v128.load(v, 16);
            const w0 = v128.load32_splat(w);
            a0 = madd(w0, lo, a0);
            b0 = madd(w0, hi, b0);
            const w1 = v128.load32_splat(w, 4);
            a1 = madd(w1, lo, a1);
            b1 = madd(w1, hi, b1);
            const w2 = v128.load32_splat(w, 8);
            a2 = madd(w2, lo, a2);
            b2 = madd(w2, hi, b2);
            const w3 = v128.load32_splat(w, 12);
            a3 = madd(w3, lo, a3);
            b3 = madd(w3, hi, b3);
          }
        }
        const o = z + 4 * (j * LZ + q0);
        v128.store(o, a0);
        v128.store(o, b0, 16);
        v128.store(o + 4 * LZ, a1);
        v128.store(o + 4 * LZ, b1, 16);
        v128.store(o + 8 * LZ, a2);
        v128.store(o + 8 * LZ, b2, 16);
        v128.store(o + 12 * LZ, a3);
        v128.store(o + 12 * LZ, b3, 16);
      }
    }
    // dinp[c][y - pT][ow + kw*dW - pL] += z[(c, kw)][y*OW + ow]
    const y0 = max(0, pT);
    const y1 = min(PH, pT + H);
    for (let c = 0; c < C; c++)
      for (let kw = 0; kw < KW; kw++) {
        const shift = kw * dW - pL;
        const ow0 = min(OW, max(0, -shift));
        const ow1 = max(ow0, min(OW, W - shift));
        const zp = z + 4 * (c * KW + kw) * LZ;
        for (let y = y0; y < y1; y++) {
          const src = zp + 4 * y * OW;
          const dst = dinp + 4 * (((n * C + c) * H + y - pT) * W + shift);
          let ow = ow0;
          for (; ow + 4 <= ow1; ow += 4)
            v128.store(dst + 4 * ow, f32x4.add(v128.load(dst + 4 * ow), v128.load(src + 4 * ow)));
          for (; ow < ow1; ow++) store<f32>(dst + 4 * ow, load<f32>(dst + 4 * ow) + load<f32>(src + 4 * ow));
        }
      }
  }
}
