// The renderer's "feature maps of layer L" requests: a model shown by summary() gets a modelId in
// its payload, its last input is kept (batch item 0), and answerFeatureMapsRequest returns that
// layer's output on it (values equal to running the layers by hand) or a clear error.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { toMimeBundle } from "../../kernel/display/mime";
import type { ModelSummaryPayload } from "../../kernel/display/payloads-viz";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { cat, full, nn, noGrad, summary, tensor } from "../../kernel/engine/index";
import {
  answerFeatureMapsRequest,
  clearModelRegistry,
  lastInputOf,
  registerModel,
  sampleImage,
} from "../../kernel/viz/feature-map-requests";
import "../../kernel/viz/formatters";
import { unpackNumeric } from "../../kernel/viz/image-grid";
import { expectClose } from "../helpers";

/** Conv(1 -> 2, 3x3: vertical edge and its negative) -> ReLU -> Flatten -> Linear. */
function edgeNet(): nn.Sequential {
  const conv = new nn.Conv2d(1, 2, 3, { bias: false });
  const k = [1, 0, -1, 1, 0, -1, 1, 0, -1];
  conv.weight.storage.set([...k, ...k.map((v) => -v)]);
  return new nn.Sequential(conv, new nn.ReLU(), new nn.Flatten(), new nn.Linear(32, 3));
}
const lightToDark = () =>
  tensor(Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0])).reshape([1, 1, 6, 6]);

describe("feature-map requests", () => {
  it("summary's display carries a modelId that answers with the layer's output on the last input", () => {
    clearModelRegistry();
    const net = edgeNet();
    const bundle = toMimeBundle(summary(net, [1, 1, 6, 6]));
    const payload = bundle[VIZ_MIME.modelSummary] as ModelSummaryPayload;
    assert.equal(typeof payload.modelId, "string");

    const before = answerFeatureMapsRequest({ modelId: payload.modelId, layer: "0" });
    assert.match(before.error ?? "", /no input has gone through Sequential yet/);
    assert.equal(before.canSample, true, "the summary's input shape allows a sample");
    // Asked for a sample: the layer's output on a bright 3x3 square (rows 1..4, columns 1..4).
    const sampled = answerFeatureMapsRequest({ modelId: payload.modelId, layer: "0", sample: true });
    assert.equal(sampled.input, "sample");
    assert.match(sampled.grid?.title ?? "", /on a sample image \(a bright square\)/);
    const square = sampleImage([1, 1, 6, 6]);
    const expected = noGrad(() => (net.getSubmodule("0") as nn.Conv2d).forward(square));
    expectClose(unpackNumeric(sampled.grid?.data ?? []), expected.storage, "feature maps of the sample");
    assert.ok(
      unpackNumeric(sampled.grid?.data ?? []).some((v) => v !== 0),
      "the square's edges show",
    );
    assert.equal(lastInputOf(net), null, "a sample is not kept as the model's input");

    // A batch of two: item 0 is the edge image, item 1 noise; the kept input is item 0.
    const batch = cat([lightToDark(), full([1, 1, 6, 6], 7)]);
    noGrad(() => net.forward(batch));
    assert.deepEqual(lastInputOf(net)?.shape, [1, 1, 6, 6]);

    const reply = answerFeatureMapsRequest({ modelId: payload.modelId, layer: "0" });
    assert.equal(reply.error, undefined);
    assert.equal(reply.layer, "0");
    const grid = reply.grid;
    assert.ok(grid);
    assert.equal(grid.kind, "featureMaps");
    assert.deepEqual(grid.shape, [2, 1, 4, 4]);
    // channel 0: the lecture's [0 30 30 0] rows; channel 1 its negative
    const row = [0, 30, 30, 0];
    expectClose(
      unpackNumeric(grid.data),
      [
        ...row,
        ...row,
        ...row,
        ...row,
        ...row.map((v) => -v),
        ...row.map((v) => -v),
        ...row.map((v) => -v),
        ...row.map((v) => -v),
      ],
      "conv maps",
    );

    const relu = answerFeatureMapsRequest({ modelId: payload.modelId, layer: "1" });
    expectClose(
      unpackNumeric(relu.grid?.data ?? []).subarray(16),
      new Float32Array(16),
      "ReLU of the negative map",
    );
  });

  it("without a modelId the model shown last answers", () => {
    clearModelRegistry();
    const net = edgeNet();
    registerModel(net, lightToDark());
    const reply = answerFeatureMapsRequest({ layer: "0" });
    assert.deepEqual(reply.grid?.shape, [2, 1, 4, 4]);
  });

  it("errors name what is wrong: unknown layer, not 4-D, no model, gone model", () => {
    clearModelRegistry();
    assert.match(answerFeatureMapsRequest({ layer: "0" }).error ?? "", /no model has been shown yet/);
    const net = edgeNet();
    const id = registerModel(net, lightToDark());
    assert.match(
      answerFeatureMapsRequest({ modelId: id, layer: "conv9" }).error ?? "",
      /has no layer "conv9"; its layers are "0", "1", "2", "3"/,
    );
    assert.match(
      answerFeatureMapsRequest({ modelId: id, layer: "3" }).error ?? "",
      /outputs shape \[1, 3\], not 4-D/,
    );
    assert.match(answerFeatureMapsRequest({ modelId: "nope", layer: "0" }).error ?? "", /that model is gone/);
  });

  it("a model that was garbage collected is gone (the registry does not keep it alive)", async () => {
    clearModelRegistry();
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const id = (() => registerModel(edgeNet(), lightToDark()))();
    await new Promise((r) => setImmediate(r)); // WeakRef targets live until the job ends
    gc();
    assert.match(answerFeatureMapsRequest({ modelId: id, layer: "0" }).error ?? "", /that model is gone/);
  });

  it("the summary's own shape-only pass does not replace the kept input", () => {
    clearModelRegistry();
    const net = edgeNet();
    const id = registerModel(net, lightToDark());
    summary(net, [1, 1, 6, 6]);
    const maps = unpackNumeric(answerFeatureMapsRequest({ modelId: id, layer: "0" }).grid?.data ?? []);
    assert.equal(maps[1], 30);
  });

  it("the model's train/eval modes are put back after answering", () => {
    clearModelRegistry();
    const net = edgeNet();
    const id = registerModel(net, lightToDark());
    net.train();
    answerFeatureMapsRequest({ modelId: id, layer: "0" });
    assert.ok(net.modules().every((m) => m.training));
  });
});
