// Winograd F(4x4, 3x3) (https://arxiv.org/abs/1509.09308, points 0, 1, -1, 2, -2, inf): each 4x4
// block of outputs comes from a 6x6 block of the zero-padded input, as 36 GEMMs of the same shapes
// as F(2x2, 3x3)'s 16 (see winograd.ts), for 2.25 multiply-adds per output pixel and channel pair
// instead of 4. Used where rows of tiles are whole vectors: OW a multiple of 16 (four 4-wide
// tiles per f32x4). xi = 6 * row + column of the 6x6 transformed tile.

import { ADD_, C_, H_, OC_, OH_, OW_, PL_, PT_, W_ } from "./conv-geometry";
import { gemmPrepacked, KC, MR, NR, packedAFloats, packedBFloats } from "./gemm";
import { padImage, winogradPlaneFloats } from "./winograd";

// @ts-ignore: decorator
@inline function tilesH(geo: usize): i32 {
  return (load<i32>(geo, OH_) + 3) >> 2;
}

// @ts-ignore: decorator
@inline function tilesW(geo: usize): i32 {
  return (load<i32>(geo, OW_) + 3) >> 2;
}

/** Whether tiles are gathered one by one (OW not a multiple of 16; then OW and OH are multiples of 4). */
// @ts-ignore: decorator
@inline function gathers(geo: usize): bool {
  return load<i32>(geo, OW_) % 16 != 0;
}

/**
 * Bytes of per-thread scratch winograd4Forward needs: padded input (one image, or all of a chunk
 * when gathering), V, Mt, 36 vectors and the gather's tile offsets (2 T i32).
 */
export function winograd4ScratchBytes(geo: usize, chunk: i32): i32 {
  const K = load<i32>(geo, C_);
  const M = load<i32>(geo, OC_);
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  const T = chunk * TH * TW;
  const images = gathers(geo) ? chunk : 1; // padded images held at once
  const floats = images * K * (4 * TH + 2) * (4 * TW + 2) + 4 + 36 * winogradPlaneFloats(packedBFloats(K, T)) + 36 * winogradPlaneFloats(M * T) + 4 * 36 + 2 * T;
  return 4 * (floats + MR * NR); // + the GEMMs' (MR, NR) edge tile
}

/**
 * B^T x for x0..x5 into e, e + stride, ..., e + 5 stride: B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0;
 * 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
 */
// @ts-ignore: decorator
@inline function inputTransform6(e: usize, stride: usize, x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128): void {
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const two = f32x4.splat(2);
  const a = f32x4.sub(x4, f32x4.mul(four, x2)); // x4 - 4 x2
  const b = f32x4.sub(x3, f32x4.mul(four, x1)); // x3 - 4 x1
  const c = f32x4.sub(x4, x2); // x4 - x2
  const d = f32x4.mul(two, f32x4.sub(x3, x1)); // 2 (x3 - x1)
  v128.store(e, f32x4.add(f32x4.sub(f32x4.mul(four, x0), f32x4.mul(five, x2)), x4));
  v128.store(e + stride, f32x4.add(a, b));
  v128.store(e + 2 * stride, f32x4.sub(a, b));
  v128.store(e + 3 * stride, f32x4.add(c, d));
  v128.store(e + 4 * stride, f32x4.sub(c, d));
  v128.store(e + 5 * stride, f32x4.add(f32x4.sub(f32x4.mul(four, x1), f32x4.mul(five, x3)), x5));
}

/**
 * V (36 packed (K, T)) columns [col0, col0 + TH * TW) = B^T d B of one image's tiles, d (6, 6) at
 * padded (K, PH, PW)[k][4 ty..][4 tx..], four tiles of a row per vector (TW % 4 == 0). `e` is 36
 * vectors of scratch: the rows' d B, then B^T along the columns.
 */
