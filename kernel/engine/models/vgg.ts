// VGG (Simonyan & Zisserman 2015) as torchvision builds it: 3x3 convs (padding 1) with optional
// batch norm, 2x2 max-pools, adaptive average pooling to 7x7, three linear layers with dropout.
// Configurations A/B/D/E are vgg11/13/16/19; vgg16 has 138,357,544 parameters for 1000 classes.

import { ReLU } from "../nn/activation";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Dropout } from "../nn/dropout";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { initWeights } from "./init";
import { positiveInt } from "./options";

/** Output channels of each conv, "M" for a 2x2 max-pool (torchvision's cfgs). */
export const vggConfigs = {
  vgg11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  vgg13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
  vgg16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
  vgg19: [
    64,
    64,
    "M",
    128,
    128,
    "M",
    256,
    256,
    256,
    256,
    "M",
    512,
    512,
    512,
    512,
    "M",
    512,
    512,
    512,
    512,
    "M",
  ],
} as const satisfies Record<string, readonly (number | "M")[]>;

export interface VGGOptions {
  numClasses?: number;
  inChannels?: number;
  /** Dropout probability in the classifier. */
  dropout?: number;
}

export class VGG extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor(
    config: readonly (number | "M")[],
    batchNorm: boolean,
    { numClasses = 1000, inChannels = 3, dropout = 0.5 }: VGGOptions = {},
  ) {
    super();
    positiveInt("vgg", "numClasses", numClasses);
    positiveInt("vgg", "inChannels", inChannels);
    const layers: Module[] = [];
    let c = inChannels;
    for (const v of config) {
      if (v === "M") layers.push(new MaxPool2d(2, { stride: 2 }));
      else {
        layers.push(new Conv2d(c, v, 3, { padding: 1 }));
        if (batchNorm) layers.push(new BatchNorm2d(v));
        layers.push(new ReLU());
        c = v;
      }
    }
    this.features = new Sequential(...layers);
    this.avgpool = new AdaptiveAvgPool2d([7, 7]);
    this.classifier = new Sequential(
      new Linear(512 * 7 * 7, 4096),
      new ReLU(),
      new Dropout(dropout),
      new Linear(4096, 4096),
      new ReLU(),
      new Dropout(dropout),
      new Linear(4096, numClasses),
    );
    initWeights(this, { linearStd: 0.01 });
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

/** VGG-11 (configuration A). Input 3x224x224 (at least 32x32). */
export const vgg11 = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg11, false, o);
/** VGG-11 with batch norm after every conv. */
export const vgg11Bn = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg11, true, o);
/** VGG-13 (configuration B). */
export const vgg13 = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg13, false, o);
export const vgg13Bn = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg13, true, o);
/** VGG-16 (configuration D): the lecture's 138M-parameter network. */
export const vgg16 = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg16, false, o);
export const vgg16Bn = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg16, true, o);
/** VGG-19 (configuration E). */
export const vgg19 = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg19, false, o);
export const vgg19Bn = (o: VGGOptions = {}) => new VGG(vggConfigs.vgg19, true, o);
