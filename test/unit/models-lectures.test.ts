// The later lectures' models (GoogLeNet, EfficientNet-B0, U-Net, a YOLO-style detector) and the
// YOLO v1 loss: output shapes, auxiliary heads, stochastic depth, one training step each (finite
// loss, a gradient on every parameter, the loss going down over a few steps), and the loss
// against a plain loop over the paper's formula. Parameter counts and state-dict keys against
// torchvision / the PyTorch references are in models.test.ts (models.json).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  F,
  manualSeed,
  models,
  type nn,
  noGrad,
  optim,
  randn,
  type Tensor,
  tensor,
} from "../../kernel/engine/index";
import { expectClose } from "../helpers";

/** One SGD step on `lossOf(model)`: returns the loss before and checks every parameter got a finite gradient. */
function trainStep(model: nn.Module, lossOf: () => Tensor, lr = 0.01): number {
  const opt = new optim.SGD(model.parameters(), { lr, momentum: 0.9 });
  opt.zeroGrad();
  const loss = lossOf();
  assert.ok(Number.isFinite(loss.item()), `loss ${loss.item()}`);
  loss.backward();
  for (const [name, p] of model.namedParameters()) {
    assert.ok(p.grad !== null, `${name} has no gradient`);
    assert.ok(p.grad.data.every(Number.isFinite), `${name}'s gradient is not finite`);
  }
  opt.step();
  return loss.item();
}

const count = (m: nn.Module) => m.parameters().reduce((a, p) => a + p.numel, 0);

describe("googlenet", () => {
  it("returns logits in eval mode and {logits, auxLogits2, auxLogits1} in training mode", () => {
    manualSeed(0);
    const net = models.googlenet({ numClasses: 10 });
    const x = randn([2, 3, 64, 64]);
    const out = net.forward(x) as models.GoogLeNetOutputs;
    assert.deepEqual([...out.logits.shape], [2, 10]);
    assert.deepEqual([...out.auxLogits1.shape], [2, 10]);
    assert.deepEqual([...out.auxLogits2.shape], [2, 10]);
    net.eval();
    const y = noGrad(() => net.forward(x)) as Tensor;
    assert.deepEqual([...y.shape], [2, 10]);
    assert.equal(count(models.googlenet({ auxLogits: false })), 6_624_904);
    assert.equal(count(models.googlenet()), 13_004_888);
  });
  it("trains a step with the auxiliary losses weighted 0.3 (as in the paper)", () => {
    manualSeed(1);
    const net = models.googlenet({ numClasses: 4 });
    const x = randn([2, 3, 32, 32]);
    const target = tensor([1, 3]);
    trainStep(net, () => {
      const o = net.forward(x) as models.GoogLeNetOutputs;
      return F.crossEntropy(o.logits, target)
        .add(F.crossEntropy(o.auxLogits1, target).mul(0.3))
        .add(F.crossEntropy(o.auxLogits2, target).mul(0.3));
    });
  });
  it("transformInput maps ImageNet-normalised input to [-1, 1] scaling per channel", () => {
    const a = models.googlenet({ numClasses: 3, transformInput: true, auxLogits: false });
    const b = models.googlenet({ numClasses: 3, auxLogits: false });
    b.loadStateDict(a.stateDict());
    a.eval();
    b.eval();
    const x = randn([1, 3, 32, 32]);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const moved = x.clone();
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < 1024; i++)
        moved.storage[c * 1024 + i] = (x.storage[c * 1024 + i] * std[c]) / 0.5 + (mean[c] - 0.5) / 0.5;
    expectClose(
      noGrad(() => a.forward(x) as Tensor).data,
      noGrad(() => b.forward(moved) as Tensor).data,
      "googlenet transformInput",
    );
  });
});

