// summary(): per-layer shapes, parameters, receptive fields, mult-adds and memory, and torchinfo's
// totals. VGG-16 is checked against the lecture's table (seed 002), the receptive-field arithmetic
// against the lecture's self-check and cat question (seed 000), residual branches against hand
// counts, and the shape-only pass against a real forward pass.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  getBackend,
  models,
  nn,
  ReceptiveError,
  summary,
  type Tensor,
  zeros,
} from "../../kernel/engine/index";
import { stackField } from "../../kernel/engine/nn/receptive-field";
import type { LayerSummary } from "../../kernel/engine/nn/summary";

const row = (rows: LayerSummary[], name: string) => {
  const r = rows.find((l) => l.name === name);
  assert.ok(r, `no row named ${name}`);
  return r;
};
const rf = (size: number, jump: number, start: number) => ({
  size: [size, size],
  jump: [jump, jump],
  start: [start, start],
});

describe("summary: LeNet-5", () => {
  const s = summary(models.lenet5(), [1, 1, 28, 28]);
  it("shapes, parameters, receptive fields and mult-adds per layer", () => {
    const got = s.layers
      .filter((l) => l.depth === 2)
      .map((l) => [l.name, l.type, l.outputShape, l.params, l.receptiveField, l.multAdds]);
    assert.deepEqual(got, [
      // r_out = r_in + (k - 1) j_in, j_out = j_in s, start_out = start_in + ((k - 1) / 2 - p) j_in
      ["features.0", "Conv2d", [1, 6, 28, 28], 156, rf(5, 1, 0.5), 156 * 28 * 28],
      ["features.1", "ReLU", [1, 6, 28, 28], 0, rf(5, 1, 0.5), 0],
      ["features.2", "MaxPool2d", [1, 6, 14, 14], 0, rf(6, 2, 1), 0],
      ["features.3", "Conv2d", [1, 16, 10, 10], 2416, rf(14, 2, 5), 2416 * 10 * 10],
      ["features.4", "ReLU", [1, 16, 10, 10], 0, rf(14, 2, 5), 0],
      ["features.5", "MaxPool2d", [1, 16, 5, 5], 0, rf(16, 4, 6), 0],
      ["classifier.0", "Linear", [1, 120], 48120, "global", 48120],
      ["classifier.1", "ReLU", [1, 120], 0, "global", 0],
      ["classifier.2", "Linear", [1, 84], 10164, "global", 10164],
      ["classifier.3", "ReLU", [1, 84], 0, "global", 0],
      ["classifier.4", "Linear", [1, 10], 850, "global", 850],
    ]);
  });
  it("totals as torchinfo prints them", () => {
    assert.equal(s.totalParams, 61706);
    assert.equal(s.trainableParams, 61706);
    assert.equal(s.nonTrainableParams, 0);
    assert.equal(s.totalMultAdds, 156 * 784 + 2416 * 100 + 48120 + 10164 + 850);
    assert.equal(s.inputBytes, 4 * 784);
    // Twice the outputs of the layers with parameters (torchinfo: forward + backward).
    assert.equal(s.forwardBackwardBytes, 2 * 4 * (6 * 784 + 16 * 100 + 120 + 84 + 10));
    assert.equal(s.paramsBytes, 4 * 61706);
    const text = s.toString();
    for (const line of [
      "Total params: 61,706",
      "Trainable params: 61,706",
      "Non-trainable params: 0",
      "Total mult-adds (M): 0.42",
      "Input size (MB): 0.00",
      "Forward/backward pass size (MB): 0.05",
      "Params size (MB): 0.25",
      "Estimated Total Size (MB): 0.30",
    ])
      assert.ok(text.includes(line), `missing "${line}" in\n${text}`);
    assert.match(text, /│ {4}├─Conv2d \(0\) +\[1, 6, 28, 28\] +156 +5, j 1, start 0\.5 +122,304/);
  });
  it("depth folds deeper rows into their parents", () => {
    const d1 = summary(models.lenet5(), [1, 1, 28, 28], { depth: 1 });
    assert.deepEqual(
      d1.layers.map((l) => [l.name, l.params]),
      [
        ["", 61706],
        ["features", 2572],
        ["classifier", 59134],
      ],
    );
    assert.match(
      d1.toString(),
      /├─Sequential \(features\) +\[1, 16, 5, 5\] +2,572 +16, j 4, start 6 +363,904/,
    );
    assert.equal(d1.totalMultAdds, s.totalMultAdds);
  });
});

