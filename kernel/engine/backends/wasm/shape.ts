// wasm sliceDim (same name, signature and semantics as backends/ref/shape.ts): a strided slice
// along one dim, or its adjoint (`add`), as row copies in assembly/shape.ts. cat writes its inputs
// into their slots and takes its gradients apart with it (U-Net's skip connections). Memory-bound
// and single-threaded; float64 and slices of fewer than MIN_FLOATS floats go to ref.

import { type Buf, FALL_BACK } from "../registry";
import { allF32, type F32 } from "./f32";
import type { WasmRuntime } from "./runtime";

/** Below this many floats moved, the JS loop beats the copies into wasm memory. */
const MIN_FLOATS = 256;

export function shapeKernels(rt: WasmRuntime) {
  const { arena, kernels } = rt;

  /** out (outer, count, inner) = x (outer, size, inner) at start + j * step; `add`: x += the adjoint. */
  function sliceDim(
    out: Buf,
    x: Buf,
    outer: number,
    size: number,
    inner: number,
    start: number,
    step: number,
    count: number,
    add = false,
  ): typeof FALL_BACK | undefined {
    const nOut = outer * count * inner;
    if (!allF32(out, x) || nOut < MIN_FLOATS) return FALL_BACK;
    const xs = (x as F32).subarray(0, outer * size * inner);
    const outs = (out as F32).subarray(0, nOut);
    arena.begin();
    if (add) {
      const pX = arena.put(xs); // (outer, size, inner), += onto it
      kernels.sliceDim(arena.put(outs), pX, outer, size, inner, start, step, count, 1);
      arena.get(pX, xs);
    } else {
      const pOut = arena.target(outs); // (outer, count, inner)
      kernels.sliceDim(pOut, arena.put(xs), outer, size, inner, start, step, count, 0);
      arena.get(pOut, outs);
    }
  }

  return { sliceDim };
}
