// wasm conv2dBackward (same name, signature and += semantics as backends/ref/conv.ts). The input
// gradient is a forward conv of dout with the flipped weight when the stride is 1, else
// dcol = W^T dout + col2im (assembly/conv-backward-input.ts); both split images across threads.
// The weight gradient (assembly/conv-backward-weight.ts) splits the im2col rows (k = (c, kh, kw))
// so that every thread walks all images in order and the result is the same for any thread count;
// it multiplies several images at once when their planes are small. Stride-1 convs with few channels
// (LeNet-5) take direct kernels instead (assembly/conv-direct-grad.ts; the bias gradient rides along
// with the weight gradient), unless Winograd takes the weight gradient (3x3: winograd-weight.ts on
// planes of whole 4x4 tiles, see winogradWeightPays, else winograd.ts from 32 channels). Float64
// goes to ref. 1x1 convs on small planes take one GEMM over the batch per gradient (pointwise.ts),
// on fewer than 4 images one GEMM per image and gradient (runSgemm: MLAS takes the large ones;
// with both gradients, the input's and the first image's weight GEMM side by side, runSgemms).
// Where ONNX Runtime's MLAS takes it, the generic weight gradient is one GEMM there, and a strided
// input gradient's dcol one batched GEMM there before col2im (conv-mlas.ts).

import type { ConvGeometry } from "../geometry";
import { type Buf, FALL_BACK } from "../registry";
import { KC } from "./blocking";
import { pointwiseGemmPays } from "./conv-forward";
import { mlasConvForward, mlasInputGradient, mlasWeightGradient } from "./conv-mlas";
import type { ThreadedKernel } from "./exports.generated";
import { allF32, type F32 } from "./f32";
import { paddedPlanesFloats, putConvGeometry } from "./geometry";
import { pointwiseBatch, pointwiseBatchPays } from "./pointwise";
import type { WasmRuntime } from "./runtime";
import { type GemmSpec, MR, NR, runSgemm, runSgemms } from "./sgemm";
import { ranges, runEach, runShares, sharesFor, threadsFor } from "./threads/parallel";
import {
  winogradInputGradient,
  winogradPays,
  winogradWeightGradient,
  winogradWeightGradientPays,
} from "./winograd";
import { winogradWeightGradientDots, winogradWeightPays } from "./winograd-weight";

/** The weight gradient's GEMM depth to aim for (images x output pixels): one packed block (KC). */
const WEIGHT_GRADIENT_DEPTH = KC;

/** Up to this many (input, output) channel pairs, stride-1 conv gradients run as direct kernels. */
const DIRECT_MAX_CHANNEL_PAIRS = 1024;

/** Output pixels (images x pixels) the direct weight gradient walks per unit with its sums in registers. */
const DIRECT_WEIGHT_DEPTH = 512;

