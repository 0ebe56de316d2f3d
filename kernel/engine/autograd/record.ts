// How an op's result joins the autograd graph: `fromOp` wraps a freshly computed buffer as a
// tensor and, when gradients are being recorded and an input requires them, attaches the op's
// backward closure (which captures whatever forward cached for it).

import type { DType } from "../tensor/tensor";
import { Tensor } from "../tensor/tensor";
import { isGradEnabled } from "./grad-mode";
import type { Grad } from "./node";

export function fromOp(
  name: string,
  data: Float32Array,
  shape: readonly number[],
  inputs: readonly (Tensor | null)[],
  backward: (dout: Grad, acc?: readonly (Grad | null)[]) => (Grad | null)[],
  dtype: DType = "float32",
): Tensor {
  const out = new Tensor(data, shape, dtype);
  if (isGradEnabled() && inputs.some((t) => t?.requiresGrad)) {
    out.requiresGrad = true;
    out.gradFn = { name, inputs, backward };
  }
  return out;
}

/** True when backward must produce a gradient for `t`. */
export function needsGrad(t: Tensor | null | undefined): t is Tensor {
  return t?.requiresGrad === true;
}