function transformInput4(V: usize, vStride: usize, Npad: i32, padded: usize, K: i32, PH: i32, PW: i32, TH: i32, TW: i32, col0: i32, e: usize): void {
  for (let k = 0; k < K; k++) {
    const pc = k - (k % KC);
    const kc = min(KC, K - pc);
    const kBase: usize = <usize>pc * Npad + (k - pc) * NR; // packed float offset of (k, column 0)
    const plane = padded + 4 * <usize>k * PH * PW;
    for (let ty = 0; ty < TH; ty++)
      for (let tx = 0; tx < TW; tx += 4) {
        // rows r of the four tiles: columns 4 tx + 4 l + s in lane l, s = 0..5, then d B into e[s][r]
        for (let r = 0; r < 6; r++) {
          const p = plane + 4 * (<usize>(4 * ty + r) * PW + 4 * tx);
          const q0 = v128.load(p);
          const q1 = v128.load(p, 16);
          const q2 = v128.load(p, 32);
          const q3 = v128.load(p, 48);
          const q4 = v128.load64_zero(p, 64);
          const t0 = v128.shuffle<f32>(q0, q1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(q2, q3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(q0, q1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(q2, q3, 2, 6, 3, 7);
          const c0 = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5);
          const c1 = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
          const c2 = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5);
          const c3 = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
          const c4 = v128.shuffle<f32>(c0, q4, 1, 2, 3, 4);
          const c5 = v128.shuffle<f32>(c1, q4, 1, 2, 3, 5);
          inputTransform6(e + 16 * r, 96, c0, c1, c2, c3, c4, c5); // e[s][r] at e + 16 (6 s + r)
        }
        const j = col0 + ty * TW + tx;
        const dst = V + 4 * (kBase + <usize>(j / NR) * kc * NR + (j % NR));
        for (let s = 0; s < 6; s++) {
          // column s: B^T over the rows, into V[6 i + s]
          const c = e + 96 * s;
          inputTransform6Strided(dst + <usize>s * vStride, 6 * vStride, v128.load(c), v128.load(c, 16), v128.load(c, 32), v128.load(c, 48), v128.load(c, 64), v128.load(c, 80));
        }
      }
  }
}

// @ts-ignore: decorator
@inline function inputTransform6Strided(d: usize, stride: usize, x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128): void {
  inputTransform6(d, stride, x0, x1, x2, x3, x4, x5);
}

/**
 * One image's out (M, OH, OW) (+)= A^T m A (+ bias) for its tiles and channels [m0, m1), m (6, 6)
 * = Mt (36, M, T) at columns [col0, col0 + TH * TW), A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1];
 * four tiles per vector, transposed back into rows of 16 floats. `e` is 24 vectors of scratch.
 */
function transformOutput4(out: usize, Mt: usize, M: i32, m0: i32, m1: i32, T: i32, col0: i32, OH: i32, OW: i32, TH: i32, TW: i32, bias: usize, add: bool, e: usize): void {
  const xiStride: usize = 4 * <usize>winogradPlaneFloats(M * T);
  for (let m = m0; m < m1; m++) {
    const bv = f32x4.splat(bias != 0 ? load<f32>(bias + 4 * m) : 0);
    const plane = out + 4 * <usize>m * OH * OW;
    const src = Mt + 4 * (<usize>m * T + col0);
    for (let ty = 0; ty < TH; ty++)
      for (let tx = 0; tx < TW; tx += 4) {
        const s = src + 4 * (ty * TW + tx);
        for (let j = 0; j < 6; j++) {
          // column j: A^T over the rows, into e[i][j] at e + 16 (6 i + j)
          const c = s + <usize>j * xiStride;
          outputTransform6(e + 16 * j, 96, v128.load(c), v128.load(c + 6 * xiStride), v128.load(c + 12 * xiStride), v128.load(c + 18 * xiStride), v128.load(c + 24 * xiStride), v128.load(c + 30 * xiStride));
        }
        for (let i = 0; i < 4; i++) {
          const y = 4 * ty + i;
          if (y >= OH) break;
          const r = e + 96 * i;
          // y_c for the four tiles (lane = tile), c = 0..3
          const x0 = v128.load(r);
          const x1 = v128.load(r, 16);
          const x2 = v128.load(r, 32);
          const x3 = v128.load(r, 48);
          const x4 = v128.load(r, 64);
          const x5 = v128.load(r, 80);
          const p = f32x4.add(x1, x2);
          const q = f32x4.sub(x1, x2);
          const u = f32x4.add(x3, x4);
          const v = f32x4.sub(x3, x4);
          const y0 = f32x4.add(f32x4.add(f32x4.add(x0, p), u), bv);
          const y1 = f32x4.add(f32x4.add(q, f32x4.add(v, v)), bv);
          const y2 = f32x4.add(f32x4.add(p, f32x4.mul(f32x4.splat(4), u)), bv);
          const y3 = f32x4.add(f32x4.add(f32x4.add(q, f32x4.mul(f32x4.splat(8), v)), x5), bv);
          // transpose: tile l's four outputs y0..y3[l] are 4 adjacent floats
          const t0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
          const d = plane + 4 * (<usize>y * OW + 4 * tx);
          storeAdd(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), add);
          storeAdd(d + 16, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), add);
          storeAdd(d + 32, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), add);
          storeAdd(d + 48, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), add);
        }
      }
  }
}

