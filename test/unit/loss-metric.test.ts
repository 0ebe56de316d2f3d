// The losses of issue 17 beyond their goldens: hand-computed contrastive values (both of its forms),
// the ArcFace / CosFace heads' logits (margin only on the true class, m = 0 is a scaled cosine
// classifier, training with cross-entropy separates classes), and every op's bad-input errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, manualSeed, nn, noGrad, optim, randn, tensor } from "../../kernel/engine/index";
import { expectClose } from "../helpers";

describe("contrastiveLoss (Hadsell et al. 2006)", () => {
  // Pair 0 similar at distance 3 (~ the eps), pair 1 dissimilar at distance 0.5, pair 2 dissimilar at 4.
  const x1 = tensor([
    [0, 0],
    [0, 0],
    [0, 0],
  ]);
  const x2 = tensor([
    [3, 0],
    [0.5, 0],
    [0, 4],
  ]);
  const y = tensor([1, 0, 0]);
  const opts = { eps: 0 };
  it("pulls similar pairs together and pushes dissimilar ones to the margin", () => {
    const none = F.contrastiveLoss(x1, x2, y, { ...opts, margin: 2, reduction: "none" });
    expectClose(
      none.storage,
      [0.5 * 9, 0.5 * 1.5 ** 2, 0],
      "d^2 / 2, max(0, m - d)^2 / 2, 0 past the margin",
    );
    const plain = F.contrastiveLoss(x1, x2, y, { ...opts, margin: 2, squared: false, reduction: "sum" });
    expectClose(plain.storage, [3 + 1.5], "the slide's plain form");
    const m = new nn.ContrastiveLoss({ margin: 2, eps: 0 });
    expectClose(m.forward(x1, x2, y).storage, [(4.5 + 1.125) / 3], "the module's mean");
    assert.equal(String(m), "ContrastiveLoss(margin=2, eps=0)");
  });

  it("explains bad labels and shapes", () => {
    assert.throws(
      () => F.contrastiveLoss(x1, x2, tensor([1, -1, 0])),
      /contrastiveLoss: target must be 0 or 1 \(1 for similar pairs, 0 for dissimilar ones\), found -1 at position 1/,
    );
    assert.throws(
      () => F.contrastiveLoss(x1, x2, tensor([1, 0])),
      /contrastiveLoss: target must hold one label per pair, shape \[3\] for inputs of shape \[3, 2\], got \[2\]/,
    );
    assert.throws(
      () => F.contrastiveLoss(x1, randn([3, 3]), y),
      /input1 and input2 must be embeddings of one shape/,
    );
  });
});

