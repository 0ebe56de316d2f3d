// fit() on a tiny separable dataset: the history it returns (per-epoch means, validation numbers
// equal to evaluating the model by hand), train/eval switching, the progress bar and curves as two
// outputs updated in place (recording sink), headless lines, and stopping: an AbortSignal between
// epochs or mid-epoch, and the notebook's interrupt token, with the weights trained so far kept.

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { type CurvesPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { data, F, manualSeed, nn, noGrad, optim, randn, type Tensor } from "../../kernel/engine/index";
import { accuracy, fit, PER_BATCH } from "../../kernel/viz/fit";
import { ManualClock, RecordingSink } from "./fake-display";

/** 2-D points, class 1 when x0 + x1 > 0: a linear model separates them. */
function points(n: number, seed: number): data.TensorDataset {
  manualSeed(seed);
  const x = randn([n, 2]);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = x.storage[2 * i] + x.storage[2 * i + 1] > 0 ? 1 : 0;
  return new data.TensorDataset(x, new (x.constructor as typeof Tensor)(y, [n], "int64"));
}

function setup(seed = 0) {
  const train = new data.DataLoader(points(96, seed + 1), { batchSize: 16, shuffle: true, seed });
  const val = new data.DataLoader(points(40, seed + 2), { batchSize: 20 });
  manualSeed(seed);
  const model = new nn.Sequential(
    new nn.Linear(2, 8),
    new nn.ReLU(),
    new nn.Dropout(0.1),
    new nn.Linear(8, 2),
  );
  const optimizer = new optim.SGD(model.parameters(), { lr: 0.3, momentum: 0.9 });
  return { train, val, model, optimizer };
}

const TOKEN = Symbol.for("receptive.runningCellToken");
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[TOKEN];
});

