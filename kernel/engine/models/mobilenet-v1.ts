// MobileNetV1 (Howard et al. 2017, Table 1): a full 3x3 stride-2 conv, then 13 depthwise-separable
// blocks (3x3 depthwise conv + BN + ReLU, 1x1 pointwise conv + BN + ReLU), global average pooling
// and a linear layer. 4,231,976 parameters for 1000 classes. torchvision has no MobileNetV1; names
// follow its MobileNetV2 (features, avgpool, classifier), the classifier's dropout (p = 0.001) and
// the width multiplier's rounding to multiples of 8 follow Keras' and torchvision's MobileNets,
// and weights start as torchvision initialises its MobileNets.

import { check } from "../errors";
import { Sequential } from "../nn/containers";
import { Dropout } from "../nn/dropout";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { Conv2dNormActivation, makeDivisible } from "./conv-norm-act";
import { initWeights } from "./init";
import { positiveInt } from "./options";

/** A 3x3 depthwise conv (with the stride) then a 1x1 pointwise conv, each with BN and ReLU. */
export class DepthwiseSeparable extends Module {
  conv: Sequential;
  constructor(inp: number, oup: number, stride: number) {
    super();
    this.conv = new Sequential(
      new Conv2dNormActivation(inp, inp, { stride, groups: inp, activation: "relu" }),
      new Conv2dNormActivation(inp, oup, { kernelSize: 1, activation: "relu" }),
    );
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/** [output channels, stride] of the 13 depthwise-separable blocks. */
const blocks: readonly [number, number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

export interface MobileNetV1Options {
  numClasses?: number;
  inChannels?: number;
  /** The paper's width multiplier alpha (channels rounded to multiples of 8). */
  widthMult?: number;
  dropout?: number;
}

export class MobileNetV1 extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor({
    numClasses = 1000,
    inChannels = 3,
    widthMult = 1,
    dropout = 0.001,
  }: MobileNetV1Options = {}) {
    super();
    positiveInt("mobilenetV1", "numClasses", numClasses);
    positiveInt("mobilenetV1", "inChannels", inChannels);
    check(widthMult > 0, "mobilenetV1", () => `widthMult must be positive, got ${widthMult}`);
    let c = makeDivisible(32 * widthMult);
    const layers: Module[] = [new Conv2dNormActivation(inChannels, c, { stride: 2, activation: "relu" })];
    for (const [out, stride] of blocks) {
      const o = makeDivisible(out * widthMult);
      layers.push(new DepthwiseSeparable(c, o, stride));
      c = o;
    }
    this.features = new Sequential(...layers);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.classifier = new Sequential(new Dropout(dropout), new Linear(c, numClasses));
    initWeights(this, { linearStd: 0.01 });
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

/** MobileNetV1 (3x224x224 input; any size >= 32 works). */
export function mobilenetV1(options: MobileNetV1Options = {}): MobileNetV1 {
  return new MobileNetV1(options);
}
