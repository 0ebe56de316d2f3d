// Model summary and confusion matrix renderers in real Chromium. The summary is the engine's own
// `summary(lenet5, [1, 1, 28, 28])`; clicking a layer posts {type: "featureMaps", layer} and the
// reply (computed here as the kernel would: a forward hook on that layer) is drawn under the
// table. Without messaging the layers are plain text. Both follow the --vscode-* theme colours.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type {
  ConfusionMatrixPayload,
  ImageGridPayload,
  ModelSummaryPayload,
} from "../../kernel/display/payloads-viz";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { manualSeed, models, noGrad, rand, summary, type Tensor } from "../../kernel/engine/index";
import { type Harness, openHarness, outsideRequests, packFloat32, render, screenshot, text } from "./browser";

function lenetSummary(): { payload: ModelSummaryPayload; model: ReturnType<typeof models.lenet5> } {
  const model = models.lenet5();
  const s = summary(model, [1, 1, 28, 28]);
  const payload: ModelSummaryPayload = {
    version: 1,
    model: s.modelName,
    inputShapes: s.inputShapes,
    layers: s.layers,
    totals: {
      totalParams: s.totalParams,
      trainableParams: s.trainableParams,
      nonTrainableParams: s.nonTrainableParams,
      totalMultAdds: s.totalMultAdds,
      inputBytes: s.inputBytes,
      forwardBackwardBytes: s.forwardBackwardBytes,
      paramsBytes: s.paramsBytes,
      totalBytes: s.totalBytes,
    },
  };
  return { payload, model };
}

/** What the kernel answers to {type: "featureMaps", layer}: that layer's output on the last input. */
function featureMapsOf(
  model: ReturnType<typeof models.lenet5>,
  layer: string,
  input: Tensor,
): ImageGridPayload {
  const target = model.namedModules().find(([name]) => name === layer)?.[1];
  assert.ok(target, `layer ${layer} exists`);
  let captured: Tensor | undefined;
  const handle = target.registerForwardHook((_m, _in, out) => {
    captured = out as Tensor;
  });
  noGrad(() => model.forward(input));
  handle.remove();
  assert.ok(captured);
  const [, C, H, W] = captured.shape;
  return {
    version: 1,
    kind: "featureMaps",
    layer,
    shape: [C, 1, H, W],
    data: packFloat32(captured.storage.subarray(0, captured.numel)),
  };
}

const rowTexts = (h: Harness, selector: string) =>
  h.page.$$eval(selector, (rows: any[]) =>
    rows.map((tr) => [...tr.children].map((td: any) => td.textContent.trim())),
  );

