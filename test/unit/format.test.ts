// Printing tensors like PyTorch: summarised with "..." past 1,000 elements, the number format
// chosen from the values shown, and no stack overflow for tensors of any size (a CIFAR batch
// printed by a cell used to throw "Maximum call stack size exceeded").

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CurvesPayload } from "../../kernel/display/payloads-viz";
import { arange, manualSeed, randn, tensor, zeros } from "../../kernel/engine/index";
import { curvesHtml } from "../../kernel/viz/curves-svg";
import { tensorBundle } from "../../kernel/viz/tensor-display";

describe("printing tensors", () => {
  it("prints a 64x3x32x32 CIFAR batch summarised, 3 items at each end of every dim", () => {
    manualSeed(0);
    const x = randn([64, 3, 32, 32]);
    const s = x.toString();
    assert.ok(s.startsWith("tensor([[[["), s.slice(0, 40));
    assert.ok(s.length < 20_000, `printed ${s.length} characters`);
    const lines = s.split("\n");
    // Every printed row holds 3 values, "...", 3 values.
    const rows = lines.filter((l) => /\d/.test(l));
    assert.equal(rows.length, 6 * 3 * 6, "rows shown: 6 images x 3 channels x 6 rows");
    for (const r of rows) assert.equal(r.split(",").filter((p) => /\d/.test(p)).length, 6, r);
    // The first row is x[0, 0, 0, :3] ... x[0, 0, 0, -3:], in PyTorch's scientific/fixed format.
    const first = rows[0].replace(/^[^\d-]*\[/, "").replace(/[\]\s,]+$/, "");
    const values = first.split(/,\s*/).filter((p) => p !== "...");
    const want = [0, 1, 2, 29, 30, 31].map((i) => x.storage[i]);
    values.forEach((v, k) => {
      assert.ok(Math.abs(Number(v) - want[k]) < 1e-4 * (1 + Math.abs(want[k])), `${v} vs ${want[k]}`);
    });
  });

  it("a cell ending in a CIFAR batch displays (text, payload and heatmap)", () => {
    const bundle = tensorBundle(randn([64, 3, 32, 32]));
    assert.match(String(bundle["text/plain"]), /^tensor\(\[\[\[\[/);
    assert.ok(bundle["image/png"], "a heatmap of the first tiles");
  });

  it("prints a 1e7-element tensor without touching the stack", () => {
    assert.equal(
      arange(1e7).toString(),
      "tensor([      0,       1,       2, ..., 9999997, 9999998, 9999999], dtype=int64)",
    );
    // PyTorch: integers whose range is wider than 1e3 print in scientific notation.
    assert.equal(
      arange(1e7).float().toString(),
      "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 1.0000e+07, 1.0000e+07, 1.0000e+07])",
    );
    const z = zeros([10_000_000]).toString();
    assert.equal(z, "tensor([0., 0., 0., ..., 0., 0., 0.])");
  });

  it("keeps PyTorch's formats for small tensors", () => {
    assert.equal(tensor([1e-5, 2]).toString(), "tensor([1.0000e-05, 2.0000e+00])");
    assert.equal(tensor([1e9, 2]).toString(), "tensor([1.0000e+09, 2.0000e+00])");
    assert.equal(
      tensor([0.5, Number.NaN, Number.POSITIVE_INFINITY]).toString(),
      "tensor([0.5000,    nan,    inf])",
    );
    assert.equal(tensor([1, Number.NEGATIVE_INFINITY]).toString(), "tensor([1., -inf])");
    assert.equal(tensor([3, 0]).toString(), "tensor([3., 0.])");
  });
});

describe("training curves with many points", () => {
  it("draws 300,000 steps (min/max without spreading into Math.min)", () => {
    const n = 300_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => 1 / (1 + i));
    const payload: CurvesPayload = {
      version: 1,
      series: [{ metric: "loss", split: "train", x, y }],
      xLabel: "step",
    };
    const html = curvesHtml(payload);
    assert.match(html, /<svg/);
    assert.match(html, />299999</); // the x axis ends at the last step
  });
});
