// LeNet-5 as taught today (LeCun et al. 1998 with ReLU and max-pooling): for 1x28x28 digits,
// conv5x5(6, padding 2)-relu-maxpool-conv5x5(16)-relu-maxpool, then 120-84-numClasses fully
// connected layers. 61,706 parameters for 10 classes.

import { ReLU } from "../nn/activation";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { MaxPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { inputAtLeast, positiveInt } from "./options";

export interface LeNet5Options {
  numClasses?: number;
  inChannels?: number;
  /** Height = width of the (square) input; the first fully connected layer is sized from it. */
  inputSize?: number;
}

export class LeNet5 extends Module {
  features: Sequential;
  classifier: Sequential;
  constructor({ numClasses = 10, inChannels = 1, inputSize = 28 }: LeNet5Options = {}) {
    super();
    positiveInt("lenet5", "numClasses", numClasses);
    positiveInt("lenet5", "inChannels", inChannels);
    inputAtLeast("lenet5", inputSize, 12);
    // 28 -> conv(pad 2) 28 -> pool 14 -> conv 10 -> pool 5
    const side = Math.floor((Math.floor(inputSize / 2) - 4) / 2);
    this.features = new Sequential(
      new Conv2d(inChannels, 6, 5, { padding: 2 }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(6, 16, 5),
      new ReLU(),
      new MaxPool2d(2),
    );
    this.classifier = new Sequential(
      new Linear(16 * side * side, 120),
      new ReLU(),
      new Linear(120, 84),
      new ReLU(),
      new Linear(84, numClasses),
    );
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x).flatten(1));
  }
}

/** LeNet-5 for 1x28x28 inputs (MNIST, Fashion-MNIST). Example: models.lenet5({ numClasses: 10 }). */
export function lenet5(options: LeNet5Options = {}): LeNet5 {
  return new LeNet5(options);
}
