// wasm versions of maxPool2dForward / maxPool2dBackward (same names, signatures and semantics as
// backends/ref/pool.ts, including the f32 argmax indices). Both split planes across threads when
// big. Float64 buffers go to the ref kernels.

import type { PoolGeometry, PoolPlanes } from "../geometry";
import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import { putPoolGeometry } from "./geometry";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, sharesFor, threadsFor } from "./threads/parallel";

/** Window reads per thread below which pooling stays on the calling thread. */
export const PARALLEL_MIN_READS = 1 << 19;

export function maxPoolKernels(rt: WasmRuntime) {
  const { arena, kernels } = rt;
  /** Room for n floats of zeros in the arena (a += destination known to hold zeros, not copied in). */
  const zeros = (n: number): number => {
    const ptr = arena.alloc(4 * n);
    kernels.fillZero(ptr, 4 * n);
    return ptr;
  };

  /** out, indices (N, C, OH, OW) = max of inp (N, C, H, W) over each window (see ref). */
  function maxPool2dForward(out: Buf, indices: Buf, inp: Buf, g: PoolGeometry): typeof FALL_BACK | undefined {
    if (!allF32(out, indices, inp)) return FALL_BACK;
    const { N, C, H, W, OH, OW, KH, KW } = g;
    const planes = N * C;
    const outLen = planes * OH * OW;
    arena.begin();
    const geo = putPoolGeometry(arena, g);
    const pInp = arena.put((inp as F32).subarray(0, planes * H * W)); // (N, C, H, W)
    const pOut = arena.target((out as F32).subarray(0, outLen)); // (N, C, OH, OW)
    const pIdx = arena.target((indices as F32).subarray(0, outLen)); // (N, C, OH, OW)
    const threads = threadsFor(rt, outLen * KH * KW, PARALLEL_MIN_READS);
    const calls = ranges(planes, 1, sharesFor(threads)).map(([p0, p1]) => [p0, p1, geo, pOut, pIdx, pInp]);
    runShares(rt, "maxPool2dForward", calls);
    arena.get(pOut, (out as F32).subarray(0, outLen));
    arena.get(pIdx, (indices as F32).subarray(0, outLen));
  }

  /**
   * dinp (N, C, H, W) += dout (N, C, OH, OW) routed through indices (see ref). `dinpZeroed`: the
   * caller promises dinp holds zeros, so it is not copied in (ref ignores the hint).
   */
  function maxPool2dBackward(
    dinp: Buf,
    dout: Buf,
    indices: Buf,
    p: PoolPlanes,
    dinpZeroed = false,
  ): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dout, indices)) return FALL_BACK;
    const { N, C, H, W, OH, OW } = p;
    const planes = N * C;
    arena.begin();
    const n = planes * H * W;
    const pDinp =
      dinpZeroed && arena.addressOf(dinp as F32) < 0 ? zeros(n) : arena.put((dinp as F32).subarray(0, n)); // (N, C, H, W), += onto it
    const pDout = arena.put((dout as F32).subarray(0, planes * OH * OW)); // (N, C, OH, OW)
    const pIdx = arena.put((indices as F32).subarray(0, planes * OH * OW)); // (N, C, OH, OW)
    // Planes split across threads: each scatters into its own planes of dinp.
    const threads = threadsFor(rt, planes * OH * OW, PARALLEL_MIN_READS);
    const [HW, OHW] = [H * W, OH * OW];
    const calls = ranges(planes, 1, sharesFor(threads)).map(([p0, p1]) => [
      pDinp + 4 * p0 * HW,
      pDout + 4 * p0 * OHW,
      pIdx + 4 * p0 * OHW,
      p1 - p0,
      HW,
      OHW,
    ]);
    runShares(rt, "maxPool2dBackward", calls);
    arena.get(pDinp, (dinp as F32).subarray(0, planes * H * W));
  }

  return { maxPool2dForward, maxPool2dBackward };
}
