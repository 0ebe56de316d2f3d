// Large convs' GEMMs on ONNX Runtime's MLAS (mlas-gemm.ts): the forward and the weight gradient
// of convs that would otherwise take the generic im2col kernels (stride-2 convs with many
// channels, 5x5, anything not Winograd, direct, depthwise or 1x1), and strided convs' input
// gradients (dcol = weight^T dout there, col2im in wasm). Wasm writes a chunk of images'
// im2col rows (assembly/conv-backward-weight.ts convGemmOperands, threads splitting images), then
// - forward: out[n] (OC, P) (+)= weight (OC, K) @ col[n] (K, P), images one after another; on tiny
//   planes (SIDE_BY_SIDE_PIXELS, strided convs' small planes STRIDED_SIDE_BY_SIDE_PIXELS: these go
//   there before the direct kernel) outT (OC, D) (+)= weight (OC, K) @ col (K, D), images side by
//   side (D = images x output pixels), then swapped to (images, OC, P);
// - weight gradient: dweight (OC, K) += douts (OC, D) @ col^T (D, K), images side by side.
// MLAS runs each GEMM (or each thread's part of a large one, mlas-gemm.ts) on one core: only large
// convs, or convs on small planes, go there, chosen by shape only so that every thread count
// computes the same sums. A stride-1 input gradient is a forward conv of dout, added into dinp
// (`add`).

import type { ConvGeometry } from "../geometry";
import type { Buf } from "../registry";
import type { F32 } from "./f32";
import { paddedPlanesFloats } from "./geometry";
import { MLAS_MAX_FLOATS, mlasTakes } from "./mlas-gemm";
import type { WasmRuntime } from "./runtime";
import { type GemmSpec, runSgemm } from "./sgemm";
import { ranges, runShares, sharesFor, threadsFor } from "./threads/parallel";

/**
 * From this many multiply-adds a conv's weight gradient goes to MLAS. Forward + weight gradient
 * (the gradient alone on MLAS), median ms, wasm / MLAS, at 1 thread then at 2: 64->128 stride 2 on
 * 32x32, batch 32 (604M) 56.6 / 37.6 and 29.7 / 25.9; 5x5 32->64 on 16x16, batch 16 (210M) 19.7 /
 * 14.7 and 10.6 / 10.0. ResNet-18-CIFAR width 16's stride-2 convs (37.7M) won at 1 thread (3.65 /
 * 2.96) and lost at 2 (2.24 / 2.43).
 */
const WEIGHT_GRADIENT_MIN_MACS = 1 << 27;

/**
 * From this many multiply-adds a conv's forward goes to MLAS. Forward with bias, median ms, wasm /
 * MLAS, at 1 thread then at 2 (batch 32): 64->128 stride 2 on 32x32 (604M) 25-37 / 13-24 and 13-20
 * / 13-23; 128->256 on 16x16 25 / 15 and 13 / 10; 256->512 on 8x8 25 / 13.5 and 13.5 / 10.3. The 5x5
 * above (210M): 8.7 / 8.0 and 4.6 / 4.8.
 */
const FORWARD_MIN_MACS = 1 << 28;

/**
 * Output planes of at most this many pixels are multiplied images side by side, from any size
 * MLAS takes (mlasPays): image by image, a 3x3 conv on 1x1 planes is a matrix-vector product per
 * image, each reading all the weights. GoogLeNet (32x32 inputs, batch 16), 1 thread, ms a step,
 * wasm: 192->384 on 1x1 planes forward 4.8, backward 8.7; 160->320 on 1x1 3.2 and 5.4.
 */
const SIDE_BY_SIDE_PIXELS = 16;

/**
 * Strided convs' output planes of at most this many pixels too (below FORWARD_MIN_MACS; above, the
 * forward multiplies image by image). ResNet-18-CIFAR width 16's 32->64 stride 2 onto 8x8 (batch
 * 32, 37.7M multiply-adds), median ms, direct kernels / MLAS side by side, at 1 thread then 2:
 * forward 1.72 / 1.11 and 1.24 / 1.12, weight gradient 2.03 / 1.05 and 1.47 / 1.01. Width 64's
 * 128->256 onto 8x8 (604M) lost at 2 threads (forward 8.0 / 10.3), so it stays image by image.
 */
const STRIDED_SIDE_BY_SIDE_PIXELS = 64;

/** At most this many floats of im2col rows per chunk of images (16 MiB). */
const COL_MAX_FLOATS = 1 << 22;

/**
 * out (N, OC, OH, OW) = conv(inp, weight) + bias, or += conv(inp, weight) with `add` (no bias), all
 * at arena addresses (bias 0 for none; `geo` the conv's geometry block), when MLAS takes the GEMMs;
 * false (nothing done) otherwise.
 */
