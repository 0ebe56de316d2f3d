// wasm softmaxForward / softmaxBackward, logSoftmaxForward / logSoftmaxBackward and the
// negative log-likelihood gather nllLossForward / nllLossBackward (crossEntropy is nllLoss of
// logSoftmax), same names, signatures and += semantics as backends/ref/softmax.ts and loss.ts, in
// assembly/softmax.ts. Single-threaded: these see (batch, classes) logits, tiny next to the convs.
// Float64 buffers go to the ref kernels.

import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import type { WasmRuntime } from "./runtime";

export function softmaxKernels(rt: WasmRuntime) {
  const { arena, kernels } = rt;

  /** out (outer, D, inner) = (log-)softmax of inp along D. */
  const forward =
    (name: "softmaxForward" | "logSoftmaxForward") =>
    (out: Buf, inp: Buf, outer: number, D: number, inner: number): typeof FALL_BACK | undefined => {
      if (!allF32(out, inp)) return FALL_BACK;
      const n = outer * D * inner;
      arena.begin();
      const pInp = arena.put((inp as F32).subarray(0, n)); // (outer, D, inner)
      const pOut = arena.target((out as F32).subarray(0, n)); // (outer, D, inner)
      kernels[name](pOut, pInp, outer, D, inner);
      arena.get(pOut, (out as F32).subarray(0, n));
    };

  /** dinp (outer, D, inner) += the (log-)softmax gradient from dout and the forward's out. */
  const backward =
    (name: "softmaxBackward" | "logSoftmaxBackward") =>
    (
      dinp: Buf,
      dout: Buf,
      out: Buf,
      outer: number,
      D: number,
      inner: number,
    ): typeof FALL_BACK | undefined => {
      if (!allF32(dinp, dout, out)) return FALL_BACK;
      const n = outer * D * inner;
      arena.begin();
      const pDout = arena.put((dout as F32).subarray(0, n)); // (outer, D, inner)
      const pOut = arena.put((out as F32).subarray(0, n)); // (outer, D, inner)
      const pDinp = arena.put((dinp as F32).subarray(0, n)); // (outer, D, inner), += onto it
      kernels[name](pDinp, pDout, pOut, outer, D, inner);
      arena.get(pDinp, (dinp as F32).subarray(0, n));
    };

  /** losses (N, inner) = -weight[t] * inp[n, t, k]; returns the total weight not ignored (see ref). */
  function nllLossForward(
    losses: Buf,
    inp: Buf,
    target: Buf,
    weight: Buf | null,
    N: number,
    C: number,
    inner: number,
    ignoreIndex: number,
  ): number | typeof FALL_BACK {
    if (!allF32(losses, inp, target, weight)) return FALL_BACK;
    arena.begin();
    const pInp = arena.put((inp as F32).subarray(0, N * C * inner)); // (N, C, inner)
    const pTarget = arena.put((target as F32).subarray(0, N * inner)); // (N, inner)
    const pWeight = weight === null ? 0 : arena.put((weight as F32).subarray(0, C)); // (C)
    const pLosses = arena.alloc(4 * N * inner); // (N, inner)
    const total = kernels.nllLossForward(pLosses, pInp, pTarget, pWeight, N, C, inner, ignoreIndex);
    arena.get(pLosses, (losses as F32).subarray(0, N * inner));
    return total;
  }

  /** dinp (N, C, inner) += -weight[t] * dlosses[n, k] at t = target[n, k] (see ref). */
  function nllLossBackward(
    dinp: Buf,
    dlosses: Buf,
    target: Buf,
    weight: Buf | null,
    N: number,
    C: number,
    inner: number,
    ignoreIndex: number,
  ): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dlosses, target, weight)) return FALL_BACK;
    arena.begin();
    const pDlosses = arena.put((dlosses as F32).subarray(0, N * inner)); // (N, inner)
    const pTarget = arena.put((target as F32).subarray(0, N * inner)); // (N, inner)
    const pWeight = weight === null ? 0 : arena.put((weight as F32).subarray(0, C)); // (C)
    const pDinp = arena.put((dinp as F32).subarray(0, N * C * inner)); // (N, C, inner), += onto it
    kernels.nllLossBackward(pDinp, pDlosses, pTarget, pWeight, N, C, inner, ignoreIndex);
    arena.get(pDinp, (dinp as F32).subarray(0, N * C * inner));
  }

  return {
    softmaxForward: forward("softmaxForward"),
    logSoftmaxForward: forward("logSoftmaxForward"),
    softmaxBackward: backward("softmaxBackward"),
    logSoftmaxBackward: backward("logSoftmaxBackward"),
    nllLossForward,
    nllLossBackward,
  };
}
