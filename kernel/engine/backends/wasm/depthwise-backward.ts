// wasm conv2dBackward for depthwise convolutions (groups = C = OC): direct kernels in
// assembly/depthwise-backward.ts (a plane at a time, vectors along rows) or, on
// planes up to LANES_MAX_WIDTH outputs wide, assembly/depthwise-lanes.ts (four channels per vector), instead of
// im2col + GEMM over 1-row matrices. Every other convolution goes to the general wasm
// conv2dBackward it wraps. Same name, signature and += semantics as backends/ref/conv.ts. Threads
// split planes or (channels, image) groups (input gradient) or channels (weight gradient, images
// summed in order), so any thread count gives the same bits.

import type { ConvGeometry } from "../geometry";
import type { Buf, FALL_BACK, KernelFn } from "../registry";
import { allF32, type F32 } from "./f32";
import { putConvGeometry } from "./geometry";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, sharesFor, threadsFor } from "./threads/parallel";

/**
 * Output rows up to this wide run the four-channel lane kernels: the row kernels' vectors run
 * along a row, so rows of 2 or 4 outputs were all scalar tails and per-plane overhead. Both
 * gradients, batch 32, one thread, CPU ms (a loaded machine): 960 channels 2x2 4.0 -> 0.7, 384 4x4
 * 1.6 -> 0.7, 576 4x4 stride 2 3.4 -> 0.5, 144 16x16 stride 2 (8 outputs a row) 2.7 -> 2.3; rows
 * of 16 lost (144 16x16: 4.1 -> 5.2).
 */
const LANES_MAX_WIDTH = 8;

/** Kernels overriding `general` (the wasm conv2dBackward) for depthwise convolutions. */
export function depthwiseBackwardKernels(rt: WasmRuntime, general: KernelFn) {
  const { arena, kernels } = rt;

  /** dinp (N, C, H, W), dweight (C, 1, KH, KW), dbias (C) += gradients from dout (N, C, OH, OW). */
  function conv2dBackward(
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    g: ConvGeometry,
  ): typeof FALL_BACK | undefined {
    const { N, C, H, W, OC, KH, KW, OH, OW, groups: G } = g;
    if (G !== C || OC !== C || !allF32(dinp, dweight, dbias, dout, inp, weight))
      return general(dinp, dweight, dbias, dout, inp, weight, g); // or FALL_BACK for float64
    const P = OH * OW;
    // A depthwise multiply-add weighs as ~4 of a GEMM's (no register blocking across channels):
    // 960 channels of 2x2, batch 32, both gradients (2.2M) took ~0.7 ms.
    const threads = threadsFor(rt, 4 * N * C * P * KH * KW);
    arena.begin();
    const geo = putConvGeometry(arena, g);
    if (OW <= LANES_MAX_WIDTH) {
      lanes(dinp, dweight, dout, inp, weight, g, geo, threads);
      if (dbias !== null) biasGradient(dbias, dout, N, C, P);
      return;
    }
    const paddedBytes = 4 * kernels.depthwisePaddedHeight(geo) * kernels.depthwisePaddedWidth(geo);
    const inputScratchBytes = 4 * kernels.depthwiseInputScratchFloats(geo); // a padded dout or dinp plane
    const pDout = arena.put((dout as F32).subarray(0, N * C * P)); // (N, C, OH, OW)
    if (dinp !== null) {
      const pW = arena.put((weight as F32).subarray(0, C * KH * KW)); // (C, 1, KH, KW)
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * H * W)); // (N, C, H, W), += onto it
      const calls = ranges(N * C, 1, threads).map(([q0, q1]) => {
        const padded = arena.alloc(inputScratchBytes); // one padded plane per thread
        return [q0, q1, geo, pDinp, pDout, pW, padded];
      });
      runShares(rt, "depthwiseBackwardInput", calls);
      arena.get(pDinp, (dinp as F32).subarray(0, N * C * H * W));
    }
    if (dweight !== null) {
      const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
      const pDw = arena.put((dweight as F32).subarray(0, C * KH * KW)); // (C, 1, KH, KW), += onto it
      const calls = ranges(C, 1, threads).map(([c0, c1]) => {
        const padded = arena.alloc(paddedBytes);
        return [c0, c1, N, geo, pDw, pDout, pInp, padded];
      });
      runShares(rt, "depthwiseBackwardWeight", calls);
      arena.get(pDw, (dweight as F32).subarray(0, C * KH * KW));
    }
    if (dbias !== null) biasGradient(dbias, dout, N, C, P);
  }

  /** dbias (C) += the sums of dout (N, C, P) per channel. */
  function biasGradient(dbias: Buf, dout: Buf, N: number, C: number, P: number): void {
    const pDout = arena.put((dout as F32).subarray(0, N * C * P)); // (N, C, P)
    const pDb = arena.put((dbias as F32).subarray(0, C)); // (C)
    kernels.addChannelSums(pDb, pDout, N, C, P);
    arena.get(pDb, (dbias as F32).subarray(0, C));
  }

  /** The input and weight gradients on small planes, four channels per vector (depthwise-lanes.ts). */
  function lanes(
    dinp: Buf | null,
    dweight: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    g: ConvGeometry,
    geo: number,
    threads: number,
  ): void {
    const { N, C, H, W, KH, KW, OH, OW } = g;
    const groups = Math.ceil(C / 4);
    const scratchBytes = 4 * kernels.depthwiseLanesScratchFloats(geo); // per thread
    const pDout = arena.put((dout as F32).subarray(0, N * C * OH * OW)); // (N, C, OH, OW)
    if (dinp !== null) {
      const pW = arena.put((weight as F32).subarray(0, C * KH * KW)); // (C, 1, KH, KW)
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * H * W)); // (N, C, H, W), += onto it
      const calls = ranges(groups * N, 1, sharesFor(threads)).map(([g0, g1]) => {
        const scratch = arena.alloc(scratchBytes);
        return [g0, g1, N, geo, pDinp, pDout, pW, scratch];
      });
      runShares(rt, "depthwiseBackwardInputLanes", calls);
      arena.get(pDinp, (dinp as F32).subarray(0, N * C * H * W));
    }
    if (dweight !== null) {
      const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
      const pDw = arena.put((dweight as F32).subarray(0, C * KH * KW)); // (C, 1, KH, KW), += onto it
      const calls = ranges(groups, 1, sharesFor(threads)).map(([g0, g1]) => {
        const scratch = arena.alloc(scratchBytes);
        return [g0, g1, N, geo, pDw, pDout, pInp, scratch];
      });
      runShares(rt, "depthwiseBackwardWeightLanes", calls);
      arena.get(pDw, (dweight as F32).subarray(0, C * KH * KW));
    }
  }

  return { conv2dBackward };
}