describe("efficientnetB0", () => {
  it("5,288,548 parameters; (N, 3, 32, 32) -> (N, classes); SiLU and squeeze-excitation in every block", () => {
    assert.equal(count(models.efficientnetB0()), 5_288_548);
    const net = models.efficientnetB0({ numClasses: 10 });
    net.eval();
    const y = noGrad(() => net.forward(randn([2, 3, 32, 32])));
    assert.deepEqual([...y.shape], [2, 10]);
    const blocks = net.modules().filter((m) => m instanceof models.MBConv) as models.MBConv[];
    assert.equal(blocks.length, 16);
    for (const b of blocks) assert.ok(b.block.children().some((m) => m instanceof models.SqueezeExcitation));
    // stochastic depth grows linearly with depth: 0 for the first block, 0.2 * 15/16 for the last
    assert.equal(blocks[0].stochasticDepth.p, 0);
    assert.ok(Math.abs(blocks[15].stochasticDepth.p - (0.2 * 15) / 16) < 1e-12);
  });
  it("trains a step (width 0.25)", () => {
    manualSeed(2);
    const net = models.efficientnetB0({ numClasses: 3, widthMult: 0.25 });
    const x = randn([4, 3, 32, 32]);
    trainStep(net, () => F.crossEntropy(net.forward(x), tensor([0, 1, 2, 0])));
  });
  it("stochastic depth drops whole samples in training, scales survivors by 1/(1-p), and is the identity in eval", () => {
    manualSeed(3);
    const x = randn([400, 2]).abs().add(1);
    const y = models.stochasticDepth(x, 0.25, "row");
    let dropped = 0;
    for (let i = 0; i < 400; i++) {
      const r = [y.storage[2 * i], y.storage[2 * i + 1]];
      if (r[0] === 0) {
        dropped++;
        assert.equal(r[1], 0);
      } else expectClose(r, [x.storage[2 * i] / 0.75, x.storage[2 * i + 1] / 0.75], `row ${i}`);
    }
    assert.ok(dropped > 60 && dropped < 140, `${dropped} of 400 rows dropped, expected about 100`);
    assert.equal(models.stochasticDepth(x, 0.25, "row", false), x);
    assert.throws(
      () => models.stochasticDepth(x, 1.5, "row"),
      /stochasticDepth: drop probability has to be between 0 and 1, but got 1.5/,
    );
  });
});

describe("unet", () => {
  it("the paper's network: 31,030,658 parameters; 572x572 -> 388x388 with valid padding", () => {
    assert.equal(count(models.unet()), 31_030_658);
    // the paper's sizes with a narrow network (the shapes do not depend on the width)
    const net = models.unet({ width: 2, padding: "valid" });
    const y = noGrad(() => net.forward(randn([1, 1, 572, 572])));
    assert.deepEqual([...y.shape], [1, 2, 388, 388]);
  });
  for (const up of ["transposed", "bilinear"] as const)
    it(`same padding keeps the size (up: ${up}) and trains a step`, () => {
      manualSeed(4);
      const net = models.unet({ inChannels: 3, numClasses: 3, width: 4, depth: 3, up, batchNorm: true });
      const x = randn([2, 3, 32, 32]);
      assert.deepEqual([...noGrad(() => net.forward(x)).shape], [2, 3, 32, 32]);
      const mask = tensor(
        Array.from({ length: 2 * 32 * 32 }, (_, i) => i % 3),
        { shape: [2, 32, 32] },
      ).long();
      trainStep(net, () => F.crossEntropy(net.forward(x), mask));
    });
  it("a size the pooling cannot halve is a clear error", () => {
    const net = models.unet({ width: 2, depth: 3 });
    assert.throws(
      () => net.forward(randn([1, 1, 36, 36])),
      /unet: level 2's feature map is 9x9.*multiples of 8/,
    );
    assert.throws(
      () => models.unet({ up: "nearest" as "bilinear" }),
      /unet: up must be "transposed" or "bilinear"/,
    );
  });
});

/**
 * The YOLO v1 loss written as the paper's five sums (the reference). The responsible box and its
 * IoU target come from `matchWith` (default: pred itself): the loss treats them as constants.
 */
