// A direct conv2d forward for convs whose im2col + GEMM is mostly overhead: few output channels or
// a shallow depth (LeNet-5's convs, ResNet stems, stride-2 convs; backends/wasm/conv-forward.ts
// `directPays` decides). Four images run at once, interleaved so one f32x4 holds the same pixel of
// the four images: every tap of every output pixel is one aligned vector load, whatever the
// stride, dilation or row length, and no lane is wasted at row ends. A register block is 2 output
// channels x 4 output pixels (8 accumulators); each tap broadcasts two weights and loads four
// pixel vectors (at constant offsets from one address when the pixels are evenly spaced, stride 1
// or 2). The block is transposed back to (image, pixels) on store. Each output is bias + its taps
// summed in tap order, whatever the split across threads.

import { C_, DH_, DW_, H_, KH_, KW_, OC_, OH_, OW_, PL_, PT_, SH_, SW_, W_, convPaddedHeight, convPaddedWidth } from "./conv-geometry";
import { madd } from "./simd";

const LANES = 4; // images per pass, one per f32x4 lane
const ENTRY = 16; // bytes of one table entry: tap offset (i32), two weights (f32), unused

/** Bytes of the tables convDirectTable writes: ceil(OC / 2) x K entries, then OH * OW pixel offsets. */
export function convDirectTableBytes(geo: usize): i32 {
  return ((load<i32>(geo, OC_) + 1) >> 1) * taps(geo) * ENTRY + 4 * load<i32>(geo, OH_) * load<i32>(geo, OW_);
}

/** Bytes of per-thread scratch convDirectForward needs: four images' padded planes (C, PH, PW, 4). */
export function convDirectPlanesBytes(geo: usize): i32 {
  return load<i32>(geo, C_) * convPaddedHeight(geo) * convPaddedWidth(geo) * LANES * 4;
}

// @ts-ignore: decorator
@inline function taps(geo: usize): i32 {
  return load<i32>(geo, C_) * load<i32>(geo, KH_) * load<i32>(geo, KW_);
}

/**
 * table (ceil(OC / 2), K, entry): entry (q, k) = byte offset of tap k = (c, kh, kw) in the
 * interleaved planes from an output pixel's first tap, weight[2q][k], weight[2q + 1][k] (a last
 * odd channel repeats itself; its copy is never stored); then pixels (OH * OW) i32: the byte
 * offset of each output pixel's first tap. weight (OC, C, KH, KW). Run once per call.
 */
export function convDirectTable(table: usize, geo: usize, weight: usize): void {
  const OC = load<i32>(geo, OC_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const sH = load<i32>(geo, SH_);
  const sW = load<i32>(geo, SW_);
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  const K = taps(geo);
  for (let q = 0; q < (OC + 1) >> 1; q++) {
    const w0 = weight + 4 * 2 * q * K;
    const w1 = weight + 4 * min(2 * q + 1, OC - 1) * K;
    for (let k = 0; k < K; k++) {
      const c = k / (KH * KW);
      const kh = (k / KW) % KH;
      const kw = k % KW;
      const e = table + ENTRY * (q * K + k);
      store<i32>(e, 16 * ((c * PH + kh * dH) * PW + kw * dW));
      store<f32>(e, load<f32>(w0 + 4 * k), 4);
      store<f32>(e, load<f32>(w1 + 4 * k), 8);
      store<i32>(e, 0, 12);
    }
  }
  const pixels = table + <usize>(((OC + 1) >> 1) * K * ENTRY);
  for (let oh = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++) store<i32>(pixels + 4 * (oh * OW + ow), 16 * (oh * sH * PW + ow * sW));
}

/**
 * planes (C, PH, PW, 4)[c][y][x][i] = inp (N, C, H, W)[n0 + i][c][y - pT][x - pL], zero outside the
 * input; lanes past image N - 1 repeat image N - 1 (their outputs are never stored).
 */
function interleave(planes: usize, inp: usize, geo: usize, N: i32, n0: i32): void {
  const C = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  const x0 = min(PW, max(0, pL)); // first x inside the input
  const x1 = max(x0, min(PW, W + pL)); // one past the last
  const image: usize = 4 * C * H * W;
  const i0 = inp + <usize>n0 * image;
  const s1: usize = image * <usize>(min(n0 + 1, N - 1) - n0); // image 1's distance from image 0
  const s2: usize = image * <usize>(min(n0 + 2, N - 1) - n0);
  const s3: usize = image * <usize>(min(n0 + 3, N - 1) - n0);
  const z = f32x4.splat(0);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < PH; y++) {
      const row = planes + 16 * (c * PH + y) * PW; // (PW, 4)
      const iy = y - pT;
      if (iy < 0 || iy >= H) {
        for (let x = 0; x < PW; x++) v128.store(row + 16 * x, z);
        continue;
      }
      for (let x = 0; x < x0; x++) v128.store(row + 16 * x, z);
      const src = i0 + 4 * ((c * H + iy) * W - pL); // image 0's input row, at padded x = 0
      let x = x0;
      for (; x + 4 <= x1; x += 4) {
        // Four pixels of four images: a 4x4 transpose.
        const s = src + 4 * x;
        const r0 = v128.load(s);
        const r1 = v128.load(s + s1);
        const r2 = v128.load(s + s2);
        const r3 = v128.load(s + s3);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
        const d = row + 16 * x;
        v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
      }
      for (; x < x1; x++) {
        const s = src + 4 * x;
        let v = v128.load32_zero(s);
        v = f32x4.replace_lane(v, 1, load<f32>(s + s1));
        v = f32x4.replace_lane(v, 2, load<f32>(s + s2));
        v = f32x4.replace_lane(v, 3, load<f32>(s + s3));
        v128.store(row + 16 * x, v);
      }
      for (; x < PW; x++) v128.store(row + 16 * x, z);
    }
}

