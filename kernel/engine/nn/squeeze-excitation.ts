// The squeeze-and-excitation block (Hu et al. 2018, https://arxiv.org/abs/1709.01507, Fig. 1), with
// torchvision.ops.SqueezeExcitation's arguments and parameter names, so its state dicts load:
// squeeze each channel of (N, C, H, W) to its mean (avgpool), excite through two 1x1 convolutions
// (fc1: C -> squeezeChannels, activation, fc2: squeezeChannels -> C, scaleActivation), and rescale
// each channel of the input by the result. MobileNetV3 and EfficientNet use it in every block.

import { check, fmtShape } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { ReLU, Sigmoid } from "./activation";
import { Conv2d } from "./conv";
import { Module } from "./module";
import { AdaptiveAvgPool2d } from "./pooling";

/** A module class called with no arguments, as torchvision's `Callable[..., nn.Module]`. */
export type ModuleClass = new () => Module & { forward(x: Tensor): Tensor };

export interface SqueezeExcitationOptions {
  /** The activation between fc1 and fc2 (torchvision's delta). Default nn.ReLU. */
  activation?: ModuleClass;
  /** The gate on the channel weights (sigma). Default nn.Sigmoid; MobileNetV3 uses nn.Hardsigmoid. */
  scaleActivation?: ModuleClass;
}

/** input (N, C, H, W) * scaleActivation(fc2(activation(fc1(avgpool(input))))), the scale (N, C, 1, 1). */
export class SqueezeExcitation extends Module {
  avgpool: AdaptiveAvgPool2d;
  fc1: Conv2d;
  fc2: Conv2d;
  activation: Module & { forward(x: Tensor): Tensor };
  scaleActivation: Module & { forward(x: Tensor): Tensor };

  constructor(
    readonly inputChannels: number,
    readonly squeezeChannels: number,
    { activation = ReLU, scaleActivation = Sigmoid }: SqueezeExcitationOptions = {},
  ) {
    super();
    for (const [name, v] of [
      ["inputChannels", inputChannels],
      ["squeezeChannels", squeezeChannels],
    ] as const)
      check(
        Number.isInteger(v) && v > 0,
        "SqueezeExcitation",
        () => `${name} must be a positive integer, got ${v}`,
      );
    this.avgpool = new AdaptiveAvgPool2d(1);
    this.fc1 = new Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = new activation();
    this.scaleActivation = new scaleActivation();
  }

  /** The per-channel weights (N, C, 1, 1). */
  scale(input: Tensor): Tensor {
    check(
      input.ndim >= 3 && input.shape[input.ndim - 3] === this.inputChannels,
      "SqueezeExcitation",
      () =>
        `expects input (N, ${this.inputChannels}, H, W), got shape ${fmtShape(input.shape)}; inputChannels must equal the previous layer's output channels`,
    );
    const s = this.fc1.forward(this.avgpool.forward(input));
    return this.scaleActivation.forward(this.fc2.forward(this.activation.forward(s)));
  }

  forward(input: Tensor): Tensor {
    return this.scale(input).mul(input);
  }
}