describe("ArcFace and CosFace heads", () => {
  it("put the margin on the true class only, scaled by s", () => {
    manualSeed(3);
    const x = randn([4, 6]);
    const labels = tensor([0, 2, 1, 2], { dtype: "int64" });
    const arc = new nn.ArcFace(6, 3, { s: 10, m: 0.4 });
    const plain = arc.forward(x); // s * cos(theta)
    const withMargin = arc.forward(x, labels);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 3; j++) {
        const cos = plain.storage[i * 3 + j] / 10;
        const expected = j === labels.storage[i] ? 10 * Math.cos(Math.acos(cos) + 0.4) : 10 * cos;
        // theta + m stays below pi for these random embeddings, where cos(theta + m) applies
        assert.ok(Math.acos(cos) + 0.4 < Math.PI);
        expectClose([withMargin.storage[i * 3 + j]], [expected], `logit [${i}, ${j}]`);
      }
    const cosFace = new nn.CosFace(6, 3, { s: 10, m: 0.25 });
    const c = cosFace.forward(x, labels).sub(cosFace.forward(x));
    expectClose(
      c.storage,
      [-2.5, 0, 0, 0, 0, -2.5, 0, -2.5, 0, 0, 0, -2.5],
      "CosFace subtracts s * m at the labels",
    );
  });

  it("with m = 0 are a cosine classifier: logits in [-s, s], unlike a linear layer's", () => {
    const head = new nn.ArcFace(4, 3, { s: 5, m: 0 });
    const x = randn([8, 4]).mul(10);
    const logits = head.forward(x, tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: "int64" }));
    assert.ok([...logits.storage].every((v) => Math.abs(v) <= 5 + 1e-5));
    const linear = F.linear(x, head.weight);
    assert.ok(
      [...linear.storage].some((v) => Math.abs(v) > 5),
      "a linear layer's logits grow with |x|",
    );
  });

  it("train with cross-entropy: the margin separates two classes of embeddings", () => {
    manualSeed(7);
    const x = tensor([
      [1, 0.2],
      [0.9, -0.1],
      [-0.2, 1],
      [0.1, 0.8],
    ]);
    const y = tensor([0, 0, 1, 1], { dtype: "int64" });
    const head = new nn.ArcFace(2, 2, { s: 8, m: 0.3 });
    const opt = new optim.SGD(head.parameters(), { lr: 0.5 });
    let first = 0;
    let last = 0;
    for (let step = 0; step < 60; step++) {
      opt.zeroGrad();
      const loss = F.crossEntropy(head.forward(x, y), y);
      loss.backward();
      opt.step();
      if (step === 0) first = loss.item();
      last = loss.item();
    }
    assert.ok(last < first / 2, `loss fell from ${first} to ${last}`);
    const predicted = head.forward(x).argmax(1);
    assert.deepEqual([...predicted.storage], [0, 0, 1, 1]);
  });

  it("ArcFace: an embedding exactly along or against a weight row keeps finite gradients", () => {
    // cos = 1 and -1 exactly: 1 - cos^2 is 0, where sqrt's gradient is infinite.
    const head = new nn.ArcFace(2, 3, { s: 8, m: 0.5 });
    noGrad(() =>
      head.weight.copy_(
        tensor([
          [1, 0],
          [-1, 0],
          [0, 1],
        ]),
      ),
    );
    const x = tensor([
      [2, 0],
      [0.6, 0.8],
    ]).requiresGrad_();
    const y = tensor([0, 2], { dtype: "int64" });
    const logits = head.forward(x, y);
    // row 0: theta 0 for class 0 (its label: cos(0 + 0.5)), pi for class 1, pi/2 for class 2
    expectClose(logits.storage.subarray(0, 3), [8 * Math.cos(0.5), -8, 0], "logits of the aligned embedding");
    F.crossEntropy(logits, y).backward();
    for (const [name, g] of [
      ["input", x.grad!],
      ["weight", head.weight.grad!],
    ] as const)
      assert.ok(g.storage.every(Number.isFinite), `the ${name}'s gradient: ${[...g.storage]}`);
  });

  it("explain bad input", () => {
    const head = new nn.ArcFace(4, 3);
    assert.throws(
      () => head.forward(randn([2, 5])),
      /ArcFace: input must be embeddings \(N, 4\), got shape \[2, 5\]/,
    );
    assert.throws(
      () => head.forward(randn([2, 4]), tensor([0, 3])),
      /ArcFace: target must be class indices in \[0, 3\), found 3 at position 1/,
    );
    assert.throws(
      () => head.forward(randn([2, 4]), tensor([0])),
      /ArcFace: target must hold one class index per embedding, shape \[2\], got \[1\]/,
    );
    assert.throws(() => new nn.CosFace(4, 0), /CosFace: numClasses must be a positive integer, got 0/);
    assert.throws(() => new nn.ArcFace(4, 3, { s: 0 }), /ArcFace: s \(the scale\) must be a positive number/);
    assert.equal(String(new nn.ArcFace(128, 10, { s: 30 })), "ArcFace(128, 10, s=30)");
  });
});

describe("regression and pair losses: bad input", () => {
  const a = randn([3, 4]);
  it("name the op, the expectation and the value", () => {
    assert.throws(() => F.huberLoss(a, a, { delta: 0 }), /huberLoss: delta must be a positive number, got 0/);
    assert.throws(
      () => F.smoothL1Loss(a, a, { beta: -1 }),
      /smoothL1Loss: beta must be a non-negative number, got -1/,
    );
    assert.throws(
      () => F.huberLoss(a, randn([4, 3])),
      /huberLoss: target shape \[4, 3\] differs from input shape \[3, 4\]/,
    );
    assert.throws(
      () => F.klDiv(a, a, { reduction: "batchsum" as never }),
      /klDiv: reduction must be 'mean', 'batchmean', 'sum' or 'none', got "batchsum"/,
    );
    assert.throws(
      () => F.poissonNllLoss(a, a, { eps: -1 }),
      /poissonNllLoss: eps must be a non-negative number/,
    );
    assert.throws(
      () => F.cosineEmbeddingLoss(a, a, tensor([1, 0, -1])),
      /cosineEmbeddingLoss: target must be 1 or -1 .* found 0 at position 1/,
    );
    assert.throws(
      () => F.marginRankingLoss(randn([3]), randn([3]), randn([4])),
      /marginRankingLoss: input1, input2 and target must have one shape, got \[3\], \[3\] and \[4\]/,
    );
  });

  it("smoothL1Loss is huberLoss / beta, and klDiv of a distribution with itself is 0", () => {
    const x = randn([5, 3]).mul(2);
    const t = randn([5, 3]);
    expectClose(
      F.smoothL1Loss(x, t, { beta: 0.7 }).storage,
      F.huberLoss(x, t, { delta: 0.7 }).div(0.7).storage,
      "ratio",
    );
    const logp = F.logSoftmax(randn([4, 6]), 1);
    expectClose(F.klDiv(logp, logp.exp(), { reduction: "batchmean" }).storage, [0], "KL(p || p)", {
      atol: 1e-6,
    });
    expectClose(
      F.klDiv(logp, logp, { reduction: "sum", logTarget: true }).storage,
      [0],
      "KL(p || p), log target",
      { atol: 1e-6 },
    );
  });
});