/** A^T x for x0..x5 into e, e + stride, e + 2 stride, e + 3 stride. */
// @ts-ignore: decorator
@inline function outputTransform6(e: usize, stride: usize, x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128): void {
  const p = f32x4.add(x1, x2);
  const q = f32x4.sub(x1, x2);
  const u = f32x4.add(x3, x4);
  const v = f32x4.sub(x3, x4);
  v128.store(e, f32x4.add(f32x4.add(x0, p), u));
  v128.store(e + stride, f32x4.add(q, f32x4.add(v, v)));
  v128.store(e + 2 * stride, f32x4.add(p, f32x4.mul(f32x4.splat(4), u)));
  v128.store(e + 3 * stride, f32x4.add(f32x4.add(q, f32x4.mul(f32x4.splat(8), v)), x5));
}

// @ts-ignore: decorator
@inline function storeAdd(d: usize, v: v128, add: bool): void {
  v128.store(d, add ? f32x4.add(v128.load(d), v) : v);
}

/**
 * As winogradForward, with F(4x4, 3x3) tiles. OW a multiple of 16: four tiles of a row per vector;
 * else (OW and OH multiples of 4, e.g. 8x8 and 4x4 planes) any four consecutive tiles of the
 * chunk, gathered from all its images' padded planes. U = winograd4Weights' packed transforms; `scratch` holds
 * winograd4ScratchBytes(geo, chunk) bytes. Only output channels [m0, m1) (m0 a multiple of MR):
 * threads split channels instead of images when there are fewer images than threads (each then
 * transforms the whole input; every output's sum is the same either way).
 * @threaded
 */
