// The curves renderer in real Chromium: plotly draws train and validation of each metric (SVG, no
// WebGL), accuracy stays on [0, 1], the log toggle changes only the loss axis, and a new payload
// for the same output updates the same plot element in place (Plotly.react), however often.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CurvesPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { F, manualSeed, nn, optim, randn, tensor } from "../../kernel/engine/index";
import {
  type Harness,
  openHarness,
  outsideRequests,
  render,
  renderBurst,
  screenshot,
  setTheme,
} from "./browser";

/** Real curves: a tiny linear model fitted with plain gradient steps, loss and accuracy per epoch. */
function trainingCurves(epochs: number): CurvesPayload {
  manualSeed(3);
  const x = randn([64, 4]);
  const labels = tensor(
    Array.from({ length: 64 }, (_, i) => (x.storage[4 * i] + x.storage[4 * i + 1] > 0 ? 1 : 0)),
    {
      dtype: "int64",
    },
  );
  const model = new nn.Linear(4, 2);
  const sgd = new optim.SGD(model.parameters(), { lr: 0.5 });
  const series = {
    trainLoss: [] as number[],
    valLoss: [] as number[],
    trainAcc: [] as number[],
    valAcc: [] as number[],
  };
  const accuracy = (logits: ReturnType<typeof model.forward>, from: number, to: number) => {
    let right = 0;
    for (let i = from; i < to; i++) {
      const predicted = logits.storage[2 * (i - from) + 1] > logits.storage[2 * (i - from)] ? 1 : 0;
      if (predicted === labels.storage[i]) right++;
    }
    return right / (to - from);
  };
  const trainX = x.narrow(0, 0, 48);
  const valX = x.narrow(0, 48, 16);
  const trainY = labels.narrow(0, 0, 48);
  const valY = labels.narrow(0, 48, 16);
  for (let e = 0; e < epochs; e++) {
    const logits = model.forward(trainX);
    const loss = F.crossEntropy(logits, trainY);
    sgd.zeroGrad();
    loss.backward();
    sgd.step();
    const valLogits = model.forward(valX);
    series.trainLoss.push(loss.item());
    series.valLoss.push(F.crossEntropy(valLogits, valY).item());
    series.trainAcc.push(accuracy(logits, 0, 48));
    series.valAcc.push(accuracy(valLogits, 48, 64));
  }
  const epochsX = Array.from({ length: epochs }, (_, i) => i + 1);
  return {
    version: 1,
    title: "Linear probe",
    xLabel: "epoch",
    series: [
      { metric: "loss", split: "train", x: epochsX, y: series.trainLoss },
      { metric: "loss", split: "validation", x: epochsX, y: series.valLoss },
      { metric: "accuracy", split: "train", x: epochsX, y: series.trainAcc },
      { metric: "accuracy", split: "validation", x: epochsX, y: series.valAcc },
    ],
  };
}

type PlotState = {
  traces: { name: string; n: number; yaxis: string }[];
  yaxis: any;
  yaxis2: any;
  same: boolean;
};

/** Plotly's own view of the plot (gd.data, gd._fullLayout) and whether it is the element marked earlier. */
async function plotState(h: Harness): Promise<PlotState> {
  return h.page.evaluate(() => {
    const gd = (globalThis as any).document.querySelector("#curves .js-plotly-plot");
    return {
      traces: gd.data.map((t: any) => ({ name: t.name, n: t.x.length, yaxis: t.yaxis })),
      yaxis: { type: gd._fullLayout.yaxis.type, range: gd._fullLayout.yaxis.range },
      yaxis2: { type: gd._fullLayout.yaxis2.type, range: gd._fullLayout.yaxis2.range },
      same: gd.__receptiveMark === true,
    };
  });
}

