// Winograd F(2x2, 3x3) convolution (assembly/winograd.ts) for 3x3, stride-1, dilation-1,
// one-group convs with enough channels: 2.25x fewer multiplies than im2col + GEMM. conv2dForward
// and the input gradient of conv2dBackward (a conv of dout with the flipped, transposed weight)
// dispatch here when winogradPays; images are split across threads (bit-identical for any count).

import type { ConvGeometry } from "../geometry";
import type { Buf } from "../registry";
import type { F32 } from "./f32";
import { putConvGeometry } from "./geometry";
import type { WasmRuntime } from "./runtime";
import { MR } from "./sgemm";
import { ranges, runShares, threadsFor } from "./threads/parallel";

/**
 * Threads split output channels rather than images from this many output channels per tile of the
 * batch: every image share's GEMMs read all of U (xis x M x K), a channel share only its rows, and
 * on small planes U outweighs the tiles. Median ms at 2 threads, images / channels, forward and
 * forward + backward: 4 x 128 on 4x4 0.51 / 0.24 and 1.46 / 1.17; 4 x 64 -> 128 on 4x4 0.39 / 0.28
 * and 1.04 / 0.83; 16 x 128 on 4x4 0.55 / 0.50 and 2.43 / 2.13; at 4 per tile it lost (32 x 128 on
 * 4x4: 0.80 / 0.85 and 2.65 / 2.89) or tied (4 x 128 -> 64 on 8x8). The same sums either way.
 */
const CHANNEL_SPLIT = 8;

/** Bytes of V and Mt to aim for per chunk of images (whole images, at least one). */
const CHUNK_BYTES = 2 ** 20;

/**
 * Tiles per weight-gradient chunk (whole images): as many as keep V + O near 2 MiB (cache-sized),
 * but at least 256 (the GEMM depth) and at most 2048.
 */
const GRADIENT_FLOATS = 1 << 19;
const GRADIENT_MIN_TILES = 256;
const GRADIENT_MAX_TILES = 2048;

/**
 * Whether a conv (forward, and by symmetry its input gradient) runs faster as Winograd than as
 * im2col + GEMM: a 3x3 kernel, stride 1, dilation 1, one group, padding 0-2 on each side, at least
 * 16 input and output channels (fewer: the transforms cost about as much as the multiplies saved)
 * and at least MIN_TILES blocks of 4x4 outputs in the batch.
 */
export function winogradPays(g: ConvGeometry): boolean {
  const { C, OC, KH, KW, OH, OW, padTop: pT, padLeft: pL } = g;
  const pads = pT >= 0 && pT <= 2 && pL >= 0 && pL <= 2;
  const unit = g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1 && g.groups === 1;
  const tiles = g.N * Math.ceil(OH / 4) * Math.ceil(OW / 4);
  return (
    KH === 3 && KW === 3 && unit && pads && C >= 16 && OC >= 16 && OH >= 2 && OW >= 2 && tiles >= MIN_TILES
  );
}

/**
 * Fewer 4x4 output blocks than this in a batch go to im2col: the weights' transform (36 planes of
 * OC x C, 4x the weights) costs about as much as a batch of three blocks' multiplies, and the GEMMs
 * then stream all 36 planes for a few columns. Forward, batch 1 to 4, 1 thread, AMD EPYC, us,
 * Winograd / im2col: 128 channels on 4x4 planes 350-530 / 165, 280, 400, 520; 256 on 4x4 1300-1600 /
 * 560, 1000, 1500, 1900; 512 on 2x2 ~3000-3500 / 1800, 3000, 3800, 4600; 64 on 8x8 (4 blocks an
 * image) 104-160 / 119-127 at batch 1, Winograd ahead from batch 2.
 */
const MIN_TILES = 4;

/**
 * Whether the weight gradient runs faster as Winograd (than im2col or the direct kernels): as
 * winogradPays, with 32+ channels in and out on planes of whole 4x4 tiles (F(4x4); 32 channels on
 * 16x16: 1.3x less CPU than the direct kernel, 16 on 32x32: 0.86x), else 64+ (F(2x2): below that,
 * writing and packing the transformed tiles costs more than the multiplies saved).
 */
