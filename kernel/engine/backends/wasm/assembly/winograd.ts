// Winograd F(2x2, 3x3) convolution for 3x3 kernels, stride 1, dilation 1, one group
// (https://arxiv.org/abs/1509.09308): each 2x2 block of outputs (a tile) comes from a 4x4 block of
// the zero-padded input d as Y = A^T [(G g G^T) * (B^T d B)] A, so the 9 multiply-adds per output
// pixel and channel pair of a direct conv become 4 (16 per tile), done as 16 GEMMs:
//   U[xi] (M, K) = G g G^T of each weight (winogradWeights in winograd-weight-transform.ts, once
//   per call, packed for the GEMMs),
//   V[xi] (K, T) = B^T d B of each tile of a chunk of images (written in the packed B layout (packedBFloats)),
//   Mt[xi] (M, T) = U[xi] @ V[xi], then out = A^T Mt A (+ bias, or added into out).
// M = output channels, K = input channels, T = tiles of the chunk, xi = 4 * row + column of the
// 4x4 transformed tile. NOTE: a GEMM element depends only on K (see gemm.ts), so any chunking or
// split of images across threads gives bit-identical results.

import { ADD_, C_, H_, OC_, OH_, OW_, PL_, PT_, W_, zeroFloats } from "./conv-geometry";
import { gemmPrepacked, KC, MR, NR, packedAFloats, packedBFloats } from "./gemm";

// @ts-ignore: decorator
@inline function tilesH(geo: usize): i32 {
  return (load<i32>(geo, OH_) + 1) >> 1;
}

// @ts-ignore: decorator
@inline function tilesW(geo: usize): i32 {
  return (load<i32>(geo, OW_) + 1) >> 1;
}

/**
 * Bytes of per-thread scratch winogradForward needs for `chunk` images per GEMM: one image's
 * padded planes (K, 2 TH + 2, 2 TW + 2), V (16 packed (K, T)), Mt (16, M, T) and the GEMM's.
 */
export function winogradScratchBytes(geo: usize, chunk: i32): i32 {
  const K = load<i32>(geo, C_);
  const M = load<i32>(geo, OC_);
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  const T = chunk * TH * TW;
  const floats = K * (2 * TH + 2) * (2 * TW + 2) + 4 + 16 * winogradPlaneFloats(packedBFloats(K, T)) + 16 * winogradPlaneFloats(M * T);
  return 4 * (floats + MR * NR); // + the GEMMs' (MR, NR) edge tile
}

/**
 * Floats between consecutive xi planes of a Winograd buffer (U, V, Mt, dU) whose planes hold n
 * floats: n rounded up to an odd number of 64-byte cache lines. A transform touches all 16 or 36
 * planes per tile or filter; planes a multiple of 4 KiB apart all fall into one L1 set (and few
 * L2 sets) and evict each other: the F(4x4) weight transform of 128 x 128 channels (planes 64 KiB
 * apart) took 4x as long per filter as 120 x 120's. An odd line count puts up to 64 planes in
 * different L1 sets.
 */
export function winogradPlaneFloats(n: i32): i32 {
  return (((n + 15) >> 4) | 1) << 4;
}

// @ts-ignore: decorator
@inline export function half(x: v128): v128 {
  return f32x4.mul(x, f32x4.splat(0.5));
}

/**
 * padded (K, PH, PW)[k][y][x] = inp (K, H, W)[k][y - pT][x - pL], zero outside the input.
 * @internal a helper of other assembly files, not a wasm export
 */
