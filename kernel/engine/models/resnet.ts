// ResNet (He et al. 2016) as torchvision builds it: a 7x7 stride-2 stem with max-pool, four stages
// of residual blocks (BasicBlock for resnet18/34, Bottleneck for resnet50; stride 2 at the start
// of stages 2-4 with a 1x1 conv "downsample" shortcut), global average pooling and one linear layer.
// resnet18 has 11,689,512 parameters for 1000 classes.
//
// `cifar: true` swaps the stem for a 3x3 stride-1 conv without max-pool (for 32x32 images) and
// `width` sets the first stage's channels (stages are width, 2w, 4w, 8w): resnet18({ numClasses:
// 10, cifar: true, width: 16 }) has stages 16/32/64/128. NOTE: in Bottleneck the stride sits on the
// 3x3 conv (torchvision's "ResNet v1.5").

import { ReLU } from "../nn/activation";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Identity, Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d, MaxPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { normActivation } from "./conv-norm-act";
import { initWeights } from "./init";
import { positiveInt } from "./options";

const conv3x3 = (cin: number, cout: number, stride = 1) =>
  new Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
const conv1x1 = (cin: number, cout: number, stride = 1) => new Conv2d(cin, cout, 1, { stride, bias: false });

/** Two 3x3 convs with batch norm; output = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  downsample: Module | null;
  constructor(inplanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.relu = new ReLU();
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }
  forward(x: Tensor): Tensor {
    const out = normActivation(this.bn1, this.relu, this.conv1.forward(x)); // bn1 + relu as one op
    const y = this.conv2.forward(out);
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return normActivation(this.bn2, this.relu, y, identity); // relu(bn2(y) + identity) as one op
  }
}

/** 1x1 (reduce) - 3x3 - 1x1 (expand by 4) convs with batch norm, plus the shortcut. */
export class Bottleneck extends Module {
  static readonly expansion = 4;
  conv1: Conv2d;
  bn1: BatchNorm2d;
  conv2: Conv2d;
  bn2: BatchNorm2d;
  conv3: Conv2d;
  bn3: BatchNorm2d;
  relu: ReLU;
  downsample: Module | null;
  constructor(inplanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.conv1 = conv1x1(inplanes, planes);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes, stride);
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.relu = new ReLU();
    this.downsample = downsample;
  }
  forward(x: Tensor): Tensor {
    let out = normActivation(this.bn1, this.relu, this.conv1.forward(x)); // bn + relu as one op
    out = normActivation(this.bn2, this.relu, this.conv2.forward(out));
    const y = this.conv3.forward(out);
    const identity = this.downsample === null ? x : this.downsample.forward(x);
    return normActivation(this.bn3, this.relu, y, identity); // relu(bn3(y) + identity) as one op
  }
}

type Block = typeof BasicBlock | typeof Bottleneck;

export interface ResNetOptions {
  numClasses?: number;
  inChannels?: number;
  /** 3x3 stride-1 stem without max-pool, for 32x32 images (CIFAR). */
  cifar?: boolean;
  /** Channels of the first stage; the stages have width, 2, 4 and 8 times width (before expansion). */
  width?: number;
  /** Start each residual branch's last batch norm at zero, so every block begins as the identity. */
  zeroInitResidual?: boolean;
}

export class ResNet extends Module {
  conv1: Conv2d;
  bn1: BatchNorm2d;
  relu: ReLU;
  maxpool: Module;
  layer1: Sequential;
  layer2: Sequential;
  layer3: Sequential;
  layer4: Sequential;
  avgpool: AdaptiveAvgPool2d;
  fc: Linear;
  private inplanes: number;

  constructor(
    block: Block,
    layers: readonly [number, number, number, number],
    {
      numClasses = 1000,
      inChannels = 3,
      cifar = false,
      width = 64,
      zeroInitResidual = false,
    }: ResNetOptions = {},
  ) {
    super();
    positiveInt("resnet", "numClasses", numClasses);
    positiveInt("resnet", "inChannels", inChannels);
    positiveInt("resnet", "width", width);
    this.inplanes = width;
    this.conv1 = cifar
      ? new Conv2d(inChannels, width, 3, { stride: 1, padding: 1, bias: false })
      : new Conv2d(inChannels, width, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new BatchNorm2d(width);
    this.relu = new ReLU();
    this.maxpool = cifar ? new Identity() : new MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, width, layers[0]);
    this.layer2 = this.makeLayer(block, width * 2, layers[1], 2);
    this.layer3 = this.makeLayer(block, width * 4, layers[2], 2);
    this.layer4 = this.makeLayer(block, width * 8, layers[3], 2);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.fc = new Linear(width * 8 * block.expansion, numClasses);
    initWeights(this);
    if (zeroInitResidual)
      for (const m of this.modules()) {
        const last = m instanceof Bottleneck ? m.bn3 : m instanceof BasicBlock ? m.bn2 : null;
        last?.weight?.storage.fill(0);
      }
  }

  private makeLayer(block: Block, planes: number, blocks: number, stride = 1): Sequential {
    let downsample: Module | null = null;
    if (stride !== 1 || this.inplanes !== planes * block.expansion)
      downsample = new Sequential(
        conv1x1(this.inplanes, planes * block.expansion, stride),
        new BatchNorm2d(planes * block.expansion),
      );
    const out: Module[] = [new block(this.inplanes, planes, stride, downsample)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) out.push(new block(this.inplanes, planes));
    return new Sequential(...out);
  }

  forward(x: Tensor): Tensor {
    x = this.maxpool.forward(normActivation(this.bn1, this.relu, this.conv1.forward(x)));
    x = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(x))));
    return this.fc.forward(this.avgpool.forward(x).flatten(1));
  }
}

/** ResNet-18: BasicBlocks [2, 2, 2, 2]. */
export const resnet18 = (o: ResNetOptions = {}) => new ResNet(BasicBlock, [2, 2, 2, 2], o);
/** ResNet-34: BasicBlocks [3, 4, 6, 3]. */
export const resnet34 = (o: ResNetOptions = {}) => new ResNet(BasicBlock, [3, 4, 6, 3], o);
/** ResNet-50: Bottlenecks [3, 4, 6, 3]. */
export const resnet50 = (o: ResNetOptions = {}) => new ResNet(Bottleneck, [3, 4, 6, 3], o);