function yoloLossLoop(pred: Tensor, target: Tensor, B: number, confIsIou: boolean, matchWith = pred): number {
  const [N, S, , D] = pred.shape;
  const C = D - 5 * B;
  const P = pred.data;
  const M = matchWith.data;
  const T = target.data;
  const ssqrt = (v: number) => Math.sign(v) * Math.sqrt(Math.abs(v) + 1e-6);
  let loss = 0;
  for (let cell = 0; cell < N * S * S; cell++) {
    const p = cell * D;
    const t = cell * (5 + C);
    const obj = T[t + 4] > 0;
    let resp = -1;
    let best = -1;
    if (obj)
      for (let j = 0; j < B; j++) {
        const iou = models.cellIou(M.slice(p + 5 * j, p + 5 * j + 4), T.slice(t, t + 4), S);
        if (iou > best) [resp, best] = [j, iou];
      }
    for (let j = 0; j < B; j++) {
      const b = p + 5 * j;
      if (j === resp) {
        loss += 5 * ((P[b] - T[t]) ** 2 + (P[b + 1] - T[t + 1]) ** 2);
        loss +=
          5 * ((ssqrt(P[b + 2]) - Math.sqrt(T[t + 2])) ** 2 + (ssqrt(P[b + 3]) - Math.sqrt(T[t + 3])) ** 2);
        loss += (P[b + 4] - (confIsIou ? best : 1)) ** 2;
      } else loss += 0.5 * P[b + 4] ** 2;
    }
    if (obj) for (let c = 0; c < C; c++) loss += (P[p + 5 * B + c] - T[t + 5 + c]) ** 2;
  }
  return loss / N;
}

