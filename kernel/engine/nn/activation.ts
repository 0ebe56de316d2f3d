// Activation modules: thin wrappers over the elementwise ops (math lives in ops/), so they can
// sit in a Sequential and show up in summaries.

import { check } from "../errors";
import * as ew from "../ops/elementwise";
import { full } from "../tensor/create";
import type { Tensor } from "../tensor/tensor";
import { logSoftmax, softmax } from "./functional";
import { Module, reprArgs } from "./module";
import { Parameter } from "./parameter";

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

// ---- activations for MobileNetV3, EfficientNet and transformers (issue 17) ----------------------

/** x * sigmoid(x), also called swish (EfficientNet). */
export class SiLU extends Module {
  forward(input: Tensor): Tensor {
    return ew.silu(input);
  }
}

/** x * relu6(x + 3) / 6 (MobileNetV3). */
export class Hardswish extends Module {
  forward(input: Tensor): Tensor {
    return ew.hardswish(input);
  }
}

/** relu6(x + 3) / 6 (MobileNetV3's squeeze-and-excitation gate). */
export class Hardsigmoid extends Module {
  forward(input: Tensor): Tensor {
    return ew.hardsigmoid(input);
  }
}

/** x * Phi(x); `{approximate: 'tanh'}` for the tanh approximation. */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";
  constructor({ approximate = "none" }: ew.GeluOptions = {}) {
    super();
    check(
      approximate === "none" || approximate === "tanh",
      "GELU",
      () => `approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`,
    );
    this.approximate = approximate;
  }
  forward(input: Tensor): Tensor {
    return ew.gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return reprArgs([], [["approximate", this.approximate, "none"]]);
  }
}

/** x * tanh(softplus(x)). */
export class Mish extends Module {
  forward(input: Tensor): Tensor {
    return ew.mish(input);
  }
}

/** scale * elu(x, alpha) with SELU's fixed constants. */
export class SELU extends Module {
  forward(input: Tensor): Tensor {
    return ew.selu(input);
  }
}

/** x for x > 0, alpha * (exp(x / alpha) - 1) otherwise. */
export class CELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    check(alpha !== 0, "CELU", "alpha must not be 0 (celu divides by it); use alpha = 1 for the default");
  }
  forward(input: Tensor): Tensor {
    return ew.celu(input, this.alpha);
  }
  override extraRepr(): string {
    return reprArgs([], [["alpha", this.alpha, 1]]);
  }
}

/** log(1 + exp(beta x)) / beta; x itself where beta * x > threshold. */
export class Softplus extends Module {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return ew.softplus(input, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["beta", this.beta, 1],
        ["threshold", this.threshold, 20],
      ],
    );
  }
}

/**
 * Leaky relu with a learned negative slope: one shared (numParameters 1) or one per channel
 * (numParameters = the input's channels, dim 1), each starting at `init`.
 */
export class PReLU extends Module {
  readonly numParameters: number;
  weight: Parameter;
  constructor(numParameters = 1, init = 0.25) {
    super();
    check(
      Number.isInteger(numParameters) && numParameters >= 1,
      "PReLU",
      () => `numParameters must be 1 or the number of channels (a positive integer), got ${numParameters}`,
    );
    this.numParameters = numParameters;
    this.weight = new Parameter(full([numParameters], init));
  }
  forward(input: Tensor): Tensor {
    return ew.prelu(input, this.weight);
  }
  override extraRepr(): string {
    return reprArgs([], [["numParameters", this.numParameters, 1]]);
  }
}