export function mlasConvForward(
  rt: WasmRuntime,
  pOut: number,
  pInp: number,
  pW: number,
  pBias: number,
  geo: number,
  g: ConvGeometry,
  add = false,
): boolean {
  const { N, OC } = g;
  const P = g.OH * g.OW;
  const K = g.C * g.KH * g.KW;
  const chunk = imagesPerChunk(g);
  const accumulate = add || pBias !== 0;
  if (sideBySide(g)) {
    const gemm = (D: number, col: number, outT: number): GemmSpec => ({
      ...{ batch: 1, M: OC, N: D, K, a: pW, strideA: 0, aRow: K, aCol: 1 }, // weight (OC, K)
      ...{ b: col, strideB: 0, bRow: D, bCol: 1, c: outT, strideC: 0, accumulate: pBias !== 0 }, // col (K, D)
    });
    if (!takes(g, 0, gemm(chunk * P, 0, 0))) return false;
    for (let n0 = 0; n0 < N; n0 += chunk) {
      const images = Math.min(chunk, N - n0);
      const D = images * P;
      const col = rt.arena.alloc(4 * K * D); // (K, D)
      writeOperands(rt, geo, g, pInp, n0, images, col, P, D, 0, 0);
      const outT = rt.arena.alloc(4 * OC * D); // (OC, images, P), bias filled in
      if (pBias !== 0) {
        const f32 = rt.arena.f32();
        for (let oc = 0; oc < OC; oc++)
          f32.fill(f32[pBias / 4 + oc], outT / 4 + oc * D, outT / 4 + (oc + 1) * D);
      }
      runSgemm(rt, gemm(D, col, outT));
      rt.kernels.swapLeadingDims(pOut + 4 * n0 * OC * P, outT, OC, images, P, add ? 1 : 0);
    }
    return true;
  }
  const gemm = (images: number, col: number, out: number): GemmSpec => ({
    ...{ batch: images, M: OC, N: P, K, a: pW, strideA: 0, aRow: K, aCol: 1 }, // weight (OC, K)
    ...{ b: col, strideB: K * P, bRow: P, bCol: 1 }, // col (images, K, P)
    ...{ c: out, strideC: OC * P, accumulate }, // out (images, OC, P), bias filled in
  });
  if (!takes(g, FORWARD_MIN_MACS, gemm(chunk, 0, 0))) return false;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const images = Math.min(chunk, N - n0);
    const col = rt.arena.alloc(4 * images * K * P); // (images, K, P)
    writeOperands(rt, geo, g, pInp, n0, images, col, K * P, P, 0, 0);
    const out = pOut + 4 * n0 * OC * P;
    if (pBias !== 0) {
      const f32 = rt.arena.f32();
      for (let i = 0; i < images * OC; i++)
        f32.fill(f32[pBias / 4 + (i % OC)], out / 4 + i * P, out / 4 + (i + 1) * P);
    }
    runSgemm(rt, gemm(images, col, out));
  }
  return true;
}

/**
 * dweight (OC, C, KH, KW) at arena address pDw += the gradient from dout (N, OC, OH, OW) and inp
 * (N, C, H, W), both in the arena (`geo` the conv's geometry block), when MLAS takes the GEMM; false
 * (nothing done) otherwise.
 */
export function mlasWeightGradient(
  rt: WasmRuntime,
  pDw: number,
  pDout: number,
  pInp: number,
  geo: number,
  g: ConvGeometry,
): boolean {
  const { N, OC } = g;
  const P = g.OH * g.OW;
  const K = g.C * g.KH * g.KW;
  const chunk = imagesPerChunk(g);
  const gemm = (D: number, douts: number, col: number): GemmSpec => ({
    ...{ batch: 1, M: OC, N: K, K: D, a: douts, strideA: 0, aRow: D, aCol: 1 }, // douts (OC, D)
    ...{ b: col, strideB: 0, bRow: 1, bCol: D, c: pDw, strideC: 0, accumulate: true }, // col (K, D): B^T
  });
  const minMacs = sideBySide(g) ? 0 : WEIGHT_GRADIENT_MIN_MACS;
  if (!takes(g, minMacs, gemm(chunk * P, 0, 0))) return false;
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const D = Math.min(chunk, N - n0) * P;
    const col = rt.arena.alloc(4 * K * D); // (K, D)
    const douts = rt.arena.alloc(4 * OC * D); // (OC, D)
    writeOperands(rt, geo, g, pInp, n0, D / P, col, P, D, pDout, douts);
    runSgemm(rt, gemm(D, douts, col));
  }
  return true;
}

/**
 * dinp (N, C, H, W) += the input gradient of a strided conv from dout (N, OC, OH, OW) at arena
 * address pDout (`geo` the conv's geometry block), when MLAS takes the GEMM: per chunk of images,
 * dcol[n] (K, P) = weight^T (K, OC) @ dout[n] (OC, P) as one batched GEMM there, then col2im in
 * wasm, threads splitting images (assembly/conv-backward-input.ts col2imImages); false (nothing
 * done) otherwise. In wasm, one GEMM and col2im per image (conv2dBackwardInput) keeps each image's
 * dcol in cache and wins. Allocates after what the caller's call holds in the arena.
 */
