// The benchmark cases, defined once for Receptive; test/bench/torch_cases.py mirrors them by name
// for PyTorch. A case builds its inputs and returns one step to time and the work per step
// (FLOPs for single ops, images for training steps).

import * as R from "../../kernel/engine/index";

export interface BenchCase {
  name: string;
  /**
   * "GFLOP/s" cases count FLOPs per step; "images/s" cases count images; "Melem/s" cases (data
   * movement such as interpolate) count output elements, in millions per second.
   */
  unit: "GFLOP/s" | "images/s" | "Melem/s";
  /** The ref backend is only timed on cases small enough for it. */
  refToo: boolean;
  /** Timed batches (default 20); slow cases take fewer. */
  rounds?: number;
  /** Slow (seconds per step): `npm run bench -- --quick` skips it. */
  heavy?: boolean;
  setup(): { step: () => void; work: number };
}

function sgemm(n: number, refToo: boolean): BenchCase {
  return {
    name: `sgemm ${n}`,
    unit: "GFLOP/s",
    refToo,
    setup() {
      R.manualSeed(0);
      const a = R.randn([n, n]);
      const b = R.randn([n, n]);
      return { step: () => R.matmul(a, b), work: 2 * n ** 3 };
    },
  };
}

/** conv2d forward (batch 1, no bias, padding (k - 1) / 2), as in the single-op list. */
function conv(
  name: string,
  C: number,
  OC: number,
  size: number,
  k: number,
  groups = 1,
  stride = 1,
): BenchCase {
  return {
    name,
    unit: "GFLOP/s",
    refToo: false,
    setup() {
      R.manualSeed(0);
      const x = R.randn([1, C, size, size]);
      const w = R.randn([OC, C / groups, k, k]);
      const pad = (k - 1) / 2;
      const out = Math.floor((size + 2 * pad - k) / stride) + 1;
      return {
        step: () => R.noGrad(() => R.F.conv2d(x, w, null, { padding: pad, stride, groups })),
        work: 2 * OC * (C / groups) * k * k * out * out,
      };
    },
  };
}

/**
 * conv2d forward and backward (input and weight gradients; batch 1, no bias): the training side of
 * the single-conv rows. Work: 3x the forward's FLOPs.
 */
function convTrain(
  name: string,
  C: number,
  OC: number,
  size: number,
  k: number,
  groups = 1,
  stride = 1,
): BenchCase {
  return {
    name,
    unit: "GFLOP/s",
    refToo: false,
    setup() {
      R.manualSeed(0);
      const x = R.randn([1, C, size, size], { requiresGrad: true });
      const w = R.randn([OC, C / groups, k, k], { requiresGrad: true });
      const pad = (k - 1) / 2;
      const out = Math.floor((size + 2 * pad - k) / stride) + 1;
      const dout = R.randn([1, OC, out, out]);
      return {
        step: () => R.F.conv2d(x, w, null, { padding: pad, stride, groups }).backward(dout),
        work: 3 * 2 * OC * (C / groups) * k * k * out * out,
      };
    },
  };
}

/** LeNet-5 training step: forward, cross-entropy, backward, SGD with momentum; batch 64 of 1x28x28. */
function lenetTrain(): BenchCase {
  return {
    name: "LeNet-5 train step, batch 64",
    unit: "images/s",
    refToo: true,
    setup() {
      R.manualSeed(0);
      const model = R.models.lenet5();
      const opt = new R.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      const x = R.randn([64, 1, 28, 28]);
      const y = R.randint(0, 10, [64]);
      return {
        step: () => {
          opt.zeroGrad();
          R.F.crossEntropy(model.forward(x), y).backward();
          opt.step();
        },
        work: 64,
      };
    },
  };
}

/** LeNet-5 inference: forward only in eval mode without autograd, batch 64 of 1x28x28. */
function lenetInfer(): BenchCase {
  return {
    name: "LeNet-5 inference, batch 64",
    unit: "images/s",
    refToo: true,
    setup() {
      R.manualSeed(0);
      const model = R.models.lenet5();
      model.eval();
      const x = R.randn([64, 1, 28, 28]);
      return { step: () => R.noGrad(() => model.forward(x)), work: 64 };
    },
  };
}

