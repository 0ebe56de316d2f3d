// Uninitialised parameter storage for layers: zeros of a shape, filled by the layer's
// resetParameters() right after (torch.empty followed by an init).

import { newStorage } from "../backends/registry";
import { Tensor } from "../tensor/tensor";

export function empty(shape: readonly number[]): Tensor {
  return new Tensor(newStorage(shape.reduce((a, b) => a * b, 1)), shape);
}
