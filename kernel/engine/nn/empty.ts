// Uninitialised parameter storage for layers: zeros of a shape, filled by the layer's
// resetParameters() right after (torch.empty followed by an init).

import { newStorage } from "../backends/registry";
import { checkShape } from "../tensor/size-limit";
import { Tensor } from "../tensor/tensor";

/** `op` names the layer in errors (a shape too big for one tensor). */
export function empty(shape: readonly number[], op = "empty"): Tensor {
  return new Tensor(newStorage(checkShape(shape, op)), shape);
}
