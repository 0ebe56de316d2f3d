// Reference matrix products: batched GEMM with optional transposes (the backward pass needs all
// four), and the fused linear layer y = x W^T + b (llm.c's matmul_forward/backward).

import { type Buf, defineKernel } from "../registry";

/**
 * out[b] (M, N) = op(A[b]) (M, K) @ op(B[b]) (K, N), for b < batch; op transposes when asked.
 * A[b] is stored (M, K), or (K, M) when transA; B[b] is stored (K, N), or (N, K) when transB.
 * With `accumulate`, adds into out instead of overwriting.
 */
export const matmul = defineKernel(
  "matmul",
  (
    out: Buf,
    a: Buf,
    b: Buf,
    batch: number,
    M: number,
    K: number,
    N: number,
    transA = false,
    transB = false,
    accumulate = false,
  ) => {
    // Strides of the logical (row, col) in each stored matrix.
    const [ar, ac] = transA ? [1, M] : [K, 1];
    const [br, bc] = transB ? [1, K] : [N, 1];
    for (let p = 0; p < batch; p++) {
      const ao = p * M * K;
      const bo = p * K * N;
      const oo = p * M * N;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a[ao + i * ar + k * ac] * b[bo + k * br + j * bc];
          out[oo + i * N + j] = accumulate ? out[oo + i * N + j] + s : s;
        }
    }
  },
);

/** out (B, OC) = inp (B, IC) @ weight (OC, IC)^T + bias (OC) */
export const linearForward = defineKernel(
  "linearForward",
  (out: Buf, inp: Buf, weight: Buf, bias: Buf | null, B: number, IC: number, OC: number) => {
    for (let b = 0; b < B; b++)
      for (let o = 0; o < OC; o++) {
        let s = bias === null ? 0 : bias[o];
        for (let i = 0; i < IC; i++) s += inp[b * IC + i] * weight[o * IC + i];
        out[b * OC + o] = s;
      }
  },
);

/** dinp (B, IC) = dout @ W; dweight (OC, IC) += dout^T @ inp; dbias (OC) += sum_b dout. Nulls are skipped. */
export const linearBackward = defineKernel(
  "linearBackward",
  (
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    B: number,
    IC: number,
    OC: number,
  ) => {
    if (dinp !== null)
      for (let b = 0; b < B; b++)
        for (let i = 0; i < IC; i++) {
          let s = 0;
          for (let o = 0; o < OC; o++) s += dout[b * OC + o] * weight[o * IC + i];
          dinp[b * IC + i] = s;
        }
    if (dweight !== null)
      for (let o = 0; o < OC; o++)
        for (let i = 0; i < IC; i++) {
          let s = 0;
          for (let b = 0; b < B; b++) s += dout[b * OC + o] * inp[b * IC + i];
          dweight[o * IC + i] += s;
        }
    if (dbias !== null)
      for (let o = 0; o < OC; o++) {
        let s = 0;
        for (let b = 0; b < B; b++) s += dout[b * OC + o];
        dbias[o] += s;
      }
  },
);