describe("model summary renderer with messaging (Chromium)", () => {
  let h: Harness;
  const { payload, model } = lenetSummary();
  before(async () => {
    h = await openHarness({ messaging: true });
    await render(h.page, "summary", [{ mime: VIZ_MIME.modelSummary, data: payload }]);
  });
  after(async () => {
    await h?.close();
  });

  it("lists the layer tree with shapes, params, receptive fields, mult-adds and memory", async () => {
    const rows = await rowTexts(h, "#summary tbody tr");
    assert.equal(rows.length, 14); // LeNet5, 2 Sequentials, 6 + 5 layers
    assert.deepEqual(rows[0].slice(1, 4), ["[1, 10]", "61,706", "global"]);
    const conv1 = rows.find((r) => r[0] === "Conv2d (0)");
    assert.deepEqual(conv1, [
      "Conv2d (0)",
      "[1, 6, 28, 28]",
      "156",
      "5 (jump 1, start 0.5)",
      "122k",
      "18.4 KiB",
    ]);
    const pool2 = rows[7];
    assert.deepEqual(pool2.slice(0, 4), ["MaxPool2d (5)", "[1, 16, 5, 5]", "–", "16 (jump 4, start 6)"]);
    const totals = await rowTexts(h, "#summary tfoot tr");
    assert.deepEqual(totals[0], ["Total params", "61,706"]);
    assert.deepEqual(totals[3], ["Total mult-adds", "423k (423,038)"]);
    await screenshot(h.page, "model-summary", "#summary");
  });

  it("folds and unfolds a container from the keyboard", async () => {
    await h.page.focus("#summary tr[data-layer='features'] .rcp-fold");
    await h.page.keyboard.press("Enter");
    assert.equal(await h.page.locator("#summary tbody tr").count(), 8);
    assert.equal(
      await h.page.getAttribute("#summary tr[data-layer='features'] .rcp-fold", "aria-expanded"),
      "false",
    );
    await h.page.keyboard.press("Space");
    assert.equal(await h.page.locator("#summary tbody tr").count(), 14);
  });

  it("clicking a conv layer asks the kernel for its feature maps and draws the reply", async () => {
    assert.equal(await h.page.locator("#summary button.rcp-layer").count(), 7); // 4-D outputs: features and its 6 layers
    await h.page.click("#summary button.rcp-layer[data-layer='features.0']");
    const messages = await h.page.evaluate(() => (globalThis as any).host.messages);
    assert.deepEqual(messages, [{ type: "featureMaps", layer: "features.0" }]);
    assert.match(
      await text(h.page, "#summary .rcp-status"),
      /Asking the kernel for the feature maps of features\.0/,
    );

    manualSeed(11);
    const grid = featureMapsOf(model, "features.0", rand([1, 1, 28, 28]));
    await h.page.evaluate((reply) => (globalThis as any).host.send(reply), {
      type: "featureMaps",
      layer: "features.0",
      grid,
    });
    assert.equal(await h.page.locator("#summary .rcp-maps .rcp-tile canvas").count(), 6);
    assert.match(await text(h.page, "#summary .rcp-maps .rcp-muted"), /6 maps of 28x28 · features\.0/);
    await screenshot(h.page, "model-summary-feature-maps", "#summary");
  });

  it("a reply with an error is shown as the kernel's error", async () => {
    await h.page.focus("#summary button.rcp-layer[data-layer='features.3']");
    await h.page.keyboard.press("Enter");
    await h.page.evaluate(() =>
      (globalThis as any).host.send({
        type: "featureMaps",
        layer: "features.3",
        error: "no input has run yet",
      }),
    );
    assert.match(
      await text(h.page, "#summary .rcp-status"),
      /could not send the feature maps of features\.3: no input has run yet/,
    );
    assert.equal(await h.page.locator("#summary .rcp-maps .rcp-tile canvas").count(), 0);
  });

  it("before any input: the error offers a sample image, which is asked for and captioned as such", async () => {
    await h.page.evaluate(() => {
      (globalThis as any).host.messages.length = 0;
    });
    await h.page.click("#summary button.rcp-layer[data-layer='features.0']");
    await h.page.evaluate(() =>
      (globalThis as any).host.send({
        type: "featureMaps",
        layer: "features.0",
        error: "no input has gone through LeNet5 yet; run model.forward(x) on an image",
        canSample: true,
      }),
    );
    const offer = h.page.locator("#summary .rcp-status button.rcp-sample");
    assert.equal(await offer.textContent(), "Run a sample image through it");
    await screenshot(h.page, "model-summary-sample-offer", "#summary .rcp-status");
    await offer.click();
    const messages = await h.page.evaluate(() => (globalThis as any).host.messages);
    assert.deepEqual(messages.at(-1), { type: "featureMaps", layer: "features.0", sample: true });
    manualSeed(12);
    const grid = featureMapsOf(model, "features.0", rand([1, 1, 28, 28]));
    await h.page.evaluate((reply) => (globalThis as any).host.send(reply), {
      type: "featureMaps",
      layer: "features.0",
      grid,
      input: "sample",
    });
    assert.match(await text(h.page, "#summary .rcp-status"), /for a sample image \(a bright square/);
    assert.equal(await h.page.locator("#summary .rcp-maps .rcp-tile canvas").count(), 6);
  });

  it("made no request outside the test server and logged no page error", () => {
    assert.deepEqual(outsideRequests(h), []);
    assert.deepEqual(h.pageErrors, []);
  });
});

describe("model summary without messaging, confusion matrix, theme (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openHarness({ messaging: false });
  });
  after(async () => {
    await h?.close();
  });

  it("without messaging the layers are plain text, not buttons", async () => {
    await render(h.page, "summary", [{ mime: VIZ_MIME.modelSummary, data: lenetSummary().payload }]);
    assert.equal(await h.page.locator("#summary button.rcp-layer").count(), 0);
    assert.equal(await h.page.locator("#summary tbody tr").count(), 14);
  });

  it("the confusion matrix shows counts, per-class accuracy and the overall accuracy", async () => {
    const payload: ConfusionMatrixPayload = {
      version: 1,
      title: "Fashion-MNIST (3 classes)",
      classNames: ["T-shirt", "Trouser", "Pullover"],
      matrix: [
        [90, 2, 8],
        [1, 98, 1],
        [15, 0, 85],
      ],
    };
    await render(h.page, "confusion", [{ mime: VIZ_MIME.confusionMatrix, data: payload }]);
    const rows = await rowTexts(h, "#confusion tbody tr");
    assert.deepEqual(rows, [
      ["T-shirt", "90", "2", "8", "90.0%"],
      ["Trouser", "1", "98", "1", "98.0%"],
      ["Pullover", "15", "0", "85", "85.0%"],
    ]);
    assert.equal(await text(h.page, "#confusion .rcp-overall"), "Accuracy 91.0% (273 of 300)");
    const title = await h.page.getAttribute("#confusion tbody tr:nth-child(3) td:nth-of-type(1)", "title");
    assert.equal(title, "true Pullover, predicted T-shirt: 15 (15.0% of Pullover)");
    // the diagonal is shaded more strongly than a small mistake
    const alpha = (sel: string) =>
      h.page.$eval(sel, (td: any) => {
        const m = /rgba?\(([^)]+)\)|color\(srgb ([^)]+)\)/.exec(
          (globalThis as any).getComputedStyle(td).backgroundColor,
        );
        const parts = (m?.[1] ?? m?.[2] ?? "").split(/[ ,/]+/).filter(Boolean);
        return parts.length === 4 ? Number(parts[3]) : 1;
      });
    assert.ok(
      (await alpha("#confusion tbody tr:nth-child(2) td:nth-of-type(2)")) >
        (await alpha("#confusion tbody tr:nth-child(2) td:nth-of-type(1)")),
    );
    assert.equal(await h.page.getAttribute("#confusion table", "tabindex"), "0");
    await screenshot(h.page, "confusion-matrix", "#confusion");
  });

  it("follows the editor theme through --vscode-* variables", async () => {
    await h.page.evaluate(() => {
      const style = (globalThis as any).document.body.style;
      style.setProperty("--vscode-foreground", "rgb(1, 2, 3)");
      style.setProperty("--vscode-errorForeground", "rgb(200, 10, 20)");
    });
    const colour = await h.page.$eval(
      "#confusion .rcp",
      (e: any) => (globalThis as any).getComputedStyle(e).color,
    );
    assert.equal(colour, "rgb(1, 2, 3)");
    const before = await h.page.$eval(
      "#summary .rcp",
      (e: any) => (globalThis as any).getComputedStyle(e).color,
    );
    assert.equal(before, "rgb(1, 2, 3)");
  });

  it("made no request outside the test server and logged no page error", () => {
    assert.deepEqual(outsideRequests(h), []);
    assert.deepEqual(h.pageErrors, []);
  });
});
