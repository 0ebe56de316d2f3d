// Small shape helpers shared by the layer and glue tables: PyTorch-style int-or-tuple arguments,
// ONNX pads, and reshapes that keep a dynamic batch dim dynamic.

import { float, ints } from "../format/ir";
import type { GraphBuilder } from "./builder";

/** A PyTorch int-or-tuple argument as n numbers. */
export function tuple(v: number | readonly number[], n: number): number[] {
  return typeof v === "number" ? Array(n).fill(v) : [...v];
}

/** ONNX `pads` (all begins, then all ends) for symmetric padding per spatial dim. */
export const symmetricPads = (p: readonly number[]): number[] => [...p, ...p];

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * `x` (shape `from`) reshaped to `to`: ONNX Flatten for the usual (N, ...) -> (N, features), else
 * Reshape; with a dynamic batch a kept leading dim is written as 0 ("copy from the input").
 */
export function reshape(
  b: GraphBuilder,
  x: string,
  from: readonly number[],
  to: readonly number[],
  name: string,
): string {
  if (to.length === 2 && from.length >= 2 && to[0] === from[0] && to[1] === prod(from.slice(1)))
    return b.op("Flatten", [x], { axis: { kind: "int", value: 1 } }, name);
  const target = [...to];
  if (b.dynamicBatch && from.length > 0 && to.length > 0 && to[0] === from[0]) target[0] = 0;
  return b.op("Reshape", [x, b.int64s(target, [target.length], `${name}.shape`)], {}, name);
}

/** Clip(x, min, max) with the bounds as inputs (opset 11 and later). */
export function clip(b: GraphBuilder, x: string, min: number, max: number, name: string): string {
  const lo = Number.isFinite(min) ? b.floats([min], [], "clip.min") : "";
  const hi = Number.isFinite(max) ? b.floats([max], [], "clip.max") : "";
  const inputs = hi === "" ? (lo === "" ? [x] : [x, lo]) : [x, lo, hi];
  return b.op("Clip", inputs, {}, name);
}

export { float, ints };