/** ResNet-18 for CIFAR (3x3 stem, no max-pool) of the given width: training step, batch 32 of 3x32x32. */
function resnetTrain(width: number): BenchCase {
  const heavy = width >= 64;
  return {
    name: `ResNet-18-CIFAR width ${width} train step, batch 32`,
    unit: "images/s",
    refToo: false,
    heavy,
    rounds: heavy ? 3 : undefined,
    setup() {
      R.manualSeed(0);
      const model = R.models.resnet18({ cifar: true, width, numClasses: 10 });
      const opt = new R.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
      const x = R.randn([32, 3, 32, 32]);
      const y = R.randint(0, 10, [32]);
      return {
        step: () => {
          opt.zeroGrad();
          R.F.crossEntropy(model.forward(x), y).backward();
          opt.step();
        },
        work: 32,
      };
    },
  };
}

/**
 * ResNet-18-CIFAR inference: forward only in eval mode without autograd, a batch of 3x32x32 (64, or
 * 1: a student classifying one image, where the ~40 ops' fixed costs are most of the time). NOTE:
 * Debian's PyTorch 1.13 runs batch-1 convs through THNN's slow_conv2d on the reference BLAS
 * (three quarters of its time), so the batch-1 ratio flatters us: the row is there to keep our
 * per-op costs in sight (a free list that grew by one size per op made this forward 5x slower).
 */
function resnetInfer(width: number, batch = 64): BenchCase {
  const heavy = width >= 64;
  return {
    name: `ResNet-18-CIFAR width ${width} inference, batch ${batch}`,
    unit: "images/s",
    refToo: false,
    heavy,
    rounds: heavy ? 3 : undefined,
    setup() {
      R.manualSeed(0);
      const model = R.models.resnet18({ cifar: true, width, numClasses: 10 });
      model.eval();
      const x = R.randn([batch, 3, 32, 32]);
      return { step: () => R.noGrad(() => model.forward(x)), work: batch };
    },
  };
}

/**
 * F.interpolate 2x upsampling of (16, 64, 32, 32) to 64x64 (mode "nearest" or "bilinear", PyTorch's
 * default alignCorners false); forward only without autograd, or forward and backward (the input's
 * gradient). Work: output elements (16 * 64 * 64 * 64 = 4.2M) per step.
 */
function interpolate(mode: "nearest" | "bilinear", backward: boolean): BenchCase {
  return {
    name: `interpolate ${mode} 2x 16x64x32x32${backward ? ", forward + backward" : ""}`,
    unit: "Melem/s",
    refToo: false,
    setup() {
      R.manualSeed(0);
      const x = R.randn([16, 64, 32, 32], { requiresGrad: backward });
      const dout = R.randn([16, 64, 64, 64]);
      const up = () => R.F.interpolate(x, { scaleFactor: 2, mode });
      return {
        step: backward ? () => up().backward(dout) : () => R.noGrad(up),
        work: dout.numel,
      };
    },
  };
}

/** One training step (forward, loss, backward, SGD with momentum) of a model on a fixed batch. */
function trainStep(model: R.nn.Module, loss: () => R.Tensor): () => void {
  const opt = new R.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  return () => {
    opt.zeroGrad();
    loss().backward();
    opt.step();
  };
}

/**
 * torchvision-shaped models (EfficientNet-B0, GoogLeNet) at CIFAR size: training step, batch 16 of
 * 3x32x32, 10 classes, default dropout and stochastic depth. GoogLeNet keeps its auxiliary heads
 * (torchvision's training default) with the paper's loss, main + 0.3 * (aux1 + aux2).
 */
