// wasm sgdUpdate / adamUpdate (same names, signatures and in-place semantics as
// backends/ref/optim.ts), in assembly/optim.ts: bit-identical to ref (f64 arithmetic, f32 stores
// where ref stores). One parameter tensor per call; from SPLIT_ELEMENTS on, threads split its
// elements (the same bits). Float64 buffers go to the ref kernels.

import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, sharesFor, threadsFor, WARM_DISCOUNT } from "./threads/parallel";

/**
 * From this many elements threads split an update (a quarter of it while the workers spin; smaller
 * updates call the kernel directly): ~2.7 ns an element (f64 arithmetic, three
 * streams in, two out: MobileNetV2's 2.2M parameters took ~6 ms of SGD with momentum a step), so
 * 2^16 take ~180 us, more than a hand-off to a sleeping worker.
 */
const SPLIT_ELEMENTS = 1 << 16;

export function optimKernels(rt: WasmRuntime) {
  const { arena, kernels } = rt;
  /** Copies an optional buffer of n floats in; 0 stands for null. */
  const putOptional = (b: Buf | null, n: number): number =>
    b === null ? 0 : arena.put((b as F32).subarray(0, n));
  /** [first element, count] slices of n elements, one per share (16-element multiples: aligned). */
  const slices = (n: number): [number, number][] =>
    ranges(n, 16, sharesFor(threadsFor(rt, n, SPLIT_ELEMENTS))).map(([i0, i1]) => [i0, i1 - i0]);
  /** Address p moved to element i; 0 (no buffer) stays 0. */
  const at = (p: number, i: number): number => (p === 0 ? 0 : p + 4 * i);

  /** p (and the momentum buffer) updated in place by one SGD step (see ref). */
  function sgdUpdate(
    p: Buf,
    grad: Buf,
    buf: Buf | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    maximize: boolean,
    first: boolean,
  ): typeof FALL_BACK | undefined {
    if (!allF32(p, grad, buf)) return FALL_BACK;
    const n = p.length;
    arena.begin();
    const pP = arena.put(p as F32); // (n)
    const pGrad = arena.put((grad as F32).subarray(0, n)); // (n)
    const pBuf = putOptional(buf, n); // (n)
    const flags = [nesterov ? 1 : 0, maximize ? -1 : 1, first ? 1 : 0];
    if (n < SPLIT_ELEMENTS / WARM_DISCOUNT)
      kernels.sgdUpdate(
        pP,
        pGrad,
        pBuf,
        n,
        lr,
        momentum,
        dampening,
        weightDecay,
        flags[0],
        flags[1],
        flags[2],
      );
    else
      runShares(
        rt,
        "sgdUpdate",
        slices(n).map(([i, k]) => [
          at(pP, i),
          at(pGrad, i),
          at(pBuf, i),
          k,
          lr,
          momentum,
          dampening,
          weightDecay,
          ...flags,
        ]),
      );
    arena.get(pP, p as F32);
    if (buf !== null) arena.get(pBuf, (buf as F32).subarray(0, n));
  }

  /** p and the moments m, v (vmax with amsgrad) updated in place by Adam step `step` (see ref). */
  function adamUpdate(
    p: Buf,
    grad: Buf,
    m: Buf,
    v: Buf,
    vmax: Buf | null,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    decoupled: boolean,
    maximize: boolean,
    step: number,
  ): typeof FALL_BACK | undefined {
    if (!allF32(p, grad, m, v, vmax)) return FALL_BACK;
    const n = p.length;
    arena.begin();
    const pP = arena.put(p as F32); // (n)
    const pGrad = arena.put((grad as F32).subarray(0, n)); // (n)
    const pM = arena.put((m as F32).subarray(0, n)); // (n)
    const pV = arena.put((v as F32).subarray(0, n)); // (n)
    const pVmax = putOptional(vmax, n); // (n)
    // As ref computes them, so the per-element arithmetic matches bit for bit.
    const stepSize = lr / (1 - beta1 ** step);
    const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
    const flags = [decoupled ? 1 : 0, maximize ? -1 : 1];
    if (n < SPLIT_ELEMENTS / WARM_DISCOUNT)
      kernels.adamUpdate(
        pP,
        pGrad,
        pM,
        pV,
        pVmax,
        n,
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        flags[0],
        flags[1],
        stepSize,
        bc2Sqrt,
      );
    else {
      const options = [lr, beta1, beta2, eps, weightDecay, ...flags, stepSize, bc2Sqrt];
      runShares(
        rt,
        "adamUpdate",
        slices(n).map(([i, k]) => [
          at(pP, i),
          at(pGrad, i),
          at(pM, i),
          at(pV, i),
          at(pVmax, i),
          k,
          ...options,
        ]),
      );
    }
    arena.get(pP, p as F32);
    arena.get(pM, (m as F32).subarray(0, n));
    arena.get(pV, (v as F32).subarray(0, n));
    if (vmax !== null) arena.get(pVmax, (vmax as F32).subarray(0, n));
  }

  return { sgdUpdate, adamUpdate };
}