/**
 * Stores pixels [p, p + 4) of one output channel for the images of the pass: a0..a3 hold pixels
 * p..p + 3, lane i image i; `o` is image 0's (channel, pixel p); images `image` bytes apart.
 */
// @ts-ignore: decorator
@inline function storeBlock(o: usize, image: usize, images: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5); // p0i0 p1i0 p0i1 p1i1
  const t1 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
  v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  if (images > 1) v128.store(o + image, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  if (images > 2) v128.store(o + 2 * image, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  if (images > 3) v128.store(o + 3 * image, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Images [n0, n1) (n0 a multiple of 4), output channels [2 * q0, 2 * q1) (clipped to OC):
 * out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight) + bias (OC; 0 for none), groups 1,
 * OH * OW >= 4. `table` comes from convDirectTable; `planes` holds convDirectPlanesBytes. The last
 * pixel block of a plane overlaps the one before when OH * OW is not a multiple of 4: it
 * recomputes and rewrites the same values.
 * @threaded
 */
export function convDirectForward(
  n0: i32,
  n1: i32,
  q0: i32,
  q1: i32,
  N: i32,
  geo: usize,
  out: usize,
  inp: usize,
  table: usize,
  bias: usize,
  planes: usize,
): void {
  const OC = load<i32>(geo, OC_);
  const P = load<i32>(geo, OH_) * load<i32>(geo, OW_);
  const sW = load<i32>(geo, SW_);
  const K = taps(geo);
  const pixels = table + <usize>(((OC + 1) >> 1) * K * ENTRY); // (P) i32
  const plane: usize = 4 * P; // bytes of one output channel
  const image: usize = plane * OC; // bytes of one output image
  for (let n = n0; n < n1; n += LANES) {
    interleave(planes, inp, geo, N, n);
    const images = min(LANES, n1 - n);
    for (let oc = 2 * q0; oc < min(OC, 2 * q1); oc += 2) {
      const start = table + <usize>(ENTRY * (oc >> 1) * K);
      const end = start + ENTRY * K;
      let bias0 = f32x4.splat(0);
      let bias1 = bias0;
      if (bias != 0) {
        bias0 = v128.load32_splat(bias + 4 * oc);
        bias1 = v128.load32_splat(bias + 4 * min(oc + 1, OC - 1));
      }
      for (let p0 = 0; p0 < P; p0 += 4) {
        const p = min(p0, P - 4);
        const pp = pixels + 4 * p;
        const b0 = planes + load<i32>(pp);
        let a00 = bias0;
        let a01 = bias0;
        let a02 = bias0;
        let a03 = bias0;
        let a10 = bias1;
        let a11 = bias1;
        let a12 = bias1;
        let a13 = bias1;
        if (load<i32>(pp, 12) - load<i32>(pp) == 48) {
          // The four pixels are adjacent in the planes (stride 1): one address per tap. (Offsets
          // only grow, and a row change adds the same step each time: a total of 3 x 16 bytes
          // means every step is 16.)
          for (let e = start; e < end; e += ENTRY) {
            const x = b0 + load<i32>(e);
            const w0 = v128.load32_splat(e, 4);
            const w1 = v128.load32_splat(e, 8);
            let v = v128.load(x);
            a00 = madd(w0, v, a00);
            a10 = madd(w1, v, a10);
            v = v128.load(x, 16);
            a01 = madd(w0, v, a01);
            a11 = madd(w1, v, a11);
            v = v128.load(x, 32);
            a02 = madd(w0, v, a02);
            a12 = madd(w1, v, a12);
            v = v128.load(x, 48);
            a03 = madd(w0, v, a03);
            a13 = madd(w1, v, a13);
          }
        } else if (sW == 2 && load<i32>(pp, 12) - load<i32>(pp) == 96) {
          // Every other pixel vector (stride 2, each step 32 bytes by the same argument): likewise.
          for (let e = start; e < end; e += ENTRY) {
            const x = b0 + load<i32>(e);
            const w0 = v128.load32_splat(e, 4);
            const w1 = v128.load32_splat(e, 8);
            let v = v128.load(x);
            a00 = madd(w0, v, a00);
            a10 = madd(w1, v, a10);
            v = v128.load(x, 32);
            a01 = madd(w0, v, a01);
            a11 = madd(w1, v, a11);
            v = v128.load(x, 64);
            a02 = madd(w0, v, a02);
            a12 = madd(w1, v, a12);
            v = v128.load(x, 96);
            a03 = madd(w0, v, a03);
            a13 = madd(w1, v, a13);
          }
        } else {
          const b1 = planes + load<i32>(pp, 4);
          const b2 = planes + load<i32>(pp, 8);
          const b3 = planes + load<i32>(pp, 12);
          for (let e = start; e < end; e += ENTRY) {
            const t = load<i32>(e);
            const w0 = v128.load32_splat(e, 4);
            const w1 = v128.load32_splat(e, 8);
            let v = v128.load(b0 + t);
            a00 = madd(w0, v, a00);
            a10 = madd(w1, v, a10);
            v = v128.load(b1 + t);
            a01 = madd(w0, v, a01);
            a11 = madd(w1, v, a11);
            v = v128.load(b2 + t);
            a02 = madd(w0, v, a02);
            a12 = madd(w1, v, a12);
            v = v128.load(b3 + t);
            a03 = madd(w0, v, a03);
            a13 = madd(w1, v, a13);
          }
        }
        const o = out + <usize>n * image + <usize>oc * plane + 4 * p;
        storeBlock(o, image, images, a00, a01, a02, a03);
        if (oc + 1 < OC) storeBlock(o + plane, image, images, a10, a11, a12, a13);
      }
    }
  }
}
