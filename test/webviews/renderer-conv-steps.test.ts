// The convolution step-through in real Chromium with the lecture's 6x6 edge example: the overview,
// Next and the arrow keys filling the running output (0, then 30, ...), the products, the slider,
// autoplay, and the finished output equal to the engine's conv2d, read like the slides.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ConvStepsPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { F, tensor } from "../../kernel/engine/index";
import { convSteps } from "../../kernel/viz/conv-steps";
import { type Harness, openHarness, outsideRequests, render, screenshot, text } from "./browser";

const lightToDark = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const vertical = [
  [1, 0, -1],
  [1, 0, -1],
  [1, 0, -1],
];
const payload: ConvStepsPayload = {
  version: 1,
  title: "Vertical edge detection",
  input: lightToDark,
  kernel: vertical,
};

/** The output grid as text, "" for cells not computed yet. */
async function outputGrid(h: Harness): Promise<string[][]> {
  return h.page.$$eval("#conv .rcp-conv-output tr", (rows: any[]) =>
    rows.map((tr) => [...tr.querySelectorAll("td")].map((td: any) => td.textContent as string)),
  );
}

describe("convolution step-through renderer (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openHarness({ messaging: false });
    await render(h.page, "conv", [{ mime: VIZ_MIME.convSteps, data: payload }]);
  });
  after(async () => {
    await h?.close();
  });

  it("opens on the overview: the 6x6 image, the 3x3 filter and an empty 4x4 output", async () => {
    const input = await h.page.$$eval("#conv .rcp-conv-input tr", (rows: any[]) =>
      rows.map((tr) => [...tr.querySelectorAll("td")].map((td: any) => td.textContent as string).join(" ")),
    );
    assert.deepEqual(input, Array(6).fill("10 10 10 0 0 0"));
    const kernel = await h.page.$$eval("#conv .rcp-conv-kernel tr", (rows: any[]) =>
      rows.map((tr) => [...tr.querySelectorAll("td")].map((td: any) => td.textContent as string).join(" ")),
    );
    assert.deepEqual(kernel, Array(3).fill("1 0 -1"));
    assert.deepEqual(await outputGrid(h), Array(4).fill(["", "", "", ""]));
    assert.deepEqual(await h.page.locator("#conv figcaption").allTextContents(), [
      "6x6 image",
      "3x3 filter",
      "4x4 output",
      "products",
    ]);
    assert.match(await text(h.page, "#conv .rcp-equation"), /Why 4x4\? n - f \+ 1 = 6 - 3 \+ 1 = 4/);
  });

  it("Next fills the output: 0 at the top left, then 30", async () => {
    await h.page.click("#conv .rcp-next");
    assert.equal(await text(h.page, "#conv .rcp-caption"), "Start from top left...");
    assert.deepEqual((await outputGrid(h))[0], ["0", "", "", ""]);
    assert.equal(await h.page.locator("#conv .rcp-conv-input td.rcp-window").count(), 9);
    assert.equal(
      await text(h.page, "#conv .rcp-equation"),
      "10×1 + 10×0 + 10×(-1) + 10×1 + 10×0 + 10×(-1) + 10×1 + 10×0 + 10×(-1) = 0",
    );
    await screenshot(h.page, "conv-steps-1", "#conv");

    await h.page.click("#conv .rcp-next");
    assert.equal(await text(h.page, "#conv .rcp-caption"), "Move one pixel to the next...");
    assert.deepEqual((await outputGrid(h))[0], ["0", "30", "", ""]);
    const products = await h.page.$$eval("#conv .rcp-conv-products td", (tds: any[]) =>
      tds.map((td) => td.textContent),
    );
    assert.deepEqual(products, ["10", "0", "0", "10", "0", "0", "10", "0", "0"]);
    // the window covers columns 1..3 of rows 0..2
    const windowCols = await h.page.$$eval("#conv .rcp-conv-input td.rcp-window", (tds: any[]) =>
      tds.map((td) => `${td.dataset.row},${td.dataset.col}`),
    );
    assert.deepEqual(windowCols, ["0,1", "0,2", "0,3", "1,1", "1,2", "1,3", "2,1", "2,2", "2,3"]);
  });

  it("arrow keys step forward and back; End shows the engine's whole output; Home goes back", async () => {
    await h.page.focus("#conv .rcp-conv");
    await h.page.keyboard.press("ArrowRight");
    assert.equal(await text(h.page, "#conv .rcp-caption"), "Next in the row...");
    assert.deepEqual((await outputGrid(h))[0], ["0", "30", "30", ""]);
    await h.page.keyboard.press("ArrowLeft");
    assert.deepEqual((await outputGrid(h))[0], ["0", "30", "", ""]);
    await h.page.keyboard.press("End");
    assert.equal(await text(h.page, "#conv .rcp-caption"), "Patiently to the bottom end...");
    const engine = F.conv2d(tensor([[lightToDark]]), tensor([[vertical]]));
    const expected = Array.from({ length: 4 }, (_, r) =>
      Array.from({ length: 4 }, (_, c) => String(engine.storage[r * 4 + c])),
    );
    assert.deepEqual(await outputGrid(h), expected);
    assert.deepEqual(expected, Array(4).fill(["0", "30", "30", "0"]));
    await screenshot(h.page, "conv-steps-done", "#conv");
    await h.page.keyboard.press("Home");
    assert.deepEqual(await outputGrid(h), Array(4).fill(["", "", "", ""]));
  });

  it("the slider jumps to a step: step 5 moves down and begins from the leftmost", async () => {
    await h.page.locator("#conv input[type=range]").fill("5");
    assert.equal(
      await text(h.page, "#conv .rcp-caption"),
      "Move down one pixel and begin from the leftmost...",
    );
    assert.equal(await text(h.page, "#conv .rcp-counter"), "step 5 of 16");
    assert.deepEqual((await outputGrid(h))[1], ["0", "", "", ""]);
  });

  it("Play steps on its own and Pause stops it", async () => {
    await h.page.click("#conv .rcp-play");
    assert.equal(await h.page.getAttribute("#conv .rcp-play", "aria-pressed"), "true");
    await h.page.waitForFunction(
      () => Number((globalThis as any).document.querySelector("#conv .rcp-conv").dataset.step) >= 7,
    );
    await h.page.click("#conv .rcp-play");
    assert.equal(await h.page.getAttribute("#conv .rcp-play", "aria-pressed"), "false");
    const stopped = await h.page.getAttribute("#conv .rcp-conv", "data-step");
    assert.equal(await text(h.page, "#conv .rcp-counter"), `step ${stopped} of 16`);
  });

  it("the buttons are reachable with Tab and work with Enter and Space", async () => {
    await h.page.keyboard.press("Home");
    await h.page.focus("#conv .rcp-conv");
    await h.page.keyboard.press("Tab"); // Prev is disabled at step 0, so Tab lands on Next
    const focused = await h.page.evaluate(() => (globalThis as any).document.activeElement?.className);
    assert.match(String(focused), /rcp-next/);
    await h.page.keyboard.press("Enter");
    await h.page.keyboard.press("Space");
    assert.equal(await h.page.getAttribute("#conv .rcp-conv", "data-step"), "2");
  });

  it("disposing the output stops autoplay and removes the widget", async () => {
    await render(h.page, "conv2", [{ mime: VIZ_MIME.convSteps, data: payload }]);
    await h.page.click("#conv2 .rcp-play");
    await h.page.waitForFunction(
      () => Number((globalThis as any).document.querySelector("#conv2 .rcp-conv").dataset.step) >= 1,
    );
    const widget = await h.page.evaluateHandle(() =>
      (globalThis as any).document.querySelector("#conv2 .rcp-conv"),
    );
    await h.page.evaluate(() => (globalThis as any).host.dispose("conv2"));
    const step = await widget.evaluate((w: any) => w.dataset.step);
    await h.page.waitForTimeout(2000); // two autoplay intervals: a live timer would have moved on
    assert.equal(await widget.evaluate((w: any) => w.dataset.step), step);
    assert.equal(await widget.evaluate((w: any) => w.isConnected), false);
  });

  it("with stride 2 and dilation 2 (viz.convSteps) the captions say how far the window jumps", async () => {
    const strided = convSteps(tensor(lightToDark), tensor(vertical), { stride: 2 }).payload;
    await render(h.page, "strided", [{ mime: VIZ_MIME.convSteps, data: strided }]);
    await h.page.click("#strided .rcp-next");
    await h.page.click("#strided .rcp-next");
    assert.equal(await text(h.page, "#strided .rcp-caption"), "Move 2 pixels to the next (stride 2)...");
    await h.page.click("#strided .rcp-next");
    assert.equal(
      await text(h.page, "#strided .rcp-caption"),
      "Move down 2 pixels (stride 2) and begin from the leftmost...",
    );
    await screenshot(h.page, "conv-steps-stride-2", "#strided");
    const dilated = convSteps(tensor(lightToDark), tensor(vertical), { dilation: 2 }).payload;
    await render(h.page, "dilated", [{ mime: VIZ_MIME.convSteps, data: dilated }]);
    assert.equal(
      await text(h.page, "#dilated .rcp-caption"),
      "Convolution: a 6x6 image * a 3x3 filter (dilation 2) = a 2x2 output",
    );
    assert.ok(
      (await h.page.locator("#dilated figcaption").allTextContents()).includes(
        "3x3 filter, dilation 2 (spread to 5x5)",
      ),
    );
    await h.page.click("#dilated .rcp-next");
    assert.equal(
      await text(h.page, "#dilated .rcp-caption"),
      "Start from top left: the filter's taps are 2 pixels apart (dilation 2)...",
    );
    // The window's values: every other pixel of the 5x5 patch, as F.conv2d with dilation 2 computes.
    const engine = F.conv2d(tensor([[lightToDark]]), tensor([[vertical]]), { dilation: 2 });
    await h.page.click("#dilated .rcp-next");
    await h.page.click("#dilated .rcp-next");
    await h.page.click("#dilated .rcp-next");
    const out = await h.page.$$eval("#dilated .rcp-conv-output td", (tds: any[]) =>
      tds.map((td) => Number(td.textContent)),
    );
    assert.deepEqual(out, Array.from(engine.storage.subarray(0, 4)));
    await screenshot(h.page, "conv-steps-dilation-2", "#dilated");
  });

  it("made no request outside the test server and logged no page error", () => {
    assert.deepEqual(outsideRequests(h), []);
    assert.deepEqual(h.pageErrors, []);
  });
});