export function convBackwardKernel(rt: WasmRuntime) {
  const { arena, kernels } = rt;

  /** dinp (N, C, H, W), dweight (OC, C/G, KH, KW), dbias (OC) += gradients from dout (N, OC, OH, OW). */
  function conv2dBackward(
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    g: ConvGeometry,
  ): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dweight, dbias, dout, inp, weight)) return FALL_BACK;
    const { N, C, H, W, OC, KH, KW, OH, OW, groups: G } = g;
    const P = OH * OW;
    const K = (C / G) * KH * KW;
    const macs = N * OC * P * K;
    arena.begin();
    const geo = putConvGeometry(arena, g);
    const pDout = arena.put((dout as F32).subarray(0, N * OC * P)); // (N, OC, OH, OW)
    const threads = threadsFor(rt, macs);
    // 1x1 on small planes: one GEMM over the batch per gradient, from dout swapped once.
    const pointwise = pointwiseBatchPays(g) ? pointwiseBatch(rt, g) : null;
    const doutT =
      pointwise === null || (dinp === null && dweight === null) ? 0 : pointwise.doutSwapped(pDout);
    if (dinp !== null && dweight !== null && threads >= 2 && pointwise === null && bothDirect(g)) {
      // Both gradients direct: side by side, half the threads each (one dispatch, no thread shifts
      // the same input planes as another); every share is computed as on one thread.
      const half = threads >> 1;
      const input = directInput(dinp, half);
      const weights = directWeight(dweight, dbias, threads - half);
      runEach(rt, [
        ...input.calls.map((args): Share => ["conv2dBackwardInputDirect", args]),
        ...weights.calls.map((args): Share => ["conv2dBackwardWeightDirect", args]),
      ]);
      input.finish();
      weights.finish();
      return;
    }
    if (
      dinp !== null &&
      dweight !== null &&
      pointwise === null &&
      pointwiseGemmPays(g) &&
      !directGradientPays(g)
    ) {
      // 1x1 on few images, both gradients: the input gradient's GEMM and the first image's weight
      // gradient side by side where MLAS takes both (runSgemms), each whole, so the same sums.
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * P)); // (N, C, H, W), += onto it
      const pInp = arena.put((inp as F32).subarray(0, N * C * P)); // (N, C, H, W)
      const pDw = arena.put((dweight as F32).subarray(0, OC * C)); // (OC, C, 1, 1), += onto it
      runSgemms(rt, [pointwiseInputGemm(pDinp), pointwiseWeightGemm(0, pInp, pDw)]);
      for (let n = 1; n < N; n++) runSgemm(rt, pointwiseWeightGemm(n, pInp, pDw));
      arena.get(pDinp, (dinp as F32).subarray(0, N * C * P));
      arena.get(pDw, (dweight as F32).subarray(0, OC * C));
      biasGradient();
      return;
    }
    if (dinp !== null && pointwise !== null) {
      const pW = arena.put((weight as F32).subarray(0, OC * C)); // (OC, C, 1, 1)
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * P)); // (N, C, H, W), += onto it
      pointwise.inputGradient(pDinp, doutT, pW);
      arena.get(pDinp, (dinp as F32).subarray(0, N * C * P));
    } else if (dinp !== null && winogradPays(g)) {
      winogradInputGradient(rt, dinp, pDout, weight, g); // 3x3, 16+ channels: assembly/winograd.ts
    } else if (dinp !== null && directGradientPays(g)) {
      // Few channels: the direct kernel (assembly/conv-direct-grad.ts), images split across threads.
      const input = directInput(dinp, sharesFor(threadsFor(rt, macs)));
      runShares(rt, "conv2dBackwardInputDirect", input.calls);
      input.finish();
    } else if (dinp !== null && pointwiseGemmPays(g)) {
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * P)); // (N, C, H, W), += onto it
      runSgemm(rt, pointwiseInputGemm(pDinp));
      arena.get(pDinp, (dinp as F32).subarray(0, N * C * P));
    } else if (dinp !== null && transposedConvPays(g)) {
      // dinp += conv(dout, flipped weight^T) with stride 1: the forward kernel, adding into dinp.
      const flipped: ConvGeometry = {
        ...g,
        C: OC,
        H: OH,
        W: OW,
        OC: C,
        OH: H,
        OW: W,
        strideH: 1,
        strideW: 1,
        padTop: g.dilationH * (KH - 1) - g.padTop,
        padLeft: g.dilationW * (KW - 1) - g.padLeft,
      };
      const tgeo = putConvGeometry(arena, flipped, 1);
      const pWt = arena.alloc(4 * OC * K); // (C, OC/G, KH, KW)
      flipTransposed(arena.f32(), pWt / 4, weight as F32, OC, C, KH, KW, G);
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * H * W)); // (N, C, H, W), += onto it
      const mgeo = putConvGeometry(arena, flipped); // conv-mlas.ts's, without the add flag
      if (!mlasConvForward(rt, pDinp, pDout, pWt, 0, mgeo, flipped, true)) {
        const colBytes = 4 * kernels.convForwardColFloats(tgeo);
        const calls = ranges(N, 1, sharesFor(threadsFor(rt, macs))).map(([n0, n1]) => {
          const col = arena.alloc(colBytes);
          const scratch = arena.alloc(kernels.convForwardScratchBytes(tgeo)); // packed weight
          return [n0, n1, tgeo, pDinp, pDout, pWt, 0, col, scratch];
        });
        runShares(rt, "conv2dForward", calls);
      }
      arena.get(pDinp, (dinp as F32).subarray(0, N * C * H * W));
    } else if (dinp !== null && mlasInputGradient(rt, dinp, pDout, weight, geo, g)) {
      // strided, where MLAS takes the GEMM (conv-mlas.ts)
    } else if (dinp !== null) {
      const pW = arena.put((weight as F32).subarray(0, OC * K)); // (OC, C/G, KH, KW)
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * H * W)); // (N, C, H, W), += onto it
      const calls = ranges(N, 1, sharesFor(threadsFor(rt, macs))).map(([n0, n1]) => {
        const col = arena.alloc(4 * K * P); // dcol (K, OH * OW)
        const scratch = arena.alloc(kernels.convBackwardInputScratchBytes(geo)); // packed weight and dout
        return [n0, n1, geo, pDinp, pDout, pW, col, scratch];
      });
      runShares(rt, "conv2dBackwardInput", calls);
      arena.get(pDinp, (dinp as F32).subarray(0, N * C * H * W));
    }
    if (dweight !== null && pointwise !== null) {
      const pInp = arena.put((inp as F32).subarray(0, N * C * P)); // (N, C, H, W)
      const pDw = arena.put((dweight as F32).subarray(0, OC * C)); // (OC, C, 1, 1), += onto it
      pointwise.weightGradient(pDw, doutT, pInp);
      arena.get(pDw, (dweight as F32).subarray(0, OC * C));
    } else if (dweight !== null && pointwiseGemmPays(g)) {
      const pInp = arena.put((inp as F32).subarray(0, N * C * P)); // (N, C, H, W)
      const pDw = arena.put((dweight as F32).subarray(0, OC * C)); // (OC, C, 1, 1), += onto it
      for (let n = 0; n < N; n++) runSgemm(rt, pointwiseWeightGemm(n, pInp, pDw));
      arena.get(pDw, (dweight as F32).subarray(0, OC * C));
    } else if (dweight !== null && winogradWeightPays(g)) {
      // 3x3, 16+ channels, planes of whole 4x4 tiles: Winograd with dot products (winograd-weight.ts)
      winogradWeightGradientDots(rt, dweight, pDout, inp, g);
    } else if (dweight !== null && winogradWeightGradientPays(g)) {
      winogradWeightGradient(rt, dweight, pDout, inp, g); // 3x3, 32+ channels: assembly/winograd.ts
    } else if (dweight !== null && directGradientPays(g)) {
      // Few channels: the direct kernel, the bias gradient as one more tap of the same pass.
      const weights = directWeight(dweight, dbias, threadsFor(rt, macs));
      runShares(rt, "conv2dBackwardWeightDirect", weights.calls);
      weights.finish();
      return;
    } else if (dweight !== null) {
      const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
      const pDw = arena.put((dweight as F32).subarray(0, OC * K)); // (OC, C/G, KH, KW), += onto it
      if (!mlasWeightGradient(rt, pDw, pDout, pInp, geo, g)) {
        // Images per GEMM: enough that its depth (images x pixels) fills a packed block.
        const chunk = Math.min(N, Math.ceil(WEIGHT_GRADIENT_DEPTH / P));
        const chunkGeo = putConvGeometry(arena, g, chunk);
        const D = chunk * P;
        const paddedFloats = paddedPlanesFloats(g); // one image's zero-padded planes (C/G, PH, PW)
        const calls = ranges(K, NR, threadsFor(rt, macs)).map(([k0, k1]) => {
          // im2col rows [k0, k1) (k1 - k0, D), dout (OC/G, D), padded planes
          const col = arena.alloc(4 * ((k1 - k0 + OC / G) * D + paddedFloats));
          const scratch = arena.alloc(kernels.sgemmScratchBytes(OC / G, k1 - k0, D));
          return [k0, k1, N, chunkGeo, pDw, pDout, pInp, col, scratch];
        });
        runShares(rt, "conv2dBackwardWeight", calls);
      }
      arena.get(pDw, (dweight as F32).subarray(0, OC * K));
    }
    biasGradient();

    /** dbias (OC) += dout summed over images and pixels (the direct kernels add it themselves). */
    function biasGradient(): void {
      if (dbias === null) return;
      const pDb = arena.put((dbias as F32).subarray(0, OC)); // (OC)
      kernels.addChannelSums(pDb, pDout, N, OC, P);
      arena.get(pDb, (dbias as F32).subarray(0, OC));
    }

    /** 1x1 on few images: dinp[n] (C, P) += W^T (C, OC) @ dout[n] (OC, P), as one batched GEMM. */
    function pointwiseInputGemm(pDinp: number): GemmSpec {
      const pW = arena.put((weight as F32).subarray(0, OC * C)); // (OC, C, 1, 1)
      return {
        ...{ batch: N, M: C, N: P, K: OC, a: pW, strideA: 0, aRow: 1, aCol: C },
        ...{ b: pDout, strideB: OC * P, bRow: P, bCol: 1, c: pDinp, strideC: C * P, accumulate: true },
      };
    }

    /**
     * 1x1 on few images: image n's dweight (OC, C) += dout[n] (OC, P) @ inp[n]^T (P, C), a deep GEMM
     * with a small product (MLAS takes it where it is installed); images one after another.
     */
    function pointwiseWeightGemm(n: number, pInp: number, pDw: number): GemmSpec {
      return {
        ...{ batch: 1, M: OC, N: C, K: P, a: pDout + 4 * n * OC * P, strideA: 0, aRow: P, aCol: 1 },
        ...{ b: pInp + 4 * n * C * P, strideB: 0, bRow: 1, bCol: P, c: pDw, strideC: 0, accumulate: true },
      };
    }

    /** The direct input gradient's calls, `parts` shares of images, and the copy-out after them. */
    function directInput(dinp: Buf, parts: number): DirectCalls {
      const J = kernels.directInputColumns(geo);
      const pWz = arena.alloc(4 * OC * KH * J); // (KH, OC, J)
      directInputWeight(arena.f32(), pWz / 4, weight as F32, OC, C, KH, KW, J);
      const pDinp = arena.put((dinp as F32).subarray(0, N * C * H * W)); // (N, C, H, W), += onto it
      const calls = ranges(N, 1, parts).map(([n0, n1]) => {
        const scratch = arena.alloc(kernels.directInputScratchBytes(geo));
        return [n0, n1, geo, pDinp, pDout, pWz, scratch];
      });
      return { calls, finish: () => arena.get(pDinp, (dinp as F32).subarray(0, N * C * H * W)) };
    }

    /** The direct weight (and bias) gradient's calls, `parts` shares of units, and the copy-out. */
    function directWeight(dweight: Buf, dbias: Buf | null, parts: number): DirectCalls {
      const pInp = arena.put((inp as F32).subarray(0, N * C * H * W)); // (N, C, H, W)
      const pDw = arena.put((dweight as F32).subarray(0, OC * K)); // (OC, C, KH, KW), += onto it
      const pDb = dbias === null ? 0 : arena.put((dbias as F32).subarray(0, OC)); // (OC), += onto it
      const chunkGeo = putConvGeometry(arena, g, Math.min(N, Math.ceil(DIRECT_WEIGHT_DEPTH / P)));
      const units = kernels.directWeightUnits(chunkGeo, dbias === null ? 0 : 1);
      const calls = ranges(units, 1, parts).map(([u0, u1]) => {
        const scratch = arena.alloc(kernels.directWeightScratchBytes(chunkGeo, u1 - u0));
        return [u0, u1, N, chunkGeo, pDw, pDb, pDout, pInp, scratch];
      });
      const finish = () => {
        arena.get(pDw, (dweight as F32).subarray(0, OC * K));
        if (dbias !== null) arena.get(pDb, (dbias as F32).subarray(0, OC));
      };
      return { calls, finish };
    }
  }

  return conv2dBackward;
}

