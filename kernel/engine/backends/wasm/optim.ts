// wasm sgdUpdate / adamUpdate (same names, signatures and in-place semantics as
// backends/ref/optim.ts), in assembly/optim.ts: bit-identical to ref (f64 arithmetic, f32 stores
// where ref stores). One parameter tensor per call; single-threaded (memory-bound).
// Float64 buffers go to the ref kernels.

import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import type { WasmRuntime } from "./runtime";

export function optimKernels(rt: WasmRuntime) {
  const { arena, kernels } = rt;
  /** Copies an optional buffer of n floats in; 0 stands for null. */
  const putOptional = (b: Buf | null, n: number): number =>
    b === null ? 0 : arena.put((b as F32).subarray(0, n));

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
    kernels.sgdUpdate(
      pP,
      pGrad,
      pBuf,
      n,
      lr,
      momentum,
      dampening,
      weightDecay,
      nesterov ? 1 : 0,
      maximize ? -1 : 1,
      first ? 1 : 0,
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
      decoupled ? 1 : 0,
      maximize ? -1 : 1,
      stepSize,
      bc2Sqrt,
    );
    arena.get(pP, p as F32);
    arena.get(pM, (m as F32).subarray(0, n));
    arena.get(pV, (v as F32).subarray(0, n));
    if (vmax !== null) arena.get(pVmax, (vmax as F32).subarray(0, n));
  }

  return { sgdUpdate, adamUpdate };
}
