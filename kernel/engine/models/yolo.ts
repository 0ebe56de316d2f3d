// A small YOLO-style single-shot detector (after Redmon et al. 2016, YOLO v1) for the course: a
// backbone of four conv3x3 -> batch norm -> leaky ReLU (0.1) -> 2x2 max-pool blocks (width, 2w, 4w,
// 8w channels) and a fifth conv to 16w, average-pooled to the S x S grid, and a 1x1 conv head that
// predicts, for every grid cell, B boxes (x, y, w, h, confidence) and C class scores.
//
// Output (N, S, S, B*5 + C), YOLO v1's layout: per cell [x, y, w, h, conf] for each of the B
// boxes, then the C class scores; x, y are the box centre within its cell (0..1), w, h the box size
// relative to the image. `yoloLoss` (yolo-loss.ts) trains it. NOTE: YOLO v1 ends in two linear
// layers; this head is a 1x1 conv (cheaper, any input size) and, as in YOLO v1, has no final
// activation.

import { LeakyReLU } from "../nn/activation";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { initWeights } from "./init";
import { positiveInt } from "./options";

export interface YoloTinyOptions {
  /** S: the output grid is S x S cells (7 in YOLO v1). */
  gridSize?: number;
  /** B: boxes predicted per cell (2 in YOLO v1). */
  numBoxes?: number;
  /** C: classes (20 in YOLO v1, for PASCAL VOC). */
  numClasses?: number;
  inChannels?: number;
  /** Channels of the first conv (the backbone has width, 2, 4, 8 and 16 times width). Default 16. */
  width?: number;
}

const convBlock = (cin: number, cout: number) =>
  new Sequential(
    new Conv2d(cin, cout, 3, { padding: 1, bias: false }),
    new BatchNorm2d(cout),
    new LeakyReLU(0.1),
  );

export class YoloTiny extends Module {
  readonly gridSize: number;
  readonly numBoxes: number;
  readonly numClasses: number;
  backbone: Sequential;
  pool: AdaptiveAvgPool2d;
  head: Conv2d;
  constructor({
    gridSize = 7,
    numBoxes = 2,
    numClasses = 20,
    inChannels = 3,
    width = 16,
  }: YoloTinyOptions = {}) {
    super();
    positiveInt("yoloTiny", "gridSize", gridSize);
    positiveInt("yoloTiny", "numBoxes", numBoxes);
    positiveInt("yoloTiny", "numClasses", numClasses);
    positiveInt("yoloTiny", "inChannels", inChannels);
    positiveInt("yoloTiny", "width", width);
    this.gridSize = gridSize;
    this.numBoxes = numBoxes;
    this.numClasses = numClasses;
    const layers: Module[] = [];
    let cin = inChannels;
    for (let i = 0; i < 4; i++) {
      layers.push(convBlock(cin, width * 2 ** i), new MaxPool2d(2));
      cin = width * 2 ** i;
    }
    layers.push(convBlock(cin, width * 16));
    this.backbone = new Sequential(...layers);
    this.pool = new AdaptiveAvgPool2d([gridSize, gridSize]);
    this.head = new Conv2d(width * 16, numBoxes * 5 + numClasses, 1);
    initWeights(this);
  }
  /** (N, inChannels, H, W) -> (N, S, S, B*5 + C); 16*S x 16*S inputs (112 for S = 7) fit the grid exactly. */
  forward(x: Tensor): Tensor {
    return this.head.forward(this.pool.forward(this.backbone.forward(x))).permute(0, 2, 3, 1);
  }
}

/** A YOLO v1-style detector small enough to train in a notebook. */
export function yoloTiny(options: YoloTinyOptions = {}): YoloTiny {
  return new YoloTiny(options);
}
