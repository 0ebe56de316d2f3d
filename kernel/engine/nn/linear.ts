// Linear, Identity and Flatten: the fully connected layer and the two shape-only modules
// around it.

import { check, fmtShape } from "../errors";
import { linear } from "../ops/matmul";
import type { Tensor } from "../tensor/tensor";
import { empty } from "./empty";
import { Module, reprArgs } from "./module";
import { Parameter } from "./parameter";
import { resetWeightAndBias } from "./reset";

/**
 * y = x W^T + b. Args: inFeatures, outFeatures, { bias = true }.
 * Shape: input (*, inFeatures) -> output (*, outFeatures). Weight (outFeatures, inFeatures).
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  weight: Parameter;
  bias: Parameter | null;
  constructor(inFeatures: number, outFeatures: number, { bias = true }: { bias?: boolean } = {}) {
    super();
    for (const [name, v] of [
      ["inFeatures", inFeatures],
      ["outFeatures", outFeatures],
    ] as const)
      check(
        Number.isInteger(v) && v >= 0,
        "Linear",
        () => `${name} must be a non-negative integer, got ${v}`,
      );
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter(empty([outFeatures, inFeatures], "Linear"));
    this.bias = bias ? new Parameter(empty([outFeatures])) : null;
    this.resetParameters();
  }
  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }
  forward(input: Tensor): Tensor {
    check(
      input.ndim >= 1 && input.shape[input.ndim - 1] === this.inFeatures,
      "Linear",
      () =>
        `expects input with last dim ${this.inFeatures} (inFeatures), got shape ${fmtShape(input.shape)}` +
        (input.ndim > 2 ? "; flatten it first (nn.Flatten())" : ""),
    );
    return linear(input, this.weight, this.bias);
  }
  override extraRepr(): string {
    return reprArgs([this.inFeatures, this.outFeatures], [["bias", this.bias !== null, true]]);
  }
}

/** Returns its input unchanged (a placeholder, e.g. when removing a model's head). */
export class Identity extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }
}

/** Flattens dims startDim..endDim (default 1..-1): (N, C, H, W) -> (N, C*H*W). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["startDim", this.startDim, 1],
        ["endDim", this.endDim, -1],
      ],
    );
  }
}

/** Splits dim `dim` into `unflattenedSize`: (N, 400) -> (N, 16, 5, 5) with Unflatten(1, [16, 5, 5]). */
export class Unflatten extends Module {
  constructor(
    readonly dim: number,
    readonly unflattenedSize: readonly number[],
  ) {
    super();
  }
  forward(input: Tensor): Tensor {
    const d = this.dim < 0 ? this.dim + input.ndim : this.dim;
    check(
      d >= 0 && d < input.ndim,
      "Unflatten",
      () => `dim ${this.dim} is out of range for input of shape ${fmtShape(input.shape)}`,
    );
    const shape = [...input.shape.slice(0, d), ...this.unflattenedSize, ...input.shape.slice(d + 1)];
    return input.reshape(shape);
  }
  override extraRepr(): string {
    return `${this.dim}, [${this.unflattenedSize.join(", ")}]`;
  }
}