describe("summary: VGG-16 against the lecture's table", () => {
  // Seed 002_029f37fc7a2ced32.txt, "VGGNet" slide (not counting biases), one row per layer:
  //   [activations ("memory"), weights]
  const lecture: [string, number, number][] = [
    ["INPUT: [224x224x3]", 224 * 224 * 3, 0],
    ["CONV3-64: [224x224x64]", 224 * 224 * 64, 3 * 3 * 3 * 64],
    ["CONV3-64: [224x224x64]", 224 * 224 * 64, 3 * 3 * 64 * 64],
    ["POOL2: [112x112x64]", 112 * 112 * 64, 0],
    ["CONV3-128: [112x112x128]", 112 * 112 * 128, 3 * 3 * 64 * 128],
    ["CONV3-128: [112x112x128]", 112 * 112 * 128, 3 * 3 * 128 * 128],
    ["POOL2: [56x56x128]", 56 * 56 * 128, 0],
    ["CONV3-256: [56x56x256]", 56 * 56 * 256, 3 * 3 * 128 * 256],
    ["CONV3-256: [56x56x256]", 56 * 56 * 256, 3 * 3 * 256 * 256],
    ["CONV3-256: [56x56x256]", 56 * 56 * 256, 3 * 3 * 256 * 256],
    ["POOL2: [28x28x256]", 28 * 28 * 256, 0],
    ["CONV3-512: [28x28x512]", 28 * 28 * 512, 3 * 3 * 256 * 512],
    ["CONV3-512: [28x28x512]", 28 * 28 * 512, 3 * 3 * 512 * 512],
    ["CONV3-512: [28x28x512]", 28 * 28 * 512, 3 * 3 * 512 * 512],
    ["POOL2: [14x14x512]", 14 * 14 * 512, 0],
    ["CONV3-512: [14x14x512]", 14 * 14 * 512, 3 * 3 * 512 * 512],
    ["CONV3-512: [14x14x512]", 14 * 14 * 512, 3 * 3 * 512 * 512],
    ["CONV3-512: [14x14x512]", 14 * 14 * 512, 3 * 3 * 512 * 512],
    ["POOL2: [7x7x512]", 7 * 7 * 512, 0],
    ["FC: [1x1x4096]", 4096, 7 * 7 * 512 * 4096],
    ["FC: [1x1x4096]", 4096, 4096 * 4096],
    ["FC: [1x1x1000]", 1000, 4096 * 1000],
  ];
  const s = summary(models.vgg16(), [1, 3, 224, 224]);

  it("every row's activations and weights (without biases) equal the slide's", () => {
    // The slide folds each ReLU into its CONV row and skips the adaptive pool (7x7 -> 7x7).
    const ours = s.allLayers.filter((l) => ["Conv2d", "MaxPool2d", "Linear"].includes(l.type));
    assert.equal(ours.length, lecture.length - 1);
    assert.equal(s.inputBytes / 4, lecture[0][1]);
    ours.forEach((l, i) => {
      const [what, memory, weights] = lecture[i + 1];
      assert.equal(l.activations, memory, `${what} (${l.name}) activations`);
      assert.equal(l.weights, weights, `${what} (${l.name}) weights`);
    });
  });
  it("the slide's totals: 138M parameters, and about 15.2M activations (the slide says 24M)", () => {
    const memory = lecture.reduce((a, [, m]) => a + m, 0);
    const weights = lecture.reduce((a, [, , w]) => a + w, 0);
    assert.equal(memory, 15_237_608); // not the slide's "TOTAL memory: 24M"
    assert.equal(weights, 138_344_128);
    assert.equal(s.totalParams, 138_357_544); // weights + 13,416 biases
    const ours = s.allLayers.filter((l) => ["Conv2d", "MaxPool2d", "Linear"].includes(l.type));
    assert.equal(s.inputBytes / 4 + ours.reduce((a, l) => a + l.activations, 0), memory);
    assert.equal(
      ours.reduce((a, l) => a + l.weights, 0),
      weights,
    );
  });
  it("torchinfo's totals for torchvision's vgg16", () => {
    const text = s.toString();
    for (const line of [
      "Total params: 138,357,544",
      "Total mult-adds (G): 15.48",
      "Input size (MB): 0.60",
      "Forward/backward pass size (MB): 108.45",
      "Params size (MB): 553.43",
      "Estimated Total Size (MB): 662.49",
    ])
      assert.ok(text.includes(line), `missing "${line}"`);
  });
  it("receptive fields grow to 212 pixels at pool5", () => {
    assert.deepEqual(row(s.allLayers, "features.28").receptiveField, rf(196, 16, 8));
    assert.deepEqual(row(s.allLayers, "features.30").receptiveField, rf(212, 32, 16));
    assert.equal(row(s.allLayers, "classifier.0").receptiveField, "global");
  });
});

