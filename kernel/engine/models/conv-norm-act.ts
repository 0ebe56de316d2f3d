// Conv2dNormActivation (torchvision.ops.misc): the conv -> batch norm -> activation block that
// MobileNets and EfficientNet are made of, and `makeDivisible`, the channel rounding their width multipliers use.

import { ReLU, ReLU6, SiLU } from "../nn/activation";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { hasHooks } from "../nn/module";
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
    const [conv, norm, act] = [this.get(0), this.get(1), this.get(2)];
    if (norm.constructor !== BatchNorm2d || act.constructor !== ReLU6 || hasHooks(norm) || hasHooks(act))
      return super.forward(input);
    return (norm as BatchNorm2d).forwardClamped(conv.forward(input), 0, 6);
  }
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
