// PyTorch's default initialisation of Linear and Conv layers (their `reset_parameters`):
// weight ~ kaiming_uniform(a = sqrt(5)), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and the bias
// from the same range. Shared here so every layer starts exactly as its PyTorch twin.

import type { Tensor } from "../tensor/tensor";
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from "./init";

export function resetWeightAndBias(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const [fanIn] = calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform_(bias, -bound, bound);
  }
}