/** A direct gradient's per-share argument lists and the copy-out to run after them. */
interface DirectCalls {
  calls: number[][];
  finish: () => void;
}

/** One side-by-side call: the kernel and its arguments. */
type Share = [ThreadedKernel, number[]];

/** Whether both gradients take the direct kernels (no Winograd for either). */
function bothDirect(g: ConvGeometry): boolean {
  return (
    directGradientPays(g) && !winogradPays(g) && !winogradWeightPays(g) && !winogradWeightGradientPays(g)
  );
}

/**
 * Whether conv2d's input gradient is better computed as a stride-1 forward convolution of dout with
 * the flipped, transposed weight (no col2im, deep packed GEMM) than as dcol = W^T dout + col2im:
 * when the stride is 1, the conv is not depthwise, its GEMM has at least a micro-tile of rows
 * (C/G), and the padded output is not much larger than the output (it would multiply zeros).
 */
function transposedConvPays(g: ConvGeometry): boolean {
  const { C, H, W, OC, OH, OW, groups: G } = g;
  const depthwise = G === C && G === OC && G > 1;
  return g.strideH === 1 && g.strideW === 1 && !depthwise && C / G >= MR && H * W <= 1.25 * OH * OW;
}

/**
 * Whether conv2d's gradients go to the direct kernels (assembly/conv-direct-grad.ts): stride 1, no
 * groups, and few channels, where im2col + GEMM spends more time copying and packing than multiplying.
 * NOTE: measured (1 thread, batch 32-64): the direct weight gradient is 2-2.5x faster on LeNet's
 * conv1, 1.5x on conv2, 1.1-1.3x at 16 and 32 channels (3x3), a tie at 64 (so the limit is 32 x 32).
 */
