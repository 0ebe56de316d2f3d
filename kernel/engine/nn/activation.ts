// Activation modules: thin wrappers over the elementwise ops (math lives in ops/), so they can
// sit in a Sequential and show up in summaries.

import * as ew from "../ops/elementwise";
import type { Tensor } from "../tensor/tensor";
import { softmax } from "./functional";
import { Module, reprArgs } from "./module";

/** max(0, x). Shape: any, unchanged. */
export class ReLU extends Module {
  forward(input: Tensor): Tensor {
    return ew.relu(input);
  }
}

/** min(max(0, x), 6), as in MobileNet. */
export class ReLU6 extends Module {
  forward(input: Tensor): Tensor {
    return ew.relu6(input);
  }
}

/** x for x >= 0, negativeSlope * x otherwise. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(input: Tensor): Tensor {
    return ew.leakyRelu(input, this.negativeSlope);
  }
  override extraRepr(): string {
    return reprArgs([], [["negativeSlope", this.negativeSlope, 0.01]]);
  }
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }
  forward(input: Tensor): Tensor {
    return ew.elu(input, this.alpha);
  }
  override extraRepr(): string {
    return reprArgs([], [["alpha", this.alpha, 1]]);
  }
}

export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return ew.sigmoid(input);
  }
}

export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return ew.tanh(input);
  }
}

/** Softmax along `dim` (for class scores (N, C): dim 1). */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return softmax(input, this.dim);
  }
  override extraRepr(): string {
    return reprArgs([], [["dim", this.dim, undefined]]);
  }
}