export function winogradWeightGradientPays(g: ConvGeometry): boolean {
  const wholeTiles = g.OH % 4 === 0 && g.OW % 4 === 0;
  return winogradPays(g) && Math.min(g.C, g.OC) >= (wholeTiles ? 32 : 64);
}

/** out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C, 3, 3)) + bias (OC, or null), f32. */
export function winogradForward(
  rt: WasmRuntime,
  out: Buf,
  inp: Buf,
  weight: Buf,
  bias: Buf | null,
  g: ConvGeometry,
): void {
  const { arena } = rt;
  const { N, C, H, W, OC, OH, OW } = g;
  arena.begin();
  const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
  const pBias = bias === null ? 0 : arena.put((bias as F32).subarray(0, OC)); // (OC)
  const pOut = arena.target((out as F32).subarray(0, N * OC * OH * OW)); // (N, OC, OH, OW)
  run(rt, g, false, pOut, pInp, weight as F32, pBias);
  arena.get(pOut, (out as F32).subarray(0, N * OC * OH * OW));
}

/**
 * dinp (N, C, H, W) += the input gradient of conv(inp, weight (OC, C, 3, 3)) for dout (N, OC, OH,
 * OW), already in the arena at pDout: a conv of dout with the flipped, transposed weight and
 * padding 2 - pad. Allocates after what the caller's call holds in the arena (no begin()).
 */
export function winogradInputGradient(
  rt: WasmRuntime,
  dinp: Buf,
  pDout: number,
  weight: Buf,
  g: ConvGeometry,
): void {
  const { arena } = rt;
  const { N, C, H, W, OC, OH, OW } = g;
  // The conv of dout with the flipped, transposed weight (stride, dilation and groups are 1).
  const flipped: ConvGeometry = {
    ...g,
    C: OC,
    H: OH,
    W: OW,
    OC: C,
    OH: H,
    OW: W,
    padTop: 2 - g.padTop,
    padLeft: 2 - g.padLeft,
  };
  const pDinp = arena.put((dinp as F32).subarray(0, N * C * H * W)); // (N, C, H, W), += onto it
  run(rt, flipped, true, pDinp, pDout, weight as F32, 0);
  arena.get(pDinp, (dinp as F32).subarray(0, N * C * H * W));
}

/**
 * out (+)= conv3x3 over `g` (C = K input channels, OC = M output channels) in the arena. `flip`:
 * `weight` is the forward conv's (K, M, 3, 3), used flipped and transposed (the input gradient).
 */
function run(
  rt: WasmRuntime,
  g: ConvGeometry,
  flip: boolean,
  pOut: number,
  pInp: number,
  weight: F32,
  pBias: number,
): void {
  const { arena, kernels } = rt;
  const { N, C: K, OC: M, OH, OW } = g;
  const f4 = useF4(g);
  const [xis, side] = f4 ? [36, 4] : [16, 2]; // transformed tile size, output tile side
  const geo = putConvGeometry(arena, g, flip ? 1 : 0);
  const pW = arena.put(weight.subarray(0, M * K * 9)); // (M, K, 3, 3), or (K, M, 3, 3) flipped
  // U packed once for the GEMMs: every thread and chunk reads it as it is (each thread packing all
  // of U for its share made 2 threads barely faster than one on 4x4 planes of 128 channels).
  const pUp = arena.alloc(4 * xis * kernels.winogradPlaneFloats(kernels.packedAFloats(M, K))); // (xis) x packed (M, K)
  const wCalls = ranges(M, MR, threadsFor(rt, xis * M * K)).map(([m0, m1]) => [
    m0,
    m1,
    pUp,
    pW,
    M,
    K,
    flip ? 1 : 0,
  ]);
  runShares(rt, f4 ? "winograd4Weights" : "winogradWeights", wCalls);
  const tiles = Math.ceil(OH / side) * Math.ceil(OW / side);
  const threads = threadsFor(rt, N * M * OH * OW * K * 4);
  // Threads split images; with fewer images than threads (a single image at 2 threads ran on one),
  // or U much bigger than the batch's tiles (CHANNEL_SPLIT), output channels: each share then
  // transforms the whole input for its rows of the GEMMs.
  const byChannels = (N < threads || M >= CHANNEL_SPLIT * N * tiles) && M >= 2 * MR;
  const shares = byChannels
    ? ranges(M, MR, threads).map(([m0, m1]) => [0, N, m0, m1])
    : ranges(N, 1, threads).map(([n0, n1]) => [n0, n1, 0, M]);
  const chunk = chunkImages(byChannels ? N : Math.ceil(N / shares.length), tiles, xis, K, M);
  const scratchBytes = f4
    ? kernels.winograd4ScratchBytes(geo, chunk)
    : kernels.winogradScratchBytes(geo, chunk);
  const calls = shares.map(([n0, n1, m0, m1]) => [
    n0,
    n1,
    chunk,
    m0,
    m1,
    geo,
    pOut,
    pInp,
    pUp,
    pBias,
    arena.alloc(scratchBytes),
  ]);
  runShares(rt, f4 ? "winograd4Forward" : "winogradForward", calls);
}

