// The curves renderer keeps its size through what VS Code does to a live output (Chromium): window
// resizes while the notebook re-lays out (an error output appended after Stop), the output hidden
// or squeezed to 0 px and shown again, renderOutputItem called again for the same output id (into
// the same emptied element or a new one), and dispose. The payloads are the kernel's own: a
// viz.liveCurves of a conv layer learning the lecture's edge filter, as the e2e fixture trains.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import type { MimeBundle } from "../../kernel/display/schema";
import { F, manualSeed, nn, optim, randn } from "../../kernel/engine/index";
import { LiveCurves } from "../../kernel/viz/live-curves";
import { type Harness, openHarness, render, screenshot } from "./browser";

/** Every bundle a live-curves output sends (first display, then each update) while a conv layer trains. */
function liveBundles(steps: number): MimeBundle[] {
  manualSeed(0);
  const edge = new nn.Conv2d(1, 1, 3, { bias: false });
  edge.weight.storage.set([1, 0, -1, 1, 0, -1, 1, 0, -1]);
  const xs = randn([8, 1, 8, 8]);
  const targets = F.conv2d(xs, edge.weight).detach(); // fixed targets: no graph back to edge
  const model = new nn.Conv2d(1, 1, 3);
  const opt = new optim.SGD(model.parameters(), { lr: 0.01 });
  const sent: MimeBundle[] = [];
  const sink = {
    display: (bundle: MimeBundle) => sent.push(bundle),
    update: (bundle: MimeBundle) => sent.push(bundle),
  };
  const curves = new LiveCurves({ title: "learning the edge filter", sink, intervalMs: 0 });
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const loss = F.mseLoss(model.forward(xs), targets);
    loss.backward();
    opt.step();
    curves.push({ step, loss: loss.item() });
  }
  curves.close();
  return sent;
}

/** A bundle as VS Code's output items: the Receptive payload first, then its fallbacks. */
const items = (bundle: MimeBundle) => [
  { mime: VIZ_MIME.curves, data: bundle[VIZ_MIME.curves] },
  ...Object.entries(bundle)
    .filter(([mime]) => mime !== VIZ_MIME.curves)
    .map(([mime, data]) => ({ mime, data })),
];

interface Size {
  /** The output element's box and the plot element's (offsetHeight). */
  output: number;
  plot: number;
  /** Plotly's drawing: the svg container and its main svg. */
  container: { width: number; height: number };
  svg: { width: number; height: number };
  /** The layout plotly drew with. */
  layout: { width: number; height: number };
  plots: number;
}

async function sizeOf(h: Harness, id: string): Promise<Size> {
  return h.page.evaluate((outputId) => {
    const doc = (globalThis as any).document;
    const output = doc.getElementById(outputId);
    const gd = output.querySelector(".js-plotly-plot");
    const container = gd.querySelector(".svg-container");
    const svg = gd.querySelector("svg.main-svg");
    return {
      output: output.offsetHeight,
      plot: gd.offsetHeight,
      container: { width: container?.offsetWidth ?? 0, height: container?.offsetHeight ?? 0 },
      svg: { width: Number(svg?.getAttribute("width")), height: Number(svg?.getAttribute("height")) },
      layout: { width: gd._fullLayout?.width, height: gd._fullLayout?.height },
      plots: output.querySelectorAll(".js-plotly-plot").length,
    };
  }, id);
}

/** The plot is drawn at the figure's own height (one metric: 152 + 200 px), not collapsed. */
function assertDrawn(s: Size, when: string): void {
  const want = 352;
  assert.equal(s.plots, 1, `${when}: ${s.plots} plots in the output`);
  assert.equal(s.layout.height, want, `${when}: plotly's layout height`);
  assert.equal(s.svg.height, want, `${when}: the svg's height`);
  assert.equal(s.container.height, want, `${when}: the svg container is ${s.container.height} px high`);
  assert.ok(s.plot >= want, `${when}: the plot element is ${s.plot} px high`);
  assert.ok(s.output >= want, `${when}: the output box is ${s.output} px high`);
}

/** Waits until plotly has drawn the plot `width` px wide (the renderer follows its output's width). */
async function waitForWidth(h: Harness, id: string, width: number): Promise<void> {
  await h.page.waitForFunction(
    ([outputId, w]) => {
      const gd = (globalThis as any).document.querySelector(`#${outputId} .js-plotly-plot`);
      return Math.abs((gd?._fullLayout?.width ?? 0) - w) <= 1;
    },
    [id, width] as const,
    { timeout: 10_000 },
  );
}

/** Lets queued resize handlers (plotly debounces its own by 100 ms) and frames run. */
const settle = (h: Harness) => h.page.waitForTimeout(400);

/** The width the curves view has to draw in. */
const contentWidth = (h: Harness, id: string) =>
  h.page.$eval(`#${id} .rcp-curves`, (e: any) => e.clientWidth as number);

/** The host page's body is a fixed 900 px wide; re-layouts change it. */
const bodyWidth = (h: Harness, px: number) =>
  h.page.evaluate((w) => {
    (globalThis as any).document.body.style.width = `${w}px`;
  }, px);

const style = (h: Harness, id: string, css: string) =>
  h.page.evaluate(
    ([outputId, text]) => {
      (globalThis as any).document.getElementById(outputId).style.cssText = text;
    },
    [id, css] as const,
  );

