// MobileNetV2 (Sandler et al. 2018) as torchvision builds it: a 3x3 stride-2 stem, 17 inverted
// residual blocks (1x1 expand -> 3x3 depthwise -> 1x1 linear projection, with a skip connection
// when the shape is kept), a 1x1 conv to 1280 channels, global average pooling, dropout and a
// linear layer. 3,504,872 parameters for 1000 classes.

import { check } from "../errors";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Dropout } from "../nn/dropout";
import { adaptiveAvgPool2d } from "../nn/functional";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import type { Tensor } from "../tensor/tensor";
import { Conv2dNormActivation, makeDivisible } from "./conv-norm-act";
import { initWeights } from "./init";
import { positiveInt } from "./options";

/** Expand (1x1, unless expandRatio is 1), depthwise 3x3 (with the stride), project (1x1, no activation). */
export class InvertedResidual extends Module {
  conv: Sequential;
  readonly useResConnect: boolean;
  constructor(inp: number, oup: number, stride: number, expandRatio: number) {
    super();
    check(stride === 1 || stride === 2, "InvertedResidual", () => `stride should be 1 or 2, got ${stride}`);
    const hidden = Math.round(inp * expandRatio);
    this.useResConnect = stride === 1 && inp === oup;
    const layers: Module[] = [];
    if (expandRatio !== 1) layers.push(new Conv2dNormActivation(inp, hidden, { kernelSize: 1 }));
    layers.push(
      new Conv2dNormActivation(hidden, hidden, { stride, groups: hidden }),
      new Conv2d(hidden, oup, 1, { bias: false }),
      new BatchNorm2d(oup),
    );
    this.conv = new Sequential(...layers);
  }
  forward(x: Tensor): Tensor {
    const out = this.conv.forward(x);
    return this.useResConnect ? x.add(out) : out;
  }
}

/** Rows [t (expansion), c (channels), n (repeats), s (first stride)] of the paper's Table 2. */
const settings: readonly [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

export interface MobileNetV2Options {
  numClasses?: number;
  inChannels?: number;
  /** Scales every layer's channels (rounded to multiples of 8). */
  widthMult?: number;
  dropout?: number;
}

export class MobileNetV2 extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor({ numClasses = 1000, inChannels = 3, widthMult = 1, dropout = 0.2 }: MobileNetV2Options = {}) {
    super();
    positiveInt("mobilenetV2", "numClasses", numClasses);
    positiveInt("mobilenetV2", "inChannels", inChannels);
    check(widthMult > 0, "mobilenetV2", () => `widthMult must be positive, got ${widthMult}`);
    let input = makeDivisible(32 * widthMult);
    const last = makeDivisible(1280 * Math.max(1, widthMult));
    const layers: Module[] = [new Conv2dNormActivation(inChannels, input, { stride: 2 })];
    for (const [t, c, n, s] of settings) {
      const output = makeDivisible(c * widthMult);
      for (let i = 0; i < n; i++) {
        layers.push(new InvertedResidual(input, output, i === 0 ? s : 1, t));
        input = output;
      }
    }
    layers.push(new Conv2dNormActivation(input, last, { kernelSize: 1 }));
    this.features = new Sequential(...layers);
    this.classifier = new Sequential(new Dropout(dropout), new Linear(last, numClasses));
    initWeights(this, { linearStd: 0.01 });
  }
  forward(x: Tensor): Tensor {
    // NOTE: torchvision pools with the functional op here, so there is no avgpool module.
    return this.classifier.forward(adaptiveAvgPool2d(this.features.forward(x), [1, 1]).flatten(1));
  }
}

/** torchvision's mobilenet_v2 (3x224x224 input; any size >= 32 works). */
export function mobilenetV2(options: MobileNetV2Options = {}): MobileNetV2 {
  return new MobileNetV2(options);
}
