// When a view fails, the output falls back to what the kernel sent beside the payload (VS Code's
// `_allOutputItems`): the PNG (as base64 text or raw bytes), else the HTML, else an error line. The
// bundles here are the kernel's own (tensorBundle) with a broken Receptive payload.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { F, tensor } from "../../kernel/engine/index";
import { tensorBundle } from "../../kernel/viz/tensor-display";
import { type Harness, openHarness, outsideRequests, render, screenshot, text } from "./browser";

const lightToDark = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const edgeMap = () =>
  F.conv2d(
    tensor([[lightToDark]]),
    tensor([
      [
        [
          [1, 0, -1],
          [1, 0, -1],
          [1, 0, -1],
        ],
      ],
    ]),
  ); // rows [0, 30, 30, 0]

/** The kernel's bundle for the 4x4 edge map, with its Receptive payload replaced by `broken`. */
function brokenBundle(broken: unknown) {
  const bundle = tensorBundle(edgeMap());
  return { png: bundle["image/png"] as string, html: bundle["text/html"] as string, broken };
}

/** Size and the RGBA of pixel (x, y) of the fallback <img>, decoded by the browser. */
async function imagePixel(h: Harness, selector: string, x: number, y: number) {
  await h.page.waitForFunction((sel) => (globalThis as any).document.querySelector(sel)?.complete, selector);
  return h.page.$eval(
    selector,
    (img: any, [px, py]) => {
      const c = img.ownerDocument.createElement("canvas");
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      return {
        width: img.naturalWidth,
        height: img.naturalHeight,
        rgba: [...ctx.getImageData(px, py, 1, 1).data],
      };
    },
    [x, y] as const,
  );
}

describe("renderer fallbacks (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openHarness({ messaging: false });
  });
  after(async () => {
    await h?.close();
  });

  it("a payload of an unknown version shows the kernel's PNG heatmap and says why", async () => {
    const { png, broken } = brokenBundle({
      ...(tensorBundle(edgeMap())[VIZ_MIME.tensor] as object),
      version: 99,
    });
    await render(h.page, "png", [
      { mime: VIZ_MIME.tensor, data: broken },
      { mime: "image/png", data: png },
      { mime: "text/plain", data: "tensor" },
    ]);
    assert.equal(await h.page.getAttribute("#png .rcp-fallback", "data-fallback"), "image/png");
    assert.match(
      await text(h.page, "#png .rcp-error"),
      /could not draw this output: tensor: unsupported version 99/,
    );
    // the kernel's heatmap: 4x4 scaled 16x, viridis over [0, 30]: column 1 (value 30) is yellow
    const px = await imagePixel(h, "#png .rcp-fallback img", 20, 5);
    assert.deepEqual([px.width, px.height], [64, 64]);
    assert.deepEqual(px.rgba, [253, 231, 37, 255]);
    assert.deepEqual((await imagePixel(h, "#png .rcp-fallback img", 5, 5)).rgba, [68, 1, 84, 255]);
    await screenshot(h.page, "fallback-png", "#png");
  });

  it("a malformed image grid falls back to PNG bytes as VS Code holds them", async () => {
    const { png } = brokenBundle(null);
    const grid = { version: 1, kind: "featureMaps", shape: [2, 1, 4, 4], data: [1, 2, 3] }; // 3 values for 32
    await render(h.page, "bytes", [
      { mime: VIZ_MIME.imageGrid, data: grid },
      { mime: "image/png", data: new Uint8Array(Buffer.from(png, "base64")) },
    ]);
    assert.match(
      await text(h.page, "#bytes .rcp-error"),
      /image grid: the shape needs 32 values, the data has 3/,
    );
    const px = await imagePixel(h, "#bytes .rcp-fallback img", 20, 5);
    assert.deepEqual(px.rgba, [253, 231, 37, 255]);
  });

  it("without a PNG the HTML fallback (the kernel's number table) is shown", async () => {
    const { html } = brokenBundle(null);
    await render(h.page, "html", [
      { mime: VIZ_MIME.convSteps, data: { version: 1, input: [[1, 2]], kernel: [[1, 2, 3]] } },
      { mime: "text/html", data: html },
    ]);
    assert.equal(await h.page.getAttribute("#html .rcp-fallback", "data-fallback"), "text/html");
    assert.match(await text(h.page, "#html .rcp-error"), /does not fit a 1x2 input/);
    const firstRow = await h.page.$$eval("#html .rcp-fallback table tr:first-child td", (tds: any[]) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(firstRow, ["0", "30", "30", "0"]);
  });

  it("with no fallback at all an error line is shown, never nothing", async () => {
    await render(h.page, "none", [{ mime: VIZ_MIME.curves, data: "{not json" }]);
    assert.equal(await h.page.getAttribute("#none .rcp-fallback", "data-fallback"), "error");
    assert.match(await text(h.page, "#none"), /Receptive could not draw this output: .*JSON/);
    await render(h.page, "none2", [
      { mime: VIZ_MIME.confusionMatrix, data: { version: 1, classNames: ["a"], matrix: [[1, 2]] } },
    ]);
    assert.match(await text(h.page, "#none2"), /every row must hold 1 non-negative counts/);
  });

  it("a valid payload for the same output replaces the fallback", async () => {
    const bundle = tensorBundle(edgeMap());
    await render(h.page, "png", [{ mime: VIZ_MIME.tensor, data: bundle[VIZ_MIME.tensor] }]);
    assert.equal(await h.page.locator("#png .rcp-fallback").count(), 0);
    assert.equal(await h.page.locator("#png .rcp-tile canvas").count(), 1);
  });

  it("made no request outside the test server", () => {
    assert.deepEqual(outsideRequests(h), []);
  });
});