describe("summary: receptive-field arithmetic", () => {
  it("the lecture's self-check: Conv1d(3)-MaxPool1d(3)-Conv1d(3)-MaxPool1d(3) sees 17 inputs", () => {
    // Seed 000_1f93e70efac7743e.txt, "Self-check": pools use PyTorch's default stride = kernel.
    const net = new nn.Sequential(
      new nn.Conv1d(1, 1, 3),
      new nn.MaxPool1d(3),
      new nn.Conv1d(1, 1, 3),
      new nn.MaxPool1d(3),
    );
    const s = summary(net, [1, 1, 60]);
    assert.deepEqual(
      s.layers.slice(1).map((l) => (l.receptiveField as { size: number[] }).size[0]),
      [3, 5, 11, 17],
    );
    assert.deepEqual(s.layers[4].outputShape, [1, 1, 5]);
  });
  it("the cat question: fifty 3x3 convs to see a 100x100 px cat (seed 000: 'around 50')", () => {
    const conv3 = { kernelSize: [3, 3], stride: [1, 1], padding: [0, 0], dilation: [1, 1] };
    const sizes = (n: number) => stackField(Array(n).fill(conv3)).size[0];
    assert.equal(sizes(49), 99);
    assert.equal(sizes(50), 101);
    const net = new nn.Sequential(...Array.from({ length: 50 }, () => new nn.Conv2d(1, 1, 3)));
    const last = summary(net, [1, 1, 101, 101]).layers.at(-1);
    assert.deepEqual(last?.outputShape, [1, 1, 1, 1]);
    assert.deepEqual(last?.receptiveField, rf(101, 1, 50.5));
    // Pooling grows it faster: the same depth with a stride-2 pool after every second conv.
    const pooled = stackField(
      Array.from({ length: 6 }, (_, i) =>
        i % 2 === 1 ? { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1] } : conv3,
      ),
    );
    assert.deepEqual(pooled.size, [22, 22]);
  });
  it("dilation, asymmetric kernels and strides per dim", () => {
    const net = new nn.Sequential(
      new nn.Conv2d(1, 1, [3, 5], { stride: [2, 1], padding: [1, 2] }),
      new nn.Conv2d(1, 1, 3, { dilation: 2, padding: 2 }),
    );
    const [, a, b] = summary(net, [1, 1, 16, 16]).layers;
    assert.deepEqual(a.receptiveField, { size: [3, 5], jump: [2, 1], start: [0.5, 0.5] });
    // k_eff = 2 (3 - 1) + 1 = 5: r = r + 4 j
    assert.deepEqual(b.receptiveField, { size: [11, 9], jump: [2, 1], start: [0.5, 0.5] });
  });
  it("residual blocks take the deepest path; a plain input has none", () => {
    const s = summary(models.resnet18({ numClasses: 10, cifar: true, width: 16 }), [1, 3, 32, 32]);
    assert.deepEqual(row(s.allLayers, "conv1").receptiveField, rf(3, 1, 0.5));
    // two 3x3 convs on the main path (r 3 -> 7); the identity branch keeps 3
    assert.deepEqual(row(s.allLayers, "layer1.0").receptiveField, rf(7, 1, 0.5));
    assert.deepEqual(row(s.allLayers, "layer1.1").receptiveField, rf(11, 1, 0.5));
    // stride-2 3x3 then 3x3: 11 + 2 = 13 (j 2), + 2*2 = 17; the 1x1 stride-2 shortcut stays at 11
    assert.deepEqual(row(s.allLayers, "layer2.0.downsample").receptiveField, rf(11, 2, 0.5));
    assert.deepEqual(row(s.allLayers, "layer2.0").receptiveField, rf(17, 2, 0.5));
    assert.equal(row(s.allLayers, "fc").receptiveField, "global");
    const mlp = summary(new nn.Sequential(new nn.Linear(4, 3)), [2, 4]);
    assert.equal(mlp.layers[1].receptiveField, null);
    assert.match(mlp.toString(), /Linear \(0\) +\[2, 3\] +15 +-- +30/);
  });
  it("ResNet-18 sees 435 pixels after layer4; MobileNetV2's functional pool makes the head global", () => {
    const s = summary(models.resnet18(), [1, 3, 224, 224]);
    assert.deepEqual(row(s.allLayers, "layer4").receptiveField, rf(435, 32, 0.5));
    const m = summary(models.mobilenetV2(), [1, 3, 224, 224]);
    assert.deepEqual(row(m.allLayers, "features").outputShape, [1, 1280, 7, 7]);
    assert.equal(row(m.allLayers, "classifier.1").receptiveField, "global");
  });
});