export function winograd4Forward(n0: i32, n1: i32, chunk: i32, m0: i32, m1: i32, geo: usize, out: usize, inp: usize, U: usize, bias: usize, scratch: usize): void {
  const K = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const M = load<i32>(geo, OC_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const add = load<i32>(geo, ADD_) != 0;
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  const TT = TH * TW;
  const PH = 4 * TH + 2;
  const PW = 4 * TW + 2;
  const gather = gathers(geo);
  const planes = <usize>K * PH * PW; // floats of one image's padded planes
  const padded = scratch; // (images, K, PH, PW) + 4 floats
  const V = padded + 4 * ((gather ? <usize>chunk : 1) * planes + 4); // 36 x packed (K, T)
  const Mt = V + 144 * <usize>winogradPlaneFloats(packedBFloats(K, chunk * TT)); // (36, M, T), rows winogradPlaneFloats(M * T) apart
  const e = Mt + 144 * <usize>winogradPlaneFloats(M * chunk * TT); // 36 vectors
  const table = e + 4 * 4 * 36; // (T) input offsets, (T) output offsets (floats, i32)
  const tile = table + 8 * <usize>chunk * TT;
  const uStride: usize = 4 * <usize>winogradPlaneFloats(packedAFloats(M, K)); // U's planes
  for (let c0 = n0; c0 < n1; c0 += chunk) {
    const images = min(chunk, n1 - c0);
    const T = images * TT;
    const vStride: usize = 4 * <usize>winogradPlaneFloats(packedBFloats(K, T));
    const Npad = (T + NR - 1) / NR * NR;
    for (let i = 0; i < images; i++) {
      const p = gather ? padded + 4 * <usize>i * planes : padded;
      padImage(p, inp + 4 * <usize>(c0 + i) * K * H * W, K, H, W, PH, PW, load<i32>(geo, PT_), load<i32>(geo, PL_));
      if (!gather) transformInput4(V, vStride, Npad, padded, K, PH, PW, TH, TW, i * TT, e);
    }
    if (gather) {
      for (let t = 0; t < T; t++) {
        const i = t / TT;
        const ty = (t % TT) / TW;
        const tx = t % TW;
        store<i32>(table + 4 * t, i * <i32>planes + 4 * ty * PW + 4 * tx);
        store<i32>(table + 4 * (T + t), i * M * OH * OW + 4 * ty * OW + 4 * tx);
      }
      transformInput4Gather(V, vStride, Npad, padded, K, PH * PW, PW, T, table, e, 0);
    }
    const mStride: usize = 4 * <usize>winogradPlaneFloats(M * T); // Mt's planes
    for (let xi = 0; xi < 36; xi++) {
      const c = Mt + xi * mStride + 4 * <usize>m0 * T; // rows [m0, m1) of Mt[xi]
      gemmPrepacked(m1 - m0, T, K, U + xi * uStride, V + xi * vStride, c, T, false, 0, tile, m0, M);
    }
    if (gather) transformOutput4Gather(out + 4 * <usize>c0 * M * OH * OW, Mt, M, m0, m1, T, OH * OW, OW, table + 4 * T, bias, add, e);
    else
      for (let i = 0; i < images; i++)
        transformOutput4(out + 4 * <usize>(c0 + i) * M * OH * OW, Mt, M, m0, m1, T, i * TT, OH, OW, TH, TW, bias, add, e);
  }
}

/**
 * transformInput4 for any four consecutive tiles j..j+3 of the chunk (past T: the last one again,
 * landing in V's padding columns): tile t's 6x6 block starts at float table[t] of the padded
 * planes + k * plane. Npad < 0: V[xi] is row-major (K, -Npad) and tile j goes to column col0 + j.
 */
function transformInput4Gather(V: usize, vStride: usize, Npad: i32, padded: usize, K: i32, plane: i32, PW: i32, T: i32, table: usize, e: usize, col0: i32): void {
  const packed = Npad > 0;
  for (let k = 0; k < K; k++) {
    const pc = packed ? k - (k % KC) : 0;
    const kc = min(KC, K - pc);
    // float offset of (k, column 0): packed, or row-major (K, -Npad) from column col0
    const kBase: usize = packed ? <usize>pc * Npad + (k - pc) * NR : <usize>(k * -Npad + col0);
    const p = padded + 4 * <usize>k * plane;
    for (let j = 0; j < T; j += 4) {
      const p0 = p + 4 * <usize>load<i32>(table + 4 * j);
      const p1 = p + 4 * <usize>load<i32>(table + 4 * min(j + 1, T - 1));
      const p2 = p + 4 * <usize>load<i32>(table + 4 * min(j + 2, T - 1));
      const p3 = p + 4 * <usize>load<i32>(table + 4 * min(j + 3, T - 1));
      for (let r = 0; r < 6; r++) {
        const o: usize = 4 * <usize>(r * PW);
        const q0 = v128.load(p0 + o);
        const q1 = v128.load(p1 + o);
        const q2 = v128.load(p2 + o);
        const q3 = v128.load(p3 + o);
        const t0 = v128.shuffle<f32>(q0, q1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(q2, q3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(q0, q1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(q2, q3, 2, 6, 3, 7);
        // columns 4 and 5 of the four tiles
        const h01 = v128.shuffle<f32>(v128.load64_zero(p0 + o, 16), v128.load64_zero(p1 + o, 16), 0, 1, 4, 5);
        const h23 = v128.shuffle<f32>(v128.load64_zero(p2 + o, 16), v128.load64_zero(p3 + o, 16), 0, 1, 4, 5);
        inputTransform6(
          e + 16 * r,
          96,
          v128.shuffle<f32>(t0, t1, 0, 1, 4, 5),
          v128.shuffle<f32>(t0, t1, 2, 3, 6, 7),
          v128.shuffle<f32>(t2, t3, 0, 1, 4, 5),
          v128.shuffle<f32>(t2, t3, 2, 3, 6, 7),
          v128.shuffle<f32>(h01, h23, 0, 2, 4, 6),
          v128.shuffle<f32>(h01, h23, 1, 3, 5, 7),
        );
      }
      const dst = V + 4 * (kBase + (packed ? <usize>(j / NR) * kc * NR + (j % NR) : <usize>j));
      for (let s = 0; s < 6; s++) {
        const c = e + 96 * s;
        inputTransform6(dst + <usize>s * vStride, 6 * vStride, v128.load(c), v128.load(c, 16), v128.load(c, 32), v128.load(c, 48), v128.load(c, 64), v128.load(c, 80));
      }
    }
  }
}

/**
 * transformOutput4 for any four consecutive tiles of the chunk, channels [m0, m1): tile t's 4x4
 * outputs start at float table[t] of out (images, M, OH, OW) + m * P; tiles past T are not stored.
 */
function transformOutput4Gather(out: usize, Mt: usize, M: i32, m0: i32, m1: i32, T: i32, P: i32, OW: i32, table: usize, bias: usize, add: bool, e: usize): void {
  const xiStride: usize = 4 * <usize>winogradPlaneFloats(M * T);
  for (let m = m0; m < m1; m++) {
    const bv = f32x4.splat(bias != 0 ? load<f32>(bias + 4 * m) : 0);
    const plane = out + 4 * <usize>m * P;
    for (let j = 0; j < T; j += 4) {
      const s = Mt + 4 * (<usize>m * T + j); // columns past T: whatever follows, never stored
      for (let c = 0; c < 6; c++) {
        const a = s + <usize>c * xiStride;
        outputTransform6(e + 16 * c, 96, v128.load(a), v128.load(a + 6 * xiStride), v128.load(a + 12 * xiStride), v128.load(a + 18 * xiStride), v128.load(a + 24 * xiStride), v128.load(a + 30 * xiStride));
      }
      const lanes = min(4, T - j);
      for (let i = 0; i < 4; i++) {
        const r = e + 96 * i;
        const x0 = v128.load(r);
        const x1 = v128.load(r, 16);
        const x2 = v128.load(r, 32);
        const x3 = v128.load(r, 48);
        const x4 = v128.load(r, 64);
        const x5 = v128.load(r, 80);
        const p = f32x4.add(x1, x2);
        const q = f32x4.sub(x1, x2);
        const u = f32x4.add(x3, x4);
        const v = f32x4.sub(x3, x4);
        const y0 = f32x4.add(f32x4.add(f32x4.add(x0, p), u), bv);
        const y1 = f32x4.add(f32x4.add(q, f32x4.add(v, v)), bv);
        const y2 = f32x4.add(f32x4.add(p, f32x4.mul(f32x4.splat(4), u)), bv);
        const y3 = f32x4.add(f32x4.add(f32x4.add(q, f32x4.mul(f32x4.splat(8), v)), x5), bv);
        const t0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
        const row = plane + 4 * <usize>(i * OW);
        storeAdd(row + 4 * <usize>load<i32>(table + 4 * j), v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), add);
        if (lanes > 1) storeAdd(row + 4 * <usize>load<i32>(table + 4 * (j + 1)), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), add);
        if (lanes > 2) storeAdd(row + 4 * <usize>load<i32>(table + 4 * (j + 2)), v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), add);
        if (lanes > 3) storeAdd(row + 4 * <usize>load<i32>(table + 4 * (j + 3)), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), add);
      }
    }
  }
}

