// Squeeze-and-excitation (Hu et al. 2018) and stochastic depth (Huang et al. 2016), the two
// pieces EfficientNet adds to MobileNetV2's inverted residual, as torchvision.ops builds them.
//
// SqueezeExcitation: global average pool ("squeeze"), a bottleneck of two 1x1 convs ("excite"),
// a sigmoid, and the input scaled channel by channel by the result.
// StochasticDepth: in training, drops a residual branch for a whole sample ("row") or the whole
// batch ("batch") with probability p and scales the survivors by 1 / (1 - p); the identity in eval.
// NOTE: these live with the models until the engine has nn.SqueezeExcitation / ops.stochasticDepth.

import { check } from "../errors";
import { ReLU, Sigmoid, SiLU } from "../nn/activation";
import { Conv2d } from "../nn/conv";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d } from "../nn/pooling";
import { defaultGenerator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";

/** x * sigmoid(fc2(act(fc1(avgpool(x))))) with fc1: C -> squeezeChannels, fc2: back to C (1x1 convs). */
export class SqueezeExcitation extends Module {
  avgpool: AdaptiveAvgPool2d;
  fc1: Conv2d;
  fc2: Conv2d;
  activation: Module;
  scaleActivation: Sigmoid;
  constructor(
    inputChannels: number,
    squeezeChannels: number,
    { activation = "relu" }: { activation?: "relu" | "silu" } = {},
  ) {
    super();
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc1 = new Conv2d(inputChannels, squeezeChannels, 1);
    this.fc2 = new Conv2d(squeezeChannels, inputChannels, 1);
    this.activation = activation === "silu" ? new SiLU() : new ReLU();
    this.scaleActivation = new Sigmoid();
  }
  forward(x: Tensor): Tensor {
    const s = this.fc2.forward(this.activation.forward(this.fc1.forward(this.avgpool.forward(x)))); // (N, C, 1, 1)
    return this.scaleActivation.forward(s).mul(x);
  }
}

/** torchvision.ops.stochastic_depth: zeroes whole samples ("row") or the whole input ("batch") with probability p. */
export function stochasticDepth(input: Tensor, p: number, mode: "row" | "batch", training = true): Tensor {
  check(
    p >= 0 && p <= 1,
    "stochasticDepth",
    () => `drop probability has to be between 0 and 1, but got ${p}`,
  );
  check(
    mode === "row" || mode === "batch",
    "stochasticDepth",
    () => `mode has to be "row" or "batch", but got "${mode}"`,
  );
  if (!training || p === 0) return input;
  const survival = 1 - p;
  const shape =
    mode === "row" ? [input.shape[0], ...input.shape.slice(1).map(() => 1)] : input.shape.map(() => 1);
  const noise = new Float32Array(shape[0]);
  for (let i = 0; i < noise.length; i++)
    noise[i] = defaultGenerator.uniform() < survival ? (survival > 0 ? 1 / survival : 0) : 0;
  return input.mul(new Tensor(noise, shape));
}

/** The module form of `stochasticDepth`, active in training mode only. */
export class StochasticDepth extends Module {
  constructor(
    readonly p: number,
    readonly mode: "row" | "batch" = "row",
  ) {
    super();
    check(
      p >= 0 && p <= 1,
      "StochasticDepth",
      () => `drop probability has to be between 0 and 1, but got ${p}`,
    );
  }
  forward(x: Tensor): Tensor {
    return stochasticDepth(x, this.p, this.mode, this.training);
  }
  override extraRepr(): string {
    return `p=${this.p}, mode=${this.mode}`;
  }
}
