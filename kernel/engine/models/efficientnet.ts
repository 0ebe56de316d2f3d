// EfficientNet-B0 (Tan & Le 2019) as torchvision builds it: a 3x3 stride-2 stem, seven stages of
// MBConv blocks (MobileNetV2's inverted residual with SiLU, a squeeze-and-excitation after the
// depthwise conv, and stochastic depth on the residual branch, its drop probability growing
// linearly from 0 to `stochasticDepthProb` with depth), a 1x1 conv to 1280 channels, global
// average pooling, dropout and a linear layer. 5,288,548 parameters for 1000 classes.
// `widthMult` / `depthMult` scale channels and repeats as the compound scaling of B1-B7 does.

import { check } from "../errors";
import { BatchNorm2d } from "../nn/batchnorm";
import { Sequential } from "../nn/containers";
import { Conv2d } from "../nn/conv";
import { Dropout } from "../nn/dropout";
import { constant_, kaimingNormal_, uniform_ } from "../nn/init";
import { Linear } from "../nn/linear";
import { Module } from "../nn/module";
import { AdaptiveAvgPool2d } from "../nn/pooling";
import type { Tensor } from "../tensor/tensor";
import { Conv2dNormActivation, makeDivisible } from "./conv-norm-act";
import { positiveInt } from "./options";
import { SqueezeExcitation, StochasticDepth } from "./squeeze-excitation";

/** One MBConv: [1x1 expand] -> depthwise kxk (stride) -> squeeze-excitation -> 1x1 project (linear). */
export class MBConv extends Module {
  readonly useResConnect: boolean;
  block: Sequential;
  stochasticDepth: StochasticDepth;
  constructor(
    inChannels: number,
    outChannels: number,
    {
      expandRatio,
      kernelSize,
      stride,
      stochasticDepthProb,
    }: { expandRatio: number; kernelSize: number; stride: number; stochasticDepthProb: number },
  ) {
    super();
    check(stride === 1 || stride === 2, "MBConv", () => `stride should be 1 or 2, got ${stride}`);
    this.useResConnect = stride === 1 && inChannels === outChannels;
    const expanded = makeDivisible(inChannels * expandRatio);
    const layers: Module[] = [];
    if (expanded !== inChannels)
      layers.push(new Conv2dNormActivation(inChannels, expanded, { kernelSize: 1, activation: "silu" }));
    layers.push(
      new Conv2dNormActivation(expanded, expanded, {
        kernelSize,
        stride,
        groups: expanded,
        activation: "silu",
      }),
      new SqueezeExcitation(expanded, Math.max(1, Math.floor(inChannels / 4)), { activation: "silu" }),
      new Conv2dNormActivation(expanded, outChannels, { kernelSize: 1, activation: null }),
    );
    this.block = new Sequential(...layers);
    this.stochasticDepth = new StochasticDepth(stochasticDepthProb, "row");
  }
  forward(x: Tensor): Tensor {
    const out = this.block.forward(x);
    return this.useResConnect ? this.stochasticDepth.forward(out).add(x) : out;
  }
}

/** Table 1 of the paper: [expand ratio, kernel, first stride, in channels, out channels, repeats]. */
const stagesB0: readonly (readonly [number, number, number, number, number, number])[] = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];

export interface EfficientNetOptions {
  numClasses?: number;
  inChannels?: number;
  /** Dropout before the classifier (0.2 for B0). */
  dropout?: number;
  /** The last block's residual-branch drop probability (0.2); earlier blocks drop less. */
  stochasticDepthProb?: number;
  /** Scales every layer's channels (rounded to multiples of 8). */
  widthMult?: number;
  /** Scales every stage's number of blocks (rounded up). */
  depthMult?: number;
}

export class EfficientNet extends Module {
  features: Sequential;
  avgpool: AdaptiveAvgPool2d;
  classifier: Sequential;
  constructor({
    numClasses = 1000,
    inChannels = 3,
    dropout = 0.2,
    stochasticDepthProb = 0.2,
    widthMult = 1,
    depthMult = 1,
  }: EfficientNetOptions = {}) {
    super();
    positiveInt("efficientnet", "numClasses", numClasses);
    positiveInt("efficientnet", "inChannels", inChannels);
    check(
      widthMult > 0 && depthMult > 0,
      "efficientnet",
      () => `widthMult and depthMult must be positive, got ${widthMult} and ${depthMult}`,
    );
    check(
      stochasticDepthProb >= 0 && stochasticDepthProb <= 1,
      "efficientnet",
      () => `stochasticDepthProb must be in [0, 1], got ${stochasticDepthProb}`,
    );
    const ch = (c: number) => makeDivisible(c * widthMult);
    const stages = stagesB0.map(
      ([e, k, s, i, o, n]) => [e, k, s, ch(i), ch(o), Math.ceil(n * depthMult)] as const,
    );
    const total = stages.reduce((a, st) => a + st[5], 0);
    const layers: Module[] = [
      new Conv2dNormActivation(inChannels, stages[0][3], { stride: 2, activation: "silu" }),
    ];
    let id = 0;
    for (const [expandRatio, kernelSize, stride, cin, cout, n] of stages) {
      const stage: Module[] = [];
      for (let i = 0; i < n; i++) {
        const p = (stochasticDepthProb * id++) / total;
        stage.push(
          new MBConv(i === 0 ? cin : cout, cout, {
            expandRatio,
            kernelSize,
            stride: i === 0 ? stride : 1,
            stochasticDepthProb: p,
          }),
        );
      }
      layers.push(new Sequential(...stage));
    }
    const last = stages[stages.length - 1][4];
    layers.push(new Conv2dNormActivation(last, 4 * last, { kernelSize: 1, activation: "silu" }));
    this.features = new Sequential(...layers);
    this.avgpool = new AdaptiveAvgPool2d([1, 1]);
    this.classifier = new Sequential(new Dropout(dropout), new Linear(4 * last, numClasses));
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        kaimingNormal_(m.weight, { mode: "fanOut" });
        if (m.bias !== null) constant_(m.bias, 0);
      } else if (m instanceof BatchNorm2d) {
        if (m.weight !== null) constant_(m.weight, 1);
        if (m.bias !== null) constant_(m.bias, 0);
      } else if (m instanceof Linear) {
        const r = 1 / Math.sqrt(m.outFeatures);
        uniform_(m.weight, -r, r);
        if (m.bias !== null) constant_(m.bias, 0);
      }
    }
  }
  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.avgpool.forward(this.features.forward(x)).flatten(1));
  }
}

/** torchvision's efficientnet_b0 (3x224x224 input; any size >= 32 works). */
export function efficientnetB0(options: EfficientNetOptions = {}): EfficientNet {
  return new EfficientNet(options);
}
