// Looking inside a CNN: saliency equals the autograd gradient (SmoothGrad of a linear model equals
// it too); on a small net trained to detect a planted bright patch, Grad-CAM peaks on the patch and
// occluding the patch drops the score most; maxActivations finds the images a channel responds to
// most; feature visualisation raises its channel's activation far above what noise gets; PCA and
// t-SNE separate well-separated clusters (PCA keeps a plane's distances exactly). Each figure is
// one MIME bundle with PNG / HTML / text fallbacks.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import {
  data,
  F,
  manualSeed,
  nn,
  noGrad,
  optim,
  randn,
  type Tensor,
  tensor,
} from "../../kernel/engine/index";
import {
  embedding,
  featureVisualization,
  gradCam,
  maxActivations,
  occlusion,
  saliency,
} from "../../kernel/viz/index";
import { expectClose } from "../helpers";

const SIZE = 16;
const PATCH = 4;

/** n images (n, 1, 16, 16) of noise; odd ones get a bright 4x4 patch at a random place (label 1). */
function patchImages(n: number): { x: Tensor; y: Tensor; where: [number, number][] } {
  const x = randn([n, 1, SIZE, SIZE]).mul(0.3);
  const where: [number, number][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = Math.floor(Math.random() * (SIZE - PATCH + 1));
    const c = Math.floor(Math.random() * (SIZE - PATCH + 1));
    where.push([r, c]);
    labels.push(i % 2);
    if (i % 2 === 1)
      for (let dr = 0; dr < PATCH; dr++)
        for (let dc = 0; dc < PATCH; dc++) x.storage[i * SIZE * SIZE + (r + dr) * SIZE + c + dc] += 2;
  }
  return { x, y: tensor(labels), where };
}

/** Whether (row, col) lies in the patch at `at`, grown by `slack` pixels. */
const inPatch = ([row, col]: [number, number], at: [number, number], slack: number) =>
  row >= at[0] - slack && row < at[0] + PATCH + slack && col >= at[1] - slack && col < at[1] + PATCH + slack;

const argmax2d = (m: Tensor, n: number): [number, number] => {
  const [, H, W] = m.shape;
  const v = m.data.subarray(n * H * W, (n + 1) * H * W);
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return [Math.floor(best / W), best % W];
};

function assertBundle(b: Record<string, unknown>, mime?: string): void {
  if (mime !== undefined) assert.ok(b[mime], `payload ${mime}`);
  assert.equal(typeof b["image/png"], "string");
  assert.ok(
    Buffer.from(b["image/png"] as string, "base64")
      .subarray(1, 4)
      .toString() === "PNG",
  );
  assert.equal(typeof b["text/html"], "string");
  assert.equal(typeof b["text/plain"], "string");
}

