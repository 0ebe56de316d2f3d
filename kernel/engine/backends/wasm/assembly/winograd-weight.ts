// The Winograd weight gradient's products without a GEMM: dU[xi] (M, K) (+)= O[xi] (M, ld) .
// V[xi] (K, ld)^T over the first T columns, as dot products of rows that are already contiguous in
// tile order (the layout winogradGradientTiles / winograd4GradientTiles write), so nothing is
// packed. A register block is 2 rows of O x 4 rows of V: per four tiles 6 loads and 8 multiply-adds
// into 8 f32x4 sums (lane = tile mod 4), reduced to one f32x4 of 4 dU entries at the end of the row.
// NOTE: with 16-32 channels sgemm spent about as long packing O and V as multiplying (M, K small,
// depth deep); the dot products run near the FMA ceiling instead. The sum of one dU entry depends
// only on T, so any split of xi across threads gives the same numbers.
// winogradWeightChunks runs whole chunks of images (transforms, then products) on one thread, each
// chunk into its own dU; sumChunks then adds the chunks' dU in order: the same sums as adding each
// chunk's products into one dU in turn, on any thread count.

import { C_, OC_, OH_, OW_ } from "./conv-geometry";
import { madd } from "./simd";
import { winogradPlaneFloats } from "./winograd";
import { winograd4GradientTiles } from "./winograd4";

/**
 * Chunks [k0, k1) of `chunks`, chunk k being images [k * N / chunks, (k + 1) * N / chunks): their
 * F(4x4) tile transforms into this thread's V (36, C, ld) and O (36, OC, ld), then dUs[k] (36, OC,
 * C) = O V^T (overwritten, not added; planes winogradPlaneFloats(OC * C) apart, 36 planes a
 * chunk). `scratch` holds winograd4GradientScratchFloats for the largest chunk; V and O have 16
 * bytes to spare after them (see winogradWeightDots).
 * @threaded
 */
export function winogradWeightChunks(k0: i32, k1: i32, chunks: i32, N: i32, ld: i32, geo: usize, V: usize, O: usize, inp: usize, dout: usize, scratch: usize, dUs: usize): void {
  const K = load<i32>(geo, C_);
  const M = load<i32>(geo, OC_);
  const tiles = (load<i32>(geo, OH_) / 4) * (load<i32>(geo, OW_) / 4);
  for (let k = k0; k < k1; k++) {
    const n0 = (k * N) / chunks;
    const n1 = ((k + 1) * N) / chunks;
    winograd4GradientTiles(n0, n1, n0, ld, geo, V, O, inp, dout, scratch);
    winogradWeightDots(0, 36, (n1 - n0) * tiles, ld, M, K, O, V, dUs + 4 * <usize>k * 36 * winogradPlaneFloats(M * K), 0);
  }
}

/**
 * Floats [i0, i1) of dst = src[0] + src[1] + ... + src[chunks - 1], added in that order; src (chunks, n).
 * @threaded
 */
export function sumChunks(i0: i32, i1: i32, dst: usize, src: usize, chunks: i32, n: i32): void {
  const stride: usize = 4 * <usize>n;
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    let p = src + 4 * <usize>i;
    let s = v128.load(p);
    for (let k = 1; k < chunks; k++) {
      p += stride;
      s = f32x4.add(s, v128.load(p));
    }
    v128.store(dst + 4 * <usize>i, s);
  }
  for (; i < i1; i++) {
    let p = src + 4 * <usize>i;
    let s = load<f32>(p);
    for (let k = 1; k < chunks; k++) {
      p += stride;
      s += load<f32>(p);
    }
    store<f32>(dst + 4 * <usize>i, s);
  }
}

/**
 * For xi in [x0, x1): dU[xi] (M, K) = (add: +=) O[xi] (M, ld) @ V[xi] (K, ld)^T over columns
 * [0, T) (columns T..ld are ignored). O is (xis, M, ld), V (xis, K, ld), dU (xis, M, K) floats
 * with planes winogradPlaneFloats(M * K) apart.
 * Rows may be read up to 3 floats past T (masked): callers leave 16 bytes after O and V.
 * @internal a helper of other assembly files, not a wasm export
 */