describe("curves renderer keeps its size through VS Code's re-layouts (Chromium)", () => {
  let h: Harness;
  const bundles = liveBundles(40);
  before(async () => {
    h = await openHarness({ messaging: false });
    for (const bundle of bundles) await render(h.page, "live", items(bundle));
  });
  after(async () => {
    await h?.close();
  });

  it("draws the live updates at the figure's height and the output's width", async () => {
    assertDrawn(await sizeOf(h, "live"), "after the last update");
    const width = await contentWidth(h, "live");
    await waitForWidth(h, "live", width);
  });

  // VS Code's re-layout: the webview's window is resized and the outputs get a little narrower (a
  // scrollbar appears). This is what collapsed the plot with plotly's `responsive` resizing.
  it("keeps its height when the window and the output are resized after the last update", async () => {
    await bodyWidth(h, 880);
    await h.page.setViewportSize({ width: 1100, height: 700 });
    await settle(h);
    assertDrawn(await sizeOf(h, "live"), "after a window resize");
    await waitForWidth(h, "live", await contentWidth(h, "live"));
    await bodyWidth(h, 900);
    await h.page.setViewportSize({ width: 1000, height: 800 });
    await settle(h);
    assertDrawn(await sizeOf(h, "live"), "after a second window resize");
    await waitForWidth(h, "live", await contentWidth(h, "live"));
  });

  it("keeps its height when an error output is appended after it and the page re-lays out", async () => {
    await h.page.evaluate(() => {
      const doc = (globalThis as any).document;
      const error = doc.createElement("div");
      error.className = "output";
      error.id = "stopped";
      error.textContent = "Error: interrupted (Stop)";
      doc.getElementById("outputs").append(error);
    });
    await bodyWidth(h, 886);
    await h.page.setViewportSize({ width: 1001, height: 760 });
    await settle(h);
    assertDrawn(await sizeOf(h, "live"), "after an error output and a resize");
    await waitForWidth(h, "live", await contentWidth(h, "live"));
    assertDrawn(await sizeOf(h, "live"), "at the new width");
    await screenshot(h.page, "curves-after-stop", "#live");
  });

  it("follows its output's width, and keeps its size while hidden or squeezed to 0 px", async () => {
    await style(h, "live", "width: 500px");
    await waitForWidth(h, "live", 500);
    assertDrawn(await sizeOf(h, "live"), "at 500 px wide");
    await style(h, "live", "display: none");
    await h.page.setViewportSize({ width: 1000, height: 800 });
    await settle(h);
    await style(h, "live", "width: 0px; overflow: hidden");
    await h.page.setViewportSize({ width: 1002, height: 800 });
    await settle(h);
    // While squeezed to 0 the plot keeps its last drawn size rather than collapsing with its box.
    const squeezed = await sizeOf(h, "live");
    assert.equal(squeezed.layout.width, 500, "no redraw at 0 px wide");
    assert.equal(squeezed.layout.height, 352);
    await style(h, "live", "");
    const width = await contentWidth(h, "live");
    await waitForWidth(h, "live", width);
    assertDrawn(await sizeOf(h, "live"), "shown again");
  });

  it("an update while hidden draws at the last width and the plot is whole when shown", async () => {
    const width = await contentWidth(h, "live");
    await style(h, "live", "display: none");
    await render(h.page, "live", items(bundles[bundles.length - 2]));
    await render(h.page, "live", items(bundles[bundles.length - 1]));
    await style(h, "live", "");
    await settle(h);
    const s = await sizeOf(h, "live");
    assertDrawn(s, "updated while hidden, shown again");
    assert.equal(s.layout.width, width);
  });

  it("renders again into the same output element after VS Code emptied it", async () => {
    await h.page.evaluate(() => (globalThis as any).document.getElementById("live").replaceChildren());
    await render(h.page, "live", items(bundles[bundles.length - 1]));
    assertDrawn(await sizeOf(h, "live"), "re-rendered into the emptied element");
    const n = await h.page.$eval("#live .js-plotly-plot", (gd: any) => gd.data[0].x.length as number);
    assert.equal(n, 40);
  });

  it("renders again into a new element for the same output id: the old plot is purged", async () => {
    await h.page.evaluate(() => {
      const g = globalThis as any;
      g.oldPlot = g.document.querySelector("#live .js-plotly-plot");
    });
    await render(h.page, "live", items(bundles[bundles.length - 1]), { fresh: true });
    assertDrawn(await sizeOf(h, "live"), "rendered into a new element");
    const old = await h.page.evaluate(() => {
      const g = globalThis as any;
      return {
        purged: g.oldPlot._fullLayout === undefined && g.oldPlot.childElementCount === 0,
        attached: g.document.contains(g.oldPlot),
      };
    });
    assert.deepEqual(old, { purged: true, attached: false });
    assert.equal(await h.page.locator(".js-plotly-plot").count(), 1, "one plot in the page");
  });

  it("dispose purges the plot and stops following the output's size", async () => {
    await h.page.evaluate(() => {
      const g = globalThis as any;
      g.oldPlot = g.document.querySelector("#live .js-plotly-plot");
      g.host.dispose("live");
    });
    await h.page.setViewportSize({ width: 1000, height: 801 });
    await settle(h);
    const old = await h.page.evaluate(() => {
      const gd = (globalThis as any).oldPlot;
      return { purged: gd._fullLayout === undefined && gd.childElementCount === 0, left: gd.isConnected };
    });
    assert.deepEqual(old, { purged: true, left: false });
    assert.equal(await h.page.locator(".js-plotly-plot").count(), 0);
  });

  it("logged no page error", async () => {
    assert.deepEqual(h.pageErrors, []);
    assert.deepEqual(await h.page.evaluate(() => (globalThis as any).host.errors), []);
  });
});
