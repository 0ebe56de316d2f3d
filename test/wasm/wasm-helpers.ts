// Helpers for the wasm-vs-ref tests: seeded random buffers and the tolerance every wasm kernel is
// held to: 1e-4 relative, elementwise or to the result's RMS (a dot product that cancels to ~0
// has no meaningful elementwise relative error; float32 sums of K terms drift by ~sqrt(K) ulps).

import type { ConvSizes } from "../../kernel/engine/backends/wasm/conv-geometry";
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
export function expectMatchesRef(actual: Float32Array, expected: Float32Array, what: string): void {
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

/** A 3x3 stride-1 conv case (the Winograd tests'): sizes and padding (top, left, bottom, right). */
export interface Conv3x3Case {
  name: string;
  N: number;
  C: number;
  H: number;
  W: number;
  OC: number;
  pad: [top: number, left: number, bottom: number, right: number];
}

/** The conv kernels' size arguments for a Conv3x3Case. */
export function conv3x3Sizes(c: Conv3x3Case): ConvSizes {
  const [pT, pL, pB, pR] = c.pad;
  const OH = c.H + pT + pB - 2;
  const OW = c.W + pL + pR - 2;
  return [c.N, c.C, c.H, c.W, c.OC, 3, 3, OH, OW, 1, 1, pT, pL, 1, 1, 1];
}
