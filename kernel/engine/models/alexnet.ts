// AlexNet as torchvision builds it (the single-GPU variant of "One weird trick", Krizhevsky 2014):
// five convs with max-pools, adaptive average pooling to 6x6, and three linear layers with dropout.
// 61,100,840 parameters for 1000 classes.

import { ReLU } from "../nn/activation";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Dropout } from "../nn/dropout";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { positiveInt } from "./options";

export interface AlexNetOptions {
  numClasses?: number;
  inChannels?: number;
  /** Dropout probability in the classifier. */
  dropout?: number;
}

export class AlexNet extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor({ numClasses = 1000, inChannels = 3, dropout = 0.5 }: AlexNetOptions = {}) {
    super();
    positiveInt("alexnet", "numClasses", numClasses);
    positiveInt("alexnet", "inChannels", inChannels);
    this.features = new Sequential(
      new Conv2d(inChannels, 64, 11, { stride: 4, padding: 2 }),
      new ReLU(),
      new MaxPool2d(3, { stride: 2 }),
      new Conv2d(64, 192, 5, { padding: 2 }),
      new ReLU(),
      new MaxPool2d(3, { stride: 2 }),
      new Conv2d(192, 384, 3, { padding: 1 }),
      new ReLU(),
      new Conv2d(384, 256, 3, { padding: 1 }),
      new ReLU(),
      new Conv2d(256, 256, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(3, { stride: 2 }),
    );
    this.avgpool = new AdaptiveAvgPool2d([6, 6]);
    this.classifier = new Sequential(
      new Dropout(dropout),
      new Linear(256 * 6 * 6, 4096),
      new ReLU(),
      new Dropout(dropout),
      new Linear(4096, 4096),
      new ReLU(),
      new Linear(4096, numClasses),
    );
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

/** torchvision's alexnet (3x224x224 input; any size >= 63 works thanks to the adaptive pool). */
export function alexnet(options: AlexNetOptions = {}): AlexNet {
  return new AlexNet(options);
}
