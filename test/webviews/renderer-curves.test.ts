// The curves renderer in real Chromium: plotly draws train and validation of each metric (SVG, no
// WebGL), accuracy stays on [0, 1], the log toggle changes only the loss axis, and a new payload
// for the same output updates the same plot element in place (Plotly.react), however often.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CurvesPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { F, manualSeed, nn, optim, randn, tensor } from "../../kernel/engine/index";
import { type Harness, openHarness, outsideRequests, render, renderBurst, screenshot } from "./browser";

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

  it("made no request outside the test server and logged no page error", () => {
    assert.deepEqual(outsideRequests(h), []);
    assert.deepEqual(h.pageErrors, []);
  });
});