describe("renderer under Trusted Types (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openHarness({ messaging: false, trustedTypes: true });
  });
  after(async () => {
    await h?.close();
  });

  it("the HTML fallback goes through a Trusted Types policy", async () => {
    const { html } = brokenBundle(null);
    await render(h.page, "html", [
      { mime: VIZ_MIME.imageGrid, data: { version: 1, kind: "tensor", shape: [1, 1, 2, 2], data: [1] } },
      { mime: "text/html", data: html },
    ]);
    assert.equal(await h.page.getAttribute("#html .rcp-fallback", "data-fallback"), "text/html");
    const firstRow = await h.page.$$eval("#html .rcp-fallback table tr:first-child td", (tds: any[]) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(firstRow, ["0", "30", "30", "0"]);
  });

  it("the views draw with no Trusted Types violation: a grid, a step-through, curves", async () => {
    await render(h.page, "grid", [{ mime: VIZ_MIME.tensor, data: tensorBundle(edgeMap())[VIZ_MIME.tensor] }]);
    assert.equal(await h.page.locator("#grid .rcp-tile canvas").count(), 1);
    await render(h.page, "conv", [
      { mime: VIZ_MIME.convSteps, data: { version: 1, input: lightToDark, kernel: [[1, 0, -1]] } },
    ]);
    await h.page.click("#conv .rcp-next");
    assert.equal(await text(h.page, "#conv .rcp-caption"), "Start from top left...");
    const curves = {
      version: 1,
      xLabel: "epoch",
      series: [{ metric: "loss", split: "train", x: [1, 2, 3], y: [1, 0.5, 0.25] }],
    };
    await render(h.page, "curves", [{ mime: VIZ_MIME.curves, data: curves }]);
    assert.equal(await h.page.locator("#curves .rcp-fallback").count(), 0, "plotly drew without a fallback");
    assert.equal(await h.page.locator("#curves .scatterlayer .trace").count(), 1);
    assert.deepEqual(
      h.pageErrors.filter((e) => /TrustedHTML|TrustedScript|Trusted Type/.test(e)),
      [],
    );
  });
});
