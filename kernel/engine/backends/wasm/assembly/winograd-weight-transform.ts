// The Winograd convs' weight transform U = G g G^T (winograd.ts: F(2x2, 3x3), 16 elements xi;
// winograd4.ts: F(4x4, 3x3), 36), once per call, written straight into gemmPrepacked's packed A
// layout: one vector holds a micro-panel's MR output rows at one input channel k, so every thread
// and chunk of the conv reads U as it is (no U pass and no packing pass after it).
// g (3, 3) = w (M, K, 3, 3)[m][k], or, when `flip`, w (K, M, 3, 3)[k][m] rotated by 180 degrees (the
// input gradient's conv: transposed channels, flipped weight). Rows past M repeat row M - 1 (packed
// padding: computed, never stored). xi = side * row + column of the transformed tile.

import { MR, packedAFloats, packedAOffset } from "./gemm";
import { half, winogradPlaneFloats } from "./winograd";

/**
 * Up[xi] = U[xi] (M, K) packed for gemmPrepacked (winogradPlaneFloats(packedAFloats(M, K)) floats
 * apart) for rows m in [m0, m1) (m0 a multiple of MR), F(2x2, 3x3): G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1].
 * @threaded
 */
export function winogradWeights(m0: i32, m1: i32, Up: usize, w: usize, M: i32, K: i32, flip: i32): void {
  transformWeights(m0, m1, Up, w, M, K, flip != 0, false);
}

/**
 * As winogradWeights for F(4x4, 3x3): G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6;
 * 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1].
 * @threaded
 */
export function winograd4Weights(m0: i32, m1: i32, Up: usize, w: usize, M: i32, K: i32, flip: i32): void {
  transformWeights(m0, m1, Up, w, M, K, flip != 0, true);
}

/** Both kernels: the taps of four rows gathered per k, then F(2x2)'s or F(4x4)'s transform. */
// @ts-ignore: decorator
@inline function transformWeights(m0: i32, m1: i32, Up: usize, w: usize, M: i32, K: i32, f: bool, f4: bool): void {
  const kStep: usize = f ? 36 * <usize>M : 36; // bytes from g[m][k] to g[m][k + 1]
  const xiBytes: usize = 4 * <usize>winogradPlaneFloats(packedAFloats(M, K)); // from Up[xi] to Up[xi + 1]
  for (let i = m0; i < m1; i += MR) {
    // g[m][0] of the panel's four rows (past M: row M - 1 again)
    let p0: usize = w + 36 * <usize>(f ? i : i * K);
    let p1: usize = w + 36 * <usize>(f ? min(i + 1, M - 1) : min(i + 1, M - 1) * K);
    let p2: usize = w + 36 * <usize>(f ? min(i + 2, M - 1) : min(i + 2, M - 1) * K);
    let p3: usize = w + 36 * <usize>(f ? min(i + 3, M - 1) : min(i + 3, M - 1) * K);
    for (let k = 0; k < K; k++) {
      // taps t0..t8 of g (row-major), rotated when flipping
      const t0 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 8 : 0));
      const t1 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 7 : 1));
      const t2 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 6 : 2));
      const t3 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 5 : 3));
      const t4 = gatherLanes(p0, p1, p2, p3, 16);
      const t5 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 3 : 5));
      const t6 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 2 : 6));
      const t7 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 1 : 7));
      const t8 = gatherLanes(p0, p1, p2, p3, 4 * (f ? 0 : 8));
      const d = Up + 4 * packedAOffset(i, k, M, K);
      if (f4) transform4(d, xiBytes, t0, t1, t2, t3, t4, t5, t6, t7, t8);
      else transform2(d, xiBytes, t0, t1, t2, t3, t4, t5, t6, t7, t8);
      p0 += kStep;
      p1 += kStep;
      p2 += kStep;
      p3 += kStep;
    }
  }
}

/** Four floats, one from each of p0..p3 (bytes), `off` bytes on. */
// @ts-ignore: decorator
@inline function gatherLanes(p0: usize, p1: usize, p2: usize, p3: usize, off: usize): v128 {
  let v = v128.load32_zero(p0 + off);
  v = f32x4.replace_lane(v, 1, load<f32>(p1 + off));
  v = f32x4.replace_lane(v, 2, load<f32>(p2 + off));
  v = f32x4.replace_lane(v, 3, load<f32>(p3 + off));
  return v;
}

