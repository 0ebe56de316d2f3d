// The feature-maps round trip in real Chromium: the kernel's own summary display of a model (with
// its modelId) is drawn by the notebook renderer; clicking a layer posts {type, layer, modelId};
// answerFeatureMapsRequest (the function the transports call) answers it, and the renderer draws
// that layer's maps on the model's last input. Also the viz figures' payloads render.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { toMimeBundle } from "../../kernel/display/mime";
import { type FeatureMapsRequest, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { manualSeed, models, noGrad, randn, summary } from "../../kernel/engine/index";
import { answerFeatureMapsRequest } from "../../kernel/viz/feature-map-requests";
import { confusionMatrix, convSteps, curves, filters, samples } from "../../kernel/viz/index";
import { type Harness, openHarness, render, text } from "../webviews/browser";

describe("feature maps on click, kernel function <-> renderer (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openHarness({ messaging: true });
  });
  after(async () => {
    await h?.close();
  });

  it("the click carries the modelId and the kernel's answer is drawn", async () => {
    manualSeed(3);
    const model = models.lenet5();
    const bundle = toMimeBundle(summary(model, [1, 1, 28, 28]));
    noGrad(() => model.forward(randn([4, 1, 28, 28])));
    await render(h.page, "summary", [{ mime: VIZ_MIME.modelSummary, data: bundle[VIZ_MIME.modelSummary] }]);
    await h.page.click("#summary button.rcp-layer[data-layer='features.3']");
    const [request] = (await h.page.evaluate(
      () => (globalThis as any).host.messages,
    )) as FeatureMapsRequest[];
    assert.deepEqual(request, {
      type: "featureMaps",
      layer: "features.3",
      modelId: (bundle[VIZ_MIME.modelSummary] as { modelId: string }).modelId,
    });
    const reply = answerFeatureMapsRequest(request);
    assert.equal(reply.error, undefined);
    await h.page.evaluate((r) => (globalThis as any).host.send(r), reply as any);
    assert.equal(await h.page.locator("#summary .rcp-maps .rcp-tile canvas").count(), 16);
    assert.match(
      await text(h.page, "#summary .rcp-status"),
      /Feature maps of features\.3 for the last input/,
    );
  });

  it("each viz figure's payload renders without falling back", async () => {
    const figures = [
      [
        "conv",
        convSteps(
          [
            [1, 2, 3],
            [4, 5, 6],
            [7, 8, 9],
          ],
          [
            [1, 0],
            [0, -1],
          ],
        ),
      ],
      ["cm", confusionMatrix([0, 1, 1], [0, 1, 0], ["a", "b"])],
      ["curves", curves({ loss: [1, 0.5], valLoss: [1.1, 0.7] })],
      ["filters", filters(models.lenet5().getSubmodule("features.0"))],
      ["samples", samples([randn([3, 1, 5, 5]), [0, 1, 2]], { predictions: [0, 2, 2] })],
    ] as const;
    for (const [id, fig] of figures) {
      const b = fig.bundle();
      const items = Object.entries(b).map(([mime, data]) => ({ mime, data }));
      await render(h.page, id, items);
      const errors = await h.page.evaluate(() => (globalThis as any).host.errors);
      assert.deepEqual(errors, [], id);
      const html = await h.page.innerHTML(`#${id}`);
      assert.ok(html.length > 0, `${id} drew something`);
      assert.doesNotMatch(html, /rcp-fallback|could not be drawn/, `${id} used its own view`);
    }
  });
});
