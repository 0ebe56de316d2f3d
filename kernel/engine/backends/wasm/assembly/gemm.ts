// Single-precision GEMM: C (M, N) (+)= op(A) (M, K) @ op(B) (K, N), Goto-style.
// B is packed in KC x NC blocks of NR-column micro-panels, A in MC x KC blocks of MR-row
// micro-panels (edge panels padded with copies of their last row/column: those products land in
// rows/columns of C that are never stored), and a 4x8 register-blocked micro-kernel
// (8 f32x4 accumulators) runs over them. Operands are read through (row, col) element strides,
// so every transpose the backward pass needs is a packing detail, not a separate kernel.
//
// NOTE: the result for one C element depends only on K and KC (the k order inside a block and
// the order of blocks), never on which rows/columns a caller computes; so splitting C across
// threads gives bit-identical results to one thread, and MC and NC (which only group rows and
// columns into blocks, in whole micro-tiles) are free to follow the machine's caches: the JS side
// sets them once per instance (setGemmBlocking, from ../blocking.ts) before any call.

import { madd } from "./simd";

export const MR = 4; // rows of C per micro-kernel
export const NR = 8; // columns of C per micro-kernel (two f32x4)
export const KC = 256; // depth of a packed block
let MC = 128; // rows of a packed A block (multiple of MR); setGemmBlocking
let NC = 1024; // columns of a packed B block (multiple of NR); setGemmBlocking

/**
 * Sets this instance's block sizes: MC rows of A (a multiple of MR = 4) and NC columns of B (a
 * multiple of NR = 8) per packed block. Every instance sharing a memory must hold the same values
 * (scratch sizes are computed on one and used on another); traps on values that are not whole
 * micro-tiles. Changes no result (see the NOTE at the top).
 */
export function setGemmBlocking(mc: i32, nc: i32): void {
  if (mc < MR || mc % MR != 0 || nc < NR || nc % NR != 0) unreachable();
  MC = mc;
  NC = nc;
}

/** This instance's MC (rows of a packed A block). */
export function gemmBlockingMC(): i32 {
  return MC;
}

/** KC (the depth of a packed block): fixed at build time, reported by backendInfo().gemm. */
export function gemmBlockingKC(): i32 {
  return KC;
}

/** This instance's NC (columns of a packed B block). */
export function gemmBlockingNC(): i32 {
  return NC;
}

// @ts-ignore: decorator
@inline function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** Bytes of scratch one call of sgemm needs for a C range of `rows` x `cols` and depth K. */
export function sgemmScratchBytes(rows: i32, cols: i32, K: i32): i32 {
  const mc = min(MC, roundUp(rows, MR));
  const nc = min(NC, roundUp(cols, NR));
  const kc = min(KC, max(K, 1));
  return (mc * kc + kc * nc + MR * NR) * 4;
}

/**
 * For each matrix p in [p0, p1) of a batch: C[p][m0:m1, n0:n1] (+)= op(A[p]) @ op(B[p]), where
 * A[p] = a + 4 * p * strideA (likewise B, C) and C[p] is stored row-major (M, N).
 * A's logical element (i, k) is at A[p] + 4 * (i * aRow + k * aCol); B's (k, j) at B[p] + 4 * (k * bRow + j * bCol).
 * `accumulate` adds into C instead of overwriting it. `scratch` holds sgemmScratchBytes(m1 - m0, n1 - n0, K)
 * bytes, 16-byte aligned, private to this call.
 * @threaded
 */
export function sgemm(
  p0: i32,
  p1: i32,
  strideA: i32,
  strideB: i32,
  strideC: i32,
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  accumulate: i32,
  m0: i32,
  m1: i32,
  n0: i32,
  n1: i32,
  scratch: usize,
): void {
  for (let p = p0; p < p1; p++)
    gemmBlock(
      M,
      N,
      K,
      a + 4 * <usize>p * strideA,
      aRow,
      aCol,
      b + 4 * <usize>p * strideB,
      bRow,
      bCol,
      c + 4 * <usize>p * strideC,
      N,
      accumulate != 0,
      m0,
      m1,
      n0,
      n1,
      scratch,
    );
}

/**
 * C (M, N) (+)= op(A) @ op(B) on the calling thread, for kernels built on GEMM (see sgemm); C's rows
 * are `ldc` elements apart.
 */
// @ts-ignore: decorator
@inline export function gemm(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  scratch: usize,
): void {
  gemmBlock(M, N, K, a, aRow, aCol, b, bRow, bCol, c, ldc, accumulate, 0, M, 0, N, scratch);
}