/**
 * Images per chunk of a share of `images` images with `tiles` tiles each: as many as keep V (xis,
 * K, T) and Mt (xis, M, T) within CHUNK_BYTES, or within U's size when U (xis, M, K) is bigger (each
 * chunk's GEMMs read all of U: more, smaller chunks would read it from L3 again and again), at
 * least one, in chunks as even as possible (no short last chunk paying for a whole read of U).
 * NOTE: measured (batch 32, forward + input gradient, 1 / 2 threads, ms): with a fixed 256 tiles per
 * chunk, 64@32x32 40.3 / 24.4 -> 36.8 / 20.1 (one image per chunk), 128@16x16 34.0 / 20.1 ->
 * 32.4 / 17.7, 16@32x32 4.9 -> 4.2; 128@4x4 (U 2.4 MB) lost 30% with two chunks instead of one.
 */
function chunkImages(images: number, tiles: number, xis: number, K: number, M: number): number {
  const tileBytes = 4 * xis * (K + M); // one tile's columns of V and Mt
  const budget = Math.max(CHUNK_BYTES, 4 * xis * M * K);
  const most = Math.max(1, Math.floor(budget / tileBytes / tiles));
  return Math.ceil(images / Math.ceil(images / most));
}

/**
 * Whether a conv runs F(4x4, 3x3) (36 GEMMs, 2.25 multiply-adds per output instead of 4) rather
 * than F(2x2, 3x3): where its rows of 4x4 tiles are whole vectors (OW a multiple of 16), or its
 * planes are whole tiles (OH and OW multiples of 4: tiles gathered four at a time).
 */
function useF4(g: ConvGeometry): boolean {
  return g.OW % 16 === 0 || (g.OW % 4 === 0 && g.OH % 4 === 0);
}

/**
 * dweight (OC, C, 3, 3) += the weight gradient of conv(inp (N, C, H, W), weight) for dout (N, OC,
 * OH, OW), already in the arena at pDout: per chunk of images, the tiles' transforms V (16, C, T)
 * and O (16, OC, T) (threads split images), then dU[xi] (OC, C) += O[xi] @ V[xi]^T (threads split
 * xi; chunks in order, so any thread count gives the same sums), then dweight += G^T dU G.
 * Allocates after what the caller's call holds in the arena (no begin()).
 */