/** F(2x2): the 16 vectors of G g G^T at d, d + xiBytes, ..., g's taps t0..t8 (row-major). */
// @ts-ignore: decorator
@inline function transform2(d: usize, xiBytes: usize, t0: v128, t1: v128, t2: v128, t3: v128, t4: v128, t5: v128, t6: v128, t7: v128, t8: v128): void {
  // rows of Gg (4, 3): g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2 (gi = row i of g)
  row2(d, xiBytes, t0, t1, t2);
  row2(d + 4 * xiBytes, xiBytes, half(f32x4.add(f32x4.add(t0, t3), t6)), half(f32x4.add(f32x4.add(t1, t4), t7)), half(f32x4.add(f32x4.add(t2, t5), t8)));
  row2(d + 8 * xiBytes, xiBytes, half(f32x4.add(f32x4.sub(t0, t3), t6)), half(f32x4.add(f32x4.sub(t1, t4), t7)), half(f32x4.add(f32x4.sub(t2, t5), t8)));
  row2(d + 12 * xiBytes, xiBytes, t6, t7, t8);
}

/** One row of (Gg) G^T: x0, (x0 + x1 + x2) / 2, (x0 - x1 + x2) / 2, x2 at d, d + xiStride, ... */
// @ts-ignore: decorator
@inline function row2(d: usize, xiStride: usize, x0: v128, x1: v128, x2: v128): void {
  v128.store(d, x0);
  v128.store(d + xiStride, half(f32x4.add(f32x4.add(x0, x1), x2)));
  v128.store(d + 2 * xiStride, half(f32x4.add(f32x4.sub(x0, x1), x2)));
  v128.store(d + 3 * xiStride, x2);
}

/** F(4x4): the 36 vectors of G g G^T at d, d + xiBytes, ..., g's taps t0..t8 (row-major). */
// @ts-ignore: decorator
@inline function transform4(d: usize, xiBytes: usize, t0: v128, t1: v128, t2: v128, t3: v128, t4: v128, t5: v128, t6: v128, t7: v128, t8: v128): void {
  const q = 6 * xiBytes; // from row i of Gg's transforms to row i + 1's
  // row i of Gg = G[i] applied to g's rows (t0 t1 t2), (t3 t4 t5), (t6 t7 t8); then G along it
  row4(d, xiBytes, g0(t0, t3, t6), g0(t1, t4, t7), g0(t2, t5, t8));
  row4(d + q, xiBytes, g1(t0, t3, t6), g1(t1, t4, t7), g1(t2, t5, t8));
  row4(d + 2 * q, xiBytes, g2(t0, t3, t6), g2(t1, t4, t7), g2(t2, t5, t8));
  row4(d + 3 * q, xiBytes, g3(t0, t3, t6), g3(t1, t4, t7), g3(t2, t5, t8));
  row4(d + 4 * q, xiBytes, g4(t0, t3, t6), g4(t1, t4, t7), g4(t2, t5, t8));
  row4(d + 5 * q, xiBytes, t6, t7, t8);
}

/** F(4x4)'s G applied to (a, b, c): six vectors at d, d + xiStride, ... */
// @ts-ignore: decorator
@inline function row4(d: usize, xiStride: usize, a: v128, b: v128, c: v128): void {
  v128.store(d, g0(a, b, c));
  v128.store(d + xiStride, g1(a, b, c));
  v128.store(d + 2 * xiStride, g2(a, b, c));
  v128.store(d + 3 * xiStride, g3(a, b, c));
  v128.store(d + 4 * xiStride, g4(a, b, c));
  v128.store(d + 5 * xiStride, c);
}

// Rows 0-4 of F(4x4)'s G applied to (a, b, c); row 5 is c.
// @ts-ignore: decorator
@inline function g0(a: v128, b: v128, c: v128): v128 {
  return f32x4.mul(a, f32x4.splat(0.25));
}
// @ts-ignore: decorator
@inline function g1(a: v128, b: v128, c: v128): v128 {
  return f32x4.mul(f32x4.add(f32x4.add(a, b), c), f32x4.splat(-1.0 / 6));
}
// @ts-ignore: decorator
@inline function g2(a: v128, b: v128, c: v128): v128 {
  return f32x4.mul(f32x4.add(f32x4.sub(a, b), c), f32x4.splat(-1.0 / 6));
}
// @ts-ignore: decorator
@inline function g3(a: v128, b: v128, c: v128): v128 {
  const s = f32x4.add(f32x4.mul(a, f32x4.splat(1.0 / 24)), f32x4.mul(c, f32x4.splat(1.0 / 6)));
  return f32x4.add(s, f32x4.mul(b, f32x4.splat(1.0 / 12)));
}
// @ts-ignore: decorator
@inline function g4(a: v128, b: v128, c: v128): v128 {
  const s = f32x4.add(f32x4.mul(a, f32x4.splat(1.0 / 24)), f32x4.mul(c, f32x4.splat(1.0 / 6)));
  return f32x4.sub(s, f32x4.mul(b, f32x4.splat(1.0 / 12)));
}
