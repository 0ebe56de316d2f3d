// Conv2dNormActivation (torchvision.ops.misc): the conv -> batch norm -> activation block that
// MobileNets and EfficientNet are made of, and `makeDivisible`, the channel rounding their width multipliers use.

import { ReLU, ReLU6, SiLU } from "../nn/activation";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { hasHooks, type Module } from "../nn/module";
import type { Tensor } from "../tensor/tensor";

export interface ConvNormActivationOptions {
  kernelSize?: number;
  stride?: number;
  groups?: number;
  /** "relu6" (MobileNetV2), "relu" (MobileNetV1), "silu" (EfficientNet) or null (none: a linear projection). */
  activation?: "relu" | "relu6" | "silu" | null;
}

/**
 * Sequential(Conv2d(bias: false, "same"-style padding (k - 1) / 2), BatchNorm2d, the activation if
 * any). Its forward runs BatchNorm2d + ReLU6 as one op (BatchNorm2d.forwardClamped: the same values
 * and gradients, and one pass over memory fewer each way) while
 * its children are still those (not replaced) and no hook watches them; else child by child.
 */
export class Conv2dNormActivation extends Sequential {
  constructor(
    inChannels: number,
    outChannels: number,
    { kernelSize = 3, stride = 1, groups = 1, activation = "relu6" }: ConvNormActivationOptions = {},
  ) {
    const act = { relu: ReLU, relu6: ReLU6, silu: SiLU };
    super(
      new Conv2d(inChannels, outChannels, kernelSize, {
        stride,
        padding: (kernelSize - 1) >> 1,
        groups,
        bias: false,
      }),
      new BatchNorm2d(outChannels),
      ...(activation === null ? [] : [new act[activation]()]),
    );
  }

  override forward(input: Tensor): Tensor {
    if (this.length !== 3) return super.forward(input);
    return normActivation(this.get(1), this.get(2), this.get(0).forward(input));
  }
}

/** The activations a batch norm runs fused, as the bounds of the clamp they are. */
const CLAMPS = new Map<unknown, [number, number]>([
  [ReLU, [0, Number.POSITIVE_INFINITY]],
  [ReLU6, [0, 6]],
]);

/**
 * act.forward(norm.forward(input)), or act.forward(norm.forward(input).add(residual)) with a
 * residual (a ResNet block's end), as one op (BatchNorm2d.forwardClamped: the same values and
 * gradients, fewer passes over memory) when `norm` is a BatchNorm2d, `act` a ReLU or ReLU6, and no
 * hook watches either (hooks see every output child by child; so does a replaced child). For
 * Conv2dNormActivation and ResNet's blocks.
 * NOTE: fused, a ReLU passes no gradient where the batch norm's output is +Infinity (the clamp's
 * mask is min < out < max); child by child it would. Finite inputs and weights never get there.
 */
export function normActivation(
  norm: Module,
  act: Module,
  input: Tensor,
  residual: Tensor | null = null,
): Tensor {
  const bounds =
    norm.constructor === BatchNorm2d && !hasHooks(norm) && !hasHooks(act)
      ? CLAMPS.get(act.constructor)
      : undefined;
  if (bounds === undefined) {
    const y = norm.forward(input);
    return act.forward(residual === null ? y : y.add(residual));
  }
  return (norm as BatchNorm2d).forwardClamped(input, bounds[0], bounds[1], residual);
}

/**
 * Rounds `v` to a multiple of `divisor` (at least `divisor`), never going more than 10% below `v`:
 * torchvision's `_make_divisible`, used to scale channel counts by a width multiplier.
 */
export function makeDivisible(v: number, divisor = 8): number {
  let out = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}
