// Pure logic behind the curves, confusion-matrix and model-summary views: plot grouping and axes,
// per-class accuracy, and the foldable layer tree.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CurvesPayload, SummaryLayer } from "../../kernel/display/payloads-viz";
import { confusionStats } from "../../webviews/lib/confusion";
import { curvesFigure, integerTicks, isAccuracy } from "../../webviews/lib/curves-figure";
import { formatReceptiveField, layerTree, visibleRows } from "../../webviews/lib/summary-tree";

const theme = {
  foreground: "#111",
  muted: "#777",
  grid: "#ddd",
  font: "sans-serif",
  palette: ["blue", "orange"],
};

const curves: CurvesPayload = {
  version: 1,
  xLabel: "epoch",
  series: [
    { metric: "loss", split: "train", x: [1, 2, 3], y: [2.3, 1.1, 0.7] },
    { metric: "loss", split: "validation", x: [1, 2, 3], y: [2.1, 1.3, 0.9] },
    { metric: "accuracy", split: "train", x: [1, 2, 3], y: [0.3, 0.7, 0.8] },
    { metric: "accuracy", split: "validation", x: [1, 2, 3], y: [0.35, 0.65, 0.75] },
  ],
};

describe("curves figure", () => {
  it("stacks one plot per metric, accuracy fixed to [0, 1], splits coloured alike across plots", () => {
    const fig = curvesFigure(curves, theme, false);
    assert.deepEqual(fig.metrics, ["loss", "accuracy"]);
    assert.equal(fig.data.length, 4);
    assert.deepEqual(
      fig.data.map((t) => [t.yaxis, t.name, t.line.color, t.line.dash, t.showlegend]),
      [
        ["y", "train", "blue", "solid", true],
        ["y", "validation", "orange", "dash", true],
        ["y2", "train", "blue", "solid", false],
        ["y2", "validation", "orange", "dash", false],
      ],
    );
    const acc = fig.layout.yaxis2 as { range: number[]; type: string };
    assert.deepEqual(acc.range, [0, 1]);
    assert.equal((fig.layout.yaxis as { type: string }).type, "linear");
  });

  it("whole-number ticks for epochs and whole-number x: about 8 of them, never 1.2, 1.4", () => {
    assert.deepEqual(integerTicks("epoch", [1, 2]), {
      tickmode: "linear",
      tick0: 0,
      dtick: 1,
      tickformat: "d",
    });
    assert.equal(integerTicks("epoch", [0.25, 0.5, 1, 20]).dtick, 5);
    assert.equal(integerTicks("step", [0, 10_000]).dtick, 2000);
    assert.deepEqual(integerTicks("step", [0.5, 1.5]), {}, "fractional steps keep plotly's ticks");
  });

  it("log scale applies to the loss plot and never to accuracy", () => {
    const fig = curvesFigure(curves, theme, true);
    assert.equal((fig.layout.yaxis as { type: string }).type, "log");
    assert.equal((fig.layout.yaxis2 as { type: string }).type, "linear");
  });

  it("recognises accuracy metrics by name and rejects series of mismatched lengths", () => {
    assert.ok(
      isAccuracy("accuracy") && isAccuracy("acc") && isAccuracy("top5_accuracy") && isAccuracy("val_acc"),
    );
    assert.ok(!isAccuracy("loss") && !isAccuracy("lr"));
    const bad = { ...curves, series: [{ metric: "loss", split: "train", x: [1, 2], y: [1] }] };
    assert.throws(() => curvesFigure(bad, theme, false), /x and y lists of the same length/);
  });
});

describe("confusion matrix", () => {
  it("per-class accuracy is the diagonal over the row; overall is the trace over the total", () => {
    const s = confusionStats({
      version: 1,
      classNames: ["a", "b", "c"],
      matrix: [
        [8, 2, 0],
        [1, 3, 0],
        [0, 0, 0],
      ],
    });
    assert.deepEqual(s.perClass, [0.8, 0.75, null]);
    assert.equal(s.correct, 11);
    assert.equal(s.total, 14);
    assert.deepEqual(s.share[0], [0.8, 0.2, 0]);
  });

  it("rejects a matrix that does not match the class names", () => {
    assert.throws(
      () => confusionStats({ version: 1, classNames: ["a", "b"], matrix: [[1, 2]] }),
      /needs 2 class names and as many rows, got 1 rows/,
    );
  });
});

describe("model summary tree", () => {
  const layer = (name: string, depth: number): SummaryLayer => ({
    name,
    type: "X",
    depth,
    isLeaf: depth > 0,
    outputShape: [1, 2, 3, 4],
    params: 0,
    trainableParams: 0,
    receptiveField: null,
    multAdds: 0,
    memoryBytes: 0,
  });
  const layers = [
    layer("features", 0),
    layer("features.0", 1),
    layer("features.1", 1),
    layer("classifier", 0),
    layer("classifier.0", 1),
  ];

  it("finds parents and which rows have children", () => {
    const rows = layerTree(layers);
    assert.deepEqual(
      rows.map((r) => [r.parent, r.hasChildren]),
      [
        [-1, true],
        [0, false],
        [0, false],
        [-1, true],
        [3, false],
      ],
    );
  });

  it("folding a container hides its descendants only", () => {
    const rows = layerTree(layers);
    assert.deepEqual(
      visibleRows(rows, new Set([0])).map((r) => r.layer.name),
      ["features", "classifier", "classifier.0"],
    );
  });

  it("writes the receptive field as size, jump and start", () => {
    assert.equal(
      formatReceptiveField({ size: [5, 5], jump: [1, 1], start: [0.5, 0.5] }),
      "5 (jump 1, start 0.5)",
    );
    assert.equal(
      formatReceptiveField({ size: [5, 3], jump: [2, 1], start: [1, 1] }),
      "5x3 (jump 2x1, start 1)",
    );
    assert.equal(formatReceptiveField("global"), "global");
    assert.equal(formatReceptiveField(null), "–");
  });
});
