// Helpers for the wasm-vs-ref tests: seeded random buffers and the tolerance every wasm kernel is
// held to: 1e-4 relative, elementwise or to the result's RMS (a dot product that cancels to ~0
// has no meaningful elementwise relative error; float32 sums of K terms drift by ~sqrt(K) ulps).

import type { ConvGeometry, PoolGeometry } from "../../kernel/engine/backends/geometry";
import type { Buf } from "../../kernel/engine/backends/registry";
import { pool2dOutputSize } from "../../kernel/engine/ops/pool-shape";
import { expectClose } from "../helpers";

/** Deterministic f32 values in [-1, 1). */
export function f32Random(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** A seeded integer generator for random shapes. */
export function intGenerator(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0 || 1;
  return (lo, hi) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return lo + ((s >>> 0) % (hi - lo + 1));
  };
}

/** Compares a wasm result with ref's: |a - e| <= 1e-4 * (|e| + rms of expected's finite values). */
export function expectMatchesRef(actual: Buf, expected: Buf, what: string): void {
  let sq = 0;
  let finite = 0;
  for (const e of expected)
    if (Number.isFinite(e)) {
      sq += e * e;
      finite++;
    }
  const rms = finite > 0 ? Math.sqrt(sq / finite) : 0;
  expectClose(actual, expected, what, { rtol: 1e-4, atol: 1e-4 * rms + 1e-30 });
}

/** Asserts two buffers are bit-identical (same kernel, different thread counts). */
export function expectIdentical(actual: Float32Array, expected: Float32Array, what: string): void {
  expectClose(actual, expected, what, { rtol: 0, atol: 0 });
}

/**
 * A conv as the tests describe it: sizes, and optionally stride, padding (top, left, bottom, right;
 * negative crops), dilation and groups (defaults 1, 0, 1, 1).
 */
export interface ConvCase {
  N: number;
  C: number;
  H: number;
  W: number;
  OC: number;
  KH: number;
  KW: number;
  stride?: readonly [h: number, w: number];
  pad?: readonly [top: number, left: number, bottom: number, right: number];
  dilation?: readonly [h: number, w: number];
  groups?: number;
}

/** The geometry the conv kernels take for a case, with PyTorch's output-size arithmetic. */
export function convGeometry(c: ConvCase): ConvGeometry {
  const [strideH, strideW] = c.stride ?? [1, 1];
  const [padTop, padLeft, padBottom, padRight] = c.pad ?? [0, 0, 0, 0];
  const [dilationH, dilationW] = c.dilation ?? [1, 1];
  const OH = Math.floor((c.H + padTop + padBottom - dilationH * (c.KH - 1) - 1) / strideH) + 1;
  const OW = Math.floor((c.W + padLeft + padRight - dilationW * (c.KW - 1) - 1) / strideW) + 1;
  return {
    ...{ N: c.N, C: c.C, H: c.H, W: c.W, OC: c.OC, KH: c.KH, KW: c.KW, OH, OW },
    ...{ strideH, strideW, padTop, padLeft, dilationH, dilationW, groups: c.groups ?? 1 },
  };
}

/** Elements of a conv's buffers: inp (N, C, H, W), weight (OC, C/G, KH, KW), out (N, OC, OH, OW). */
export function convLengths(g: ConvGeometry): { inp: number; weight: number; out: number } {
  return {
    inp: g.N * g.C * g.H * g.W,
    weight: g.OC * (g.C / g.groups) * g.KH * g.KW,
    out: g.N * g.OC * g.OH * g.OW,
  };
}

/** Multiply-adds of a conv (how much work the worker threads see). */
export function convMacs(g: ConvGeometry): number {
  return (g.N * g.OC * g.OH * g.OW * g.C * g.KH * g.KW) / g.groups;
}

/** A 3x3 stride-1 conv case (the Winograd tests'). */
export type Conv3x3Case = Omit<ConvCase, "KH" | "KW"> & { name: string };

/** The conv kernels' geometry for a Conv3x3Case. */
export function conv3x3Geometry(c: Conv3x3Case): ConvGeometry {
  return convGeometry({ ...c, KH: 3, KW: 3 });
}

/** A sliding-window pooling as the tests describe it (stride defaults to the window, padding to 0). */
export interface PoolCase {
  N: number;
  C: number;
  H: number;
  W: number;
  KH: number;
  KW: number;
  stride?: readonly [h: number, w: number];
  pad?: readonly [h: number, w: number];
  dilation?: readonly [h: number, w: number];
  ceilMode?: boolean;
}

/** The geometry the pooling kernels take for a case, with PyTorch's output-size arithmetic. */
export function poolGeometry(c: PoolCase): PoolGeometry {
  const [strideH, strideW] = c.stride ?? [c.KH, c.KW];
  const [padTop, padLeft] = c.pad ?? [0, 0];
  const [dilationH, dilationW] = c.dilation ?? [1, 1];
  const [OH, OW] = pool2dOutputSize([c.H, c.W], [c.KH, c.KW], {
    stride: [strideH, strideW],
    padding: [padTop, padLeft],
    dilation: [dilationH, dilationW],
    ceilMode: c.ceilMode ?? false,
  });
  return {
    ...{ N: c.N, C: c.C, H: c.H, W: c.W, OH, OW, KH: c.KH, KW: c.KW },
    ...{ strideH, strideW, padTop, padLeft, dilationH, dilationW },
  };
}

/** A transposed conv case: a ConvCase plus outputPadding (extra rows/columns at the bottom/right). */
export interface ConvTransposeCase extends ConvCase {
  outputPadding?: readonly [h: number, w: number];
}

/** The transposed conv kernels' geometry: OH = (H - 1) sH - pT - pB + dH (KH - 1) + outputPadding + 1. */
export function convTransposeGeometry(c: ConvTransposeCase): ConvGeometry {
  const g = convGeometry(c);
  const [, , padBottom, padRight] = c.pad ?? [0, 0, 0, 0];
  const [outH, outW] = c.outputPadding ?? [0, 0];
  const OH = (c.H - 1) * g.strideH - g.padTop - padBottom + g.dilationH * (c.KH - 1) + outH + 1;
  const OW = (c.W - 1) * g.strideW - g.padLeft - padRight + g.dilationW * (c.KW - 1) + outW + 1;
  return { ...g, OH, OW };
}