export function mlasInputGradient(
  rt: WasmRuntime,
  dinp: Buf,
  pDout: number,
  weight: Buf,
  geo: number,
  g: ConvGeometry,
): boolean {
  const { N, C, H, W, OC } = g;
  const P = g.OH * g.OW;
  const K = C * g.KH * g.KW;
  if (g.strideH * g.strideW === 1) return false;
  const chunk = imagesPerChunk(g);
  const gemm = (images: number, pW: number, dout: number, dcol: number): GemmSpec => ({
    ...{ batch: images, M: K, N: P, K: OC, a: pW, strideA: 0, aRow: 1, aCol: K }, // weight^T (K, OC)
    ...{ b: dout, strideB: OC * P, bRow: P, bCol: 1 }, // dout (images, OC, P)
    ...{ c: dcol, strideC: K * P, accumulate: false }, // dcol (images, K, P)
  });
  if (!takes(g, 0, gemm(chunk, 0, 0, 0))) return false;
  const { arena } = rt;
  const pW = arena.put((weight as F32).subarray(0, OC * K)); // (OC, C, KH, KW)
  const pDinp = arena.put((dinp as F32).subarray(0, N * C * H * W)); // (N, C, H, W), += onto it
  const dcol = arena.alloc(4 * chunk * K * P); // (chunk, K, P)
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const images = Math.min(chunk, N - n0);
    runSgemm(rt, gemm(images, pW, pDout + 4 * n0 * OC * P, dcol));
    const at = pDinp + 4 * n0 * C * H * W;
    const shares = ranges(images, 1, sharesFor(threadsFor(rt, images * K * P, COL2IM_MIN_FLOATS)));
    runShares(
      rt,
      "col2imImages",
      shares.map(([i0, i1]) => [i0, i1, geo, at, dcol]),
    );
  }
  arena.get(pDinp, (dinp as F32).subarray(0, N * C * H * W));
  return true;
}

/** From this many dcol floats col2im splits images across threads (~1 float a ns on one). */
const COL2IM_MIN_FLOATS = 1 << 17;

/** Whether the conv's output planes are tiny enough to multiply images side by side. */
const sideBySide = (g: ConvGeometry): boolean => g.OH * g.OW <= SIDE_BY_SIDE_PIXELS || stridedSideBySide(g);

/**
 * Whether a strided conv below FORWARD_MIN_MACS on small output planes (STRIDED_SIDE_BY_SIDE_PIXELS)
 * multiplies images side by side on MLAS, forward and weight gradient: conv-forward.ts tries it
 * before the direct kernel.
 */
export function stridedSideBySide(g: ConvGeometry): boolean {
  const P = g.OH * g.OW;
  const macs = g.N * g.OC * g.C * g.KH * g.KW * P;
  return g.strideH * g.strideW > 1 && P <= STRIDED_SIDE_BY_SIDE_PIXELS && macs < FORWARD_MIN_MACS;
}

/** Images whose im2col rows fit COL_MAX_FLOATS (and MLAS_MAX_FLOATS), at least one. */
function imagesPerChunk(g: ConvGeometry): number {
  const K = g.C * g.KH * g.KW;
  return Math.max(
    1,
    Math.min(g.N, Math.floor(Math.min(COL_MAX_FLOATS, MLAS_MAX_FLOATS) / (K * g.OH * g.OW))),
  );
}

/** Whether the conv goes to MLAS: groups 1, minMacs multiply-adds, and MLAS takes a full chunk's GEMM. */
function takes(g: ConvGeometry, minMacs: number, chunkGemm: GemmSpec): boolean {
  const macs = g.N * g.OC * g.C * g.KH * g.KW * g.OH * g.OW;
  return g.groups === 1 && macs >= minMacs && mlasTakes(chunkGemm);
}

/**
 * Images [n0, n0 + images) of inp (N, C, H, W) at arena address pInp: their im2col rows into col
 * (image stride and row stride in floats), and dout's planes into douts when it is not 0, threads
 * splitting the images (assembly/conv-backward-weight.ts convGemmOperands).
 */
function writeOperands(
  rt: WasmRuntime,
  geo: number,
  g: ConvGeometry,
  pInp: number,
  n0: number,
  images: number,
  col: number,
  imageStride: number,
  ld: number,
  pDout: number,
  douts: number,
): void {
  const floats = images * g.C * g.KH * g.KW * g.OH * g.OW;
  const calls = ranges(images, 1, threadsFor(rt, 4 * floats)).map(([i0, i1]) => {
    const padded = rt.arena.alloc(4 * paddedPlanesFloats(g)); // (C, PH, PW)
    return [n0 + i0, n0 + i1, n0, imageStride, ld, geo, pInp, col, padded, pDout, douts];
  });
  runShares(rt, "convGemmOperands", calls);
}