// The weight gradient with F(4x4, 3x3) transforms (see winograd.ts for the F(2x2) one):
// dW = G^T [sum over tiles (A o A^T) * (B^T d B)] G for each 4x4 block o of dout and its 6x6 input
// block d, A = (A^T)^T (6, 4). Planes must be whole tiles (OH, OW multiples of 4).

/** Floats of per-thread scratch winograd4GradientTiles needs for up to `images` images. */
export function winograd4GradientScratchFloats(geo: usize, images: i32): i32 {
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  return images * load<i32>(geo, C_) * (4 * TH + 2) * (4 * TW + 2) + 4 + 4 * 36 + 2 * images * TH * TW;
}

/**
 * Images [n0, n1) of the chunk starting at image c0: V (36, K, ld) = B^T d B of inp (N, K, H, W)
 * and O (36, M, ld) = A o A^T of dout (N, M, OH, OW); image n's tiles are columns (n - c0) * TT +
 * ty * TW + tx. ld is a multiple of 4 past the chunk's tiles, and n1 - n0 images are a multiple
 * of 4 tiles unless n1 ends the chunk (the last vector's extra lanes land in columns past its tiles).
 * @threaded
 */
export function winograd4GradientTiles(n0: i32, n1: i32, c0: i32, ld: i32, geo: usize, V: usize, O: usize, inp: usize, dout: usize, scratch: usize): void {
  const K = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const M = load<i32>(geo, OC_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  const TT = TH * TW;
  const PH = 4 * TH + 2;
  const PW = 4 * TW + 2;
  const planes = K * PH * PW;
  const images = n1 - n0;
  const T = images * TT; // this call's tiles
  const padded = scratch; // (images, K, PH, PW)
  const e = padded + 4 * (<usize>images * planes + 4); // 36 vectors
  const table = e + 4 * 4 * 36; // (T) padded-input offsets, (T) dout offsets
  for (let i = 0; i < images; i++)
    padImage(padded + 4 * <usize>i * planes, inp + 4 * <usize>(n0 + i) * K * H * W, K, H, W, PH, PW, load<i32>(geo, PT_), load<i32>(geo, PL_));
  for (let t = 0; t < T; t++) {
    const i = t / TT;
    const ty = (t % TT) / TW;
    const tx = t % TW;
    store<i32>(table + 4 * t, i * planes + 4 * ty * PW + 4 * tx);
    store<i32>(table + 4 * (T + t), (n0 + i) * M * OH * OW + 4 * ty * OW + 4 * tx);
  }
  const col0 = (n0 - c0) * TT;
  transformInput4Gather(V, 4 * <usize>K * ld, -ld, padded, K, PH * PW, PW, T, table, e, col0);
  transformGradient4(O, 4 * <usize>M * ld, ld, dout, M, OH * OW, OW, T, table + 4 * T, e, col0);
}

/** A x for x0..x3 into e, e + stride, ..., e + 5 stride: A = [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8; 0 0 0 1]. */
// @ts-ignore: decorator
@inline function gradientTransform4(e: usize, stride: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const a = f32x4.add(x0, x2);
  const b = f32x4.add(x1, x3);
  const c = f32x4.add(x0, f32x4.mul(f32x4.splat(4), x2));
  const d = f32x4.add(f32x4.add(x1, x1), f32x4.mul(f32x4.splat(8), x3));
  v128.store(e, x0);
  v128.store(e + stride, f32x4.add(a, b));
  v128.store(e + 2 * stride, f32x4.sub(a, b));
  v128.store(e + 3 * stride, f32x4.add(c, d));
  v128.store(e + 4 * stride, f32x4.sub(c, d));
  v128.store(e + 5 * stride, x3);
}

/**
 * O (36, M, ld) columns col0 + j = A o A^T for tiles j of table (o (4, 4) at float table[j] of dout
 * + m * P), four tiles per vector (past T: the last one again).
 */
function transformGradient4(O: usize, xiStride: usize, ld: i32, dout: usize, M: i32, P: i32, OW: i32, T: i32, table: usize, e: usize, col0: i32): void {
  for (let m = 0; m < M; m++) {
    const p = dout + 4 * <usize>m * P;
    for (let j = 0; j < T; j += 4) {
      const p0 = p + 4 * <usize>load<i32>(table + 4 * j);
      const p1 = p + 4 * <usize>load<i32>(table + 4 * min(j + 1, T - 1));
      const p2 = p + 4 * <usize>load<i32>(table + 4 * min(j + 2, T - 1));
      const p3 = p + 4 * <usize>load<i32>(table + 4 * min(j + 3, T - 1));
      for (let r = 0; r < 4; r++) {
        // row r of the four tiles' o, transposed to lane = tile, then A along it into e[s][r]
        const o: usize = 4 * <usize>(r * OW);
        const q0 = v128.load(p0 + o);
        const q1 = v128.load(p1 + o);
        const q2 = v128.load(p2 + o);
        const q3 = v128.load(p3 + o);
        const t0 = v128.shuffle<f32>(q0, q1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(q2, q3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(q0, q1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(q2, q3, 2, 6, 3, 7);
        gradientTransform4(e + 16 * r, 64, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
      }
      const dst = O + 4 * (<usize>m * ld + col0 + j);
      for (let s = 0; s < 6; s++) {
        // column s: A over the rows, into O[6 i + s]
        const c = e + 64 * s;
        gradientTransform4(dst + <usize>s * xiStride, 6 * xiStride, v128.load(c), v128.load(c, 16), v128.load(c, 32), v128.load(c, 48));
      }
    }
  }
}

/**
 * dweight (M, K, 3, 3)[m][k] += G^T u G for rows m in [m0, m1), u (6, 6) = dU (36, M, K)[.][m][k],
 * G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1]. Four k per
 * vector; the last K % 4 one at a time, in lane 0.
 * @threaded
 */
export function winograd4WeightGradient(m0: i32, m1: i32, dweight: usize, dU: usize, M: i32, K: i32): void {
  const xiStride: usize = 4 * <usize>winogradPlaneFloats(M * K);
  for (let m = m0; m < m1; m++)
    for (let k = 0; k < K; ) {
      const lanes = K - k >= 4 ? 4 : 1;
      const s = dU + 4 * (<usize>m * K + k);
      const dw = dweight + 36 * (<usize>m * K + k);
      // rows a, b, c of G^T u, column j from u's column j (each u loaded once), then G along each row
      const u00 = uLoad(s + 0 * xiStride, lanes);
      const u01 = uLoad(s + 6 * xiStride, lanes);
      const u02 = uLoad(s + 12 * xiStride, lanes);
      const u03 = uLoad(s + 18 * xiStride, lanes);
      const u04 = uLoad(s + 24 * xiStride, lanes);
      const u05 = uLoad(s + 30 * xiStride, lanes);
      const a0 = gt0(u00, u01, u02, u03, u04, u05);
      const b0 = gt1(u00, u01, u02, u03, u04, u05);
      const c0 = gt2(u00, u01, u02, u03, u04, u05);
      const u10 = uLoad(s + 1 * xiStride, lanes);
      const u11 = uLoad(s + 7 * xiStride, lanes);
      const u12 = uLoad(s + 13 * xiStride, lanes);
      const u13 = uLoad(s + 19 * xiStride, lanes);
      const u14 = uLoad(s + 25 * xiStride, lanes);
      const u15 = uLoad(s + 31 * xiStride, lanes);
      const a1 = gt0(u10, u11, u12, u13, u14, u15);
      const b1 = gt1(u10, u11, u12, u13, u14, u15);
      const c1 = gt2(u10, u11, u12, u13, u14, u15);
      const u20 = uLoad(s + 2 * xiStride, lanes);
      const u21 = uLoad(s + 8 * xiStride, lanes);
      const u22 = uLoad(s + 14 * xiStride, lanes);
      const u23 = uLoad(s + 20 * xiStride, lanes);
      const u24 = uLoad(s + 26 * xiStride, lanes);
      const u25 = uLoad(s + 32 * xiStride, lanes);
      const a2 = gt0(u20, u21, u22, u23, u24, u25);
      const b2 = gt1(u20, u21, u22, u23, u24, u25);
      const c2 = gt2(u20, u21, u22, u23, u24, u25);
      const u30 = uLoad(s + 3 * xiStride, lanes);
      const u31 = uLoad(s + 9 * xiStride, lanes);
      const u32 = uLoad(s + 15 * xiStride, lanes);
      const u33 = uLoad(s + 21 * xiStride, lanes);
      const u34 = uLoad(s + 27 * xiStride, lanes);
      const u35 = uLoad(s + 33 * xiStride, lanes);
      const a3 = gt0(u30, u31, u32, u33, u34, u35);
      const b3 = gt1(u30, u31, u32, u33, u34, u35);
      const c3 = gt2(u30, u31, u32, u33, u34, u35);
      const u40 = uLoad(s + 4 * xiStride, lanes);
      const u41 = uLoad(s + 10 * xiStride, lanes);
      const u42 = uLoad(s + 16 * xiStride, lanes);
      const u43 = uLoad(s + 22 * xiStride, lanes);
      const u44 = uLoad(s + 28 * xiStride, lanes);
      const u45 = uLoad(s + 34 * xiStride, lanes);
      const a4 = gt0(u40, u41, u42, u43, u44, u45);
      const b4 = gt1(u40, u41, u42, u43, u44, u45);
      const c4 = gt2(u40, u41, u42, u43, u44, u45);
      const u50 = uLoad(s + 5 * xiStride, lanes);
      const u51 = uLoad(s + 11 * xiStride, lanes);
      const u52 = uLoad(s + 17 * xiStride, lanes);
      const u53 = uLoad(s + 23 * xiStride, lanes);
      const u54 = uLoad(s + 29 * xiStride, lanes);
      const u55 = uLoad(s + 35 * xiStride, lanes);
      const a5 = gt0(u50, u51, u52, u53, u54, u55);
      const b5 = gt1(u50, u51, u52, u53, u54, u55);
      const c5 = gt2(u50, u51, u52, u53, u54, u55);
      addLanes(dw + 0, gt0(a0, a1, a2, a3, a4, a5), lanes);
      addLanes(dw + 4, gt1(a0, a1, a2, a3, a4, a5), lanes);
      addLanes(dw + 8, gt2(a0, a1, a2, a3, a4, a5), lanes);
      addLanes(dw + 12, gt0(b0, b1, b2, b3, b4, b5), lanes);
      addLanes(dw + 16, gt1(b0, b1, b2, b3, b4, b5), lanes);
      addLanes(dw + 20, gt2(b0, b1, b2, b3, b4, b5), lanes);
      addLanes(dw + 24, gt0(c0, c1, c2, c3, c4, c5), lanes);
      addLanes(dw + 28, gt1(c0, c1, c2, c3, c4, c5), lanes);
      addLanes(dw + 32, gt2(c0, c1, c2, c3, c4, c5), lanes);
      k += lanes;
    }
}

// @ts-ignore: decorator
@inline function uLoad(p: usize, lanes: i32): v128 {
  return lanes == 4 ? v128.load(p) : v128.load32_zero(p);
}

// Rows of G^T applied to x0..x5.
// @ts-ignore: decorator
@inline function gt0(x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128): v128 {
  const a = f32x4.mul(x0, f32x4.splat(0.25));
  const b = f32x4.mul(f32x4.add(x1, x2), f32x4.splat(-1.0 / 6));
  return f32x4.add(f32x4.add(a, b), f32x4.mul(f32x4.add(x3, x4), f32x4.splat(1.0 / 24)));
}
// @ts-ignore: decorator
@inline function gt1(x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128): v128 {
  const b = f32x4.mul(f32x4.sub(x2, x1), f32x4.splat(1.0 / 6));
  return f32x4.add(b, f32x4.mul(f32x4.sub(x3, x4), f32x4.splat(1.0 / 12)));
}
// @ts-ignore: decorator
@inline function gt2(x0: v128, x1: v128, x2: v128, x3: v128, x4: v128, x5: v128): v128 {
  const b = f32x4.mul(f32x4.add(x1, x2), f32x4.splat(-1.0 / 6));
  return f32x4.add(f32x4.add(b, f32x4.mul(f32x4.add(x3, x4), f32x4.splat(1.0 / 6))), x5);
}

/** The float at dw + 36 * l += lane l of v, for l < lanes (4 or 1). */
// @ts-ignore: decorator
@inline function addLanes(dw: usize, v: v128, lanes: i32): void {
  store<f32>(dw, load<f32>(dw) + f32x4.extract_lane(v, 0));
  if (lanes == 1) return;
  store<f32>(dw, load<f32>(dw, 36) + f32x4.extract_lane(v, 1), 36);
  store<f32>(dw, load<f32>(dw, 72) + f32x4.extract_lane(v, 2), 72);
  store<f32>(dw, load<f32>(dw, 108) + f32x4.extract_lane(v, 3), 108);
}
