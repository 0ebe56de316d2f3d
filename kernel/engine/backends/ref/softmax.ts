// Reference softmax and log-softmax over the middle dim of a tensor viewed as (outer, D, inner):
// the softmax dim is D, everything before it is `outer`, everything after it `inner`.
// NOTE: both subtract the row's max before exponentiating, so large logits do not overflow.

import { type Buf, defineKernel } from "../registry";

/** out (outer, D, inner) = exp(x - max) / sum(exp(x - max)) along D */
export const softmaxForward = defineKernel(
  "softmaxForward",
  (out: Buf, inp: Buf, outer: number, D: number, inner: number) => {
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < inner; k++) {
        const base = o * D * inner + k;
        let max = Number.NEGATIVE_INFINITY;
        for (let d = 0; d < D; d++) max = Math.max(max, inp[base + d * inner]);
        let sum = 0;
        for (let d = 0; d < D; d++) {
          const e = Math.exp(inp[base + d * inner] - max);
          out[base + d * inner] = e;
          sum += e;
        }
        for (let d = 0; d < D; d++) out[base + d * inner] /= sum;
      }
  },
);

/** dinp (outer, D, inner) = out * (dout - sum_D(dout * out)), with out the forward's softmax */
export const softmaxBackward = defineKernel(
  "softmaxBackward",
  (dinp: Buf, dout: Buf, out: Buf, outer: number, D: number, inner: number) => {
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < inner; k++) {
        const base = o * D * inner + k;
        let s = 0;
        for (let d = 0; d < D; d++) s += dout[base + d * inner] * out[base + d * inner];
        for (let d = 0; d < D; d++) {
          const i = base + d * inner;
          dinp[i] += out[i] * (dout[i] - s);
        }
      }
  },
);

/** out (outer, D, inner) = x - max - log(sum(exp(x - max))) along D */
export const logSoftmaxForward = defineKernel(
  "logSoftmaxForward",
  (out: Buf, inp: Buf, outer: number, D: number, inner: number) => {
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < inner; k++) {
        const base = o * D * inner + k;
        let max = Number.NEGATIVE_INFINITY;
        for (let d = 0; d < D; d++) max = Math.max(max, inp[base + d * inner]);
        let sum = 0;
        for (let d = 0; d < D; d++) sum += Math.exp(inp[base + d * inner] - max);
        const lse = max + Math.log(sum);
        for (let d = 0; d < D; d++) out[base + d * inner] = inp[base + d * inner] - lse;
      }
  },
);

/** dinp (outer, D, inner) = dout - exp(out) * sum_D(dout), with out the forward's log-softmax */
export const logSoftmaxBackward = defineKernel(
  "logSoftmaxBackward",
  (dinp: Buf, dout: Buf, out: Buf, outer: number, D: number, inner: number) => {
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < inner; k++) {
        const base = o * D * inner + k;
        let s = 0;
        for (let d = 0; d < D; d++) s += dout[base + d * inner];
        for (let d = 0; d < D; d++) {
          const i = base + d * inner;
          dinp[i] += dout[i] - Math.exp(out[i]) * s;
        }
      }
  },
);
