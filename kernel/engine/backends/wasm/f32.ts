// The wasm kernels work on float32 buffers; float64 ones (gradient checks of the ref kernels) and
// anything else a wrapper cannot take go to ref (the wrapper returns FALL_BACK, ../registry.ts).

import type { Buf } from "../registry";

export type F32 = Float32Array;

/** Whether every buffer (or missing one) is float32. */
export const allF32 = (...bufs: (Buf | null)[]): boolean =>
  bufs.every((b) => b === null || b instanceof Float32Array);