describe("summary: published numbers", () => {
  // Receptive fields of the last feature map: Araujo et al., "Computing Receptive Fields of
  // Convolutional Neural Networks", Distill 2019, Table 1 (alexnet_v2 195, vgg_16 212,
  // mobilenet_v1 315, mobilenet_v2 491). torchvision's resnet50 strides its 3x3 convs ("v1.5"), so
  // its field is counted by hand: stem 11 (jump 4), then each 3x3 adds 2 jumps: 11 + 3*8 = 35,
  // + 8 + 3*16 = 91, + 16 + 5*32 = 267, + 32 + 2*64 = 427 (the table's 483 is TF-slim's v1 layout).
  // Mult-adds: torchvision's model docs ("GFLOPS": alexnet
  // 0.71, resnet18 1.81, resnet50 4.09, mobilenet_v2 0.30) and the MobileNet paper (569M).
  const cases: [string, string, number, string][] = [
    ["alexnet", "features", 195, "0.71"],
    ["mobilenetV1", "features", 315, "0.57"],
    ["mobilenetV2", "features", 491, "0.30"],
    ["resnet50", "layer4", 427, "4.09"],
  ];
  for (const [name, layer, size, gmacs] of cases)
    it(`${name}: receptive field ${size} at ${layer}, ${gmacs} G mult-adds at 224x224`, () => {
      const net = (models as unknown as Record<string, () => nn.Module>)[name]();
      const s = summary(net, [1, 3, 224, 224]);
      const r = row(s.allLayers, layer).receptiveField as { size: number[]; jump: number[] };
      assert.deepEqual(r.size, [size, size]);
      assert.deepEqual(r.jump, [32, 32]);
      assert.equal((s.totalMultAdds / 1e9).toFixed(2), gmacs);
    });
});