export function winogradWeightGradient(
  rt: WasmRuntime,
  dweight: Buf,
  pDout: number,
  inp: Buf,
  g: ConvGeometry,
): void {
  const { arena, kernels } = rt;
  const { N, C, H, W, OC, OH, OW } = g;
  // F(4x4, 3x3) transforms on planes of whole 4x4 tiles, else F(2x2, 3x3)
  const f4 = OH % 4 === 0 && OW % 4 === 0;
  const [xis, side] = f4 ? [36, 4] : [16, 2];
  const geo = putConvGeometry(arena, g);
  const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
  const pDw = arena.put((dweight as F32).subarray(0, OC * C * 9)); // (OC, C, 3, 3), += onto it
  const tiles = Math.ceil(OH / side) * Math.ceil(OW / side);
  const floats = GRADIENT_FLOATS / (xis * (C + OC));
  const chunkTiles = Math.min(GRADIENT_MAX_TILES, Math.max(GRADIENT_MIN_TILES, floats));
  const chunk = Math.max(1, Math.min(N, Math.floor(chunkTiles / tiles)));
  // Row length of V and O: F(4x4) transforms four tiles per vector, the last group spilling past T,
  // padded against L1-set conflicts (rowLength); ld has room for any chunk's row length.
  const ldOf = (T: number) => (f4 ? rowLength(T, C, OC) : T);
  const ld = f4 ? Math.ceil((chunk * tiles) / 4) * 4 + 64 : chunk * tiles;
  const pV = arena.alloc(4 * xis * C * ld); // (xis, C, ld)
  const pO = arena.alloc(4 * xis * OC * ld); // (xis, OC, ld)
  const uPlane = kernels.winogradPlaneFloats(OC * C); // floats from dU[xi] to dU[xi + 1]
  const pU = arena.alloc(4 * xis * uPlane); // (xis, OC, C)
  const threads = threadsFor(rt, N * OC * OH * OW * C * 4);
  // Images per thread share: whole groups of four tiles (so only the last share spills past its tiles).
  const unit = f4 && tiles % 4 !== 0 ? 4 : 1;
  const paddedBytes = f4
    ? 4 * kernels.winograd4GradientScratchFloats(geo, chunk)
    : 4 * kernels.winogradGradientPaddedFloats(geo);
  const padded = ranges(chunk, unit, threads).map(() => arena.alloc(paddedBytes));
  const xiShares = ranges(xis, 1, threads);
  const gemmScratch = xiShares.map(() => arena.alloc(kernels.sgemmScratchBytes(OC, C, chunk * tiles)));
  for (let c0 = 0; c0 < N; c0 += chunk) {
    const images = Math.min(chunk, N - c0);
    const Tc = images * tiles;
    const ldc = ldOf(Tc);
    const tileCalls = ranges(images, unit, threads).map(([a, b], t) => [
      c0 + a,
      c0 + b,
      c0,
      ldc,
      geo,
      pV,
      pO,
      pInp,
      pDout,
      padded[t],
    ]);
    runShares(rt, f4 ? "winograd4GradientTiles" : "winogradGradientTiles", tileCalls);
    // dU[xi] (OC, C) (+)= O[xi] (OC, Tc) @ V[xi]^T (V[xi] is (C, ldc): B's (t, c) at c * ldc + t)
    const gemmCalls = xiShares.map(([x0, x1], t) => [
      x0,
      x1,
      OC * ldc,
      C * ldc,
      uPlane,
      OC,
      C,
      Tc,
      pO,
      ldc,
      1,
      pV,
      1,
      ldc,
      pU,
      c0 > 0 ? 1 : 0,
      0,
      OC,
      0,
      C,
      gemmScratch[t],
    ]);
    runShares(rt, "sgemm", gemmCalls);
  }
  runShares(
    rt,
    f4 ? "winograd4WeightGradient" : "winogradWeightGradient",
    ranges(OC, 1, threads).map(([m0, m1]) => [m0, m1, pDw, pU, OC, C]),
  );
  arena.get(pDw, (dweight as F32).subarray(0, OC * C * 9));
}

/**
 * Row length (floats) of V (36, C, ld) and O (36, OC, ld) for T tiles: at least T rounded up to
 * whole vectors (the transforms write four tiles per vector, the last group spilling past T), plus
 * up to 60 floats so that the 36 rows a transform writes per tile group (C * ld or OC * ld floats
 * apart) fall in as many different L1 cache sets as possible.
 * NOTE: unpadded, 16 channels on 32x32 planes give rows 28 KiB apart, all in one set of the
 * 64-set L1: the transforms took 2.5-3.3 ms instead of 1.0-1.5 (16@32x32, batch 32). Used by
 * winograd-weight.ts and by the F(4x4) sgemm weight gradient here.
 */
export function rowLength(T: number, C: number, OC: number): number {
  const base = Math.ceil(T / 4) * 4;
  let best = base;
  let bestSets = 0;
  for (let ld = base; ld < base + 64; ld += 4) {
    const sets = Math.min(cacheSets(ld * C), cacheSets(ld * OC));
    if (sets > bestSets) [best, bestSets] = [ld, sets];
  }
  return best;
}

/** How many of the 64 sets of L1 (64-byte lines) rows `floats` apart fall in (64 unless line-aligned). */
function cacheSets(floats: number): number {
  if (floats % 16 !== 0) return 64;
  const lines = (floats / 16) % 64;
  return lines === 0 ? 1 : 64 / (lines & -lines);
}
