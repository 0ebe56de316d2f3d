// Reference group normalisation over an input viewed as (N, C, inner) with G groups of C/G
// channels: each (n, g) is normalised by the mean and variance of its (C/G) * inner values, then
// every channel c is scaled by weight (C) and shifted by bias (C). Instance normalisation is G = C.
// Forward caches mean (N, G) and rstd = 1 / sqrt(var + eps) (N, G); backward reuses them.

import { type Buf, defineKernel } from "../registry";

/**
 * out (N, C, inner) = (inp - mean) * rstd * weight + bias; writes mean (N, G), rstd (N, G) and,
 * if given, the biased variance (N, G) (instance norm's running statistics read it).
 */
export const groupNormForward = defineKernel(
  "groupNormForward",
  (
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
    G: number,
    eps: number,
  ) => {
    const CG = C / G; // channels per group
    const M = CG * inner; // values per (n, g), contiguous
    for (let n = 0; n < N; n++)
      for (let g = 0; g < G; g++) {
        const base = (n * C + g * CG) * inner;
        let s = 0;
        for (let k = 0; k < M; k++) s += inp[base + k];
        const mu = s / M;
        let v = 0;
        for (let k = 0; k < M; k++) {
          const x = inp[base + k] - mu;
          v += x * x;
        }
        v /= M;
        const r = 1 / Math.sqrt(v + eps);
        mean[n * G + g] = mu;
        rstd[n * G + g] = r;
        if (variance !== null) variance[n * G + g] = v;
        for (let cg = 0; cg < CG; cg++) {
          const c = g * CG + cg;
          const w = weight === null ? 1 : weight[c];
          const b = bias === null ? 0 : bias[c];
          const plane = base + cg * inner;
          for (let k = 0; k < inner; k++) out[plane + k] = (inp[plane + k] - mu) * r * w + b;
        }
      }
  },
);

/**
 * Gradients of groupNormForward, accumulated (+=; nulls skipped), with xhat = (inp - mean) * rstd
 * and t = dout * weight[c]: dbias (C) += sum of dout over n and inner; dweight (C) += sum of
 * dout * xhat; dinp (N, C, inner) += rstd * (t - mean(t) - xhat * mean(t * xhat)), the means over
 * each (n, g).
 */
export const groupNormBackward = defineKernel(
  "groupNormBackward",
  (
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
    G: number,
  ) => {
    const CG = C / G;
    const M = CG * inner;
    for (let n = 0; n < N; n++)
      for (let g = 0; g < G; g++) {
        const mu = mean[n * G + g];
        const r = rstd[n * G + g];
        let sumT = 0;
        let sumTXhat = 0;
        for (let cg = 0; cg < CG; cg++) {
          const c = g * CG + cg;
          const w = weight === null ? 1 : weight[c];
          const plane = (n * C + c) * inner;
          let sumDout = 0;
          let sumDoutXhat = 0;
          for (let k = 0; k < inner; k++) {
            const xhat = (inp[plane + k] - mu) * r;
            sumDout += dout[plane + k];
            sumDoutXhat += dout[plane + k] * xhat;
          }
          if (dbias !== null) dbias[c] += sumDout;
          if (dweight !== null) dweight[c] += sumDoutXhat;
          sumT += w * sumDout;
          sumTXhat += w * sumDoutXhat;
        }
        if (dinp === null) continue;
        const meanT = sumT / M;
        const meanTXhat = sumTXhat / M;
        for (let cg = 0; cg < CG; cg++) {
          const c = g * CG + cg;
          const w = weight === null ? 1 : weight[c];
          const plane = (n * C + c) * inner;
          for (let k = 0; k < inner; k++) {
            const xhat = (inp[plane + k] - mu) * r;
            dinp[plane + k] += r * (dout[plane + k] * w - meanT - xhat * meanTXhat);
          }
        }
      }
  },
);
