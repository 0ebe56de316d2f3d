// Large convs' GEMMs on ONNX Runtime's MLAS (mlas-gemm.ts): the forward and the weight gradient
// of convs that would otherwise take the generic im2col kernels (stride-2 convs with many
// channels, 5x5, anything not Winograd, direct, depthwise or 1x1). Wasm writes a chunk of images'
// im2col rows (assembly/conv-backward-weight.ts convGemmOperands, threads splitting images), then
// - forward: out[n] (OC, P) (+)= weight (OC, K) @ col[n] (K, P), images one after another;
// - weight gradient: dweight (OC, K) += douts (OC, D) @ col^T (D, K), images side by side,
//   D = images x output pixels.
// MLAS runs on one core, wasm's GEMM on every core: only large convs go there, chosen by shape only
// so that every thread count computes the same sums.

import type { ConvGeometry } from "../geometry";
import { putConvGeometry } from "./geometry";
import { MLAS_MAX_FLOATS, mlasTakes } from "./mlas-gemm";
import type { WasmRuntime } from "./runtime";
import { type GemmSpec, runSgemm } from "./sgemm";
import { ranges, runShares, threadsFor } from "./threads/parallel";

/**
 * From this many multiply-adds a conv's weight gradient goes to MLAS. Forward + weight gradient
 * (the gradient alone on MLAS), median ms, wasm / MLAS, at 1 thread then at 2: 64->128 stride 2 on
 * 32x32, batch 32 (604M) 56.6 / 37.6 and 29.7 / 25.9; 5x5 32->64 on 16x16, batch 16 (210M) 19.7 /
 * 14.7 and 10.6 / 10.0. ResNet-18-CIFAR width 16's stride-2 convs (37.7M) won at 1 thread (3.65 /
 * 2.96) and lost at 2 (2.24 / 2.43).
 */
const WEIGHT_GRADIENT_MIN_MACS = 1 << 27;

/**
 * From this many multiply-adds a conv's forward goes to MLAS. Forward with bias, median ms, wasm /
 * MLAS, at 1 thread then at 2 (batch 32): 64->128 stride 2 on 32x32 (604M) 25-37 / 13-24 and 13-20
 * / 13-23; 128->256 on 16x16 25 / 15 and 13 / 10; 256->512 on 8x8 25 / 13.5 and 13.5 / 10.3. The 5x5
 * above (210M): 8.7 / 8.0 and 4.6 / 4.8.
 */
const FORWARD_MIN_MACS = 1 << 28;

/** At most this many floats of im2col rows per chunk of images (16 MiB). */
const COL_MAX_FLOATS = 1 << 22;

/**
 * out (N, OC, OH, OW) = conv(inp, weight) + bias, all at arena addresses (bias 0 for none), when
 * MLAS takes the GEMMs; false (nothing done) otherwise.
 */
export function mlasConvForward(
  rt: WasmRuntime,
  pOut: number,
  pInp: number,
  pW: number,
  pBias: number,
  g: ConvGeometry,
): boolean {
  const { OC } = g;
  const P = g.OH * g.OW;
  const K = g.C * g.KH * g.KW;
  const gemm = (images: number, col: number, out: number): GemmSpec => ({
    ...{ batch: images, M: OC, N: P, K, a: pW, strideA: 0, aRow: K, aCol: 1 }, // weight (OC, K)
    ...{ b: col, strideB: K * P, bRow: P, bCol: 1 }, // col (images, K, P)
    ...{ c: out, strideC: OC * P, accumulate: pBias !== 0 }, // out (images, OC, P), bias filled in
  });
  return chunked(
    rt,
    g,
    pInp,
    FORWARD_MIN_MACS,
    (chunk) => gemm(chunk, 0, 0),
    (n0, images, col, operands) => {
      operands(K * P, P, 0, 0);
      const out = pOut + 4 * n0 * OC * P;
      if (pBias !== 0) {
        const f32 = rt.arena.f32();
        for (let i = 0; i < images * OC; i++)
          f32.fill(f32[pBias / 4 + (i % OC)], out / 4 + i * P, out / 4 + (i + 1) * P);
      }
      runSgemm(rt, gemm(images, col, out));
    },
  );
}

/**
 * dweight (OC, C, KH, KW) at arena address pDw += the gradient from dout (N, OC, OH, OW) and inp
 * (N, C, H, W), both in the arena, when MLAS takes the GEMM; false (nothing done) otherwise.
 */
export function mlasWeightGradient(
  rt: WasmRuntime,
  pDw: number,
  pDout: number,
  pInp: number,
  g: ConvGeometry,
): boolean {
  const { OC } = g;
  const P = g.OH * g.OW;
  const K = g.C * g.KH * g.KW;
  const gemm = (D: number, douts: number, col: number): GemmSpec => ({
    ...{ batch: 1, M: OC, N: K, K: D, a: douts, strideA: 0, aRow: D, aCol: 1 }, // douts (OC, D)
    ...{ b: col, strideB: 0, bRow: 1, bCol: D, c: pDw, strideC: 0, accumulate: true }, // col (K, D): B^T
  });
  return chunked(
    rt,
    g,
    pInp,
    WEIGHT_GRADIENT_MIN_MACS,
    (chunk) => gemm(chunk * P, 0, 0),
    (_n0, images, col, operands) => {
      const D = images * P;
      const douts = rt.arena.alloc(4 * OC * D); // (OC, D)
      operands(P, D, pDout, douts);
      runSgemm(rt, gemm(D, douts, col));
    },
  );
}

/**
 * Runs `each` over chunks of images when the conv has minMacs multiply-adds and MLAS takes a full chunk's GEMM
 * (`spec`), and says whether it did; `each` gets the chunk, its im2col buffer and a function that
 * writes the operands of inp (N, C, H, W) at arena address pInp
 * (image stride and row stride of col, dout and where its planes go, see convGemmOperands).
 */
function chunked(
  rt: WasmRuntime,
  g: ConvGeometry,
  pInp: number,
  minMacs: number,
  spec: (chunk: number) => GemmSpec,
  each: (
    n0: number,
    images: number,
    col: number,
    operands: (imageStride: number, ld: number, dout: number, douts: number) => void,
  ) => void,
): boolean {
  const { N, C, OC, KH, KW, OH, OW } = g;
  const P = OH * OW;
  const K = C * KH * KW;
  if (g.groups !== 1 || N * OC * K * P < minMacs) return false;
  const chunk = Math.max(1, Math.min(N, Math.floor(Math.min(COL_MAX_FLOATS, MLAS_MAX_FLOATS) / (K * P))));
  if (!mlasTakes(spec(chunk))) return false;
  const { arena } = rt;
  const geo = putConvGeometry(arena, g);
  const paddedFloats =
    C *
    ((OH - 1) * g.strideH + (KH - 1) * g.dilationH + 1) *
    ((OW - 1) * g.strideW + (KW - 1) * g.dilationW + 1);
  for (let n0 = 0; n0 < N; n0 += chunk) {
    const images = Math.min(chunk, N - n0);
    const col = arena.alloc(4 * K * images * P); // im2col rows of every image of the chunk
    each(n0, images, col, (imageStride, ld, dout, douts) => {
      const calls = ranges(images, 1, threadsFor(rt, images * K * P * 4)).map(([i0, i1]) => {
        const padded = arena.alloc(4 * paddedFloats); // (C, PH, PW)
        return [n0 + i0, n0 + i1, n0, imageStride, ld, geo, pInp, col, padded, dout, douts];
      });
      runShares(rt, "convGemmOperands", calls);
    });
  }
  return true;
}