export function padImage(padded: usize, inp: usize, K: i32, H: i32, W: i32, PH: i32, PW: i32, pT: i32, pL: i32): void {
  const x0 = min(PW, max(0, pL)); // first x inside the input
  const x1 = max(x0, min(PW, W + pL)); // one past the last
  for (let k = 0; k < K; k++)
    for (let y = 0; y < PH; y++) {
      const row = padded + 4 * (<usize>(k * PH + y) * PW);
      const iy = y - pT;
      if (iy < 0 || iy >= H) {
        zeroFloats(row, PW);
        continue;
      }
      zeroFloats(row, x0);
      const src = inp + 4 * (<usize>(k * H + iy) * W) - 4 * pL;
      let x = x0;
      for (; x + 4 <= x1; x += 4) v128.store(row + 4 * x, v128.load(src + 4 * x));
      for (; x < x1; x++) store<f32>(row + 4 * x, load<f32>(src + 4 * x));
      zeroFloats(row + 4 * x1, PW - x1);
    }
}

/**
 * V (16 packed (K, T)) columns [col0, col0 + TH * TW) = B^T d B of one image's tiles, d (4, 4) at
 * padded (K, PH, PW)[k][2 ty..][2 tx..], B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. Tile
 * (ty, tx) is column col0 + ty * TW + tx; V[xi] starts `vStride` bytes after V[xi - 1]. Npad < 0:
 * V[xi] is row-major (K, -Npad) instead (the weight gradient's GEMM packs it itself). With
 * `fast` (TW % 4 == 0), four tiles of a row per vector, their 10 input columns deinterleaved.
 */