describe("fit", () => {
  it("returns the per-epoch history; validation numbers equal evaluating the model by hand", async () => {
    const { train, val, model, optimizer } = setup();
    const lines: string[] = [];
    const h = await fit(model, train, {
      epochs: 4,
      optimizer,
      lossFn: F.crossEntropy,
      valLoader: val,
      log: (l) => lines.push(l),
    });
    assert.equal(h.epochs, 4);
    assert.equal(h.stopped, false);
    for (const k of ["loss", "accuracy", "valLoss", "valAccuracy", "lr"]) assert.equal(h[k].length, 4, k);
    assert.ok(h.loss[3] < h.loss[0], `loss falls: ${h.loss}`);
    assert.ok(h.valAccuracy[3] > 0.85, `valAccuracy ${h.valAccuracy}`);
    assert.ok(model.training, "train mode is put back");
    // the last validation numbers, by hand (eval mode, no gradients)
    model.eval();
    let loss = 0;
    let acc = 0;
    for await (const [x, y] of val)
      noGrad(() => {
        const out = model.forward(x);
        loss += F.crossEntropy(out, y).item() * x.shape[0];
        acc += accuracy(out, y) * x.shape[0];
      });
    assert.ok(Math.abs(h.valLoss[3] - loss / 40) < 1e-6, `${h.valLoss[3]} vs ${loss / 40}`);
    assert.equal(h.valAccuracy[3], acc / 40);
    assert.equal(lines.length, 4);
    assert.match(
      lines[0],
      /^epoch 1\/4 · loss \d\.\d{4} · accuracy \d\.\d{4} · valLoss \d\.\d{4} · valAccuracy \d\.\d{4} · 0:\d\d · [\d,]+ img\/s$/,
    );
    assert.equal(fit.history, h);
  });

  it("accepts a loss module, custom metrics and a scheduler stepped once per epoch", async () => {
    const { train, model, optimizer } = setup(1);
    const scheduler = new optim.lrScheduler.StepLR(optimizer, 1, { gamma: 0.5 });
    const h = await fit(model, train, {
      epochs: 2,
      optimizer,
      lossFn: new nn.CrossEntropyLoss(),
      metrics: [{ ones: () => 1 }],
      scheduler,
      log: false,
    });
    assert.deepEqual(h.ones, [1, 1]);
    assert.equal(h.accuracy, undefined);
    assert.deepEqual(h.lr, [0.3, 0.15]);
    assert.equal(optimizer.paramGroups[0].lr, 0.075);
  });

  it("in a notebook: a progress bar and live curves, each ONE output updated in place", async () => {
    const { train, val, model, optimizer } = setup(2);
    const sink = new RecordingSink();
    const clock = new ManualClock();
    await fit(model, train, {
      epochs: 2,
      optimizer,
      lossFn: F.crossEntropy,
      valLoader: val,
      sink,
      clock,
      log: false,
    });
    const ids = [...new Set(sink.events.map((e) => e.displayId))];
    assert.equal(ids.length, 2, "two outputs: progress and curves");
    for (const id of ids) {
      const mine = sink.events.filter((e) => e.displayId === id);
      assert.equal(mine[0].op, "display");
      assert.ok(mine.slice(1).every((e) => e.op === "update"));
    }
    const progress = sink.events.filter((e) => "text/html" in e.bundle && !(VIZ_MIME.curves in e.bundle));
    const last = progress[progress.length - 1].bundle;
    assert.match(
      last["text/plain"] as string,
      /^epoch 2\/2 · done · [\d,]+ img\/s · loss \d\.\d{4} · accuracy \d\.\d{4}$/,
    );
    assert.match(last["text/html"] as string, /<progress max="6" value="6"/);
    const mid = progress.find((e) => /\[#+\.+\] \d\/6 · ETA/.test(e.bundle["text/plain"] as string));
    assert.ok(mid, "a mid-epoch state with batch i/n and ETA");
    const curves = sink.events.filter((e) => VIZ_MIME.curves in e.bundle);
    const final = curves[curves.length - 1].bundle[VIZ_MIME.curves] as CurvesPayload;
    const series = (m: string, s: string) => final.series.find((c) => c.metric === m && c.split === s);
    assert.deepEqual(series("loss", "validation")?.x, [1, 2]);
    assert.deepEqual(series("accuracy", "validation")?.x, [1, 2]);
    // Epoch means at whole epochs; beside them the per-batch losses, smoothed across epochs.
    assert.deepEqual(series("loss", "train")?.x, [1, 2]);
    const fine = series("loss", PER_BATCH);
    assert.ok(fine && fine.x.length > 4, "per-batch points within epochs");
    assert.ok(fine.x.some((x) => !Number.isInteger(x)) && fine.x.includes(1) && fine.x.includes(2));
    assert.ok(fine.y.every((y) => y !== null && Number.isFinite(y)));
  });

  it("the per-batch curve runs on across epoch boundaries (no drop where the epoch's mean restarts)", async () => {
    // Batch losses that fall steadily, 10 - 0.1 k: the epoch's running mean restarts high and would
    // show a drop at each epoch boundary; the smoothed per-batch curve keeps falling evenly.
    const { train, model, optimizer } = setup(5);
    let k = 0;
    const lossFn = (out: Tensor) =>
      out
        .sum()
        .mul(0)
        .add(10 - 0.1 * k++);
    const sink = new RecordingSink();
    await fit(model, train, { epochs: 3, optimizer, lossFn, sink, clock: new ManualClock(), log: false });
    const curves = sink.events.filter((e) => VIZ_MIME.curves in e.bundle);
    const final = curves[curves.length - 1].bundle[VIZ_MIME.curves] as CurvesPayload;
    const fine = final.series.find((c) => c.split === PER_BATCH && c.metric === "loss");
    assert.ok(fine, "a per-batch loss curve");
    const ys = fine.y as number[];
    const steps = ys.slice(1).map((y, i) => ys[i] - y);
    assert.ok(
      steps.every((d) => d > 0),
      `falls at every point: ${ys.map((y) => y.toFixed(3))}`,
    );
    const boundary = fine.x.indexOf(1) + 1; // the first point of epoch 2
    const within = steps.slice(2, boundary - 1);
    assert.ok(
      steps[boundary - 1] <= 1.5 * Math.max(...within),
      `the step into epoch 2 (${steps[boundary - 1]}) is like those within epoch 1 (${within})`,
    );
    const epochMeans = final.series.find((c) => c.split === "train" && c.metric === "loss");
    assert.deepEqual(epochMeans?.x, [1, 2, 3]);
  });

  it("a long run keeps the per-batch curve to about 1,000 points", async () => {
    const { train, model, optimizer } = setup(6);
    const sink = new RecordingSink();
    await fit(model, train, {
      epochs: 500,
      optimizer,
      lossFn: F.crossEntropy,
      sink,
      clock: new ManualClock(),
      log: false,
    });
    const curves = sink.events.filter((e) => VIZ_MIME.curves in e.bundle);
    const final = curves[curves.length - 1].bundle[VIZ_MIME.curves] as CurvesPayload;
    const fine = final.series.find((c) => c.split === PER_BATCH);
    assert.ok(fine && fine.x.length >= 500 && fine.x.length <= 1100, `${fine?.x.length} per-batch points`);
  });

  it("a stop signal between epochs ends training; the history has the finished epochs", async () => {
    const { train, model, optimizer } = setup(3);
    const stop = new AbortController();
    const h = await fit(model, train, {
      epochs: 5,
      optimizer,
      lossFn: F.crossEntropy,
      stopSignal: stop.signal,
      onEpoch: (epoch) => {
        if (epoch === 2) stop.abort();
      },
      log: false,
    });
    assert.equal(h.epochs, 2);
    assert.equal(h.stopped, true);
    assert.equal(h.loss.length, 2);
  });

  it("a stop mid-epoch keeps the weights trained so far", async () => {
    const { model, optimizer } = setup(4);
    const ds = points(96, 9);
    const stop = new AbortController();
    const before = Float32Array.from(model.parameters()[0].storage);
    let served = 0;
    const loader = {
      length: 6,
      async *[Symbol.asyncIterator]() {
        for (const b of new data.DataLoader(ds, { batchSize: 16 }).batchIndices()) {
          if (++served === 4) stop.abort(); // after 3 batches
          yield new data.DataLoader(ds).batch(b);
        }
      },
    };
    const h = await fit(model, loader, {
      epochs: 3,
      optimizer,
      lossFn: F.crossEntropy,
      signal: stop.signal,
      log: false,
    });
    assert.equal(h.stopped, true);
    assert.equal(h.epochs, 0);
    assert.equal(h.loss.length, 1, "the partial epoch's running loss");
    assert.notDeepEqual(Array.from(model.parameters()[0].storage), Array.from(before));
    assert.equal(optimizer.state.size > 0, true);
  });

  it("after a Stop the progress bar stays where it came and says so", async () => {
    const { model, optimizer } = setup(6);
    const ds = points(96, 9);
    const stop = new AbortController();
    let served = 0;
    const loader = {
      length: 6,
      async *[Symbol.asyncIterator]() {
        for (const b of new data.DataLoader(ds, { batchSize: 16 }).batchIndices()) {
          if (++served === 10) stop.abort(); // epoch 2, after its 3rd batch
          yield new data.DataLoader(ds).batch(b);
        }
      },
    };
    const sink = new RecordingSink();
    const lines: string[] = [];
    const h = await fit(model, loader, {
      epochs: 3,
      optimizer,
      lossFn: F.crossEntropy,
      signal: stop.signal,
      sink,
      clock: new ManualClock(),
      log: (l) => lines.push(l),
    });
    assert.equal(h.stopped, true);
    const bar = sink.events.filter((e) => !(VIZ_MIME.curves in e.bundle)).at(-1)?.bundle ?? {};
    assert.match(
      bar["text/plain"] as string,
      /^stopped at epoch 2\/3, batch 3\/6 · \[#{12}\.{12}\] · 0:\d\d · loss \d\.\d{4} · accuracy \d\.\d{4} · the weights trained so far are kept$/,
    );
    assert.match(bar["text/html"] as string, /<progress max="6" value="3"/);
    assert.deepEqual(
      lines.at(-1),
      "fit: stopped at epoch 2/3, batch 3/6; the weights trained so far are kept",
    );

    // a stop between epochs: the finished epoch's bar, full
    const between = setup(7);
    const stopAfter2 = new AbortController();
    const sink2 = new RecordingSink();
    await fit(between.model, between.train, {
      epochs: 5,
      optimizer: between.optimizer,
      lossFn: F.crossEntropy,
      stopSignal: stopAfter2.signal,
      onEpoch: (epoch) => {
        if (epoch === 2) stopAfter2.abort();
      },
      sink: sink2,
      clock: new ManualClock(),
      log: false,
    });
    const last = sink2.events.filter((e) => !(VIZ_MIME.curves in e.bundle)).at(-1)?.bundle ?? {};
    assert.match(last["text/plain"] as string, /^stopped after epoch 2\/5 · \[#{24}\] · /);
    assert.match(last["text/html"] as string, /<progress max="6" value="6"/);
  });

  it("the notebook's interrupt token stops it too", async () => {
    const { train, model, optimizer } = setup(5);
    const token = { interrupted: false };
    (globalThis as Record<symbol, unknown>)[TOKEN] = () => token;
    let batches = 0;
    const h = await fit(model, train, {
      epochs: 3,
      optimizer,
      lossFn: (out: Tensor, y: Tensor) => {
        if (++batches === 8) token.interrupted = true; // during epoch 2
        return F.crossEntropy(out, y);
      },
      log: false,
    });
    assert.equal(h.stopped, true);
    assert.equal(h.epochs, 1);
    assert.equal(batches, 8);
  });

  it("explains wrong arguments", async () => {
    const { train, model, optimizer } = setup();
    await assert.rejects(fit(model, train, {} as never), /fit: needs \{ optimizer, lossFn \}/);
    await assert.rejects(
      fit(model, [[1]], { optimizer, lossFn: F.crossEntropy, log: false }),
      /each batch must be \[inputs, targets\]/,
    );
    await assert.rejects(
      fit(model, train, { optimizer, lossFn: F.crossEntropy, metrics: ["f1"] }),
      /unknown metric "f1"/,
    );
  });
});
