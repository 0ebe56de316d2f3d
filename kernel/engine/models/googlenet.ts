// GoogLeNet (Inception v1, Szegedy et al. 2014) as torchvision builds it: a conv stem, nine
// Inception modules (four parallel branches, 1x1 / 1x1->3x3 / 1x1->3x3 / maxpool->1x1, concatenated
// along channels), global average pooling, dropout and a linear layer; while training, two
// auxiliary classifiers (after inception4a and inception4d) add extra gradient signal to the middle
// of the network. 6,624,904 parameters without the auxiliary heads, 13,004,888 with them.
//
// NOTE: torchvision's "5x5" branch uses a 3x3 conv (a known bug kept for its pretrained weights,
// https://github.com/pytorch/vision/issues/906); we keep it so parameter counts and state-dict keys
// match torchvision's.

import { check } from "../errors";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Dropout } from "../nn/dropout";
import { adaptiveAvgPool2d, relu } from "../nn/functional";
import { constant_, truncNormal_ } from "../nn/init";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pooling";
import { cat } from "../ops/shape";
import type { Tensor } from "../tensor/tensor";
import { positiveInt } from "./options";

/** Conv2d (no bias) -> BatchNorm2d (eps 0.001) -> ReLU. */
export class BasicConv2d extends Module {
  conv: Conv2d;
  bn: BatchNorm2d;
  constructor(inChannels: number, outChannels: number, kernelSize: number, { stride = 1, padding = 0 } = {}) {
    super();
    this.conv = new Conv2d(inChannels, outChannels, kernelSize, { stride, padding, bias: false });
    this.bn = new BatchNorm2d(outChannels, { eps: 0.001 });
  }
  forward(x: Tensor): Tensor {
    return relu(this.bn.forward(this.conv.forward(x)));
  }
}

/** Four parallel branches concatenated along channels: ch1x1 + ch3x3 + ch5x5 + poolProj output channels. */
export class Inception extends Module {
  branch1: BasicConv2d;
  branch2: Sequential;
  branch3: Sequential;
  branch4: Sequential;
  constructor(
    inChannels: number,
    ch1x1: number,
    ch3x3red: number,
    ch3x3: number,
    ch5x5red: number,
    ch5x5: number,
    poolProj: number,
  ) {
    super();
    this.branch1 = new BasicConv2d(inChannels, ch1x1, 1);
    this.branch2 = new Sequential(
      new BasicConv2d(inChannels, ch3x3red, 1),
      new BasicConv2d(ch3x3red, ch3x3, 3, { padding: 1 }),
    );
    this.branch3 = new Sequential(
      new BasicConv2d(inChannels, ch5x5red, 1),
      new BasicConv2d(ch5x5red, ch5x5, 3, { padding: 1 }), // torchvision's 3x3 (see the NOTE above)
    );
    this.branch4 = new Sequential(
      new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }),
      new BasicConv2d(inChannels, poolProj, 1),
    );
  }
  forward(x: Tensor): Tensor {
    const branches = [this.branch1, this.branch2, this.branch3, this.branch4];
    return cat(
      branches.map((b) => b.forward(x)),
      1,
    );
  }
}

/** The auxiliary classifier: 4x4 average pool, 1x1 conv to 128, fc 2048 -> 1024, ReLU, dropout, fc. */
export class InceptionAux extends Module {
  conv: BasicConv2d;
  fc1: Linear;
  fc2: Linear;
  dropout: Dropout;
  constructor(inChannels: number, numClasses: number, dropout = 0.7) {
    super();
    this.conv = new BasicConv2d(inChannels, 128, 1);
    this.fc1 = new Linear(2048, 1024);
    this.fc2 = new Linear(1024, numClasses);
    this.dropout = new Dropout(dropout);
  }
  forward(x: Tensor): Tensor {
    const h = this.conv.forward(adaptiveAvgPool2d(x, [4, 4])).flatten(1); // (N, 2048)
    return this.fc2.forward(this.dropout.forward(relu(this.fc1.forward(h))));
  }
}

/**
 * What GoogLeNet's forward returns in training mode with auxLogits (torchvision's GoogLeNetOutputs).
 * NOTE: auxLogits1 is the aux1 head's output (after inception4a), auxLogits2 the aux2 head's (after
 * inception4d); torchvision 0.14 swaps these two names (its aux_logits2 holds the aux1 head's).
 */
export interface GoogLeNetOutputs {
  logits: Tensor;
  auxLogits2: Tensor;
  auxLogits1: Tensor;
}

export interface GoogLeNetOptions {
  numClasses?: number;
  /** Build the two auxiliary classifiers; their outputs come back in training mode. Default true. */
  auxLogits?: boolean;
  /** Re-normalise ImageNet-normalised input to the [-1, 1] range the original weights expect. */
  transformInput?: boolean;
  /** torchvision's init: truncated N(0, 0.01) for convs and linears. Default true. */
  initWeights?: boolean;
  dropout?: number;
  dropoutAux?: number;
}

