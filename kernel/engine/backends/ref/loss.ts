// Reference loss kernels: the negative log-likelihood gather (the heart of crossEntropy) and
// binary cross-entropy on probabilities. Class-index losses view the input as (N, C, inner) with
// targets (N, inner); `inner` is 1 for (N, C) scores and d1*...*dk for (N, C, d1, ..., dk).

import { type Buf, defineKernel } from "../registry";

/**
 * losses (N, inner) = -weight[t] * inp[n, t, k] with t = target[n, k], and 0 where t is
 * ignoreIndex. Returns the total weight of the items not ignored (the divisor of 'mean').
 */
export const nllLossForward = defineKernel(
  "nllLossForward",
  (
    losses: Buf,
    inp: Buf,
    target: Buf,
    weight: Buf | null,
    N: number,
    C: number,
    inner: number,
    ignoreIndex: number,
  ): number => {
    let total = 0;
    for (let n = 0; n < N; n++)
      for (let k = 0; k < inner; k++) {
        const i = n * inner + k;
        const t = target[i];
        if (t === ignoreIndex) {
          losses[i] = 0;
          continue;
        }
        const w = weight === null ? 1 : weight[t];
        losses[i] = -w * inp[(n * C + t) * inner + k];
        total += w;
      }
    return total;
  },
);

/** dinp (N, C, inner) += -weight[t] * dlosses[n, k] at t = target[n, k] (nothing where ignored). */
export const nllLossBackward = defineKernel(
  "nllLossBackward",
  (
    dinp: Buf,
    dlosses: Buf,
    target: Buf,
    weight: Buf | null,
    N: number,
    C: number,
    inner: number,
    ignoreIndex: number,
  ) => {
    for (let n = 0; n < N; n++)
      for (let k = 0; k < inner; k++) {
        const i = n * inner + k;
        const t = target[i];
        if (t === ignoreIndex) continue;
        const w = weight === null ? 1 : weight[t];
        dinp[(n * C + t) * inner + k] += -w * dlosses[i];
      }
  },
);

/**
 * out = -weight * (t * max(log x, -100) + (1 - t) * max(log(1 - x), -100)) elementwise, with x the
 * input probabilities and t the targets (all buffers of one shape; weight null means 1).
 * NOTE: the -100 clamp is PyTorch's: a confident wrong answer costs 100, not infinity.
 */
export const bceForward = defineKernel(
  "bceForward",
  (out: Buf, inp: Buf, target: Buf, weight: Buf | null) => {
    for (let i = 0; i < out.length; i++) {
      const x = inp[i];
      const t = target[i];
      const l = (t - 1) * Math.max(Math.log1p(-x), -100) - t * Math.max(Math.log(x), -100);
      out[i] = weight === null ? l : weight[i] * l;
    }
  },
);

/**
 * PyTorch's binary cross-entropy gradients (nulls are skipped):
 * dinp += dout * w * (x - t) / max(x (1 - x), 1e-12); dtarget += dout * w * -logit(x);
 * dweight += dout * (the unweighted loss).
 */
export const bceBackward = defineKernel(
  "bceBackward",
  (
    dinp: Buf | null,
    dtarget: Buf | null,
    dweight: Buf | null,
    dout: Buf,
    inp: Buf,
    target: Buf,
    weight: Buf | null,
  ) => {
    for (let i = 0; i < dout.length; i++) {
      const x = inp[i];
      const t = target[i];
      const w = weight === null ? 1 : weight[i];
      if (dinp !== null) dinp[i] += (dout[i] * w * (x - t)) / Math.max(x * (1 - x), 1e-12);
      if (dtarget !== null) dtarget[i] += dout[i] * w * (Math.log1p(-x) - Math.log(x));
      if (dweight !== null)
        dweight[i] += dout[i] * ((t - 1) * Math.max(Math.log1p(-x), -100) - t * Math.max(Math.log(x), -100));
    }
  },
);
