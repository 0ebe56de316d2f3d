// viz.layerStats: per-layer activation and gradient statistics through depth (the vanishing /
// exploding picture) equal what a hand-run forward and backward gives; a too-small init shows
// the signal vanishing, LSUV keeps it level; the figure is a curves bundle with PNG and HTML
// fallbacks; the parameters' gradients are left as they were.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { F, manualSeed, nn, randn, type Tensor, tensor } from "../../kernel/engine/index";
import { layerStats } from "../../kernel/viz/index";
import { expectClose } from "../helpers";

const std = (v: ArrayLike<number>) => {
  const a = Array.from(v);
  const m = a.reduce((s, x) => s + x, 0) / a.length;
  return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / a.length);
};

function deepTanh(depth: number, width: number, initStd: number | null): nn.Sequential {
  const layers: nn.Module[] = [];
  for (let i = 0; i < depth; i++) {
    const l = new nn.Linear(width, width);
    if (initStd !== null) {
      nn.init.normal_(l.weight, 0, initStd);
      nn.init.zeros_(l.bias!);
    }
    layers.push(l, new nn.Tanh());
  }
  return new nn.Sequential(...layers);
}

describe("viz.layerStats", () => {
  it("activation and gradient statistics equal a hand-run forward and backward", () => {
    manualSeed(10);
    const net = new nn.Sequential(new nn.Linear(5, 6), new nn.ReLU(), new nn.Linear(6, 3));
    const x = randn([8, 5]);
    const target = tensor([0, 1, 2, 0, 1, 2, 0, 1]);
    const fig = layerStats(net, x, { target });
    // by hand
    const h = (net.get(0) as nn.Linear).forward(x);
    h.retainGrad();
    const o = (net.get(2) as nn.Linear).forward(F.relu(h));
    o.retainGrad();
    F.crossEntropy(o, target).backward();
    assert.deepEqual(
      fig.layers.map((l) => [l.depth, l.name, l.type]),
      [
        [1, "0", "Linear"],
        [2, "2", "Linear"],
      ],
    );
    expectClose(
      [fig.layers[0].activation.std, fig.layers[1].activation.std],
      [std(h.data), std(o.data)],
      "activation std",
    );
    expectClose(
      [fig.layers[0].gradient!.std, fig.layers[1].gradient!.std],
      [std(h.grad!.data), std(o.grad!.data)],
      "gradient std",
    );
    expectClose(
      [fig.layers[0].weightGradStd!],
      [std((net.get(0) as nn.Linear).weight.grad!.data)],
      "weight gradient std",
    );
    const hist = fig.layers[0].activation.histogram;
    assert.equal(
      hist.counts.reduce((a, b) => a + b, 0),
      8 * 6,
    );
    assert.equal(hist.edges.length, 21);
  });
  it("leaves the parameters' .grad as they were", () => {
    const net = new nn.Sequential(new nn.Linear(3, 3), new nn.Tanh(), new nn.Linear(3, 1));
    const w = (net.get(0) as nn.Linear).weight;
    w.grad = tensor([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const before = w.grad;
    layerStats(net, randn([4, 3]));
    assert.equal(w.grad, before);
    assert.equal((net.get(2) as nn.Linear).weight.grad, null);
  });
  it("vanishing with a too-small init, level after LSUV: the lecture's picture", () => {
    manualSeed(11);
    const x = randn([128, 32]);
    const small = layerStats(deepTanh(12, 32, 0.05), x, { layers: "leaves" });
    const tanhs = small.layers.filter((l) => l.type === "Tanh");
    assert.equal(tanhs.length, 12);
    // each layer multiplies the signal by about 0.05 * sqrt(32) = 0.28
    assert.ok(
      tanhs[11].activation.std < 1e-5 * tanhs[0].activation.std,
      `std ${tanhs[0].activation.std} -> ${tanhs[11].activation.std}`,
    );
    assert.ok(tanhs[0].gradient!.rms < 1e-5 * tanhs[11].gradient!.rms, "gradients vanish towards the input");
    const net = deepTanh(12, 32, null);
    nn.init.lsuv(net, x);
    const level = layerStats(net, x);
    for (const l of level.layers)
      expectClose([l.activation.std ** 2], [1], `layer ${l.name}'s output variance`, { atol: 0.1, rtol: 0 });
    // the figure: log10 of the stds per layer, one plot for activations and one for gradients
    const b = level.bundle() as Record<string, unknown>;
    const p = b[VIZ_MIME.curves] as { xLabel: string; series: { metric: string; y: (number | null)[] }[] };
    assert.equal(p.xLabel, "layer");
    assert.deepEqual(
      p.series.map((s) => s.metric),
      ["log10 std of activations", "log10 rms of gradients"],
    );
    expectClose(
      p.series[0].y as number[],
      level.layers.map((l) => Math.log10(l.activation.std)),
      "plotted values",
    );
    assert.equal(typeof b["image/png"], "string");
    assert.ok(String(b["text/html"]).includes("<svg"));
    assert.match(String(level), /activations and gradients through depth/);
  });
  it("bad input is a clear error", () => {
    const net = new nn.Sequential(new nn.Linear(3, 3));
    assert.throws(
      () => layerStats(net, randn([2, 3]), { layers: ["9"] }),
      /viz.layerStats: Sequential has no layer "9"/,
    );
    assert.throws(
      () => layerStats({} as nn.Module, randn([2, 3])),
      /viz.layerStats: the first argument must be an nn.Module/,
    );
    assert.throws(() => layerStats(net, [1, 2] as unknown as Tensor), /batch must be a tensor/);
  });
});