describe("viz: looking inside a patch detector", () => {
  let net: nn.Sequential;
  let test: ReturnType<typeof patchImages>;
  before(() => {
    manualSeed(20);
    // Math.random places the patches; seed it through a fixed sequence for reproducibility
    let s = 12345;
    Math.random = () => {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      return s / 2 ** 31;
    };
    net = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.Conv2d(8, 8, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.AdaptiveMaxPool2d([1, 1]),
      new nn.Flatten(),
      new nn.Linear(8, 2),
    );
    const train = patchImages(256);
    const opt = new optim.Adam(net.parameters(), { lr: 0.01 });
    for (let epoch = 0; epoch < 6; epoch++)
      for (let b = 0; b < 256; b += 32) {
        opt.zeroGrad();
        F.crossEntropy(net.forward(train.x.narrow(0, b, 32)), train.y.narrow(0, b, 32)).backward();
        opt.step();
      }
    test = patchImages(20);
    const pred = Array.from(noGrad(() => net.forward(test.x)).argmax(1).data);
    const acc = pred.filter((p, i) => p === test.y.data[i]).length / 20;
    assert.ok(acc >= 0.95, `the patch detector reaches ${acc} test accuracy`);
  });

  it("Grad-CAM of the last conv block peaks on the planted patch", () => {
    const pos = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    const x = test.x.indexSelect(0, tensor(pos).long());
    const w = (net.get(0) as nn.Conv2d).weight;
    const gradBefore = w.grad;
    const fig = gradCam(net, x, "3", 1);
    assert.deepEqual([...fig.map.shape], [10, SIZE, SIZE]);
    assert.deepEqual([...fig.cam.shape], [10, SIZE, SIZE]);
    const hits = pos.filter((p, k) => inPatch(argmax2d(fig.map, k), test.where[p], 1)).length;
    assert.ok(hits >= 9, `Grad-CAM peaks on the patch in ${hits} of 10 images`);
    assertBundle(fig.bundle() as Record<string, unknown>, VIZ_MIME.imageGrid);
    assert.match(String(fig), /Grad-CAM of 3: 30 tiles of 16x16 RGB/);
    // the parameters' gradients are left alone
    assert.equal(w.grad, gradBefore);
  });

  it("occluding the decisive patch drops the score most", () => {
    const pos = [1, 3, 5, 7, 9];
    const x = test.x.indexSelect(0, tensor(pos).long());
    const fig = occlusion(net, x, { classIndex: 1, patchSize: PATCH, stride: 2 });
    const hits = pos.filter((p, k) => inPatch(argmax2d(fig.map, k), test.where[p], 2)).length;
    assert.ok(hits >= 4, `the largest drop is on the patch in ${hits} of 5 images`);
    // the map is the mean drop: occluding at the argmax's patch position by hand gives a drop that large
    const logits = noGrad(() => net.forward(x)).data;
    expectClose(
      fig.score,
      pos.map((_, k) => logits[2 * k + 1]),
      "unoccluded scores",
    );
    assertBundle(fig.bundle() as Record<string, unknown>, VIZ_MIME.imageGrid);
  });

  it("saliency is d score / d input (vanilla), the map its largest |value| over channels", () => {
    const x = test.x.narrow(0, 0, 4);
    const fig = saliency(net, x, { classIndex: [1, 1, 0, 1] });
    const leaf = x.detach().clone().requiresGrad_();
    const out = net.forward(leaf);
    out.get(0).get(1).add(out.get(1).get(1)).add(out.get(2).get(0)).add(out.get(3).get(1)).backward();
    expectClose(fig.gradient.data, leaf.grad!.data, "saliency gradient");
    expectClose(fig.map.data, leaf.grad!.data.map(Math.abs), "saliency map (one channel: |gradient|)");
    assert.deepEqual(fig.classIndex, [1, 1, 0, 1]);
    net.zeroGrad();
    assertBundle(fig.bundle() as Record<string, unknown>, VIZ_MIME.imageGrid);
  });

  it("maxActivations ranks the images by a channel's activation", () => {
    const fig = maxActivations(net, new data.TensorDataset(test.x, test.y), {
      layer: "3",
      channel: 2,
      k: 5,
      batchSize: 7,
    });
    const acts = noGrad(() =>
      (net.get(3) as nn.ReLU).forward(
        (net.get(2) as nn.Conv2d).forward(
          (net.get(1) as nn.ReLU).forward((net.get(0) as nn.Conv2d).forward(test.x)),
        ),
      ),
    );
    const means = Array.from({ length: 20 }, (_, i) => acts.get(i).get(2).mean().item());
    expectClose(fig.allScores, means, "per-image mean activation");
    const order = means
      .map((m, i) => [m, i])
      .sort((a, b) => b[0] - a[0])
      .slice(0, 5)
      .map((p) => p[1]);
    assert.deepEqual(fig.indices, order);
    assert.deepEqual(maxActivations(net, test.x, { layer: "3", channel: 2, k: 5 }).indices, order);
    assertBundle(fig.bundle() as Record<string, unknown>, VIZ_MIME.imageGrid);
    assert.throws(
      () => maxActivations(net, test.x, { layer: "3", channel: 8 }),
      /channel 8 is not a channel of layer "3" \(output shape \[20, 8, 16, 16\]\)/,
    );
  });

  it("feature visualisation raises its channel's activation far above noise", () => {
    manualSeed(21);
    const block = (x: Tensor) =>
      noGrad(() =>
        (net.get(3) as nn.ReLU).forward(
          (net.get(2) as nn.Conv2d).forward(
            (net.get(1) as nn.ReLU).forward((net.get(0) as nn.Conv2d).forward(x)),
          ),
        ),
      );
    // the channel most active on the test images (some channels are dead on noise)
    const acts = block(test.x);
    const channelMeans = Array.from({ length: 8 }, (_, c) => acts.narrow(1, c, 1).mean().item());
    const channel = channelMeans.indexOf(Math.max(...channelMeans));
    const fig = featureVisualization(net, {
      layer: "3",
      channel,
      inputShape: [1, 1, SIZE, SIZE],
      steps: 40,
      lr: 0.1,
    });
    const noise = block(randn([1, 1, SIZE, SIZE]).mul(fig.image.std().item()))
      .get(0)
      .get(channel)
      .mean()
      .item();
    const last = fig.objective[fig.objective.length - 1];
    assert.equal(fig.objective.length, 41);
    assert.ok(
      last > 3 * Math.max(noise, 1e-3) && last > fig.objective[0] + 0.5,
      `objective ${fig.objective[0]} -> ${last}; noise of the same std ${noise}`,
    );
    assertBundle(fig.bundle() as Record<string, unknown>, VIZ_MIME.imageGrid);
  });
});