describe("summary: the pass itself", () => {
  it("shape-only pass gives the real forward's shapes and leaves the model as it was", () => {
    const backend = getBackend();
    const net = models.resnet18({ numClasses: 10, cifar: true, width: 8 });
    const before = net.stateDict();
    const copy = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.data]));
    const s = summary(net, [2, 3, 32, 32]);
    assert.equal(net.training, true);
    assert.equal(getBackend(), backend);
    for (const [k, v] of Object.entries(net.stateDict())) assert.deepEqual(v.data, copy[k], `${k} changed`);
    net.eval();
    const real = net.forward(zeros([2, 3, 32, 32]));
    assert.deepEqual(s.layers[0].outputShape, [...real.shape]);
    // the model's own hooks still run after a summary
    const seen: number[][] = [];
    net.fc.registerForwardHook((_m, _i, out: Tensor) => {
      seen.push([...out.shape]);
    });
    net.forward(zeros([1, 3, 32, 32]));
    assert.deepEqual(seen, [[1, 10]]);
  });
  it("frozen parameters are reported apart; a shared module's calls are listed, its parameters once", () => {
    const net = models.resnet18({ numClasses: 10, cifar: true, width: 8 });
    net.requiresGrad_(false);
    net.fc.requiresGrad_(true);
    const s = summary(net, [1, 3, 32, 32]);
    assert.equal(s.trainableParams, 64 * 10 + 10);
    assert.equal(s.nonTrainableParams, s.totalParams - 650);
    assert.match(s.toString(), /Conv2d \(conv1\) +\[1, 8, 32, 32\] +\(216\)/);
    assert.match(s.toString(), /Non-trainable params: /);
    const relus = s.allLayers.filter((l) => l.name === "layer1.0.relu");
    assert.deepEqual(
      relus.map((l) => l.isRecursive),
      [false, true],
    );
  });
  it("several inputs, dtypes and errors", () => {
    const backend = getBackend();
    class Two extends nn.Module {
      forward(a: Tensor, b: Tensor): Tensor {
        return a.add(b);
      }
    }
    const s = summary(new Two(), [
      [1, 2, 4, 4],
      [1, 2, 4, 4],
    ]);
    assert.equal(s.inputBytes, 2 * 4 * 32);
    assert.throws(() => summary(models.lenet5(), [1, 28, 28]), ReceptiveError);
    assert.throws(
      () => summary(models.lenet5(), [0, 1, 28, 28]),
      /positive integers with the batch dim first/,
    );
    assert.throws(
      () => summary(models.lenet5(), [1, 1, 28, 28], { dtypes: ["float32", "int64"] }),
      /1 inputs/,
    );
    assert.equal(getBackend(), backend);
  });
});

describe("summary: a 3-D (video) stack", () => {
  it("has receptive fields over depth, height and width", () => {
    const net = new nn.Sequential(
      new nn.Conv3d(3, 4, [3, 5, 5], { padding: [1, 2, 2] }),
      new nn.MaxPool3d([1, 2, 2]),
      new nn.AvgPool3d(2),
      new nn.AdaptiveAvgPool3d(1),
    );
    const got = summary(net, [1, 3, 4, 8, 8]).layers.filter((l) => l.depth === 1);
    assert.deepEqual(
      got.map((l) => [l.type, l.outputShape, l.receptiveField]),
      [
        ["Conv3d", [1, 4, 4, 8, 8], { size: [3, 5, 5], jump: [1, 1, 1], start: [0.5, 0.5, 0.5] }],
        ["MaxPool3d", [1, 4, 4, 4, 4], { size: [3, 6, 6], jump: [1, 2, 2], start: [0.5, 1, 1] }],
        ["AvgPool3d", [1, 4, 2, 2, 2], { size: [4, 8, 8], jump: [2, 4, 4], start: [1, 2, 2] }],
        ["AdaptiveAvgPool3d", [1, 4, 1, 1, 1], { size: [6, 12, 12], jump: [4, 8, 8], start: [2, 4, 4] }],
      ],
    );
    assert.equal(got[0].multAdds, (4 * 3 * 75 + 4) * 4 * 8 * 8);
  });
});