function cnnTrain(model: "efficientnetB0" | "googlenet"): BenchCase {
  return {
    name: `${model === "googlenet" ? "GoogLeNet (aux heads)" : "EfficientNet-B0"} 32x32 train step, batch 16`,
    unit: "images/s",
    refToo: false,
    heavy: true,
    rounds: 3,
    setup() {
      R.manualSeed(0);
      const x = R.randn([16, 3, 32, 32]);
      const y = R.randint(0, 10, [16]);
      if (model === "efficientnetB0") {
        const net = R.models.efficientnetB0({ numClasses: 10 });
        return { step: trainStep(net, () => R.F.crossEntropy(net.forward(x), y)), work: 16 };
      }
      const net = R.models.googlenet({ numClasses: 10 });
      const loss = () => {
        const out = net.forward(x) as R.models.GoogLeNetOutputs;
        const aux = R.F.crossEntropy(out.auxLogits1, y).add(R.F.crossEntropy(out.auxLogits2, y));
        return R.F.crossEntropy(out.logits, y).add(aux.mul(0.3));
      };
      return { step: trainStep(net, loss), work: 16 };
    },
  };
}

/**
 * MobileNetV2 with a CIFAR stem (the first conv at stride 1, so 32x32 images end at 2x2, not 1x1)
 * training step on a batch of 32 3x32x32, 10 classes: the depthwise and 1x1 convs the course's
 * MobileNet trains with.
 */
function mobilenetV2Train(): BenchCase {
  return {
    name: "MobileNetV2 (CIFAR stem) 32x32 train step, batch 32",
    unit: "images/s",
    refToo: false,
    setup() {
      R.manualSeed(0);
      const net = R.models.mobilenetV2({ numClasses: 10 });
      const stem = (net.features.get(0) as R.nn.Sequential).get(0) as R.nn.Conv2d;
      stem.stride.fill(1);
      const x = R.randn([32, 3, 32, 32]);
      const y = R.randint(0, 10, [32]);
      return { step: trainStep(net, () => R.F.crossEntropy(net.forward(x), y)), work: 32 };
    },
  };
}

/**
 * U-Net (width 8, depth 4, batch norm, `up: "bilinear"`: nn.Upsample then a 1x1 conv) training
 * step on a batch of 4 1x64x64 images with a 2-class per-pixel cross-entropy.
 */
function unetTrain(): BenchCase {
  return {
    name: "U-Net width 8 bilinear 64x64 train step, batch 4",
    unit: "images/s",
    refToo: false,
    setup() {
      R.manualSeed(0);
      const net = R.models.unet({
        inChannels: 1,
        numClasses: 2,
        width: 8,
        depth: 4,
        up: "bilinear",
        batchNorm: true,
      });
      const x = R.randn([4, 1, 64, 64]);
      const y = R.randint(0, 2, [4, 64, 64]);
      return { step: trainStep(net, () => R.F.crossEntropy(net.forward(x), y)), work: 4 };
    },
  };
}

export const CASES: BenchCase[] = [
  sgemm(256, true),
  sgemm(1024, false),
  conv("conv2d 3x3 64->64 56x56", 64, 64, 56, 3),
  conv("depthwise 3x3 32ch 112x112", 32, 32, 112, 3, 32),
  conv("depthwise 3x3 stride 2 96ch 112x112", 96, 96, 112, 3, 96, 2),
  conv("conv2d 1x1 256->64 28x28", 256, 64, 28, 1),
  convTrain("depthwise 3x3 32ch 112x112, forward + backward", 32, 32, 112, 3, 32),
  convTrain("depthwise 3x3 stride 2 96ch 112x112, forward + backward", 96, 96, 112, 3, 96, 2),
  convTrain("conv2d 1x1 256->64 28x28, forward + backward", 256, 64, 28, 1),
  lenetTrain(),
  lenetInfer(),
  resnetTrain(16),
  resnetTrain(64),
  resnetInfer(16),
  resnetInfer(64),
  resnetInfer(16, 1),
  interpolate("nearest", false),
  interpolate("nearest", true),
  interpolate("bilinear", false),
  interpolate("bilinear", true),
  cnnTrain("efficientnetB0"),
  cnnTrain("googlenet"),
  mobilenetV2Train(),
  unetTrain(),
];
