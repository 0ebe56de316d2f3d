// wasm avgPool2dForward / avgPool2dBackward and adaptiveAvgPool2dForward / ...Backward (same
// names, signatures and += semantics as backends/ref/pool.ts), in assembly/avg-pool.ts. Threads
// split planes, which never share an output, so any thread count gives the same bits.
// Float64 buffers go to the ref kernels.

import type { PoolGeometry, PoolPlanes } from "../geometry";
import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import { putPoolGeometry } from "./geometry";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, threadsFor } from "./threads/parallel";

export function avgPoolKernels(rt: WasmRuntime) {
  const { arena } = rt;

  /** Threads for `reads` window reads over `planes` planes, as [p0, p1) ranges. */
  const planeRanges = (planes: number, reads: number) => ranges(planes, 1, threadsFor(rt, reads));

  /** out (N, C, OH, OW) = average of inp (N, C, H, W) over each window (see ref). */
  function avgPool2dForward(
    out: Buf,
    inp: Buf,
    g: PoolGeometry,
    countIncludePad: boolean,
    divisorOverride: number,
  ): typeof FALL_BACK | undefined {
    if (!allF32(out, inp)) return FALL_BACK;
    const { N, C, H, W, OH, OW, KH, KW } = g;
    const planes = N * C;
    arena.begin();
    const geo = putPoolGeometry(arena, g, countIncludePad, divisorOverride);
    const pInp = arena.put((inp as F32).subarray(0, planes * H * W)); // (N, C, H, W)
    const pOut = arena.target((out as F32).subarray(0, planes * OH * OW)); // (N, C, OH, OW)
    const calls = planeRanges(planes, planes * OH * OW * KH * KW).map(([p0, p1]) => [
      p0,
      p1,
      geo,
      pOut,
      pInp,
    ]);
    runShares(rt, "avgPool2dForward", calls);
    arena.get(pOut, (out as F32).subarray(0, planes * OH * OW));
  }

  /** dinp (N, C, H, W) += dout (N, C, OH, OW) / divisor over each window (see ref). */
  function avgPool2dBackward(
    dinp: Buf,
    dout: Buf,
    g: PoolGeometry,
    countIncludePad: boolean,
    divisorOverride: number,
  ): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dout)) return FALL_BACK;
    const { N, C, H, W, OH, OW, KH, KW } = g;
    const planes = N * C;
    arena.begin();
    const geo = putPoolGeometry(arena, g, countIncludePad, divisorOverride);
    const pDout = arena.put((dout as F32).subarray(0, planes * OH * OW)); // (N, C, OH, OW)
    const pDinp = arena.put((dinp as F32).subarray(0, planes * H * W)); // (N, C, H, W), += onto it
    const calls = planeRanges(planes, planes * OH * OW * KH * KW).map(([p0, p1]) => [
      p0,
      p1,
      geo,
      pDinp,
      pDout,
    ]);
    runShares(rt, "avgPool2dBackward", calls);
    arena.get(pDinp, (dinp as F32).subarray(0, planes * H * W));
  }

  /** out (N, C, OH, OW) = mean of inp (N, C, H, W) over each adaptive window (see ref). */
  function adaptiveAvgPool2dForward(out: Buf, inp: Buf, p: PoolPlanes): typeof FALL_BACK | undefined {
    if (!allF32(out, inp)) return FALL_BACK;
    const { N, C, H, W, OH, OW } = p;
    const planes = N * C;
    arena.begin();
    const geo = putPoolGeometry(arena, p);
    const pInp = arena.put((inp as F32).subarray(0, planes * H * W)); // (N, C, H, W)
    const pOut = arena.target((out as F32).subarray(0, planes * OH * OW)); // (N, C, OH, OW)
    // Windows overlap by at most one row/column: about H * W reads per plane, plus the overlap.
    const calls = planeRanges(planes, planes * (H + OH) * (W + OW)).map(([p0, p1]) => [
      p0,
      p1,
      geo,
      pOut,
      pInp,
    ]);
    runShares(rt, "adaptiveAvgPool2dForward", calls);
    arena.get(pOut, (out as F32).subarray(0, planes * OH * OW));
  }

  /** dinp (N, C, H, W) += dout (N, C, OH, OW) spread evenly over each adaptive window (see ref). */
  function adaptiveAvgPool2dBackward(dinp: Buf, dout: Buf, p: PoolPlanes): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dout)) return FALL_BACK;
    const { N, C, H, W, OH, OW } = p;
    const planes = N * C;
    arena.begin();
    const geo = putPoolGeometry(arena, p);
    const pDout = arena.put((dout as F32).subarray(0, planes * OH * OW)); // (N, C, OH, OW)
    const pDinp = arena.put((dinp as F32).subarray(0, planes * H * W)); // (N, C, H, W), += onto it
    const calls = planeRanges(planes, planes * (H + OH) * (W + OW)).map(([p0, p1]) => [
      p0,
      p1,
      geo,
      pDinp,
      pDout,
    ]);
    runShares(rt, "adaptiveAvgPool2dBackward", calls);
    arena.get(pDinp, (dinp as F32).subarray(0, planes * H * W));
  }

  return { avgPool2dForward, avgPool2dBackward, adaptiveAvgPool2dForward, adaptiveAvgPool2dBackward };
}
