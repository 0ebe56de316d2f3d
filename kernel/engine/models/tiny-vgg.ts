// TinyVGG, the network CNN Explainer (Wang et al. 2020, https://poloclub.github.io/cnn-explainer/)
// visualises: two blocks of conv3x3-relu-conv3x3-relu-maxpool with 10 channels and no padding on
// 3x64x64 images (64 -> 62 -> 60 -> 30 -> 28 -> 26 -> 13), then flatten and one linear layer.
// 19,920 parameters for 10 classes.

import { ReLU } from "../nn/activation";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { MaxPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { inputAtLeast, positiveInt } from "./options";

export interface TinyVGGOptions {
  numClasses?: number;
  inChannels?: number;
  /** Height = width of the (square) input. */
  inputSize?: number;
  /** Channels of every conv layer (CNN Explainer: 10). */
  hiddenUnits?: number;
}

export class TinyVGG extends Module {
  features: Sequential;
  classifier: Linear;
  constructor({ numClasses = 10, inChannels = 3, inputSize = 64, hiddenUnits = 10 }: TinyVGGOptions = {}) {
    super();
    positiveInt("tinyVGG", "numClasses", numClasses);
    positiveInt("tinyVGG", "inChannels", inChannels);
    positiveInt("tinyVGG", "hiddenUnits", hiddenUnits);
    inputAtLeast("tinyVGG", inputSize, 16);
    const h = hiddenUnits;
    const side = Math.floor((Math.floor((inputSize - 4) / 2) - 4) / 2);
    this.features = new Sequential(
      new Conv2d(inChannels, h, 3),
      new ReLU(),
      new Conv2d(h, h, 3),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(h, h, 3),
      new ReLU(),
      new Conv2d(h, h, 3),
      new ReLU(),
      new MaxPool2d(2),
    );
    this.classifier = new Linear(h * side * side, numClasses);
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}

/** CNN Explainer's TinyVGG for 3x64x64 images. Example: models.tinyVGG({ numClasses: 10 }). */
export function tinyVGG(options: TinyVGGOptions = {}): TinyVGG {
  return new TinyVGG(options);
}
