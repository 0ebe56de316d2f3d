// Reference layer normalisation over an input viewed as (M, D): each of the M rows (everything
// before the normalised dims) is normalised by its own mean and variance over its D values (the
// normalised dims), then scaled and shifted elementwise by weight (D) and bias (D).
// llm.c's layernorm: forward caches mean (M) and rstd = 1 / sqrt(var + eps) (M), backward reuses them.

import { type Buf, defineKernel } from "../registry";

/** out (M, D) = (inp - mean) * rstd * weight + bias per row; writes mean (M) and rstd (M). */
export const layerNormForward = defineKernel(
  "layerNormForward",
  (
    out: Buf,
    mean: Buf,
    rstd: Buf,
    inp: Buf,
    weight: Buf | null,
    bias: Buf | null,
    M: number,
    D: number,
    eps: number,
  ) => {
    for (let m = 0; m < M; m++) {
      const row = m * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += inp[row + d];
      const mu = s / D;
      let v = 0;
      for (let d = 0; d < D; d++) {
        const x = inp[row + d] - mu;
        v += x * x;
      }
      const r = 1 / Math.sqrt(v / D + eps);
      mean[m] = mu;
      rstd[m] = r;
      for (let d = 0; d < D; d++) {
        const xhat = (inp[row + d] - mu) * r;
        out[row + d] = xhat * (weight === null ? 1 : weight[d]) + (bias === null ? 0 : bias[d]);
      }
    }
  },
);

/**
 * Gradients of layerNormForward, accumulated (+=; nulls skipped), with xhat = (inp - mean) * rstd
 * and g = dout * weight: dbias (D) += sum over rows of dout; dweight (D) += sum of dout * xhat;
 * dinp (M, D) += rstd * (g - mean(g) - xhat * mean(g * xhat)), the means over each row.
 */
export const layerNormBackward = defineKernel(
  "layerNormBackward",
  (
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    mean: Buf,
    rstd: Buf,
    weight: Buf | null,
    M: number,
    D: number,
  ) => {
    for (let m = 0; m < M; m++) {
      const row = m * D;
      const mu = mean[m];
      const r = rstd[m];
      let sumG = 0;
      let sumGXhat = 0;
      for (let d = 0; d < D; d++) {
        const xhat = (inp[row + d] - mu) * r;
        const g = dout[row + d] * (weight === null ? 1 : weight[d]);
        sumG += g;
        sumGXhat += g * xhat;
        if (dbias !== null) dbias[d] += dout[row + d];
        if (dweight !== null) dweight[d] += dout[row + d] * xhat;
      }
      if (dinp === null) continue;
      const meanG = sumG / D;
      const meanGXhat = sumGXhat / D;
      for (let d = 0; d < D; d++) {
        const xhat = (inp[row + d] - mu) * r;
        const g = dout[row + d] * (weight === null ? 1 : weight[d]);
        dinp[row + d] += r * (g - meanG - xhat * meanGXhat);
      }
    }
  },
);
