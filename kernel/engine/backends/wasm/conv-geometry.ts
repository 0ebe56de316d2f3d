// What every wasm conv kernel wrapper shares: conv2d's sizes in ref's argument order, and the
// geometry block assembly/conv-geometry.ts reads (every size but N, then one kernel-specific field).

import type { Buf } from "../registry";
import type { Arena } from "./arena";

export type F32 = Float32Array;

/** conv2d's sizes, in the order ref's kernels take them after the buffers. */
export type ConvSizes = [
  N: number,
  C: number,
  H: number,
  W: number,
  OC: number,
  KH: number,
  KW: number,
  OH: number,
  OW: number,
  strideH: number,
  strideW: number,
  padTop: number,
  padLeft: number,
  dilationH: number,
  dilationW: number,
  groups: number,
];

/** Whether a buffer (or a missing one) is float32; float64 buffers go to the ref kernels. */
export const isF32 = (b: Buf | null): boolean => b === null || b instanceof Float32Array;

/** Puts the geometry block into the arena: every size but N, then one kernel-specific field. */
export function putGeometry(arena: Arena, s: ConvSizes, extra = 0): number {
  return arena.putI32([...s.slice(1), extra]);
}