/** C[m0:m1, n0:n1] (+)= op(A) @ op(B) for one matrix, C's rows `ldc` elements apart (see sgemm). */
function gemmBlock(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  m0: i32,
  m1: i32,
  n0: i32,
  n1: i32,
  scratch: usize,
): void {
  if (m0 >= m1 || n0 >= n1) return;
  if (K == 0) {
    if (!accumulate) for (let i = m0; i < m1; i++) memory.fill(c + 4 * (i * ldc + n0), 0, 4 * (n1 - n0));
    return;
  }
  const mcMax = min(MC, roundUp(m1 - m0, MR));
  const kcMax = min(KC, K);
  const packedA = scratch; // (MC / MR) micro-panels of (KC, MR)
  const packedB = packedA + 4 * mcMax * kcMax; // (NC / NR) micro-panels of (KC, NR)
  const tile = packedB + 4 * kcMax * min(NC, roundUp(n1 - n0, NR)); // (MR, NR) edge tile
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      packB(packedB, b, bRow, bCol, pc, kc, jc, nc);
      const add = accumulate || pc > 0;
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        packA(packedA, a, aRow, aCol, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packedB + 4 * jr * kc;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            microKernel(kc, packedA + 4 * ir * kc, pb, c + 4 * ((ic + ir) * ldc + jc + jr), ldc, mr, nr, add, 0, tile);
          }
        }
      }
    }
  }
}

/** True when C (M, N) has no products to add: empty, or K = 0 (C zeroed unless accumulating). */
function nothingToMultiply(M: i32, N: i32, K: i32, c: usize, ldc: i32, accumulate: bool): bool {
  if (M <= 0 || N <= 0) return true;
  if (K != 0) return false;
  if (!accumulate) for (let i = 0; i < M; i++) memory.fill(c + 4 * i * ldc, 0, 4 * N);
  return true;
}

/**
 * Floats of an A (M, K) packed whole for gemmPrepacked: depth blocks of KC one after the other
 * (block pc starts at float pc * Mpad, Mpad = M rounded up to MR), each the (kc, MR) micro-panels
 * of all rows in order (see packedAOffset).
 */
export function packedAFloats(M: i32, K: i32): i32 {
  return roundUp(M, MR) * K;
}

/**
 * The float offset of rows i..i + MR - 1 (i a multiple of MR), depth k, in an A (M, K) packed whole:
 * MR adjacent floats, one per row (rows past M are padding, computed and never stored).
 * @internal a helper of other assembly files, not a wasm export
 */
// @ts-ignore: decorator
@inline export function packedAOffset(i: i32, k: i32, M: i32, K: i32): usize {
  const pc = k - (k % KC);
  const kc = min(KC, K - pc);
  return <usize>pc * roundUp(M, MR) + <usize>i * kc + <usize>(k - pc) * MR;
}

/**
 * Packs all of A (M, K) (element (i, k) at a + 4 * (i * aRow + k * aCol)) for gemmPrepacked.
 * @internal a helper of other assembly files, not a wasm export
 */
export function packAWhole(dst: usize, a: usize, aRow: i32, aCol: i32, M: i32, K: i32): void {
  const Mpad = roundUp(M, MR);
  for (let pc = 0; pc < K; pc += KC) packA(dst + 4 * <usize>pc * Mpad, a, aRow, aCol, 0, M, pc, min(KC, K - pc));
}

/**
 * C (M, N) (+)= A @ B on the calling thread with both already packed: A whole (packAWhole, or
 * written so by its producer: Winograd's transformed weights) and B as producers such as conv's
 * im2col write it (packedBFloats' layout, or packBWhole): nothing is packed per call. C's rows are
 * `ldc` elements apart. Same sums, in the same order, as gemm. Unless accumulating, a non-zero
 * `rowBias` (M) starts row i's sums at rowBias[i] (a fused bias: no pass writing it into C first).
 * `tile` holds MR * NR floats. With `aRows` > 0, packedA holds aRows rows and C's rows are its rows
 * [a0, a0 + M) (a0 a multiple of MR): threads splitting the rows of one packed A.
 * @internal a helper of other assembly files, not a wasm export
 */
