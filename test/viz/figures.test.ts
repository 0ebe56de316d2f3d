// The static viz helpers on known inputs: the lecture's 6x6 edge convolution step by step (equal
// to F.conv2d and to the renderer's own walk), confusion counts, filter and feature-map tiles,
// labelled samples with the misclassified ones marked, and one MIME bundle with fallbacks each.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inflateSync } from "node:zlib";
import { toMimeBundle } from "../../kernel/display/mime";
import { type ImageGridPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { data, F, nn, randn, type Tensor, tensor } from "../../kernel/engine/index";
import { unpackNumeric } from "../../kernel/viz/image-grid";
import { confusionMatrix, convSteps, featureMaps, filters, samples } from "../../kernel/viz/index";
import { walkConvolution } from "../../webviews/lib/conv-steps";
import { expectClose } from "../helpers";

const lightToDark = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const vertical = [
  [1, 0, -1],
  [1, 0, -1],
  [1, 0, -1],
];
const plane = (t: Tensor) =>
  Array.from({ length: t.shape[2] }, (_, r) =>
    Array.from(t.storage.subarray(r * t.shape[3], (r + 1) * t.shape[3])),
  );
const img = (rows: number[][]) => tensor(rows).reshape([1, 1, rows.length, rows[0].length]);

/** Keys of a bundle: always the payload plus fallbacks. */
function assertFallbacks(b: Record<string, unknown>, mime: string): void {
  assert.ok(b[mime], `payload ${mime}`);
  assert.equal(typeof b["text/plain"], "string");
  assert.ok(
    typeof b["text/html"] === "string" || typeof b["image/png"] === "string",
    "an html or png fallback",
  );
}

describe("viz.convSteps", () => {
  it("the lecture's 6x6 vertical edge (seed 004): windows, products and sums, rows 0 30 30 0", () => {
    const fig = convSteps(lightToDark, vertical);
    assert.deepEqual(fig.output, [
      [0, 30, 30, 0],
      [0, 30, 30, 0],
      [0, 30, 30, 0],
      [0, 30, 30, 0],
    ]);
    assert.equal(fig.steps.length, 16);
    // "Start from top left": the window is all 10s in its first two columns, the sum 0
    assert.deepEqual(fig.steps[0].window, [
      [10, 10, 10],
      [10, 10, 10],
      [10, 10, 10],
    ]);
    assert.deepEqual(fig.steps[0].products, [
      [10, 0, -10],
      [10, 0, -10],
      [10, 0, -10],
    ]);
    assert.equal(fig.steps[0].sum, 0);
    // "Move one pixel to the next": 10 10 0 under 1 0 -1 -> 30
    assert.deepEqual(fig.steps[1].window[0], [10, 10, 0]);
    assert.deepEqual(fig.steps[1].products[0], [10, 0, -0]);
    assert.equal(fig.steps[1].sum, 30);
    assert.equal(
      fig.steps[1].equation,
      "10×1 + 10×0 + 0×(-1) + 10×1 + 10×0 + 0×(-1) + 10×1 + 10×0 + 0×(-1) = 30",
    );
    const b = toMimeBundle(fig);
    assertFallbacks(b, VIZ_MIME.convSteps);
    assert.match(b["text/plain"] as string, /^6x6 input \* 3x3 filter = 4x4 output\noutput:\n0 30 30 0\n/);
    assert.equal((b["text/html"] as string).match(/<li>/g)?.length, 16);
  });

  for (const opts of [
    { stride: 2 },
    { padding: 1 },
    { dilation: 2 },
    { stride: 2, padding: 2, dilation: 2 },
  ]) {
    it(`equals F.conv2d and the renderer's walk with ${JSON.stringify(opts)}`, () => {
      const x = randn([7, 8]);
      const k = randn([3, 2]);
      const fig = convSteps(x, k, { ...opts, bias: 0.5 });
      const ref = F.conv2d(x.reshape([1, 1, 7, 8]), k.reshape([1, 1, 3, 2]), tensor([0.5]), opts);
      expectClose(fig.output.flat(), plane(ref).flat(), "conv steps vs F.conv2d");
      const walk = walkConvolution(fig.payload); // what the renderer will show
      expectClose(
        walk.steps.map((s) => s.value),
        fig.steps.map((s) => s.sum),
        "renderer walk",
        { atol: 1e-5 },
      );
    });
  }

  it("explains a filter that does not fit", () => {
    assert.throws(
      () => convSteps([[1, 2]], vertical),
      /a 3x3 filter \(dilation 1\) does not fit a 1x2 input/,
    );
    assert.throws(
      () => convSteps(lightToDark, vertical, { stride: 0 }),
      /stride must be an integer >= 1, got 0/,
    );
  });
});

describe("viz.confusionMatrix", () => {
  it("counts (true, predicted) pairs from logits or indices", () => {
    const logits = tensor([
      [2, 1, 0],
      [0, 3, 1],
      [0, 3, 1],
      [5, 0, 0],
      [0, 0, 1],
    ]); // argmax 0 1 1 0 2
    const target = tensor([0, 1, 2, 1, 2]);
    const fig = confusionMatrix(logits, target, ["cat", "dog", "car"]);
    assert.deepEqual(fig.matrix, [
      [1, 0, 0],
      [1, 1, 0],
      [0, 1, 1],
    ]);
    assert.equal(fig.accuracy, 3 / 5);
    assert.deepEqual(fig.perClassAccuracy, [1, 0.5, 0.5]);
    const b = toMimeBundle(fig);
    assertFallbacks(b, VIZ_MIME.confusionMatrix);
    assert.match(b["text/plain"] as string, /accuracy 60\.0%/);
    // pred [0, 1] for two samples of class 1: row 1 holds both
    assert.deepEqual(confusionMatrix([0, 1], [1, 1]).matrix, [
      [0, 0],
      [1, 1],
    ]);
    assert.throws(() => confusionMatrix([0, 1], [1]), /pred has 2 samples but target has 1/);
    assert.throws(
      () => confusionMatrix([0, 3], [1, 1], ["a", "b"]),
      /class index 3 is out of range for 2 classes/,
    );
  });

  it("counts a segmentation's pixels: 300 masks of 32x32 are 307,200 samples", () => {
    // Math.max(...indices) overflowed the call stack from about 100k samples.
    const N = 300 * 32 * 32;
    const target = Array.from({ length: N }, (_, i) => i % 4);
    const pred = target.map((c, i) => (i % 10 === 0 ? (c + 1) % 4 : c)); // every tenth pixel wrong
    const fig = confusionMatrix(tensor(pred), tensor(target), 4);
    assert.equal(
      fig.matrix.flat().reduce((a, b) => a + b, 0),
      N,
    );
    assert.ok(Math.abs(fig.accuracy - 0.9) < 1e-9, `accuracy ${fig.accuracy}`);
    assert.equal(fig.matrix[0][1], N / 10 / 2, "the wrong pixels of class 0 (i % 20 === 0) went to class 1");
  });
});

describe("viz.filters and viz.featureMaps", () => {
  it("conv weights as tiles: one per (out, in) pair, RGB for 3 input channels", () => {
    const conv = new nn.Conv2d(2, 3, 2);
    const fig = filters(conv);
    assert.deepEqual(fig.payload.shape, [6, 1, 2, 2]);
    expectClose(unpackNumeric(fig.payload.data), conv.weight.storage, "tiles are the weights");
    const rgb = filters(new nn.Conv2d(3, 4, 5));
    assert.deepEqual(rgb.payload.shape, [4, 3, 5, 5]);
    const b = toMimeBundle(rgb);
    assertFallbacks(b, VIZ_MIME.imageGrid);
    const png = Buffer.from(b["image/png"] as string, "base64");
    assert.equal(png.readUInt32BE(16) > 0, true); // IHDR width
    assert.throws(() => filters(new nn.ReLU()), /ReLU has no weight tensor/);
  });

  it("a layer's output on an input: batch item 0's channels, values of the layer", () => {
    const conv = new nn.Conv2d(1, 2, 3, { bias: false });
    conv.weight.storage.set([1, 0, -1, 1, 0, -1, 1, 0, -1, -1, 0, 1, -1, 0, 1, -1, 0, 1]);
    const net = new nn.Sequential(conv, new nn.ReLU(), new nn.Flatten());
    const fig = featureMaps(net, img(lightToDark), { layer: "1" });
    assert.deepEqual(fig.payload.shape, [2, 1, 4, 4]);
    const v = unpackNumeric(fig.payload.data);
    expectClose(v.subarray(0, 4), [0, 30, 30, 0], "ReLU of the edge map");
    expectClose(v.subarray(16, 20), [0, 0, 0, 0], "ReLU of its negative");
    assert.equal(featureMaps(net, img(lightToDark), { layer: conv }).payload.layer, "0");
    assert.equal(featureMaps(net, img(lightToDark), { layer: "0", maxChannels: 1 }).payload.shape[0], 1);
    assert.throws(
      () => featureMaps(net, img(lightToDark), { layer: "2" }),
      /outputs shape \[1, 32\], not 4-D/,
    );
    assert.throws(() => featureMaps(net, img(lightToDark), { layer: "9" }), /has no layer "9"/);
  });
});

describe("viz.samples", () => {
  const x = tensor([
    [
      [
        [0, 1],
        [1, 0],
      ],
    ],
    [
      [
        [1, 1],
        [0, 0],
      ],
    ],
    [
      [
        [0, 0],
        [1, 1],
      ],
    ],
  ]); // (3, 1, 2, 2)
  const y = tensor([0, 1, 2]);

  it("a batch with predictions: labels, predictions and classNames in the payload, wrong ones captioned", () => {
    const fig = samples([x, y], { predictions: [0, 2, 2], classNames: ["a", "b", "c"] });
    const p = fig.payload as ImageGridPayload;
    assert.deepEqual(p.shape, [3, 1, 2, 2]);
    assert.deepEqual(p.labels, [0, 1, 2]);
    assert.deepEqual(p.predictions, [0, 2, 2]);
    assert.equal(p.title, "1 of 3 misclassified");
    expectClose(unpackNumeric(p.data), x.storage, "pixels");
    const b = toMimeBundle(fig);
    assertFallbacks(b, VIZ_MIME.imageGrid);
    assert.match(b["text/plain"] as string, /a, c \(true b\) ✗, c/);
  });

  it("onlyWrong keeps the misclassified samples; a model can predict", () => {
    const fig = samples([x, y], { predictions: [0, 2, 2], onlyWrong: true });
    assert.deepEqual(fig.payload.labels, [1]);
    expectClose(unpackNumeric(fig.payload.data), [1, 1, 0, 0], "the wrong one");
    const net = new nn.Sequential(new nn.Flatten(), new nn.Linear(4, 3));
    const byModel = samples([x, y], { model: net });
    assert.equal(byModel.payload.predictions?.length, 3);
  });

  it("a dataset: its first n samples with its labels", () => {
    const ds = new data.TensorDataset(x, y);
    const fig = samples(ds, { n: 2 });
    assert.deepEqual(fig.payload.shape, [2, 1, 2, 2]);
    assert.deepEqual(fig.payload.labels, [0, 1]);
    assert.deepEqual(
      samples(new data.DataLoader(ds, { batchSize: 2, shuffle: true })).payload.labels,
      [0, 1, 2],
    );
    assert.throws(() => samples(tensor([1, 2])), /expected a Dataset, a batch \[x, y\] or images/);
  });
});

describe("PNG fallback", () => {
  it("draws one pixel block per value, a near-square grid of tiles", () => {
    const fig = samples(tensor([[[[0, 1]]], [[[1, 0]]]]), {});
    const png = Buffer.from(toMimeBundle(fig)["image/png"] as string, "base64");
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    // 2 tiles of 1x2, scaled up 16x (cap): 2 columns of 32 px + a 2 px gap; 1 row of 16 px
    assert.deepEqual([width, height], [66, 16]);
    // first row of pixels: filter byte, then tile 0 = values 0 (black), 1 (white), each 16 px wide
    const len = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + len));
    assert.deepEqual([...raw.subarray(1, 5)], [0, 0, 0, 255]);
    assert.deepEqual([...raw.subarray(1 + 16 * 4, 5 + 16 * 4)], [255, 255, 255, 255]);
  });
});