describe("yoloTiny and yoloLoss", () => {
  it("outputs (N, S, S, B*5 + C)", () => {
    const net = models.yoloTiny();
    net.eval();
    assert.deepEqual([...noGrad(() => net.forward(randn([2, 3, 112, 112]))).shape], [2, 7, 7, 30]);
    const small = models.yoloTiny({ gridSize: 4, numBoxes: 1, numClasses: 3, width: 4 });
    assert.deepEqual([...small.forward(randn([1, 3, 64, 64])).shape], [1, 4, 4, 8]);
  });
  it("yoloTargets puts each object in the cell of its centre with cell-relative x, y", () => {
    const t = models.yoloTargets([[[10, 20, 30, 60]], []], [[2], []], {
      gridSize: 4,
      numClasses: 3,
      imageSize: 64,
    });
    assert.deepEqual([...t.shape], [2, 4, 4, 8]);
    // centre (20, 40) of a 64-pixel image: column floor(20/16) = 1, row floor(40/16) = 2
    const o = (2 * 4 + 1) * 8;
    expectClose(
      t.data.slice(o, o + 8),
      [20 / 16 - 1, 40 / 16 - 2, 20 / 64, 40 / 64, 1, 0, 0, 1],
      "target cell",
    );
    assert.equal(
      t.data.reduce((a, v) => a + v, 0),
      [...t.data.slice(o, o + 8)].reduce((a, v) => a + v, 0),
    );
    assert.throws(
      () => models.yoloTargets([[[30, 20, 10, 60]]], [[0]], { gridSize: 4, numClasses: 3, imageSize: 64 }),
      /yoloTargets: image 0, box 0 \[30,20,10,60\] has no area/,
    );
    assert.throws(
      () => models.yoloTargets([[[0, 0, 1, 1]]], [[3]], { gridSize: 4, numClasses: 3 }),
      /label 3 is not in \[0, 2\]/,
    );
  });
  for (const confidenceTarget of ["iou", "one"] as const)
    it(`the loss equals the paper's five sums (confidence target ${confidenceTarget}), and its gradient matches finite differences`, () => {
      manualSeed(5);
      const [S, B, C] = [3, 2, 4];
      const boxes = [
        [
          [0.1, 0.1, 0.4, 0.5],
          [0.6, 0.55, 0.95, 0.9],
        ],
        [[0.35, 0.4, 0.6, 0.62]],
      ];
      const target = models.yoloTargets(boxes, [[0, 3], [2]], { gridSize: S, numClasses: C });
      const pred = randn([2, S, S, B * 5 + C])
        .mul(0.5)
        .add(0.3);
      pred.requiresGrad_();
      const loss = models.yoloLoss(pred, target, { numBoxes: B, confidenceTarget });
      expectClose([loss.item()], [yoloLossLoop(pred, target, B, confidenceTarget === "iou")], "yoloLoss");
      loss.backward();
      const g = pred.grad!.data;
      // central differences of the reference at a few entries, the responsible boxes and IoU
      // targets held at pred's (constants of the loss, as in the paper)
      for (const i of [0, 2, 3, 4, 9, 12, 14, 45, 60, 61, 62, 63, 64, 100, 150]) {
        const h = 1e-3;
        const at = (d: number) => {
          const q = pred.detach().clone();
          q.storage[i] += d;
          return yoloLossLoop(q, target, B, confidenceTarget === "iou", pred);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        assert.ok(
          Math.abs(fd - g[i]) < 2e-2 * Math.max(1, Math.abs(fd)),
          `d loss / d pred[${i}]: autograd ${g[i]}, finite differences ${fd}`,
        );
      }
      assert.ok(g.some((v) => v !== 0));
    });
  it("yoloDecode inverts yoloTargets: a one-box prediction equal to the target decodes to the boxes", () => {
    const boxes = [
      [
        [0.1, 0.2, 0.3, 0.6],
        [0.55, 0.5, 0.95, 0.7],
      ],
      [[0.4, 0.4, 0.5, 0.45]],
    ];
    const target = models.yoloTargets(boxes, [[2, 0], [1]], { gridSize: 4, numClasses: 3 });
    const found = models.yoloDecode(target, { numBoxes: 1, threshold: 0.5 });
    assert.equal(found.length, 2);
    const sorted = (d: models.YoloDetection[]) => [...d].sort((a, b) => a.box[0] - b.box[0]);
    assert.deepEqual(
      sorted(found[0]).map((d) => [d.classIndex, d.score, d.predictor]),
      [
        [2, 1, 0],
        [0, 1, 0],
      ],
    );
    expectClose(
      sorted(found[0]).flatMap((d) => d.box),
      boxes[0].flat(),
      "decoded boxes",
    );
    expectClose(found[1][0].box, boxes[1][0], "decoded box");
    assert.deepEqual(found[1][0].cell, [1, 1]);
    assert.throws(
      () => models.yoloDecode(randn([1, 3, 3, 4])),
      /yoloDecode: pred must be \(N, S, S, B\*5 \+ C\) with numBoxes 2/,
    );
  });
  it("bad shapes are clear errors", () => {
    const pred = randn([1, 3, 3, 14]);
    assert.throws(
      () => models.yoloLoss(pred, randn([1, 3, 3, 8])),
      /yoloLoss: target must be \(N, S, S, 5 \+ C\) = \[1, 3, 3, 9\]/,
    );
    assert.throws(
      () => models.yoloLoss(randn([1, 3, 4, 14]), randn([1, 3, 3, 9])),
      /yoloLoss: pred must be \(N, S, S, B\*5 \+ C\)/,
    );
  });
  it("the detector trains: the loss falls over 30 steps on a fixed batch", () => {
    manualSeed(6);
    const net = models.yoloTiny({ gridSize: 4, numBoxes: 2, numClasses: 2, width: 4 });
    const x = randn([4, 3, 64, 64]);
    const target = models.yoloTargets(
      [
        [[4, 4, 20, 20]],
        [[40, 8, 60, 30]],
        [[10, 30, 50, 60]],
        [
          [30, 30, 40, 40],
          [2, 50, 12, 62],
        ],
      ],
      [[0], [1], [0], [1, 0]],
      { gridSize: 4, numClasses: 2, imageSize: 64 },
    );
    const opt = new optim.Adam(net.parameters(), { lr: 3e-3 });
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      opt.zeroGrad();
      const loss = models.yoloLoss(net.forward(x), target);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[29] < 0.5 * losses[0], `loss ${losses[0]} -> ${losses[29]}`);
    trainStep(net, () => models.yoloLoss(net.forward(x), target));
  });
});
