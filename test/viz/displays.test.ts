// The engine's objects shown in a notebook (the kernel's toMimeBundle, through the formatters viz
// registers): a tensor as its payload and pictures; a summary as the model-summary payload; a
// module as its summary table once an input shape is known, its PyTorch tree as text; a dataset
// as a labelled grid; a user's subclass with its own display method as that.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toMimeBundle } from "../../kernel/display/mime";
import { type ImageGridPayload, type ModelSummaryPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { TENSOR_MIME, type TensorPayload } from "../../kernel/display/schema";
import { data, models, nn, noGrad, randn, summary, tensor } from "../../kernel/engine/index";
import { answerFeatureMapsRequest } from "../../kernel/viz/feature-map-requests";
import "../../kernel/viz/formatters";
import { unpackNumeric } from "../../kernel/viz/image-grid";

describe("tensor display", () => {
  it("the tensor payload, the PyTorch text, a number table and a heatmap", () => {
    const t = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = toMimeBundle(t);
    const p = b[TENSOR_MIME] as TensorPayload;
    assert.deepEqual(p.shape, [2, 2]);
    assert.deepEqual(p.values, [1, 2, 3, 4]);
    assert.equal(b["text/plain"], t.toString());
    assert.match(b["text/html"] as string, /^<table/);
    assert.equal(typeof b["image/png"], "string");
  });
});

describe("summary display", () => {
  it("the model-summary payload with text and HTML fallbacks", () => {
    const s = summary(models.lenet5(), [1, 1, 28, 28]);
    const bundle = toMimeBundle(s);
    const payload = bundle[VIZ_MIME.modelSummary] as ModelSummaryPayload;
    assert.equal(payload.version, 1);
    assert.equal(payload.model, "LeNet5");
    assert.equal(payload.totals.totalParams, 61706);
    assert.deepEqual(
      payload.layers.map((l) => l.name),
      s.layers.map((l) => l.name),
    );
    assert.equal(typeof payload.modelId, "string", "the summarised model answers feature-map requests");
    assert.equal(bundle["text/plain"], s.toString());
    assert.match(bundle["text/html"] as string, /^<pre>[\s\S]*Total params: 61,706[\s\S]*<\/pre>$/);
  });
});

describe("module display", () => {
  it("a conv net: the tree until an input has run, then the summary at that input's shape", () => {
    const net = new nn.Sequential(
      new nn.Conv2d(1, 2, 3),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(72, 3),
    );
    const before = toMimeBundle(net);
    assert.equal(before[VIZ_MIME.modelSummary], undefined);
    assert.equal(before["text/plain"], net.toString());
    assert.match(before["text/html"] as string, /summary\(model, \[1, C, H, W\]\)/);

    noGrad(() => net.forward(randn([4, 1, 8, 8])));
    const after = toMimeBundle(net);
    const p = after[VIZ_MIME.modelSummary] as ModelSummaryPayload;
    assert.deepEqual(p.inputShapes, [[1, 1, 8, 8]]);
    assert.deepEqual(p.layers[1].outputShape, [1, 2, 6, 6]);
    assert.equal(p.totals.totalParams, 2 * 9 + 2 + 72 * 3 + 3);
    assert.equal(after["text/plain"], net.toString());
    // the payload's modelId answers feature-map requests on that input
    assert.deepEqual(answerFeatureMapsRequest({ modelId: p.modelId, layer: "0" }).grid?.shape, [2, 1, 6, 6]);
  });

  it("an MLP: the summary from its first Linear's inFeatures", () => {
    const mlp = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    const p = toMimeBundle(mlp)[VIZ_MIME.modelSummary] as ModelSummaryPayload;
    assert.deepEqual(p.inputShapes, [[1, 4]]);
    assert.equal(p.totals.totalParams, 4 * 3 + 3 + 3 * 2 + 2);
  });
});

describe("dataset display", () => {
  it("an image dataset: its first images with their labels", () => {
    const x = randn([20, 1, 4, 4]);
    const y = tensor(Array.from({ length: 20 }, (_, i) => i % 3));
    const b = toMimeBundle(new data.TensorDataset(x, y));
    const p = b[VIZ_MIME.imageGrid] as ImageGridPayload;
    assert.equal(p.kind, "samples");
    assert.deepEqual(p.shape, [16, 1, 4, 4]);
    assert.deepEqual(p.labels, [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
    assert.deepEqual(Array.from(unpackNumeric(p.data)), Array.from(x.storage.subarray(0, 16 * 16)));
    assert.equal(b["text/plain"], "TensorDataset: 20 samples");
    assert.ok(typeof b["image/png"] === "string");
  });

  it("data.Shapes shows itself as a grid captioned with class names", () => {
    const bundle = toMimeBundle(new data.Shapes({ count: 20, channels: 3 }));
    assert.equal(bundle["text/plain"], "Shapes: 20 samples, 3 classes: circle, square, triangle");
    assert.match(bundle["text/html"] as string, /circle|square|triangle/);
    assert.ok(typeof bundle["image/png"] === "string");
  });

  it("class names come from the dataset; non-image datasets show the text line", () => {
    class Shapes extends data.Dataset<[ReturnType<typeof randn>, number]> {
      readonly classes = ["circle", "square"];
      get length() {
        return 2;
      }
      get(i: number): [ReturnType<typeof randn>, number] {
        return [randn([3, 5, 5]), i];
      }
    }
    const b = toMimeBundle(new Shapes());
    const p = b[VIZ_MIME.imageGrid] as ImageGridPayload;
    assert.deepEqual(p.classNames, ["circle", "square"]);
    assert.deepEqual(p.shape, [2, 3, 5, 5]);
    assert.equal(b["text/plain"], "Shapes: 2 samples, 2 classes: circle, square");
    const points = toMimeBundle(new data.TensorDataset(randn([5, 2]), tensor([0, 1, 0, 1, 0])));
    assert.deepEqual(Object.keys(points), ["text/plain"]);
    assert.equal(points["text/plain"], "TensorDataset: 5 samples");
  });
});

describe("a user's own display method", () => {
  it("wins over the formatter of the class it extends", () => {
    class Shown extends nn.Sequential {
      [Symbol.for("Jupyter.display")]() {
        return { "text/markdown": "**my net**" };
      }
    }
    const b = toMimeBundle(new Shown(new nn.Linear(2, 2)));
    assert.equal(b["text/markdown"], "**my net**");
    assert.equal(b[VIZ_MIME.modelSummary], undefined);
    // subclasses without one display as their nearest registered class (Module)
    class Plain extends nn.Sequential {}
    assert.ok(toMimeBundle(new Plain(new nn.Linear(2, 2)))[VIZ_MIME.modelSummary]);
  });
});
