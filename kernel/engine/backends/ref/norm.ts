// Reference batch normalisation over an input viewed as (N, C, inner): statistics per channel C,
// over the N * inner values of that channel (inner = L or H * W, 1 for (N, C) input).
// llm.c's layernorm pattern: forward caches the per-channel mean and rstd = 1 / sqrt(var + eps),
// backward reuses them in one fused pass.

import { type Buf, defineKernel } from "../registry";

/**
 * out (N, C, inner) = (inp - mean) * rstd * weight + bias, per channel.
 * training: computes mean (C), the biased variance (C) and rstd (C) from the batch and writes them;
 * otherwise mean and rstd are inputs (from the running statistics) and variance is not touched.
 * min, max: out is then clamped to [min, max] as hardtanh does (a ReLU6 fused after the batch norm;
 * by default no clamp). residual (N, C, inner): added before the clamp, relu(bn(x) + identity) as a
 * ResNet block ends (both rounded to out's precision, as the separate add would).
 */
export const batchNormForward = defineKernel(
  "batchNormForward",
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
    eps: number,
    training: boolean,
    min = Number.NEGATIVE_INFINITY,
    max = Number.POSITIVE_INFINITY,
    residual: Buf | null = null,
  ) => {
    const M = N * inner;
    for (let c = 0; c < C; c++) {
      if (training) {
        let s = 0;
        for (let n = 0; n < N; n++) {
          const base = (n * C + c) * inner;
          for (let k = 0; k < inner; k++) s += inp[base + k];
        }
        const m = s / M;
        let v = 0;
        for (let n = 0; n < N; n++) {
          const base = (n * C + c) * inner;
          for (let k = 0; k < inner; k++) {
            const d = inp[base + k] - m;
            v += d * d;
          }
        }
        v /= M;
        mean[c] = m;
        rstd[c] = 1 / Math.sqrt(v + eps);
        if (variance !== null) variance[c] = v;
      }
      const m = mean[c];
      const r = rstd[c];
      const w = weight === null ? 1 : weight[c];
      const b = bias === null ? 0 : bias[c];
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * inner;
        for (let k = 0; k < inner; k++) {
          let y = (inp[base + k] - m) * r * w + b;
          if (residual !== null) {
            out[base + k] = y; // rounded to out's precision, then the add (rounded again)
            out[base + k] += residual[base + k];
            y = out[base + k];
          }
          out[base + k] = y < min ? min : y > max ? max : y;
        }
      }
    }
  },
);

/**
 * Gradients of batchNormForward (nulls are skipped), with xhat = (inp - mean) * rstd:
 * dbias (C) += sum dout; dweight (C) += sum dout * xhat;
 * dinp (N, C, inner) = weight * rstd * (dout - mean(dout) - xhat * mean(dout * xhat)) in training
 * (the batch statistics depend on the input), weight * rstd * dout otherwise. `dinpOverwrite`:
 * dinp is written, not added to (its contents are ignored: a fresh gradient needs no zero-fill,
 * and the wasm backend does not copy it in).
 * `out`: the forward's output clamped to [min, max]; dout then passes only where min < out < max
 * (hardtanh's gradient, where(mask, dout, 0)), before everything above. `dresidual` (N, C, inner):
 * the forward's residual's gradient, that masked dout, written (not added to).
 */
export const batchNormBackward = defineKernel(
  "batchNormBackward",
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
    training: boolean,
    dinpOverwrite = false,
    out: Buf | null = null,
    min = Number.NEGATIVE_INFINITY,
    max = Number.POSITIVE_INFINITY,
    dresidual: Buf | null = null,
  ) => {
    if (out !== null) dout = dout.map((g, i) => (out[i] > min && out[i] < max ? g : 0));
    if (dresidual !== null) dresidual.set(dout.subarray(0, N * C * inner));
    const M = N * inner;
    for (let c = 0; c < C; c++) {
      const m = mean[c];
      const r = rstd[c];
      let sumDout = 0;
      let sumDoutXhat = 0;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * inner;
        for (let k = 0; k < inner; k++) {
          sumDout += dout[base + k];
          sumDoutXhat += dout[base + k] * (inp[base + k] - m) * r;
        }
      }
      if (dbias !== null) dbias[c] += sumDout;
      if (dweight !== null) dweight[c] += sumDoutXhat;
      if (dinp === null) continue;
      const scale = (weight === null ? 1 : weight[c]) * r;
      const meanDout = training ? sumDout / M : 0;
      const meanDoutXhat = training ? sumDoutXhat / M : 0;
      for (let n = 0; n < N; n++) {
        const base = (n * C + c) * inner;
        for (let k = 0; k < inner; k++) {
          const xhat = (inp[base + k] - m) * r;
          const d = scale * (dout[base + k] - meanDout - xhat * meanDoutXhat);
          dinp[base + k] = dinpOverwrite ? d : dinp[base + k] + d;
        }
      }
    }
  },
);