function transformInput(V: usize, vStride: usize, Npad: i32, padded: usize, K: i32, PH: i32, PW: i32, TH: i32, TW: i32, col0: i32, fast: bool): void {
  const packed = Npad > 0;
  for (let k = 0; k < K; k++) {
    const pc = packed ? k - (k % KC) : 0;
    const kc = min(KC, K - pc);
    // float offset of (k, column 0): packed, or row-major (K, -Npad)
    const kBase: usize = packed ? <usize>pc * Npad + (k - pc) * NR : <usize>(k * -Npad);
    const plane = padded + 4 * <usize>k * PH * PW;
    for (let ty = 0; ty < TH; ty++) {
      const r0 = plane + 4 * <usize>(2 * ty * PW);
      const r1 = r0 + 4 * PW;
      const r2 = r1 + 4 * PW;
      const r3 = r2 + 4 * PW;
      if (fast) {
        for (let tx = 0; tx < TW; tx += 4) {
          const j = col0 + ty * TW + tx;
          const dst = V + 4 * (kBase + (packed ? <usize>(j / NR) * kc * NR + (j % NR) : <usize>j));
          const o: usize = 8 * tx;
          // per row: columns 2tx + s of the four tiles, s = 0..3, then d B along the row
          let a = v128.load(r0 + o);
          let b = v128.load(r0 + o, 16);
          let c = v128.load64_zero(r0 + o, 32);
          let e = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
          let od = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
          let e2 = v128.shuffle<f32>(e, c, 1, 2, 3, 4);
          let o2 = v128.shuffle<f32>(od, c, 1, 2, 3, 5);
          const u00 = f32x4.sub(e, e2);
          const u01 = f32x4.add(od, e2);
          const u02 = f32x4.sub(e2, od);
          const u03 = f32x4.sub(od, o2);
          a = v128.load(r1 + o);
          b = v128.load(r1 + o, 16);
          c = v128.load64_zero(r1 + o, 32);
          e = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
          od = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
          e2 = v128.shuffle<f32>(e, c, 1, 2, 3, 4);
          o2 = v128.shuffle<f32>(od, c, 1, 2, 3, 5);
          const u10 = f32x4.sub(e, e2);
          const u11 = f32x4.add(od, e2);
          const u12 = f32x4.sub(e2, od);
          const u13 = f32x4.sub(od, o2);
          a = v128.load(r2 + o);
          b = v128.load(r2 + o, 16);
          c = v128.load64_zero(r2 + o, 32);
          e = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
          od = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
          e2 = v128.shuffle<f32>(e, c, 1, 2, 3, 4);
          o2 = v128.shuffle<f32>(od, c, 1, 2, 3, 5);
          const u20 = f32x4.sub(e, e2);
          const u21 = f32x4.add(od, e2);
          const u22 = f32x4.sub(e2, od);
          const u23 = f32x4.sub(od, o2);
          // rows 0 and 2 are done with for V's rows 0 and 2 (they need row 3 only for row 3)
          storeQuad(dst, vStride, f32x4.sub(u00, u20), f32x4.sub(u01, u21), f32x4.sub(u02, u22), f32x4.sub(u03, u23));
          storeQuad(dst + 4 * vStride, vStride, f32x4.add(u10, u20), f32x4.add(u11, u21), f32x4.add(u12, u22), f32x4.add(u13, u23));
          storeQuad(dst + 8 * vStride, vStride, f32x4.sub(u20, u10), f32x4.sub(u21, u11), f32x4.sub(u22, u12), f32x4.sub(u23, u13));
          a = v128.load(r3 + o);
          b = v128.load(r3 + o, 16);
          c = v128.load64_zero(r3 + o, 32);
          e = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
          od = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
          e2 = v128.shuffle<f32>(e, c, 1, 2, 3, 4);
          o2 = v128.shuffle<f32>(od, c, 1, 2, 3, 5);
          storeQuad(dst + 12 * vStride, vStride, f32x4.sub(u10, f32x4.sub(e, e2)), f32x4.sub(u11, f32x4.add(od, e2)), f32x4.sub(u12, f32x4.sub(e2, od)), f32x4.sub(u13, f32x4.sub(od, o2)));
        }
        continue;
      }
      for (let tx = 0; tx < TW; tx++) {
        // one tile in scalars
        const j = col0 + ty * TW + tx;
        const dst = V + 4 * (kBase + (packed ? <usize>(j / NR) * kc * NR + (j % NR) : <usize>j));
        const o: usize = 8 * tx;
        const u00 = load<f32>(r0 + o) - load<f32>(r0 + o, 8);
        const u01 = load<f32>(r0 + o, 4) + load<f32>(r0 + o, 8);
        const u02 = load<f32>(r0 + o, 8) - load<f32>(r0 + o, 4);
        const u03 = load<f32>(r0 + o, 4) - load<f32>(r0 + o, 12);
        const u10 = load<f32>(r1 + o) - load<f32>(r1 + o, 8);
        const u11 = load<f32>(r1 + o, 4) + load<f32>(r1 + o, 8);
        const u12 = load<f32>(r1 + o, 8) - load<f32>(r1 + o, 4);
        const u13 = load<f32>(r1 + o, 4) - load<f32>(r1 + o, 12);
        const u20 = load<f32>(r2 + o) - load<f32>(r2 + o, 8);
        const u21 = load<f32>(r2 + o, 4) + load<f32>(r2 + o, 8);
        const u22 = load<f32>(r2 + o, 8) - load<f32>(r2 + o, 4);
        const u23 = load<f32>(r2 + o, 4) - load<f32>(r2 + o, 12);
        const u30 = load<f32>(r3 + o) - load<f32>(r3 + o, 8);
        const u31 = load<f32>(r3 + o, 4) + load<f32>(r3 + o, 8);
        const u32 = load<f32>(r3 + o, 8) - load<f32>(r3 + o, 4);
        const u33 = load<f32>(r3 + o, 4) - load<f32>(r3 + o, 12);
        store<f32>(dst, u00 - u20);
        store<f32>(dst + vStride, u01 - u21);
        store<f32>(dst + 2 * vStride, u02 - u22);
        store<f32>(dst + 3 * vStride, u03 - u23);
        store<f32>(dst + 4 * vStride, u10 + u20);
        store<f32>(dst + 5 * vStride, u11 + u21);
        store<f32>(dst + 6 * vStride, u12 + u22);
        store<f32>(dst + 7 * vStride, u13 + u23);
        store<f32>(dst + 8 * vStride, u20 - u10);
        store<f32>(dst + 9 * vStride, u21 - u11);
        store<f32>(dst + 10 * vStride, u22 - u12);
        store<f32>(dst + 11 * vStride, u23 - u13);
        store<f32>(dst + 12 * vStride, u10 - u30);
        store<f32>(dst + 13 * vStride, u11 - u31);
        store<f32>(dst + 14 * vStride, u12 - u32);
        store<f32>(dst + 15 * vStride, u13 - u33);
      }
    }
  }
}