export function gemmPrepacked(
  M: i32,
  N: i32,
  K: i32,
  packedA: usize,
  packedB: usize,
  c: usize,
  ldc: i32,
  accumulate: bool,
  rowBias: usize,
  tile: usize,
  a0: i32 = 0,
  aRows: i32 = 0,
): void {
  if (nothingToMultiply(M, N, K, c, ldc, accumulate)) return;
  const Mpad = roundUp(aRows > 0 ? aRows : M, MR);
  const Npad = roundUp(N, NR);
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const paBlock = packedA + 4 * <usize>pc * Mpad;
    const pbBlock = packedB + 4 * <usize>pc * Npad;
    const add = accumulate || pc > 0;
    for (let ic = 0; ic < M; ic += MC) {
      const mc = min(MC, M - ic);
      for (let jr = 0; jr < N; jr += NR) {
        const nr = min(NR, N - jr);
        const pb = pbBlock + 4 * jr * kc;
        for (let ir = ic; ir < ic + mc; ir += MR) {
          const mr = min(MR, ic + mc - ir);
          const rb: usize = add || rowBias == 0 ? 0 : rowBias + 4 * ir;
          microKernel(kc, paBlock + 4 * (a0 + ir) * kc, pb, c + 4 * (ir * ldc + jr), ldc, mr, nr, add, rb, tile);
        }
      }
    }
  }
}

/**
 * Floats of a B (K, N) packed for gemmPrepacked. The layout: depth blocks of KC one after the other
 * (block pc starts at float pc * Npad, Npad = N rounded up to NR), each a row of NR-column
 * micro-panels (kc, NR); padding columns are computed and never stored.
 */
// @ts-ignore: decorator
@inline export function packedBFloats(K: i32, N: i32): i32 {
  return K * roundUp(N, NR);
}

/**
 * Packs all of B (K, N) (element (k, j) at b + 4 * (k * bRow + j * bCol)) in packedBFloats' layout
 * (packedBFloats(K, N) floats), for gemmPrepacked.
 * @internal a helper of other assembly files, not a wasm export
 */
export function packBWhole(dst: usize, b: usize, bRow: i32, bCol: i32, K: i32, N: i32): void {
  const Npad = roundUp(N, NR);
  for (let pc = 0; pc < K; pc += KC) packB(dst + 4 * <usize>pc * Npad, b, bRow, bCol, pc, min(KC, K - pc), 0, N);
}

/** Packs rows [i0, i0 + mc) x depth [p0, p0 + kc) of A into micro-panels of (kc, MR); edge panels padded (see the top). */
function packA(dst: usize, a: usize, aRow: i32, aCol: i32, i0: i32, mc: i32, p0: i32, kc: i32): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const src = a + 4 * ((i0 + ir) * aRow + p0 * aCol);
    if (mr == MR && aRow == 1) {
      // A stored transposed (K, M): the MR rows of one k are adjacent.
      const step = 4 * aCol;
      for (let k = 0, s = src, d = dst; k < kc; k++, s += step, d += 16) v128.store(d, v128.load(s));
    } else if (aCol == 1) {
      // A stored (M, K): transpose 4x4 blocks of four rows. Rows past mr repeat row mr - 1: their
      // products land in C rows that are never stored.
      const s1 = 4 * min(1, mr - 1) * aRow;
      const s2 = 4 * min(2, mr - 1) * aRow;
      const s3 = 4 * min(3, mr - 1) * aRow;
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const s = src + 4 * k;
        const r0 = v128.load(s);
        const r1 = v128.load(s + s1);
        const r2 = v128.load(s + s2);
        const r3 = v128.load(s + s3);
        const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
        const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
        const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
        const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
        const d = dst + 16 * k;
        v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
        v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
        v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
      }
      for (; k < kc; k++)
        for (let r = 0; r < MR; r++) store<f32>(dst + 4 * (k * MR + r), load<f32>(src + 4 * (min(r, mr - 1) * aRow + k)));
    } else {
      for (let k = 0; k < kc; k++)
        for (let r = 0; r < MR; r++)
          store<f32>(dst + 4 * (k * MR + r), r < mr ? load<f32>(src + 4 * (r * aRow + k * aCol)) : 0);
    }
    dst += 4 * MR * kc;
  }
}

