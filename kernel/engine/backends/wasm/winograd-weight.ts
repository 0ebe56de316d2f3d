// The weight gradient of 3x3, stride-1 convs as Winograd (https://arxiv.org/abs/1509.09308):
// dW = G^T [sum over tiles (A o A^T) . (B^T d B)] G with F(4x4, 3x3) (6x6 transformed tiles, xi =
// 6 * row + column). Per chunk of images the tile transforms of assembly/winograd4.ts write
// V (36, C, ld) and O (36, OC, ld) in tile order, then assembly/winograd-weight.ts multiplies them
// as dot products of those rows (no GEMM packing), dU[xi] (OC, C) += O[xi] V[xi]^T, chunks in
// order; finally dweight += G^T dU G. Threads run whole chunks (transforms and products, each
// chunk's dU apart), then the chunks' dU are added in order and threads split output channels
// (final transform): bit-identical on any thread count.

import type { ConvGeometry } from "../geometry";
import type { Buf } from "../registry";
import type { F32 } from "./f32";
import { putConvGeometry } from "./geometry";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, threadsFor } from "./threads/parallel";
import { rowLength, winogradPays } from "./winograd";

/** Floats of V + O per chunk to aim for (~2 MiB: they stay in cache between transform and products). */
const CHUNK_FLOATS = 1 << 19;
/** Tiles per chunk: at least this deep (the products' horizontal sums and dU updates amortized)... */
const MIN_TILES = 256;
/** ...and at most this. */
const MAX_TILES = 2048;

/**
 * Whether conv2d's weight gradient runs here: the convs winogradPays takes (3x3, stride 1, dilation
 * 1, one group, padding 0-2, 16+ channels in and out) whose planes are whole 4x4 tiles (OH, OW
 * multiples of 4), with fewer than 32 channels or rows of tiles that are whole vectors (OW a
 * multiple of 16). conv-backward.ts checks it before winograd.ts's sgemm-based gradient.
 * NOTE: measured (1 thread, batch 32, relaxed, CPU ms): against the direct kernel 16@32x32 6.4 ->
 * 4.3, 16->24@16x16 1.9 -> 1.1, 16@8x8 1.2 -> 0.5; against winograd.ts 32@16x16 3.5 -> 2.4,
 * 32@32x32 13 -> 6.7, 64@32x32 27-35 -> 21-23, 64@16x16 9.4 -> 6.9, 128@16x16 22 -> 19; on 8x8
 * and 4x4 planes with 32+ channels 1.0-1.15x (plain SIMD 64@8x8 1.5x), left to winograd.ts.
 * F(2x2) planes (odd sizes) lost 2.5x to the direct kernel (7x7, 15x15).
 */
export function winogradWeightPays(g: ConvGeometry): boolean {
  const wholeTiles = g.OH % 4 === 0 && g.OW % 4 === 0;
  return winogradPays(g) && wholeTiles && (Math.min(g.C, g.OC) < 32 || g.OW % 16 === 0);
}

/**
 * dweight (OC, C, 3, 3) += the weight gradient of conv(inp (N, C, H, W), weight) for dout (N, OC,
 * OH, OW), already in the arena at pDout, with F(4x4, 3x3) transforms: OH and OW must be multiples
 * of 4 (whole tiles). Allocates after what the caller's call holds in the arena (no begin()).
 */
export function winogradWeightGradientDots(
  rt: WasmRuntime,
  dweight: Buf,
  pDout: number,
  inp: Buf,
  g: ConvGeometry,
): void {
  const { arena, kernels } = rt;
  const { N, C, H, W, OC, OH, OW } = g;
  const xis = 36; // 6x6 transformed tile
  const geo = putConvGeometry(arena, g);
  const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
  const pDw = arena.put((dweight as F32).subarray(0, OC * C * 9)); // (OC, C, 3, 3), += onto it
  const tiles = (OH / 4) * (OW / 4);
  const chunkTiles = Math.min(MAX_TILES, Math.max(MIN_TILES, CHUNK_FLOATS / (xis * (C + OC))));
  // Chunks of at most chunkTiles' worth of images, an even count (two threads get equal shares; the
  // split never depends on the thread count, so neither do the sums), as even as possible.
  const most = Math.max(1, Math.min(N, Math.floor(chunkTiles / tiles)));
  const chunks = Math.min(N, 2 * Math.ceil(N / (2 * most)));
  const largest = Math.ceil(N / chunks); // images
  const ld = rowLength(largest * tiles, C, OC); // every chunk's rows
  const uFloats = xis * kernels.winogradPlaneFloats(OC * C); // (xis, OC, C), planes padded
  const pUs = arena.alloc(4 * chunks * uFloats); // (chunks, xis, OC, C): each chunk's products
  const scratchBytes = 4 * kernels.winograd4GradientScratchFloats(geo, largest);
  const threads = threadsFor(rt, N * OC * OH * OW * C * 4);
  // Each thread runs whole chunks with its own transforms (in its own cache), then dU = the sum of
  // the chunks' products in order.
  const chunkCalls = ranges(chunks, 1, threads).map(([k0, k1]) => {
    const pV = arena.alloc(4 * xis * C * ld + 16); // (xis, C, ld), 16 bytes read past by the products
    const pO = arena.alloc(4 * xis * OC * ld + 16); // (xis, OC, ld)
    const scratch = arena.alloc(scratchBytes);
    return [k0, k1, chunks, N, ld, geo, pV, pO, pInp, pDout, scratch, pUs];
  });
  runShares(rt, "winogradWeightChunks", chunkCalls);
  let pU = pUs; // (xis, OC, C)
  if (chunks > 1) {
    pU = arena.alloc(4 * uFloats);
    const sumCalls = ranges(uFloats, 4, threadsFor(rt, chunks * uFloats * 8)).map(([i0, i1]) => [
      i0,
      i1,
      pU,
      pUs,
      chunks,
      uFloats,
    ]);
    runShares(rt, "sumChunks", sumCalls);
  }
  const finalCalls = ranges(OC, 1, threads).map(([m0, m1]) => [m0, m1, pDw, pU, OC, C]);
  runShares(rt, "winograd4WeightGradient", finalCalls);
  arena.get(pDw, (dweight as F32).subarray(0, OC * C * 9));
}
