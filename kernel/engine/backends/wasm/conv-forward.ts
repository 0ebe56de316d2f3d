// wasm conv2dForward (same name, signature and semantics as backends/ref/conv.ts): im2col written
// straight into packed GEMM panels (assembly/conv-forward.ts), images split across threads.
// Depthwise (groups = C = OC) has a direct kernel (assembly/depthwise.ts), 1x1 convs on small
// planes one GEMM over the batch (pointwise.ts), large convs' GEMMs on ONNX Runtime's MLAS where it
// is installed (conv-mlas.ts). Float64 goes to ref.

import type { ConvGeometry } from "../geometry";
import { type Buf, FALL_BACK } from "../registry";
import { mlasConvForward, stridedSideBySide } from "./conv-mlas";
import { allF32, type F32 } from "./f32";
import { putConvGeometry } from "./geometry";
import { isPointwise, pointwiseBatch, pointwiseBatchPays } from "./pointwise";
import type { WasmRuntime } from "./runtime";
import { runSgemm } from "./sgemm";
import { ranges, runShares, sharesFor, threadsFor } from "./threads/parallel";
import { winogradForward, winogradPays } from "./winograd";

/**
 * Depthwise forwards split across threads from this many multiply-adds: at their 10-15 GMAC/s on
 * one thread (GEMM's ~20 is what PARALLEL_MIN_MACS assumes), 2^20 takes ~70-100 us.
 */
const DEPTHWISE_MIN_MACS = 1 << 20;

export function convForwardKernel(rt: WasmRuntime) {
  const { arena, kernels } = rt;

  /** out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C/G, KH, KW)) + bias (OC, or null). */
  function conv2dForward(
    out: Buf,
    inp: Buf,
    weight: Buf,
    bias: Buf | null,
    g: ConvGeometry,
  ): typeof FALL_BACK | undefined {
    if (!allF32(out, inp, weight, bias)) return FALL_BACK;
    if (winogradPays(g)) {
      winogradForward(rt, out, inp, weight, bias, g); // 3x3 stride 1, 16+ channels
      return;
    }
    const { N, C, H, W, OC, KH, KW, OH, OW, groups: G } = g;
    const P = OH * OW;
    const K = (C / G) * KH * KW;
    arena.begin();
    const geo = putConvGeometry(arena, g);
    const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
    const pW = arena.put((weight as F32).subarray(0, OC * K)); // (OC, C/G, KH, KW)
    const pBias = bias === null ? 0 : arena.put((bias as F32).subarray(0, OC)); // (OC)
    const outF = (out as F32).subarray(0, N * OC * P);
    const pOut = arena.target(outF); // (N, OC, OH, OW); in place when `out` lives in wasm memory
    if (G === C && OC === C) {
      // Depthwise: a direct kernel; im2col + GEMM would multiply 1-row matrices. Threads split
      // planes, or bands of rows when there are fewer planes than shares (3x3 reads rows in place).
      const shares = sharesFor(threadsFor(rt, N * OC * P * K, DEPTHWISE_MIN_MACS));
      const planes = N * C;
      let bandRows = OH;
      if (planes < shares && kernels.depthwiseDirectFits(geo))
        bandRows = Math.max(2, 2 * Math.ceil(OH / (2 * Math.ceil(shares / planes))));
      const items = planes * Math.ceil(OH / bandRows);
      const scratchBytes = kernels.depthwiseScratchBytes(geo, bandRows);
      // Whole groups of 4 planes per share: small planes run four to an f32x4 (depthwise3x3Lanes).
      const calls = ranges(items, bandRows < OH ? 1 : 4, shares).map(([q0, q1]) => {
        const scratch = arena.alloc(scratchBytes);
        return [q0, q1, geo, pOut, pInp, pW, pBias, scratch, bandRows];
      });
      runShares(rt, "depthwiseForward", calls);
      arena.get(pOut, outF);
      return;
    }
    if (pointwiseBatchPays(g)) {
      pointwiseBatch(rt, g).forward(pOut, pInp, pW, bias as F32 | null); // 1x1 on small planes
      arena.get(pOut, outF);
      return;
    }
    if (pointwiseGemmPays(g)) {
      // 1x1 on few images: out[n] (OC, P) = W (OC, C) @ inp[n] (C, P), split by sgemm's tiles.
      if (bias !== null) {
        const f32 = arena.f32();
        for (let n = 0; n < N; n++)
          for (let oc = 0; oc < OC; oc++)
            f32.fill(bias[oc], pOut / 4 + (n * OC + oc) * P, pOut / 4 + (n * OC + oc + 1) * P);
      }
      runSgemm(rt, {
        ...{ batch: N, M: OC, N: P, K: C, a: pW, strideA: 0, aRow: C, aCol: 1 },
        ...{ b: pInp, strideB: C * P, bRow: P, bCol: 1, c: pOut, strideC: OC * P, accumulate: bias !== null },
      });
      arena.get(pOut, outF);
      return;
    }
    if (stridedSideBySide(g) && mlasConvForward(rt, pOut, pInp, pW, pBias, geo, g)) {
      arena.get(pOut, outF); // strided on small planes: images side by side on MLAS (conv-mlas.ts)
      return;
    }
    if (directPays(g)) {
      // Few channels: the direct kernel, four images per pass (assembly/conv-direct.ts).
      const table = arena.alloc(kernels.convDirectTableBytes(geo)); // (ceil(OC/2), K) entries
      kernels.convDirectTable(table, geo, pW);
      const planesBytes = kernels.convDirectPlanesBytes(geo);
      // Threads split groups of 4 images, or output channel pairs when there are fewer groups.
      const threads = threadsFor(rt, N * OC * P * K);
      const pairs = Math.ceil(OC / 2);
      const shares: [number, number, number, number][] =
        Math.ceil(N / DIRECT_IMAGES) >= threads
          ? ranges(N, DIRECT_IMAGES, sharesFor(threads)).map(([n0, n1]) => [n0, n1, 0, pairs])
          : ranges(pairs, 1, threads).map(([q0, q1]) => [0, N, q0, q1]);
      const calls = shares.map((share) => {
        const planes = arena.alloc(planesBytes); // four images' padded planes (C, PH, PW, 4)
        return [...share, N, geo, pOut, pInp, table, pBias, planes];
      });
      runShares(rt, "convDirectForward", calls);
      arena.get(pOut, outF);
      return;
    }
    if (mlasConvForward(rt, pOut, pInp, pW, pBias, geo, g)) {
      arena.get(pOut, outF); // large convs' GEMMs on ONNX Runtime's MLAS (conv-mlas.ts)
      return;
    }
    const colBytes = 4 * kernels.convForwardColFloats(geo);
    const calls = ranges(N, 1, sharesFor(threadsFor(rt, N * OC * P * K))).map(([n0, n1]) => {
      const col = arena.alloc(colBytes); // padded planes (C/G, PH, PW) + im2col (K, OH * OW) packed for GEMM
      const scratch = arena.alloc(kernels.convForwardScratchBytes(geo)); // packed weight
      return [n0, n1, geo, pOut, pInp, pW, pBias, col, scratch];
    });
    runShares(rt, "conv2dForward", calls);
    arena.get(pOut, outF);
  }

  return conv2dForward;
}

