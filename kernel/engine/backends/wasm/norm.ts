// wasm versions of batchNormForward / batchNormBackward (same names, signatures and semantics as
// backends/ref/norm.ts, including += on every gradient and f64 statistics). Float64 buffers go to
// the ref kernels. Threads split channels (each channel's sums stay on one thread), so any thread
// count gives the same bits.

import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, sharesFor, threadsFor } from "./threads/parallel";

export function normKernels(rt: WasmRuntime) {
  const { arena } = rt;
  /** Copies an optional (C) buffer in; 0 stands for null. */
  const putOptional = (b: Buf | null, C: number): number =>
    b === null ? 0 : arena.put((b as F32).subarray(0, C));
  /**
   * [c0, c1) channel ranges, two per thread, for `passes` over n elements. An element-pass weighs
   * as ~6 of a GEMM's multiply-adds (3.1M floats, two passes: ~1.5 ms), ~12 on planes under 64
   * floats (rows of a few f32x4s: MobileNetV2's 960 channels of 2x2 took 0.15 ms a pass at batch
   * 32), so calls from ~150 us split (threadsFor: a quarter of that while the workers spin).
   */
  const channelRanges = (C: number, n: number, inner: number, passes: number) =>
    ranges(C, 1, sharesFor(threadsFor(rt, (inner < 64 ? 12 : 6) * passes * n)));

  /**
   * out (N, C, inner) = (inp - mean) * rstd * weight + bias (+ residual), clamped to [min, max] when
   * either is finite; training writes mean, rstd, variance (see ref).
   */
  function batchNormForward(
    out: Buf,
    mean: Buf,
    rstd: Buf,
    variance: Buf | null,
    inp: Buf,
    weight: Buf | null,
    bias: Buf | null,
    N: number,
    C: number,
    inner: number,
    eps: number,
    training: boolean,
    min = Number.NEGATIVE_INFINITY,
    max = Number.POSITIVE_INFINITY,
    residual: Buf | null = null,
  ): typeof FALL_BACK | undefined {
    if (!allF32(out, mean, rstd, variance, inp, weight, bias, residual)) return FALL_BACK;
    const clamp = Number.isFinite(min) || Number.isFinite(max) ? 1 : 0;
    const n = N * C * inner;
    arena.begin();
    const pInp = arena.put((inp as F32).subarray(0, n)); // (N, C, inner)
    const pMean = arena.put((mean as F32).subarray(0, C)); // (C)
    const pRstd = arena.put((rstd as F32).subarray(0, C)); // (C)
    const pVar = training ? putOptional(variance, C) : 0; // (C)
    const pW = putOptional(weight, C); // (C)
    const pB = putOptional(bias, C); // (C)
    const pRes = residual === null ? 0 : arena.put((residual as F32).subarray(0, n)); // (N, C, inner)
    const pOut = arena.target((out as F32).subarray(0, n)); // (N, C, inner)
    const pSums = training ? arena.alloc(16 * C) : 0; // (C, 2) f64 scratch: each channel's two sums
    const args = [
      pOut,
      pMean,
      pRstd,
      pVar,
      pInp,
      pW,
      pB,
      N,
      C,
      inner,
      eps,
      training ? 1 : 0,
      clamp,
      min,
      max,
      pRes,
      pSums,
    ];
    const calls = channelRanges(C, n, inner, training ? 2 : 1).map(([c0, c1]) => [c0, c1, ...args]);
    runShares(rt, "batchNormForwardChannels", calls);
    arena.get(pOut, (out as F32).subarray(0, n));
    if (training) {
      arena.get(pMean, (mean as F32).subarray(0, C));
      arena.get(pRstd, (rstd as F32).subarray(0, C));
      if (variance !== null) arena.get(pVar, (variance as F32).subarray(0, C));
    }
  }

  /**
   * dinp (N, C, inner), dweight (C), dbias (C) += gradients of batchNormForward (see ref).
   * `dinpOverwrite`: dinp is written, not added to, so it is not copied in (see ref).
   * `out`: the forward's output clamped to [min, max]; dout then passes only where min < out < max.
   * `dresidual`: that masked dout, written (the forward's residual's gradient).
   */
  function batchNormBackward(
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    mean: Buf,
    rstd: Buf,
    weight: Buf | null,
    N: number,
    C: number,
    inner: number,
    training: boolean,
    dinpOverwrite = false,
    out: Buf | null = null,
    min = Number.NEGATIVE_INFINITY,
    max = Number.POSITIVE_INFINITY,
    dresidual: Buf | null = null,
  ): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dweight, dbias, dout, inp, mean, rstd, weight, out, dresidual)) return FALL_BACK;
    const n = N * C * inner;
    arena.begin();
    const pDout = arena.put((dout as F32).subarray(0, n)); // (N, C, inner)
    const pInp = arena.put((inp as F32).subarray(0, n)); // (N, C, inner)
    const pMean = arena.put((mean as F32).subarray(0, C)); // (C)
    const pRstd = arena.put((rstd as F32).subarray(0, C)); // (C)
    const pW = putOptional(weight, C); // (C)
    const pOut = out === null ? 0 : arena.put((out as F32).subarray(0, n)); // (N, C, inner)
    const pDinp =
      dinp === null
        ? 0
        : dinpOverwrite
          ? arena.target(dinp as F32) // (N, C, inner), known zeros: written, not read
          : arena.put((dinp as F32).subarray(0, n)); // (N, C, inner), += onto it
    const pDw = putOptional(dweight, C); // (C), += onto it
    const pDb = putOptional(dbias, C); // (C), += onto it
    const pDres = dresidual === null ? 0 : arena.target((dresidual as F32).subarray(0, n)); // (N, C, inner), written
    const pSums = arena.alloc(16 * C); // (C, 2) f64 scratch: each channel's two sums
    const zeroed = dinpOverwrite ? 1 : 0;
    const args = [
      ...[pDinp, pDw, pDb, pDout, pInp, pMean, pRstd, pW, N, C, inner, training ? 1 : 0, zeroed],
      ...[pOut, min, max, pDres, pSums],
    ];
    const calls = channelRanges(C, n, inner, pDinp === 0 ? 1 : 2).map(([c0, c1]) => [c0, c1, ...args]);
    runShares(rt, "batchNormBackwardChannels", calls);
    if (dinp !== null) arena.get(pDinp, (dinp as F32).subarray(0, n));
    if (dweight !== null) arena.get(pDw, (dweight as F32).subarray(0, C));
    if (dbias !== null) arena.get(pDb, (dbias as F32).subarray(0, C));
    if (dresidual !== null) arena.get(pDres, (dresidual as F32).subarray(0, n));
  }

  return { batchNormForward, batchNormBackward };
}