describe("viz.saliency", () => {
  it("SmoothGrad of a linear model equals its (constant) gradient", () => {
    manualSeed(22);
    const lin = new nn.Sequential(new nn.Flatten(), new nn.Linear(2 * 5 * 5, 3));
    const x = randn([2, 2, 5, 5]);
    const smooth = saliency(lin, x, { method: "smoothGrad", samples: 5, classIndex: 2 });
    const w = (lin.get(1) as nn.Linear).weight.data.subarray(2 * 50, 3 * 50);
    expectClose(smooth.gradient.data, [...w, ...w], "SmoothGrad of a linear model");
    assert.equal((lin.get(1) as nn.Linear).weight.grad, null);
    assert.throws(
      () => saliency(lin, x.get(0), {}),
      /viz.saliency: input must be images \(N, C, H, W\), got shape \[2, 5, 5\]/,
    );
    assert.throws(
      () => saliency(lin, x, { classIndex: 3 }),
      /classIndex 3 \(image 0\) is not a class of this model's 3 outputs/,
    );
  });
});

describe("viz.embedding", () => {
  /** k clusters of n points in D dims, centres 10 apart, spread 0.5. */
  function clusters(k: number, n: number, D: number): { x: Tensor; y: number[] } {
    const x = randn([k * n, D]).mul(0.5);
    const y: number[] = [];
    for (let c = 0; c < k; c++)
      for (let i = 0; i < n; i++) {
        y.push(c);
        x.storage[(c * n + i) * D + (c % D)] += 10;
      }
    return { x, y };
  }
  /** Fraction of points whose nearest neighbour (in 2-D) has their class. */
  function neighbourAgreement(p: Tensor, y: number[]): number {
    const v = p.data;
    let ok = 0;
    for (let i = 0; i < y.length; i++) {
      let best = -1;
      let bd = Number.POSITIVE_INFINITY;
      for (let j = 0; j < y.length; j++) {
        if (j === i) continue;
        const d = (v[2 * i] - v[2 * j]) ** 2 + (v[2 * i + 1] - v[2 * j + 1]) ** 2;
        if (d < bd) [best, bd] = [j, d];
      }
      if (y[best] === y[i]) ok++;
    }
    return ok / y.length;
  }
  it("PCA and t-SNE separate well-separated clusters", () => {
    manualSeed(23);
    const { x, y } = clusters(3, 50, 8);
    for (const method of ["pca", "tsne"] as const) {
      const fig = embedding(x, y, { method, classNames: ["a", "b", "c"], iterations: 300 });
      assert.deepEqual([...fig.points.shape], [150, 2]);
      assert.equal(neighbourAgreement(fig.points, y), 1, method);
      const b = fig.bundle() as Record<string, unknown>;
      assertBundle(b);
      assert.match(String(b["text/html"]), /<svg/);
      assert.match(String(fig), /150 points \(a: 50, b: 50, c: 50\)/);
    }
  });
  it("PCA of points on a plane keeps their distances", () => {
    manualSeed(24);
    const uv = randn([40, 2]);
    // an orthonormal basis of a plane in 5-D
    const e1 = [0.6, 0, 0.8, 0, 0];
    const e2 = [0, 0.6, 0, 0, -0.8];
    const rows = Array.from({ length: 40 }, (_, i) =>
      e1.map((a, d) => 3 + uv.data[2 * i] * a + uv.data[2 * i + 1] * e2[d]),
    );
    const p = embedding(rows, new Array(40).fill(0)).points.data;
    for (const [i, j] of [
      [0, 1],
      [2, 30],
      [5, 39],
      [10, 11],
    ])
      expectClose(
        [Math.hypot(p[2 * i] - p[2 * j], p[2 * i + 1] - p[2 * j + 1])],
        [Math.hypot(uv.data[2 * i] - uv.data[2 * j], uv.data[2 * i + 1] - uv.data[2 * j + 1])],
        `distance ${i}-${j}`,
        { atol: 1e-4, rtol: 1e-4 },
      );
  });
  it("PCA of 150,000 points (a segmentation's pixels) draws without overflowing the stack", () => {
    manualSeed(25);
    const n = 150_000;
    const fig = embedding(
      randn([n, 3]),
      Array.from({ length: n }, (_, i) => i % 4),
    );
    assert.equal(fig.points.shape[0], n);
    assertBundle(fig.bundle() as Record<string, unknown>);
  });
  it("bad input is a clear error", () => {
    assert.throws(
      () => embedding(randn([5, 3]), [0, 1]),
      /viz.embedding: got 5 feature vectors but 2 labels/,
    );
    assert.throws(
      () => embedding(randn([5, 3]), [0, 1, 0, 1, 0], { method: "tsne", perplexity: 30 }),
      /perplexity must be in \(0, 1.3\] for 5 points/,
    );
  });
});
