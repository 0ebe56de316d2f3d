// How an op's result joins the autograd graph: `fromOp` wraps a freshly computed buffer as a
// tensor and, when gradients are being recorded and an input requires them, attaches a node with
// the op's backward closure (which captures whatever forward cached for it).
//
// `saves` lists every tensor the closure reads (inputs, other tensors such as targets or indices,
// and "output" for the op's own result): their versions are recorded, and backward refuses to run
// once one of them was modified in place (autograd/version.ts). A closure must read no other
// tensor's values; test/unit/saved-tensors.test.ts modifies each argument and output of every
// golden op in place to catch one that does.

import type { DType } from "../tensor/tensor";
import { Tensor } from "../tensor/tensor";
import { isGradEnabled } from "./grad-mode";
import { type BackwardFn, GradNode, type Saved } from "./node";

export function fromOp(
  name: string,
  data: Float32Array,
  shape: readonly number[],
  inputs: readonly (Tensor | null)[],
  saves: readonly Saved[],
  backward: BackwardFn,
  dtype: DType = "float32",
): Tensor {
  const out = new Tensor(data, shape, dtype);
  if (isGradEnabled() && inputs.some((t) => t?.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = new GradNode(name, inputs, saves, backward, out);
  }
  return out;
}

/**
 * Records the arguments of the op that made `t` on its autograd node (GradNode.args), for
 * exporters; a no-op when no node was recorded. Returns `t`.
 */
export function withArgs(t: Tensor, args: Readonly<Record<string, unknown>>): Tensor {
  if (t.gradFn !== null) t.gradFn.args = args;
  return t;
}

/** True when backward must produce a gradient for `t`. */
export function needsGrad(t: Tensor | null | undefined): t is Tensor {
  return t?.requiresGrad === true;
}