export function winogradWeightDots(x0: i32, x1: i32, T: i32, ld: i32, M: i32, K: i32, O: usize, V: usize, dU: usize, add: i32): void {
  const rowBytes: usize = 4 * <usize>ld;
  const tail = T & 3;
  // lanes < T % 4 set: the last partial vector of a row
  const mask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tail));
  const uStride: usize = 4 * <usize>winogradPlaneFloats(M * K); // from dU[xi] to dU[xi + 1]
  for (let xi = x0; xi < x1; xi++) {
    const o = O + <usize>xi * M * rowBytes;
    const v = V + <usize>xi * K * rowBytes;
    const u = dU + <usize>xi * uStride;
    let m = 0;
    for (; m + 2 <= M; m += 2) {
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        block2x4(o + <usize>m * rowBytes, v + <usize>k * rowBytes, rowBytes, T, tail, mask, u + 4 * (<usize>m * K + k), 4 * <usize>K, add);
      }
      for (; k < K; k++) {
        const vk = v + <usize>k * rowBytes;
        const uk = u + 4 * (<usize>m * K + k);
        dot1(o + <usize>m * rowBytes, vk, T, tail, mask, uk, add);
        dot1(o + <usize>(m + 1) * rowBytes, vk, T, tail, mask, uk + 4 * <usize>K, add);
      }
    }
    for (; m < M; m++)
      for (let k = 0; k < K; k++)
        dot1(o + <usize>m * rowBytes, v + <usize>k * rowBytes, T, tail, mask, u + 4 * (<usize>m * K + k), add);
  }
}

/** dU rows 0, 1 (at u, u + uRow bytes), 4 entries each (+)= O rows 0, 1 . V rows 0-3 (rows `row` bytes apart). */
// @ts-ignore: decorator
@inline function block2x4(o: usize, v: usize, row: usize, T: i32, tail: i32, mask: v128, u: usize, uRow: usize, add: i32): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
  let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
  const o1 = o + row;
  const v1 = v + row;
  const v2 = v + 2 * row;
  const v3 = v + 3 * row;
  const end: usize = 4 * <usize>(T - tail);
  for (let i: usize = 0; i < end; i += 16) {
    const p = v128.load(o + i);
    const q = v128.load(o1 + i);
    let w = v128.load(v + i);
    a00 = madd(p, w, a00);
    a10 = madd(q, w, a10);
    w = v128.load(v1 + i);
    a01 = madd(p, w, a01);
    a11 = madd(q, w, a11);
    w = v128.load(v2 + i);
    a02 = madd(p, w, a02);
    a12 = madd(q, w, a12);
    w = v128.load(v3 + i);
    a03 = madd(p, w, a03);
    a13 = madd(q, w, a13);
  }
  if (tail != 0) {
    const p = v128.and(v128.load(o + end), mask);
    const q = v128.and(v128.load(o1 + end), mask);
    let w = v128.and(v128.load(v + end), mask);
    a00 = madd(p, w, a00);
    a10 = madd(q, w, a10);
    w = v128.and(v128.load(v1 + end), mask);
    a01 = madd(p, w, a01);
    a11 = madd(q, w, a11);
    w = v128.and(v128.load(v2 + end), mask);
    a02 = madd(p, w, a02);
    a12 = madd(q, w, a12);
    w = v128.and(v128.load(v3 + end), mask);
    a03 = madd(p, w, a03);
    a13 = madd(q, w, a13);
  }
  const s0 = sum4(a00, a01, a02, a03);
  const s1 = sum4(a10, a11, a12, a13);
  v128.store(u, add ? f32x4.add(v128.load(u), s0) : s0);
  v128.store(u + uRow, add ? f32x4.add(v128.load(u + uRow), s1) : s1);
}

/** The float at u (+)= O row . V row over T columns. */
// @ts-ignore: decorator
@inline function dot1(o: usize, v: usize, T: i32, tail: i32, mask: v128, u: usize, add: i32): void {
  let a = f32x4.splat(0);
  const end: usize = 4 * <usize>(T - tail);
  for (let i: usize = 0; i < end; i += 16) a = madd(v128.load(o + i), v128.load(v + i), a);
  if (tail != 0) a = madd(v128.and(v128.load(o + end), mask), v128.and(v128.load(v + end), mask), a);
  const s = sum4(a, a, a, a);
  const x = f32x4.extract_lane(s, 0);
  store<f32>(u, add ? load<f32>(u) + x : x);
}

/** (sum of a's lanes, of b's, of c's, of d's): pairwise, (lane 0 + lane 2) + (lane 1 + lane 3). */
// @ts-ignore: decorator
@inline function sum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}