/** Packs depth [p0, p0 + kc) x columns [j0, j0 + nc) of B into micro-panels of (kc, NR); edge panels padded (see the top). */
function packB(dst: usize, b: usize, bRow: i32, bCol: i32, p0: i32, kc: i32, j0: i32, nc: i32): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const src = b + 4 * (p0 * bRow + (j0 + jr) * bCol);
    if (nr == NR && bCol == 1) {
      // B stored (K, N): the NR columns of one k are adjacent.
      const step = 4 * bRow;
      for (let k = 0, s = src, d = dst; k < kc; k++, s += step, d += 32) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else if (bRow == 1) {
      // B stored transposed (N, K): transpose 4x4 blocks, twice per micro-panel (columns 0-3, 4-7).
      // Columns past nr repeat column nr - 1: their products land in C columns never stored.
      let k = 0;
      for (; k + 4 <= kc; k += 4)
        for (let half = 0; half < 2; half++) {
          const s = src + 4 * k;
          const j = half * 4;
          const r0 = v128.load(s + 4 * min(j, nr - 1) * bCol);
          const r1 = v128.load(s + 4 * min(j + 1, nr - 1) * bCol);
          const r2 = v128.load(s + 4 * min(j + 2, nr - 1) * bCol);
          const r3 = v128.load(s + 4 * min(j + 3, nr - 1) * bCol);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          const d = dst + 4 * (k * NR + half * 4);
          v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(d, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 4 * NR);
          v128.store(d, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 8 * NR);
          v128.store(d, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 12 * NR);
        }
      for (; k < kc; k++)
        for (let j = 0; j < NR; j++) store<f32>(dst + 4 * (k * NR + j), load<f32>(src + 4 * (k + min(j, nr - 1) * bCol)));
    } else if (bCol == 1) {
      // B stored (K, N), a last panel of nr < NR columns.
      for (let k = 0; k < kc; k++)
        for (let j = 0; j < NR; j++)
          store<f32>(dst + 4 * (k * NR + j), load<f32>(src + 4 * (k * bRow + min(j, nr - 1))));
    } else {
      for (let k = 0; k < kc; k++)
        for (let j = 0; j < NR; j++)
          store<f32>(dst + 4 * (k * NR + j), j < nr ? load<f32>(src + 4 * (k * bRow + j * bCol)) : 0);
    }
    dst += 4 * NR * kc;
  }
}

/**
 * C (mr, nr) at c (row stride ldc elements) (+)= packed A (kc, MR) @ packed B (kc, NR), starting
 * from bias[row] (bias (mr) when non-zero) instead of 0.
 * Full tiles go straight to C; edge tiles through `tile` (MR, NR).
 */
// @ts-ignore: decorator
@inline function microKernel(
  kc: i32,
  pa: usize,
  pb: usize,
  c: usize,
  ldc: i32,
  mr: i32,
  nr: i32,
  add: bool,
  bias: usize,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  if (bias != 0) c00 = v128.load32_splat(bias);
  let c01 = c00;
  let c10 = c00;
  let c20 = c00;
  let c30 = c00;
  if (bias != 0) {
    c10 = v128.load32_splat(bias + 4 * min(1, mr - 1));
    c20 = v128.load32_splat(bias + 4 * min(2, mr - 1));
    c30 = v128.load32_splat(bias + 4 * min(3, mr - 1));
  }
  let c11 = c10;
  let c21 = c20;
  let c31 = c30;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let av = v128.load32_splat(pa);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(pa, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(pa, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(pa, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    pa += 16;
    pb += 32;
  }
  const full = mr == MR && nr == NR;
  const rowBytes: usize = full ? 4 * ldc : 4 * NR;
  let d = full ? c : tile;
  if (add && full) {
    c00 = f32x4.add(c00, v128.load(d));
    c01 = f32x4.add(c01, v128.load(d, 16));
    c10 = f32x4.add(c10, v128.load(d + rowBytes));
    c11 = f32x4.add(c11, v128.load(d + rowBytes, 16));
    c20 = f32x4.add(c20, v128.load(d + 2 * rowBytes));
    c21 = f32x4.add(c21, v128.load(d + 2 * rowBytes, 16));
    c30 = f32x4.add(c30, v128.load(d + 3 * rowBytes));
    c31 = f32x4.add(c31, v128.load(d + 3 * rowBytes, 16));
  }
  v128.store(d, c00);
  v128.store(d, c01, 16);
  d += rowBytes;
  v128.store(d, c10);
  v128.store(d, c11, 16);
  d += rowBytes;
  v128.store(d, c20);
  v128.store(d, c21, 16);
  d += rowBytes;
  v128.store(d, c30);
  v128.store(d, c31, 16);
  if (full) return;
  for (let i = 0; i < mr; i++)
    for (let j = 0; j < nr; j++) {
      const dst = c + 4 * (i * ldc + j);
      const v = load<f32>(tile + 4 * (i * NR + j));
      store<f32>(dst, add ? load<f32>(dst) + v : v);
    }
}

/** sums (N) += column sums of x (M, N): the bias gradient of a linear layer. */
export function addColumnSums(sums: usize, x: usize, M: i32, N: i32): void {
  let j = 0;
  for (; j + 4 <= N; j += 4) {
    let s = f32x4.splat(0);
    for (let i = 0; i < M; i++) s = f32x4.add(s, v128.load(x + 4 * (i * N + j)));
    v128.store(sums + 4 * j, f32x4.add(v128.load(sums + 4 * j), s));
  }
  for (; j < N; j++) {
    let s: f32 = 0;
    for (let i = 0; i < M; i++) s += load<f32>(x + 4 * (i * N + j));
    store<f32>(sums + 4 * j, load<f32>(sums + 4 * j) + s);
  }
}
