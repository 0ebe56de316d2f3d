// wasm versions of the matmul-family kernels (same names, signatures and semantics as
// backends/ref/matmul.ts): copy operands into the arena, run the SGEMM, copy the result out.
// Float64 buffers (only gradient checks use them) go to the ref kernels.

import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import type { WasmRuntime } from "./runtime";
import { type GemmSpec, runSgemm, runSgemms } from "./sgemm";

export function matmulKernels(rt: WasmRuntime) {
  const { arena } = rt;

  /** out[b] (M, N) = op(A[b]) (M, K) @ op(B[b]) (K, N); see ref. */
  function matmul(
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
  ): typeof FALL_BACK | undefined {
    if (!allF32(out, a, b)) return FALL_BACK;
    arena.begin();
    const pa = arena.put((a as F32).subarray(0, batch * M * K)); // (batch, M, K) or (batch, K, M)
    const pb = arena.put((b as F32).subarray(0, batch * K * N)); // (batch, K, N) or (batch, N, K)
    const outLen = batch * M * N;
    const pc = accumulate ? arena.put((out as F32).subarray(0, outLen)) : arena.alloc(4 * outLen); // (batch, M, N)
    runSgemm(rt, {
      batch,
      M,
      N,
      K,
      a: pa,
      strideA: M * K,
      aRow: transA ? 1 : K,
      aCol: transA ? M : 1,
      b: pb,
      strideB: K * N,
      bRow: transB ? 1 : N,
      bCol: transB ? K : 1,
      c: pc,
      strideC: M * N,
      accumulate,
    });
    arena.get(pc, (out as F32).subarray(0, outLen));
  }

  /** out (B, OC) = inp (B, IC) @ weight (OC, IC)^T + bias (OC) */
  function linearForward(
    out: Buf,
    inp: Buf,
    weight: Buf,
    bias: Buf | null,
    B: number,
    IC: number,
    OC: number,
  ): typeof FALL_BACK | undefined {
    if (!allF32(out, inp, weight, bias)) return FALL_BACK;
    arena.begin();
    const pInp = arena.put((inp as F32).subarray(0, B * IC)); // (B, IC)
    const pW = arena.put((weight as F32).subarray(0, OC * IC)); // (OC, IC)
    const pOut = arena.alloc(4 * B * OC); // (B, OC)
    if (bias !== null) {
      // Every row of out starts as the bias: one row copied in, then doubled inside wasm memory
      // (B small JS copies into shared memory cost about a microsecond each).
      const row = 4 * OC;
      rt.kernels.copyBytes(pOut, arena.put((bias as F32).subarray(0, OC)), row);
      for (let filled = 1; filled < B; filled *= 2)
        rt.kernels.copyBytes(pOut + filled * row, pOut, Math.min(filled, B - filled) * row);
    }
    runSgemm(rt, {
      batch: 1,
      M: B,
      N: OC,
      K: IC,
      a: pInp,
      strideA: 0,
      aRow: IC,
      aCol: 1,
      b: pW, // W^T: logical (i, o) at o * IC + i
      strideB: 0,
      bRow: 1,
      bCol: IC,
      c: pOut,
      strideC: 0,
      accumulate: bias !== null,
    });
    arena.get(pOut, (out as F32).subarray(0, B * OC));
  }

  /** dinp (B, IC) = dout @ W; dweight (OC, IC) += dout^T @ inp; dbias (OC) += sum_b dout. Nulls are skipped. */
  function linearBackward(
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    B: number,
    IC: number,
    OC: number,
  ): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dweight, dbias, dout, inp, weight)) return FALL_BACK;
    arena.begin();
    const pDout = arena.put((dout as F32).subarray(0, B * OC)); // (B, OC)
    const gemms: GemmSpec[] = []; // independent: side by side where MLAS takes both (runSgemms)
    let pDinp = 0;
    let pDw = 0;
    if (dinp !== null) {
      const pW = arena.put((weight as F32).subarray(0, OC * IC)); // (OC, IC)
      pDinp = arena.target((dinp as F32).subarray(0, B * IC)); // (B, IC)
      gemms.push({
        ...{ batch: 1, M: B, N: IC, K: OC, a: pDout, strideA: 0, aRow: OC, aCol: 1 },
        ...{ b: pW, strideB: 0, bRow: IC, bCol: 1, c: pDinp, strideC: 0, accumulate: false },
      });
    }
    if (dweight !== null) {
      const pInp = arena.put((inp as F32).subarray(0, B * IC)); // (B, IC)
      pDw = arena.put((dweight as F32).subarray(0, OC * IC)); // (OC, IC)
      // dout^T: logical (o, b) at b * OC + o
      gemms.push({
        ...{ batch: 1, M: OC, N: IC, K: B, a: pDout, strideA: 0, aRow: 1, aCol: OC },
        ...{ b: pInp, strideB: 0, bRow: IC, bCol: 1, c: pDw, strideC: 0, accumulate: true },
      });
    }
    runSgemms(rt, gemms);
    if (dinp !== null) arena.get(pDinp, (dinp as F32).subarray(0, B * IC));
    if (dweight !== null) arena.get(pDw, (dweight as F32).subarray(0, OC * IC));
    if (dbias !== null) {
      const pDb = arena.put((dbias as F32).subarray(0, OC)); // (OC)
      rt.kernels.addColumnSums(pDb, pDout, B, OC);
      arena.get(pDb, (dbias as F32).subarray(0, OC));
    }
  }

  return { matmul, linearForward, linearBackward };
}