export function directGradientPays(g: ConvGeometry): boolean {
  return g.strideH === 1 && g.strideW === 1 && g.groups === 1 && g.C * g.OC <= DIRECT_MAX_CHANNEL_PAIRS;
}

/** dst[off..] (KH, OC, J) = w[oc][c][kh][kw] at column c*KW + kw, zeros in columns C*KW..J. */
function directInputWeight(
  dst: Float32Array,
  off: number,
  w: Float32Array,
  OC: number,
  C: number,
  KH: number,
  KW: number,
  J: number,
): void {
  dst.fill(0, off, off + OC * KH * J);
  for (let oc = 0; oc < OC; oc++)
    for (let c = 0; c < C; c++)
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++)
          dst[off + (kh * OC + oc) * J + c * KW + kw] = w[((oc * C + c) * KH + kh) * KW + kw];
}

/**
 * dst[off..] (C, OC/G, KH, KW) = weight (OC, C/G, KH, KW) with input and output channels swapped
 * within each group and the kernel rotated by 180 degrees: wt[g*CG + c][oc][kh][kw] =
 * w[g*OCG + oc][c][KH-1-kh][KW-1-kw].
 */
function flipTransposed(
  dst: Float32Array,
  off: number,
  w: Float32Array,
  OC: number,
  C: number,
  KH: number,
  KW: number,
  G: number,
): void {
  const CG = C / G;
  const OCG = OC / G;
  const KK = KH * KW;
  for (let g = 0; g < G; g++)
    for (let oc = 0; oc < OCG; oc++)
      for (let c = 0; c < CG; c++) {
        const src = ((g * OCG + oc) * CG + c) * KK;
        const to = off + ((g * CG + c) * OCG + oc) * KK + KK - 1;
        for (let t = 0; t < KK; t++) dst[to - t] = w[src + t];
      }
}
