// Activation modules: thin wrappers over the elementwise ops (math lives in ops/), so they can
// sit in a Sequential and show up in summaries.

import * as ew from "../ops/elementwise";
import type { Tensor } from "../tensor/tensor";
import { logSoftmax, softmax } from "./functional";
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

/** log(softmax(x)) along `dim`; pair it with NLLLoss (together: CrossEntropyLoss). */
export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return logSoftmax(input, this.dim);
  }
  override extraRepr(): string {
    return reprArgs([], [["dim", this.dim, undefined]]);
  }
}

/** x clamped to [minVal, maxVal]. */
export class Hardtanh extends Module {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return ew.hardtanh(input, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["minVal", this.minVal, -1],
        ["maxVal", this.maxVal, 1],
      ],
    );
  }
}