export class GoogLeNet extends Module {
  readonly auxLogits: boolean;
  readonly transformInput: boolean;
  conv1: BasicConv2d;
  maxpool1: MaxPool2d;
  conv2: BasicConv2d;
  conv3: BasicConv2d;
  maxpool2: MaxPool2d;
  inception3a: Inception;
  inception3b: Inception;
  maxpool3: MaxPool2d;
  inception4a: Inception;
  inception4b: Inception;
  inception4c: Inception;
  inception4d: Inception;
  inception4e: Inception;
  maxpool4: MaxPool2d;
  inception5a: Inception;
  inception5b: Inception;
  aux1: InceptionAux | null;
  aux2: InceptionAux | null;
  avgpool: AdaptiveAvgPool2d;
  dropout: Dropout;
  fc: Linear;

  constructor({
    numClasses = 1000,
    auxLogits = true,
    transformInput = false,
    initWeights = true,
    dropout = 0.2,
    dropoutAux = 0.7,
  }: GoogLeNetOptions = {}) {
    super();
    positiveInt("googlenet", "numClasses", numClasses);
    this.auxLogits = auxLogits;
    this.transformInput = transformInput;
    const pool = (k: number) => new MaxPool2d(k, { stride: 2, ceilMode: true });
    this.conv1 = new BasicConv2d(3, 64, 7, { stride: 2, padding: 3 });
    this.maxpool1 = pool(3);
    this.conv2 = new BasicConv2d(64, 64, 1);
    this.conv3 = new BasicConv2d(64, 192, 3, { padding: 1 });
    this.maxpool2 = pool(3);
    this.inception3a = new Inception(192, 64, 96, 128, 16, 32, 32);
    this.inception3b = new Inception(256, 128, 128, 192, 32, 96, 64);
    this.maxpool3 = pool(3);
    this.inception4a = new Inception(480, 192, 96, 208, 16, 48, 64);
    this.inception4b = new Inception(512, 160, 112, 224, 24, 64, 64);
    this.inception4c = new Inception(512, 128, 128, 256, 24, 64, 64);
    this.inception4d = new Inception(512, 112, 144, 288, 32, 64, 64);
    this.inception4e = new Inception(528, 256, 160, 320, 32, 128, 128);
    this.maxpool4 = pool(2);
    this.inception5a = new Inception(832, 256, 160, 320, 32, 128, 128);
    this.inception5b = new Inception(832, 384, 192, 384, 48, 128, 128);
    this.aux1 = auxLogits ? new InceptionAux(512, numClasses, dropoutAux) : null;
    this.aux2 = auxLogits ? new InceptionAux(528, numClasses, dropoutAux) : null;
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.dropout = new Dropout(dropout);
    this.fc = new Linear(1024, numClasses);
    if (initWeights)
      for (const m of this.modules()) {
        if (m instanceof Conv2d || m instanceof Linear) truncNormal_(m.weight, 0, 0.01, -2, 2);
        else if (m instanceof BatchNorm2d) {
          if (m.weight !== null) constant_(m.weight, 1);
          if (m.bias !== null) constant_(m.bias, 0);
        }
      }
  }

  private normaliseInput(x: Tensor): Tensor {
    if (!this.transformInput) return x;
    check(
      x.ndim === 4 && x.shape[1] === 3,
      "googlenet",
      () => `transformInput expects (N, 3, H, W), got shape [${x.shape}]`,
    );
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    return cat(
      mean.map((m, c) =>
        x
          .narrow(1, c, 1)
          .mul(std[c] / 0.5)
          .add((m - 0.5) / 0.5),
      ),
      1,
    );
  }

  /** Logits (N, numClasses); in training mode with auxLogits, `{ logits, auxLogits2, auxLogits1 }`. */
  forward(input: Tensor): Tensor | GoogLeNetOutputs {
    let x = this.normaliseInput(input); // (N, 3, 224, 224)
    x = this.maxpool1.forward(this.conv1.forward(x)); // (N, 64, 56, 56)
    x = this.maxpool2.forward(this.conv3.forward(this.conv2.forward(x))); // (N, 192, 28, 28)
    x = this.maxpool3.forward(this.inception3b.forward(this.inception3a.forward(x))); // (N, 480, 14, 14)
    x = this.inception4a.forward(x); // (N, 512, 14, 14)
    const withAux = this.training && this.auxLogits;
    const aux1 = withAux && this.aux1 !== null ? this.aux1.forward(x) : null;
    x = this.inception4d.forward(this.inception4c.forward(this.inception4b.forward(x))); // (N, 528, 14, 14)
    const aux2 = withAux && this.aux2 !== null ? this.aux2.forward(x) : null;
    x = this.maxpool4.forward(this.inception4e.forward(x)); // (N, 832, 7, 7)
    x = this.inception5b.forward(this.inception5a.forward(x)); // (N, 1024, 7, 7)
    const logits = this.fc.forward(this.dropout.forward(this.avgpool.forward(x).flatten(1)));
    if (aux1 !== null && aux2 !== null) return { logits, auxLogits2: aux2, auxLogits1: aux1 };
    return logits;
  }
}

/** torchvision's googlenet (3x224x224 input; any size >= 15 works). */
export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return new GoogLeNet(options);
}
