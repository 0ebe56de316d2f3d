// Runs one (batched) SGEMM over operands already in the arena, on ONNX Runtime's MLAS when it is
// installed and the GEMM is large (mlas-gemm.ts), else in wasm, split across threads when it is big
// enough to pay for the hand-off: by batch when there are enough matrices, else by columns or rows
// of C in whole micro-tiles. The split never changes the numbers (see assembly/gemm.ts).

import { mlasGemm, mlasSideBySide } from "./mlas-gemm";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, threadsFor } from "./threads/parallel";

export const MR = 4; // micro-tile rows (assembly/gemm.ts)
export const NR = 8; // micro-tile columns

/**
 * Below this many multiply-adds (~0.4 ms on one thread) a GEMM stays on the calling thread: each
 * share packs all of one operand again, and LeNet-5's linear layers (3M multiply-adds) took 2.7x
 * the CPU on 2 threads for no gain in wall-clock time.
 */
export const SGEMM_MIN_MACS = 1 << 23;

/** C[p] (M, N) (+)= op(A[p]) (M, K) @ op(B[p]) (K, N) for p < batch; addresses are arena bytes. */
export interface GemmSpec {
  batch: number;
  M: number;
  N: number;
  K: number;
  /** A[p] = a + 4 * p * strideA; logical (i, k) at A[p] + 4 * (i * aRow + k * aCol). */
  a: number;
  strideA: number;
  aRow: number;
  aCol: number;
  /** B[p] = b + 4 * p * strideB; logical (k, j) at B[p] + 4 * (k * bRow + j * bCol). */
  b: number;
  strideB: number;
  bRow: number;
  bCol: number;
  /** C[p] = c + 4 * p * strideC, row-major (M, N). */
  c: number;
  strideC: number;
  accumulate: boolean;
}

/** Ranges of one thread's share: batches [p0, p1), rows [m0, m1), columns [n0, n1). */
type Share = [p0: number, p1: number, m0: number, m1: number, n0: number, n1: number];

export function runSgemm(rt: WasmRuntime, g: GemmSpec): void {
  if (g.batch === 0 || g.M === 0 || g.N === 0) return;
  if (mlasGemm(rt, g)) return; // large ones on ONNX Runtime's MLAS when it is installed
  const shares = split(g, threadsFor(rt, g.batch * g.M * g.N * g.K, SGEMM_MIN_MACS));
  const calls = shares.map(([p0, p1, m0, m1, n0, n1]) => {
    const scratch = rt.arena.alloc(rt.kernels.sgemmScratchBytes(m1 - m0, n1 - n0, g.K));
    return [
      p0,
      p1,
      g.strideA,
      g.strideB,
      g.strideC,
      g.M,
      g.N,
      g.K,
      g.a,
      g.aRow,
      g.aCol,
      g.b,
      g.bRow,
      g.bCol,
      g.c,
      g.accumulate ? 1 : 0,
      m0,
      m1,
      n0,
      n1,
      scratch,
    ];
  });
  runShares(rt, "sgemm", calls);
}

/**
 * Runs independent GEMMs (distinct products, none reading another's product): side by side, one
 * per thread, where MLAS takes them all and their sizes are close (mlasSideBySide); else in turn.
 * Either way each is computed whole, so the sums do not depend on which.
 */
export function runSgemms(rt: WasmRuntime, specs: GemmSpec[]): void {
  if (!mlasSideBySide(rt, specs)) for (const g of specs) runSgemm(rt, g);
}

/** Splits the work into at most `threads` shares of nearly equal size. */
function split(g: GemmSpec, threads: number): Share[] {
  if (threads <= 1) return [[0, g.batch, 0, g.M, 0, g.N]];
  if (g.batch >= threads)
    return ranges(g.batch, 1, threads).map(([p0, p1]): Share => [p0, p1, 0, g.M, 0, g.N]);
  // Splitting columns makes each thread pack all of A (M x K), splitting rows all of B (K x N):
  // split the dimension whose duplicated packing is cheaper, if it has enough micro-tiles.
  const byColumns = (g.M <= g.N && g.N >= threads * NR) || g.M < threads * MR;
  if (byColumns) return ranges(g.N, NR, threads).map(([n0, n1]): Share => [0, g.batch, 0, g.M, n0, n1]);
  return ranges(g.M, MR, threads).map(([m0, m1]): Share => [0, g.batch, m0, m1, 0, g.N]);
}