/**
 * Whether a 1x1, stride-1, unpadded, ungrouped conv runs as one (batched) sgemm: on fewer than 4
 * images, where splitting images leaves threads idle (batch 1: 256->64 at 28x28 ran on one thread
 * at 2); sgemm splits C's micro-tiles instead. Chosen by shape only, so every thread count runs
 * the same sums.
 */
export function pointwiseGemmPays(g: ConvGeometry): boolean {
  return g.N < 4 && isPointwise(g);
}

/** Images per pass of the direct kernel (one per f32x4 lane). */
const DIRECT_IMAGES = 4;

/**
 * Whether the direct kernel beats im2col + GEMM (measured on ResNet/LeNet-like shapes, batch 32):
 * groups 1, at least 4 output pixels and as many images (fewer leave lanes idle), depth
 * C * KH * KW <= 400, and either at most 16 output channels (4-row GEMM tiles waste rows and B is
 * packed for only a few of them: 1.2-1.6x less CPU) or at most 64 with depth <= 288, unless the
 * conv is 1x1 stride 1 (there im2col is a plain copy and the GEMM wins from 32 channels on).
 * Stride 2 gains most (1.2-2.6x): im2col gathers its columns one float at a time.
 */
export function directPays(g: ConvGeometry): boolean {
  const { N, C, OC, KH, KW, OH, OW, strideH: sH, strideW: sW, dilationH: dH, dilationW: dW, groups: G } = g;
  const K = C * KH * KW;
  const pointwise = KH === 1 && KW === 1 && sH === 1 && sW === 1;
  const shape = OC <= 16 || (OC <= 64 && K <= 288 && !pointwise);
  // Per-thread scratch: four images' padded planes (C, PH, PW, 4), capped (huge images: im2col).
  const planesBytes = 16 * C * ((OH - 1) * sH + (KH - 1) * dH + 1) * ((OW - 1) * sW + (KW - 1) * dW + 1);
  return (
    G === 1 && N >= DIRECT_IMAGES && OH * OW >= 4 && K <= 400 && shape && planesBytes <= DIRECT_PLANES_MAX
  );
}

/** The most scratch the direct kernel's padded planes may take per thread. */
const DIRECT_PLANES_MAX = 64 * 2 ** 20;