describe("curves renderer (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openHarness({ messaging: false });
  });
  after(async () => {
    await h?.close();
  });

  it("draws loss and accuracy, train and validation, as SVG lines with accuracy on [0, 1]", async () => {
    await render(h.page, "curves", [{ mime: VIZ_MIME.curves, data: trainingCurves(5) }]);
    await h.page.waitForSelector("#curves .js-plotly-plot .scatterlayer .trace");
    const s = await plotState(h);
    assert.deepEqual(
      s.traces.map((t) => [t.name, t.n, t.yaxis]),
      [
        ["train", 5, "y"],
        ["validation", 5, "y"],
        ["train", 5, "y2"],
        ["validation", 5, "y2"],
      ],
    );
    assert.deepEqual(s.yaxis2.range, [0, 1]);
    assert.equal(s.yaxis.type, "linear");
    assert.equal(await h.page.locator("#curves .scatterlayer .trace").count(), 4);
    assert.equal(await h.page.locator("#curves canvas").count(), 0, "no WebGL/canvas traces");
    const d = await h.page.getAttribute("#curves .scatterlayer .trace .js-line", "d");
    assert.ok(d && d.length > 10, "the first trace has a drawn path");
    await screenshot(h.page, "curves-5-epochs", "#curves");
  });

  it("updates in place: same plot element, longer traces, one plot in the page", async () => {
    await h.page.evaluate(() => {
      (globalThis as any).document.querySelector("#curves .js-plotly-plot").__receptiveMark = true;
    });
    for (const epochs of [8, 12, 20]) {
      await render(h.page, "curves", [{ mime: VIZ_MIME.curves, data: trainingCurves(epochs) }]);
      const s = await plotState(h);
      assert.ok(s.same, `after the update to ${epochs} epochs the plot element is the one drawn first`);
      assert.deepEqual(
        s.traces.map((t) => t.n),
        [epochs, epochs, epochs, epochs],
      );
    }
    assert.equal(await h.page.locator(".js-plotly-plot").count(), 1);
    assert.equal(
      await h.page.locator("#curves .scatterlayer .trace").count(),
      4,
      "traces replaced, not added",
    );
    await screenshot(h.page, "curves-20-epochs", "#curves");
  });

  it("a burst of updates lands in order on the same plot: the last payload wins", async () => {
    await renderBurst(
      h.page,
      "curves",
      [22, 23, 24, 25].map((e) => [{ mime: VIZ_MIME.curves, data: trainingCurves(e) }]),
    );
    const s = await plotState(h);
    assert.ok(s.same, "still the first plot element");
    assert.deepEqual(
      s.traces.map((t) => t.n),
      [25, 25, 25, 25],
    );
    assert.equal(await h.page.locator(".js-plotly-plot").count(), 1);
  });

  it("repeated updates of the same size leave the page's element count unchanged", async () => {
    const count = () =>
      h.page.evaluate(() => (globalThis as any).document.getElementsByTagName("*").length as number);
    await render(h.page, "curves", [{ mime: VIZ_MIME.curves, data: trainingCurves(25) }]);
    const before = await count();
    for (let i = 0; i < 10; i++)
      await render(h.page, "curves", [{ mime: VIZ_MIME.curves, data: trainingCurves(25) }]);
    assert.equal(await count(), before);
  });

  it("a burst on a new output draws one plot with the last payload", async () => {
    await renderBurst(
      h.page,
      "burst",
      [3, 4, 6].map((e) => [{ mime: VIZ_MIME.curves, data: trainingCurves(e) }]),
    );
    assert.equal(await h.page.locator("#burst .rcp-curves").count(), 1);
    assert.equal(await h.page.locator("#burst .js-plotly-plot").count(), 1);
    const lengths = await h.page.$eval("#burst .js-plotly-plot", (gd: any) =>
      gd.data.map((t: any) => t.x.length),
    );
    assert.deepEqual(lengths, [6, 6, 6, 6]);
    await h.page.evaluate(() => (globalThis as any).host.dispose("burst"));
  });

  it("the log-scale toggle switches the loss axis and leaves accuracy linear on [0, 1]", async () => {
    await h.page.click("#curves .rcp-log");
    await h.page.waitForFunction(
      () =>
        (globalThis as any).document.querySelector("#curves .js-plotly-plot")._fullLayout.yaxis.type ===
        "log",
    );
    const s = await plotState(h);
    assert.equal(s.yaxis2.type, "linear");
    assert.deepEqual(s.yaxis2.range, [0, 1]);
    assert.equal(await h.page.getAttribute("#curves .rcp-log", "aria-pressed"), "true");
    // an update keeps the user's choice
    await render(h.page, "curves", [{ mime: VIZ_MIME.curves, data: trainingCurves(21) }]);
    assert.equal((await plotState(h)).yaxis.type, "log");
  });

  it("a 2-epoch curve has whole-epoch ticks (1, 2), not 1.2, 1.4 ...", async () => {
    await render(h.page, "two", [{ mime: VIZ_MIME.curves, data: trainingCurves(2) }]);
    await h.page.waitForSelector("#two .js-plotly-plot .xaxislayer-above text", { state: "attached" });
    const ticks = await h.page.locator("#two .xaxislayer-above text").allTextContents();
    assert.ok(ticks.length >= 2, `ticks ${ticks}`);
    assert.ok(
      ticks.every((t) => /^\d+$/.test(t)),
      `every x tick is a whole epoch: ${ticks.join(", ")}`,
    );
    assert.ok(ticks.includes("1") && ticks.includes("2"), `ticks ${ticks}`);
    await screenshot(h.page, "curves-2-epochs", "#two");
  });

  it("the legend is clear of plotly's toolbar, which shows on hover", async () => {
    const plot = h.page.locator("#two .js-plotly-plot");
    await plot.hover();
    const bar = await h.page.locator("#two .modebar").boundingBox();
    const legend = await h.page.locator("#two .legend").boundingBox();
    const figure = await plot.boundingBox();
    assert.ok(bar && legend && figure, "toolbar, legend and figure are on screen");
    const apart =
      legend.x + legend.width <= bar.x ||
      bar.x + bar.width <= legend.x ||
      legend.y + legend.height <= bar.y ||
      bar.y + bar.height <= legend.y;
    assert.ok(apart, `legend ${JSON.stringify(legend)} overlaps the toolbar ${JSON.stringify(bar)}`);
    assert.ok(legend.y + legend.height <= figure.y + figure.height + 1, "the legend is inside the figure");
    await screenshot(h.page, "curves-legend-and-toolbar", "#two");
  });

  it("follows a theme switch live: titles, ticks and legend change colour", async () => {
    const fill = (selector: string) =>
      h.page.$eval(selector, (e: any) => (globalThis as any).getComputedStyle(e).fill as string);
    await setTheme(h.page, "light");
    await h.page.waitForFunction(
      () =>
        (globalThis as any).getComputedStyle((globalThis as any).document.querySelector("#two .gtitle"))
          .fill === "rgb(59, 59, 59)",
    );
    await screenshot(h.page, "curves-light", "#two");
    await setTheme(h.page, "dark");
    await h.page.waitForFunction(
      () =>
        (globalThis as any).getComputedStyle((globalThis as any).document.querySelector("#two .gtitle"))
          .fill === "rgb(204, 204, 204)",
      undefined,
      { timeout: 5000 },
    );
    assert.equal(await fill("#two .xaxislayer-above text"), "rgb(204, 204, 204)");
    assert.equal(await fill("#two .legendtext"), "rgb(204, 204, 204)");
    await screenshot(h.page, "curves-dark", "#two");
    await setTheme(h.page, "light");
    await h.page.waitForFunction(
      () =>
        (globalThis as any).getComputedStyle((globalThis as any).document.querySelector("#two .gtitle"))
          .fill === "rgb(59, 59, 59)",
    );
  });

  it("fit's per-batch curve is drawn thin and light beside the per-epoch means", async () => {
    const payload: CurvesPayload = {
      version: 1,
      title: "Net training",
      xLabel: "epoch",
      series: [
        {
          metric: "loss",
          split: "train, per batch (smoothed)",
          x: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2],
          y: [2, 1.8, 1.6, 1.5, 1.4, 1.3, 1.25, 1.2],
        },
        { metric: "loss", split: "train", x: [1, 2], y: [1.7, 1.3] },
      ],
    };
    await render(h.page, "fit", [{ mime: VIZ_MIME.curves, data: payload }]);
    const traces = await h.page.$eval("#fit .js-plotly-plot", (gd: any) =>
      gd.data.map((t: any) => ({
        name: t.name,
        width: t.line.width,
        opacity: t.opacity,
        mode: t.mode,
        colour: t.line.color,
      })),
    );
    const colour = traces[1].colour;
    assert.deepEqual(traces, [
      { name: "train, per batch (smoothed)", width: 1.25, opacity: 0.75, mode: "lines", colour },
      { name: "train", width: 2, opacity: 1, mode: "lines+markers", colour },
    ]);
    const ticks = await h.page.locator("#fit .xaxislayer-above text").allTextContents();
    assert.ok(
      ticks.every((t) => /^\d+$/.test(t)),
      `whole epochs only: ${ticks}`,
    );
    await screenshot(h.page, "curves-fit-per-batch", "#fit");
  });

  it("made no request outside the test server and logged no page error", () => {
    assert.deepEqual(outsideRequests(h), []);
    assert.deepEqual(h.pageErrors, []);
  });
});