/** x0..x3 at d, d + stride, d + 2 stride, d + 3 stride. */
// @ts-ignore: decorator
@inline function storeQuad(d: usize, stride: usize, x0: v128, x1: v128, x2: v128, x3: v128): void {
  v128.store(d, x0);
  v128.store(d + stride, x1);
  v128.store(d + 2 * stride, x2);
  v128.store(d + 3 * stride, x3);
}

/**
 * One image's out (M, OH, OW) (+)= A^T m A (+ bias) for its tiles and channels [m0, m1), m (4, 4)
 * = Mt (16, M, T) at columns [col0, col0 + TH * TW), A^T = [1 1 1 0; 0 1 -1 -1]. With `fast` (OW % 8 == 0), four
 * tiles of a row per vector, stored as two rows of 8 floats.
 */
function transformOutput(out: usize, Mt: usize, M: i32, m0: i32, m1: i32, T: i32, col0: i32, OH: i32, OW: i32, TH: i32, TW: i32, bias: usize, add: bool, fast: bool): void {
  const xiStride: usize = 4 * <usize>winogradPlaneFloats(M * T);
  for (let m = m0; m < m1; m++) {
    const b: f32 = bias != 0 ? load<f32>(bias + 4 * m) : 0;
    const bv = f32x4.splat(b);
    const plane = out + 4 * <usize>m * OH * OW;
    const src = Mt + 4 * (<usize>m * T + col0);
    for (let ty = 0; ty < TH; ty++) {
      const y = 2 * ty;
      const row0 = plane + 4 * <usize>y * OW;
      const row1 = row0 + 4 * OW;
      const second = y + 1 < OH;
      if (fast) {
        for (let tx = 0; tx < TW; tx += 4) {
          const s = src + 4 * (ty * TW + tx);
          // A^T m: s0j = m0j + m1j + m2j, s1j = m1j - m2j - m3j
          const m10 = v128.load(s + 4 * xiStride);
          const m11 = v128.load(s + 5 * xiStride);
          const m12 = v128.load(s + 6 * xiStride);
          const m13 = v128.load(s + 7 * xiStride);
          const m20 = v128.load(s + 8 * xiStride);
          const m21 = v128.load(s + 9 * xiStride);
          const m22 = v128.load(s + 10 * xiStride);
          const m23 = v128.load(s + 11 * xiStride);
          const s00 = f32x4.add(f32x4.add(v128.load(s), m10), m20);
          const s01 = f32x4.add(f32x4.add(v128.load(s + xiStride), m11), m21);
          const s02 = f32x4.add(f32x4.add(v128.load(s + 2 * xiStride), m12), m22);
          const s03 = f32x4.add(f32x4.add(v128.load(s + 3 * xiStride), m13), m23);
          const s10 = f32x4.sub(f32x4.sub(m10, m20), v128.load(s + 12 * xiStride));
          const s11 = f32x4.sub(f32x4.sub(m11, m21), v128.load(s + 13 * xiStride));
          const s12 = f32x4.sub(f32x4.sub(m12, m22), v128.load(s + 14 * xiStride));
          const s13 = f32x4.sub(f32x4.sub(m13, m23), v128.load(s + 15 * xiStride));
          // ... A: y_i0 = s_i0 + s_i1 + s_i2, y_i1 = s_i1 - s_i2 - s_i3
          const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), bv);
          const y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), bv);
          const y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), bv);
          const y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), bv);
          const x: usize = 8 * tx;
          storeInterleaved(row0 + x, y00, y01, add);
          if (second) storeInterleaved(row1 + x, y10, y11, add);
        }
        continue;
      }
      for (let tx = 0; tx < TW; tx++) {
        const s = src + 4 * (ty * TW + tx);
        const m10 = load<f32>(s + 4 * xiStride);
        const m11 = load<f32>(s + 5 * xiStride);
        const m12 = load<f32>(s + 6 * xiStride);
        const m13 = load<f32>(s + 7 * xiStride);
        const m20 = load<f32>(s + 8 * xiStride);
        const m21 = load<f32>(s + 9 * xiStride);
        const m22 = load<f32>(s + 10 * xiStride);
        const m23 = load<f32>(s + 11 * xiStride);
        const s00 = load<f32>(s) + m10 + m20;
        const s01 = load<f32>(s + xiStride) + m11 + m21;
        const s02 = load<f32>(s + 2 * xiStride) + m12 + m22;
        const s03 = load<f32>(s + 3 * xiStride) + m13 + m23;
        const s10 = m10 - m20 - load<f32>(s + 12 * xiStride);
        const s11 = m11 - m21 - load<f32>(s + 13 * xiStride);
        const s12 = m12 - m22 - load<f32>(s + 14 * xiStride);
        const s13 = m13 - m23 - load<f32>(s + 15 * xiStride);
        const x = 2 * tx;
        const right = x + 1 < OW;
        storeScalar(row0 + 4 * x, s00 + s01 + s02 + b, add);
        if (right) storeScalar(row0 + 4 * x + 4, s01 - s02 - s03 + b, add);
        if (second) {
          storeScalar(row1 + 4 * x, s10 + s11 + s12 + b, add);
          if (right) storeScalar(row1 + 4 * x + 4, s11 - s12 - s13 + b, add);
        }
      }
    }
  }
}

