// 1x1, stride-1, unpadded, ungrouped convs of a batch of small planes (MobileNetV2's expand and
// project convs late in the network: 2x2 to 8x8 pixels) as one GEMM over all images. Per image,
// out[n] (OC, P) = W (OC, C) @ inp[n] (C, P) is a GEMM only P columns wide: at P = 4 half of each
// 8-column micro-tile is padding and every image packs W again (12-15 GFLOP/s). Here the planes
// are swapped to (C, N, P) first, so the GEMM's columns are all N * P pixels of the batch, and the
// result swapped back. Chosen by shape only, so every thread count runs the same sums.

import type { ConvGeometry } from "../geometry";
import type { F32 } from "./f32";
import type { WasmRuntime } from "./runtime";
import { runSgemm } from "./sgemm";

/** Planes up to this many pixels take the batched GEMM (above, per-image GEMMs are wide enough). */
const MAX_PIXELS = 64;

/** Whether g is a 1x1, stride-1, unpadded, ungrouped conv (a matmul over channels at every pixel). */
export function isPointwise(g: ConvGeometry): boolean {
  const { KH, KW, strideH, strideW, padTop, padLeft, OH, OW, H, W, groups } = g;
  return (
    groups === 1 &&
    KH === 1 &&
    KW === 1 &&
    strideH === 1 &&
    strideW === 1 &&
    padTop === 0 &&
    padLeft === 0 &&
    OH === H &&
    OW === W
  );
}

/** Whether the conv runs as one GEMM over the batch: pointwise, 4+ images, small planes. */
export function pointwiseBatchPays(g: ConvGeometry): boolean {
  return isPointwise(g) && g.N >= 4 && g.OH * g.OW <= MAX_PIXELS;
}

/** Batched pointwise convs over operands already in the arena (byte addresses). */
export function pointwiseBatch(rt: WasmRuntime, g: ConvGeometry) {
  const { arena, kernels } = rt;
  const { N, C, OC } = g;
  const P = g.OH * g.OW;
  const NP = N * P;
  /** (B, A, P) at a new arena block from (A, B, P) at `src`. */
  const swapped = (src: number, A: number, B: number): number => {
    const dst = arena.alloc(4 * A * B * P);
    kernels.swapLeadingDims(dst, src, A, B, P, 0);
    return dst;
  };

  /** out (N, OC, P) = W (OC, C) @ inp (N, C, P) + bias (OC, or null). */
  function forward(pOut: number, pInp: number, pW: number, bias: F32 | null): void {
    const xt = swapped(pInp, N, C); // (C, N, P)
    const yt = arena.alloc(4 * OC * NP); // (OC, N, P)
    if (bias !== null) {
      const f32 = arena.f32();
      for (let oc = 0; oc < OC; oc++) f32.fill(bias[oc], yt / 4 + oc * NP, yt / 4 + (oc + 1) * NP);
    }
    runSgemm(rt, {
      ...{ batch: 1, M: OC, N: NP, K: C, a: pW, strideA: 0, aRow: C, aCol: 1 },
      ...{ b: xt, strideB: 0, bRow: NP, bCol: 1, c: yt, strideC: 0, accumulate: bias !== null },
    });
    kernels.swapLeadingDims(pOut, yt, OC, N, P, 0);
  }

  /** dinp (N, C, P) += W^T (C, OC) @ dout (N, OC, P); `doutT` is dout swapped to (OC, N, P). */
  function inputGradient(pDinp: number, doutT: number, pW: number): void {
    const gt = arena.alloc(4 * C * NP); // (C, N, P)
    runSgemm(rt, {
      ...{ batch: 1, M: C, N: NP, K: OC, a: pW, strideA: 0, aRow: 1, aCol: C },
      ...{ b: doutT, strideB: 0, bRow: NP, bCol: 1, c: gt, strideC: 0, accumulate: false },
    });
    kernels.swapLeadingDims(pDinp, gt, C, N, P, 1);
  }

  /** dweight (OC, C) += dout (OC, N * P) @ inp (C, N * P)^T, from both swapped. */
  function weightGradient(pDw: number, doutT: number, pInp: number): void {
    const xt = swapped(pInp, N, C); // (C, N, P)
    runSgemm(rt, {
      ...{ batch: 1, M: OC, N: C, K: NP, a: doutT, strideA: 0, aRow: NP, aCol: 1 },
      ...{ b: xt, strideB: 0, bRow: 1, bCol: NP, c: pDw, strideC: 0, accumulate: true },
    });
  }

  /** dout (N, OC, P) at `pDout` swapped to (OC, N, P), for the gradients. */
  const doutSwapped = (pDout: number): number => swapped(pDout, N, OC);

  return { forward, inputGradient, weightGradient, doutSwapped };
}
