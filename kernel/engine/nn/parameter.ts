// `nn.Parameter`: a Tensor subclass that marks a tensor as a trainable weight of a Module.
// A Module finds its parameters by looking for Parameter values among its own properties, so
// `this.weight = new Parameter(t)` is all a layer needs to register one.
//
// NOTE: a Parameter shares its storage with the tensor it wraps (like torch.nn.Parameter) and
// requires grad unless `requiresGrad` is false. Ops on a Parameter return plain Tensors.

import { check } from "../errors";
import { Tensor } from "../tensor/tensor";

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    check(
      data instanceof Tensor,
      "Parameter",
      () => `expects a Tensor, got ${typeof data}; wrap values first: new nn.Parameter(tensor(...))`,
    );
    super(data.storage, data.shape, data.dtype);
    if (requiresGrad) this.requiresGrad_(true);
  }

  /** As PyTorch prints one: `Parameter containing:` then the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
