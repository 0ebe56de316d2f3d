// viz and fit in the real kernel: a notebook run by `receptive run` (the kernel's executor and
// display sink) keeps fit's progress bar and curves as two outputs updated in place, shows the
// figures as cell results and modules / datasets as their summary / sample grid; `receptive/viz`
// is the same viz as the one `receptive` brings.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CurvesPayload, VIZ_MIME } from "../../kernel/display/payloads-viz";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";

const repo = join(__dirname, "..", "..", "..");
const cli = join(repo, "dist", "kernel", "cli.js");

const cells = [
  `import { data, F, fit, manualSeed, nn, optim, randn, tensor, viz } from "receptive";
manualSeed(0);
const x = randn([64, 1, 4, 4]);
const y = tensor(Array.from({ length: 64 }, (_, i) => (x.storage[i * 16] > 0 ? 1 : 0)));
const ds = new data.TensorDataset(x, y);
const train = new data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 0 });
const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.Flatten(), new nn.Linear(8, 2));`,
  `const h = await fit(model, train, { epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), lossFn: F.crossEntropy, valLoader: train });
h.epochs`,
  `viz.convSteps(Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]), [[1, 0, -1], [1, 0, -1], [1, 0, -1]])`,
  `const live = viz.liveCurves({ title: "loop" });
for (let step = 1; step <= 50; step++) live.push({ step, loss: 1 / step });
live.close();
undefined`,
  "model",
  "ds",
  `import * as pictures from "receptive/viz";
[typeof pictures.fit, pictures.fit === fit, typeof pictures.curves].join(" ")`,
];

describe("viz in a notebook run by the kernel", () => {
  let dir = "";
  let outputs: any[][] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "receptive-viz-"));
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: "receptive", display_name: "Receptive (TypeScript)", language: "typescript" },
      },
      cells: cells.map((source, i) => ({
        cell_type: "code",
        id: `c${i}`,
        metadata: {},
        execution_count: null,
        outputs: [],
        source,
      })),
    };
    const path = join(dir, "viz.ipynb");
    writeFileSync(path, JSON.stringify(nb));
    const r = spawnSync(process.execPath, [...KERNEL_NODE_FLAGS, cli, "run", path], {
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `receptive run failed:\n${r.stdout}\n${r.stderr}`);
    outputs = JSON.parse(readFileSync(path, "utf8")).cells.map((c: any) => c.outputs);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("fit: one progress bar and one curves output, updated in place to the final state", () => {
    const shown = outputs[1].filter((o) => o.output_type === "display_data");
    assert.equal(shown.length, 2, JSON.stringify(outputs[1].map((o) => o.output_type)));
    const progress = shown.find((o) => !(VIZ_MIME.curves in o.data));
    const text = [progress.data["text/plain"]].flat().join("");
    assert.match(text, /^epoch 2\/2 · done · [\d,]+ img\/s · loss \d\.\d{4} · accuracy \d\.\d{4}$/);
    const curves = shown.find((o) => VIZ_MIME.curves in o.data).data[VIZ_MIME.curves] as CurvesPayload;
    assert.deepEqual(curves.series.find((s) => s.metric === "loss" && s.split === "validation")?.x, [1, 2]);
    const result = outputs[1].find((o) => o.output_type === "execute_result");
    assert.equal([result.data["text/plain"]].flat().join(""), "2");
  });

  it("a figure as a cell's value: the conv steps bundle with its fallbacks", () => {
    const r = outputs[2].find((o) => o.output_type === "execute_result");
    assert.ok(r.data[VIZ_MIME.convSteps]);
    assert.match(
      [r.data["text/plain"]].flat().join(""),
      /^6x6 input \* 3x3 filter = 4x4 output\noutput:\n0 30 30 0/,
    );
    assert.ok(r.data["text/html"]);
  });

  it("liveCurves: one output holding all 50 points", () => {
    const shown = outputs[3].filter((o) => o.output_type === "display_data");
    assert.equal(shown.length, 1);
    assert.equal((shown[0].data[VIZ_MIME.curves] as CurvesPayload).series[0].y.length, 50);
  });

  it("a module shows its summary at the last input's shape; a dataset its sample grid", () => {
    const m = outputs[4].find((o) => o.output_type === "execute_result");
    assert.deepEqual(m.data[VIZ_MIME.modelSummary].inputShapes, [[1, 1, 4, 4]]);
    assert.match([m.data["text/plain"]].flat().join(""), /^Sequential\(/);
    const d = outputs[5].find((o) => o.output_type === "execute_result");
    assert.deepEqual(d.data[VIZ_MIME.imageGrid].shape, [16, 1, 4, 4]);
    assert.equal([d.data["text/plain"]].flat().join(""), "TensorDataset: 64 samples");
  });

  it("receptive/viz in a cell: the same viz and fit as the notebook's receptive", () => {
    const r = outputs[6].find((o) => o.output_type === "execute_result");
    assert.ok(r, JSON.stringify(outputs[6]));
    assert.equal([r.data["text/plain"]].flat().join(""), "'function true function'");
  });
});
