// viz.curves and viz.liveCurves: series from histories, the MIME bundle with its PNG/SVG/text
// fallbacks (the PNG decoded: its size and the curves' pixels where the axes put them), and the live display's throttle (at most one redraw per 200 ms, the last push always
// drawn, close() flushes) with a recording sink and a manual clock.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PNG } from "pngjs";
import { toMimeBundle } from "../../kernel/display/mime";
import { type CurvesPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { curves, splitOfKey, toSeries } from "../../kernel/viz/curves";
import { curvesPngCssSize, PNG_SCALE } from "../../kernel/viz/curves-png";
import { H, PAD, W } from "../../kernel/viz/curves-svg";
import { liveCurves } from "../../kernel/viz/live-curves";
import { Throttle } from "../../kernel/viz/throttle";
import { ManualClock, RecordingSink } from "./fake-display";

describe("viz.curves", () => {
  it("reads a fit() history: val/test prefixes name the split", () => {
    assert.deepEqual(splitOfKey("valAccuracy"), ["accuracy", "validation"]);
    assert.deepEqual(splitOfKey("loss"), ["loss", "train"]);
    assert.deepEqual(splitOfKey("testLoss"), ["loss", "test"]);
    const s = toSeries({ loss: [0.9, 0.5], valLoss: [1, 0.7], accuracy: [0.6, 0.8], note: undefined });
    assert.deepEqual(s, [
      { metric: "loss", split: "train", x: [1, 2], y: [0.9, 0.5] },
      { metric: "loss", split: "validation", x: [1, 2], y: [1, 0.7] },
      { metric: "accuracy", split: "train", x: [1, 2], y: [0.6, 0.8] },
    ]);
  });

  it("one bundle: the curves payload, an SVG plot per metric and the last values as text", () => {
    const fig = curves({ loss: [0.9, 0.5, Number.NaN], valLoss: [1, 0.7, 0.6] }, { title: "LeNet" });
    const b = toMimeBundle(fig);
    const p = b[VIZ_MIME.curves] as CurvesPayload;
    assert.equal(p.version, 1);
    assert.equal(p.xLabel, "epoch");
    assert.deepEqual(p.series[0].y, [0.9, 0.5, null]); // NaN travels as null
    const html = b["text/html"] as string;
    assert.equal(html.match(/<svg/g)?.length, 1); // one metric, one plot
    assert.equal(html.match(/<polyline/g)?.length, 2); // train and validation
    assert.equal(b["text/plain"], "LeNet\nloss: train nan (epoch 3), validation 0.6 (epoch 3)");
  });

  it("the bundle has a PNG of the plots: right size, each curve's pixels where its values are", () => {
    // loss from 1 down to 0 (train), flat at 0.2 (validation); accuracy in a second plot
    const b = toMimeBundle(
      curves({ loss: [1, 0], valLoss: [0.2, 0.2], accuracy: [0.5, 0.9] }, { title: "two plots" }),
    );
    const png = PNG.sync.read(Buffer.from(b["image/png"] as string, "base64"));
    const css = curvesPngCssSize(2, true);
    assert.deepEqual([png.width, png.height], [css.width * PNG_SCALE, css.height * PNG_SCALE]);
    assert.ok(png.width >= 2 * W * PNG_SCALE, "two plots side by side");
    const at = (x: number, y: number) => {
      const o = (Math.round(y * PNG_SCALE) * png.width + Math.round(x * PNG_SCALE)) * 4;
      return [png.data[o], png.data[o + 1], png.data[o + 2], png.data[o + 3]];
    };
    const titleH = 16;
    // plot coordinates (CSS pixels) of the loss plot: x 1..2 -> left..right, y 0..1 -> bottom..top
    const px = (x: number) => PAD.left + (x - 1) * (W - PAD.left - PAD.right);
    const py = (y: number) => titleH + H - PAD.bottom - y * (H - PAD.top - PAD.bottom);
    const blue = [0x1f, 0x77, 0xb4, 255];
    const orange = [0xff, 0x7f, 0x0e, 255];
    const white = [255, 255, 255, 255];
    for (const t of [0.25, 0.5, 0.75]) {
      assert.deepEqual(at(px(1 + t), py(1 - t)), blue, `train loss at x=${1 + t}`);
      assert.deepEqual(at(px(1 + t), py(0.2)), orange, `validation loss at x=${1 + t}`);
      assert.deepEqual(at(px(1 + t), py(0.6)), white, "nothing else inside the plot");
    }
    // accuracy (0..1 axis) in the second plot: 0.7 halfway
    const second = W + 8;
    assert.deepEqual(at(second + px(1.5), py(0.7)), blue, "train accuracy halfway");
    // labels are drawn: dark pixels where the metric name and the x label go, white elsewhere
    const dark = (x0: number, y0: number, x1: number, y1: number) => {
      let n = 0;
      for (let y = y0 * PNG_SCALE; y < y1 * PNG_SCALE; y++)
        for (let x = x0 * PNG_SCALE; x < x1 * PNG_SCALE; x++)
          if (png.data[(y * png.width + x) * 4] < 128) n++;
      return n;
    };
    assert.ok(dark(PAD.left, titleH + 6, PAD.left + 30, titleH + 15) > 20, "the metric name");
    assert.ok(
      dark((W + PAD.left) / 2 - 20, titleH + H - 12, (W + PAD.left) / 2 + 20, titleH + H - 2) > 20,
      "the x label",
    );
    assert.ok(dark(0, 2, 60, 13) > 20, "the title");
    assert.equal(
      dark(PAD.left + 10, titleH + 120, PAD.left + 60, titleH + 130),
      0,
      "an empty part of the plot",
    );
    // opaque white background: the same picture in light and dark themes
    assert.ok(png.data.every((v, i) => i % 4 !== 3 || v === 255));
  });

  it("explains bad input", () => {
    assert.throws(() => curves({}), /viz\.curves: no series with values/);
    assert.throws(() => curves([{ metric: "loss" }]), /series 0 needs y values/);
    assert.throws(() => curves([{ metric: "loss", x: [1], y: [1, 2] }]), /1 x values for 2 y values/);
  });
});

describe("throttle", () => {
  it("flushes at once, then at most once per interval, always delivering the last request", () => {
    const clock = new ManualClock();
    let flushes = 0;
    const t = new Throttle(200, () => flushes++, clock);
    t.request();
    assert.equal(flushes, 1);
    for (let i = 0; i < 50; i++) {
      clock.advance(10); // 50 requests over 500 ms
      t.request();
    }
    // 0 ms, then 200, 400 (timers), and the last request at 500 is pending until 600
    assert.equal(flushes, 3);
    clock.advance(100);
    assert.equal(flushes, 4);
    clock.advance(1000);
    assert.equal(flushes, 4); // nothing pending, nothing drawn
    t.request();
    t.flushNow();
    assert.equal(flushes, 5);
    assert.equal(clock.pendingTimers, 0);
  });
});

describe("viz.liveCurves", () => {
  it("updates ONE output in place, at most 5 times a second, and close() draws the final state", () => {
    const sink = new RecordingSink();
    const clock = new ManualClock();
    const live = liveCurves({ title: "training", sink, clock });
    for (let step = 1; step <= 100; step++) {
      clock.advance(20); // 100 pushes over 2 s
      live.push({ step, loss: 1 / step, split: "train" });
      if (step % 10 === 0) live.push({ step, loss: 2 / step, split: "validation" });
    }
    const final = live.close();
    assert.ok(
      sink.events.every((e) => e.displayId === live.displayId),
      "one output",
    );
    assert.equal(sink.events[0].op, "display");
    assert.ok(sink.events.slice(1).every((e) => e.op === "update"));
    // 2 s at <= 5 per second: the first display, ~10 updates, one final flush
    assert.ok(sink.events.length <= 13, `${sink.events.length} redraws`);
    assert.ok(sink.events.length >= 10, `${sink.events.length} redraws`);
    const last = sink.events[sink.events.length - 1].bundle[VIZ_MIME.curves] as CurvesPayload;
    assert.deepEqual(last, final);
    assert.equal(last.xLabel, "step");
    assert.equal(last.series[0].y.length, 100);
    assert.equal(last.series[1].split, "validation");
    assert.deepEqual(last.series[1].x, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    assert.throws(() => live.push({ step: 101, loss: 0 }), /these curves were closed/);
  });

  it("works headless: no sink, no output, the payload still grows", () => {
    const live = liveCurves();
    live.push({ epoch: 1, loss: 0.5, accuracy: 0.8 }).push({ epoch: 2, loss: 0.4, accuracy: 0.85 });
    const p = live.done();
    assert.equal(p.xLabel, "epoch");
    assert.deepEqual(
      p.series.map((s) => [s.metric, s.y]),
      [
        ["loss", [0.5, 0.4]],
        ["accuracy", [0.8, 0.85]],
      ],
    );
    assert.equal(live.renders, 0);
    assert.throws(() => live.push({ epoch: 3 } as never), /done|closed/);
  });

  it("a point without metrics is an error", () => {
    assert.throws(() => liveCurves().push({ epoch: 1 }), /the point has no metric values/);
  });
});