/** The 8 floats at d (+)= lanes of a and b interleaved: a0 b0 a1 b1 a2 b2 a3 b3. */
// @ts-ignore: decorator
@inline function storeInterleaved(d: usize, a: v128, b: v128, add: bool): void {
  let lo = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
  let hi = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
  if (add) {
    lo = f32x4.add(v128.load(d), lo);
    hi = f32x4.add(v128.load(d, 16), hi);
  }
  v128.store(d, lo);
  v128.store(d, hi, 16);
}

// @ts-ignore: decorator
@inline function storeScalar(d: usize, v: f32, add: bool): void {
  store<f32>(d, add ? load<f32>(d) + v : v);
}

/**
 * Images [n0, n1), `chunk` at a time: out (N, M, OH, OW) = conv3x3(inp (N, K, H, W)) + bias (M;
 * 0 for none) with U = winogradWeights' packed transforms, or out += conv3x3(inp) when the geometry block's add
 * field is set. Geometry: C = K, OC = M, stride 1, dilation 1, one group. `scratch` holds
 * winogradScratchBytes(geo, chunk) bytes, private to this call. Only output channels [m0, m1) (m0
 * a multiple of MR; see winograd4Forward).
 * @threaded
 */
export function winogradForward(n0: i32, n1: i32, chunk: i32, m0: i32, m1: i32, geo: usize, out: usize, inp: usize, U: usize, bias: usize, scratch: usize): void {
  const K = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const M = load<i32>(geo, OC_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const add = load<i32>(geo, ADD_) != 0;
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  const TT = TH * TW; // tiles per image
  const PH = 2 * TH + 2;
  const PW = 2 * TW + 2;
  const fast = OW % 8 == 0; // then TW % 4 == 0 and every row of tiles is whole vectors
  const padded = scratch; // (K, PH, PW), 4 floats of slack for the fast path's last loads
  const V = padded + 4 * (<usize>K * PH * PW + 4); // 16 x packed (K, T), winogradPlaneFloats apart
  const Mt = V + 64 * <usize>winogradPlaneFloats(packedBFloats(K, chunk * TT)); // (16, M, T), likewise
  const tile = Mt + 64 * <usize>winogradPlaneFloats(M * chunk * TT);
  const uStride: usize = 4 * <usize>winogradPlaneFloats(packedAFloats(M, K));
  for (let c0 = n0; c0 < n1; c0 += chunk) {
    const images = min(chunk, n1 - c0);
    const T = images * TT;
    const vStride: usize = 4 * <usize>winogradPlaneFloats(packedBFloats(K, T));
    const mStride: usize = 4 * <usize>winogradPlaneFloats(M * T);
    const Npad = (T + NR - 1) / NR * NR;
    for (let i = 0; i < images; i++) {
      padImage(padded, inp + 4 * <usize>(c0 + i) * K * H * W, K, H, W, PH, PW, pT, pL);
      transformInput(V, vStride, Npad, padded, K, PH, PW, TH, TW, i * TT, fast);
    }
    for (let xi = 0; xi < 16; xi++) {
      const c = Mt + xi * mStride + 4 * <usize>m0 * T; // rows [m0, m1) of Mt[xi]
      gemmPrepacked(m1 - m0, T, K, U + xi * uStride, V + xi * vStride, c, T, false, 0, tile, m0, M);
    }
    for (let i = 0; i < images; i++)
      transformOutput(out + 4 * <usize>(c0 + i) * M * OH * OW, Mt, M, m0, m1, T, i * TT, OH, OW, TH, TW, bias, add, fast);
  }
}

// The weight gradient (the same identity transposed: dW = G^T [sum over tiles (A o A^T) * (B^T d B)] G
// for each 2x2 block o of dout and its 4x4 input block d):
//   winogradGradientTiles: V[xi] (K, T) = B^T d B and O[xi] (M, T) = A o A^T of a chunk's tiles,
//   sgemm (batched over xi): dU[xi] (M, K) (+)= O[xi] @ V[xi]^T, chunks in order,
//   winogradWeightGradient: dweight (M, K, 3, 3) += G^T dU G.

/** Floats of the per-thread scratch winogradGradientTiles needs: one image's padded input and dout. */
export function winogradGradientPaddedFloats(geo: usize): i32 {
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  return load<i32>(geo, C_) * (2 * TH + 2) * (2 * TW + 2) + 4 + load<i32>(geo, OC_) * 4 * TH * TW;
}

/**
 * Images [n0, n1) of the chunk starting at image c0, of T tiles: V (16, K, T) = B^T d B of inp
 * (N, K, H, W) and O (16, M, T) = A o A^T of dout (N, M, OH, OW) (zero past its edges), A^T =
 * [1 1 1 0; 0 1 -1 -1]; image n's tiles are columns (n - c0) * TH * TW + ty * TW + tx. `padded`
 * holds winogradGradientPaddedFloats floats.
 * @threaded
 */
export function winogradGradientTiles(n0: i32, n1: i32, c0: i32, T: i32, geo: usize, V: usize, O: usize, inp: usize, dout: usize, padded: usize): void {
  const K = load<i32>(geo, C_);
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const M = load<i32>(geo, OC_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const TH = tilesH(geo);
  const TW = tilesW(geo);
  const TT = TH * TW;
  const PH = 2 * TH + 2;
  const PW = 2 * TW + 2;
  const fast = OW % 8 == 0;
  const paddedOut = padded + 4 * (<usize>K * PH * PW + 4); // (M, 2 TH, 2 TW)
  for (let n = n0; n < n1; n++) {
    const col0 = (n - c0) * TT;
    padImage(padded, inp + 4 * <usize>n * K * H * W, K, H, W, PH, PW, load<i32>(geo, PT_), load<i32>(geo, PL_));
    transformInput(V, 4 * <usize>K * T, -T, padded, K, PH, PW, TH, TW, col0, fast);
    padImage(paddedOut, dout + 4 * <usize>n * M * OH * OW, M, OH, OW, 2 * TH, 2 * TW, 0, 0);
    transformGradient(O, 4 * <usize>M * T, T, paddedOut, M, TH, TW, col0, fast);
  }
}

/**
 * O (16, M, T) columns [col0, col0 + TH * TW) = A o A^T, o (2, 2) at padded (M, 2 TH, 2 TW)[m][2 ty..][2 tx..]:
 * rows of A o are o0, o0 + o1, o0 - o1, -o1 (oi = row i of o), likewise along each row.
 */
function transformGradient(O: usize, xiStride: usize, T: i32, padded: usize, M: i32, TH: i32, TW: i32, col0: i32, fast: bool): void {
  const PW = 2 * TW;
  for (let m = 0; m < M; m++) {
    const plane = padded + 4 * <usize>m * 2 * TH * PW;
    for (let ty = 0; ty < TH; ty++) {
      const r0 = plane + 4 * <usize>(2 * ty * PW);
      const r1 = r0 + 4 * PW;
      const rowDst = O + 4 * (<usize>m * T + col0 + ty * TW);
      if (fast) {
        for (let tx = 0; tx < TW; tx += 4) {
          const o: usize = 8 * tx;
          let a = v128.load(r0 + o);
          let b = v128.load(r0 + o, 16);
          const o00 = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
          const o01 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
          a = v128.load(r1 + o);
          b = v128.load(r1 + o, 16);
          const o10 = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
          const o11 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
          const d = rowDst + 4 * tx;
          expandRow(d, xiStride, o00, o01);
          expandRow(d + 4 * xiStride, xiStride, f32x4.add(o00, o10), f32x4.add(o01, o11));
          expandRow(d + 8 * xiStride, xiStride, f32x4.sub(o00, o10), f32x4.sub(o01, o11));
          expandRow(d + 12 * xiStride, xiStride, f32x4.neg(o10), f32x4.neg(o11));
        }
        continue;
      }
      for (let tx = 0; tx < TW; tx++) {
        const o: usize = 8 * tx;
        const o00 = load<f32>(r0 + o);
        const o01 = load<f32>(r0 + o, 4);
        const o10 = load<f32>(r1 + o);
        const o11 = load<f32>(r1 + o, 4);
        const d = rowDst + 4 * tx;
        expandScalar(d, xiStride, o00, o01);
        expandScalar(d + 4 * xiStride, xiStride, o00 + o10, o01 + o11);
        expandScalar(d + 8 * xiStride, xiStride, o00 - o10, o01 - o11);
        expandScalar(d + 12 * xiStride, xiStride, -o10, -o11);
      }
    }
  }
}

/** x, x + y, x - y, -y at d, d + stride, d + 2 stride, d + 3 stride. */
// @ts-ignore: decorator
@inline function expandRow(d: usize, stride: usize, x: v128, y: v128): void {
  storeQuad(d, stride, x, f32x4.add(x, y), f32x4.sub(x, y), f32x4.neg(y));
}

// @ts-ignore: decorator
@inline function expandScalar(d: usize, stride: usize, x: f32, y: f32): void {
  store<f32>(d, x);
  store<f32>(d + stride, x + y);
  store<f32>(d + 2 * stride, x - y);
  store<f32>(d + 3 * stride, -y);
}

/**
 * dweight (M, K, 3, 3)[m][k] += G^T u G for rows m in [m0, m1), u (4, 4) = dU (16, M, K)[.][m][k]
 * (planes winogradPlaneFloats(M * K) apart),
 * G^T = [1 .5 .5 0; 0 .5 -.5 0; 0 .5 .5 1]. Four k per vector (their taps added lane by lane).
 * @threaded
 */
export function winogradWeightGradient(m0: i32, m1: i32, dweight: usize, dU: usize, M: i32, K: i32): void {
  const xiStride: usize = 4 * <usize>winogradPlaneFloats(M * K);
  for (let m = m0; m < m1; m++) {
    let k = 0;
    for (; k + 4 <= K; k += 4) gradientTaps(dweight + 36 * (<usize>m * K + k), dU + 4 * (<usize>m * K + k), xiStride, 4);
    for (; k < K; k++) gradientTaps(dweight + 36 * (<usize>m * K + k), dU + 4 * (<usize>m * K + k), xiStride, 1);
  }
}

/** dw (lanes, 3, 3) += G^T u G for the first `lanes` (4 or 1) k of the vectors at s + xi * xiStride. */
// @ts-ignore: decorator
@inline function gradientTaps(dw: usize, s: usize, xiStride: usize, lanes: i32): void {
  // rows of G^T u: u0 + (u1 + u2) / 2, (u1 - u2) / 2, (u1 + u2) / 2 + u3 (ui = row i of u)
  const p0 = half(f32x4.add(uAt(s, xiStride, 4, lanes), uAt(s, xiStride, 8, lanes)));
  const p1 = half(f32x4.add(uAt(s, xiStride, 5, lanes), uAt(s, xiStride, 9, lanes)));
  const p2 = half(f32x4.add(uAt(s, xiStride, 6, lanes), uAt(s, xiStride, 10, lanes)));
  const p3 = half(f32x4.add(uAt(s, xiStride, 7, lanes), uAt(s, xiStride, 11, lanes)));
  addRow(dw, lanes, f32x4.add(uAt(s, xiStride, 0, lanes), p0), f32x4.add(uAt(s, xiStride, 1, lanes), p1), f32x4.add(uAt(s, xiStride, 2, lanes), p2), f32x4.add(uAt(s, xiStride, 3, lanes), p3));
  addRow(dw + 12, lanes, half(f32x4.sub(uAt(s, xiStride, 4, lanes), uAt(s, xiStride, 8, lanes))), half(f32x4.sub(uAt(s, xiStride, 5, lanes), uAt(s, xiStride, 9, lanes))), half(f32x4.sub(uAt(s, xiStride, 6, lanes), uAt(s, xiStride, 10, lanes))), half(f32x4.sub(uAt(s, xiStride, 7, lanes), uAt(s, xiStride, 11, lanes))));
  addRow(dw + 24, lanes, f32x4.add(p0, uAt(s, xiStride, 12, lanes)), f32x4.add(p1, uAt(s, xiStride, 13, lanes)), f32x4.add(p2, uAt(s, xiStride, 14, lanes)), f32x4.add(p3, uAt(s, xiStride, 15, lanes)));
}

// @ts-ignore: decorator
@inline function uAt(s: usize, xiStride: usize, xi: i32, lanes: i32): v128 {
  const p = s + <usize>xi * xiStride;
  return lanes == 4 ? v128.load(p) : v128.load32_zero(p);
}

/** Row taps (x0 + (x1 + x2) / 2, (x1 - x2) / 2, (x1 + x2) / 2 + x3) of t G added into dw + 36 * lane. */
// @ts-ignore: decorator
@inline function addRow(dw: usize, lanes: i32, x0: v128, x1: v128, x2: v128, x3: v128): void {
  const p = half(f32x4.add(x1, x2));
  addLanes(dw, f32x4.add(x0, p), lanes);
  addLanes(dw + 4, half(f32x4.sub(x1, x2)), lanes);
  addLanes(dw + 8, f32x4.add(p, x3), lanes);
}

/** The float at dw + 36 * l += lane l of v, for l < lanes. */
// @ts-ignore: decorator
@inline function addLanes(dw: usize, v: v128, lanes: i32): void {
  store<f32>(dw, load<f32>(dw) + f32x4.extract_lane(v, 0));
  if (lanes == 1) return;
  store<f32>(dw, load<f32>(dw, 36) + f32x4.extract_lane(v, 1), 36);
  store<f32>(dw, load<f32>(dw, 72) + f32x4.extract_lane(v, 2), 72);
  store<f32>(dw, load<f32>(dw, 108) + f32x4.extract_lane(v, 3), 108);
}
