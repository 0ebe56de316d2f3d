// nn.init.lsuv (Mishkin & Matas 2015): orthonormal weights, then every conv / linear layer scaled
// to unit output variance on the batch. Deep plain nets (20 layers, tanh and ReLU) come out with
// every layer's output variance within the tolerance of 1, where PyTorch's default init lets it
// shrink layer after layer; the report says what happened; bad input is a clear error.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { manualSeed, nn, noGrad, randn, type Tensor } from "../../kernel/engine/index";

/** A plain net: depth x (Linear(width, width), activation), then Linear(width, 10). */
function plainNet(depth: number, width: number, act: "tanh" | "relu"): nn.Sequential {
  const layers: nn.Module[] = [];
  for (let i = 0; i < depth; i++)
    layers.push(new nn.Linear(width, width), act === "tanh" ? new nn.Tanh() : new nn.ReLU());
  layers.push(new nn.Linear(width, 10));
  return new nn.Sequential(...layers);
}

/** The output variance of every Linear of `net` on `x` (a forward pass, the outputs kept by hooks). */
function linearVariances(net: nn.Module, x: Tensor): number[] {
  const out: number[] = [];
  const handles = net
    .modules()
    .filter((m) => m instanceof nn.Linear)
    .map((m) =>
      m.registerForwardHook((_m, _i, y: Tensor) => {
        const v = y.data;
        const mean = v.reduce((a, b) => a + b, 0) / v.length;
        out.push(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
      }),
    );
  noGrad(() => net.forward(x));
  for (const h of handles) h.remove();
  return out;
}

describe("nn.init.lsuv", () => {
  for (const act of ["tanh", "relu"] as const)
    it(`a 20-layer ${act} plain net: every layer's output variance within 0.1 of 1`, () => {
      manualSeed(7);
      const net = plainNet(20, 64, act);
      const x = randn([256, 64]);
      const before = linearVariances(net, x);
      // PyTorch's default init (kaiming-uniform, a = sqrt(5): weight variance 1/(3 fanIn))
      // makes the signal fade with depth (down to what the biases add)
      assert.ok(
        before[19] < 0.05 * before[0],
        `default init: variance ${before[0]} at layer 1, ${before[19]} at layer 20`,
      );
      const report = nn.init.lsuv(net, x);
      assert.equal(report.length, 21);
      assert.deepEqual(
        report.map((r) => r.name),
        Array.from({ length: 21 }, (_, i) => String(2 * i)),
      );
      for (const r of report) {
        assert.ok(r.converged, `${r.name}: variance ${r.variance} after ${r.iterations} iterations`);
        assert.ok(Math.abs(r.variance - 1) < 0.1);
      }
      const after = linearVariances(net, x);
      for (const [i, v] of after.entries()) assert.ok(Math.abs(v - 1) < 0.1, `layer ${i + 1}: variance ${v}`);
      // and on a fresh batch from the same distribution, the variance still holds up through depth
      const fresh = linearVariances(net, randn([256, 64]));
      for (const [i, v] of fresh.entries())
        assert.ok(Math.abs(v - 1) < 0.25, `fresh batch, layer ${i + 1}: variance ${v}`);
      // biases zero, weights a scaled orthonormal matrix: W W^T = c I
      const w = (net.get(2) as nn.Linear).weight.data;
      let off = 0;
      let diag = 0;
      for (let i = 0; i < 64; i++)
        for (let j = 0; j < 64; j++) {
          let d = 0;
          for (let k = 0; k < 64; k++) d += w[i * 64 + k] * w[j * 64 + k];
          if (i === j) diag += d / 64;
          else off = Math.max(off, Math.abs(d));
        }
      assert.ok(off < 1e-4 * diag, `W W^T off-diagonal ${off}, diagonal ${diag}`);
      assert.ok((net.get(2) as nn.Linear).bias!.data.every((b) => b === 0));
    });
  it("convs too, and train/eval modes are put back", () => {
    manualSeed(8);
    const net = new nn.Sequential(
      new nn.Conv2d(3, 16, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.Dropout(0.5),
      new nn.Conv2d(16, 16, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(16 * 8 * 8, 10),
    );
    net.train();
    const report = nn.init.lsuv(net, randn([32, 3, 8, 8]), { tolerance: 0.05, maxIterations: 20 });
    assert.deepEqual(
      report.map((r) => [r.name, r.type, r.converged]),
      [
        ["0", "Conv2d", true],
        ["3", "Conv2d", true],
        ["6", "Linear", true],
      ],
    );
    assert.ok(net.training && net.get(2).training);
  });
  it("maxIterations 0 only fills orthonormal weights; the report shows the variance it left", () => {
    manualSeed(9);
    const net = plainNet(3, 16, "relu");
    const report = nn.init.lsuv(net, randn([64, 16]), { maxIterations: 0 });
    assert.ok(report.every((r) => r.iterations === 0 && r.variance === r.initialVariance));
  });
  it("bad input is a clear error", () => {
    const net = plainNet(2, 8, "relu");
    assert.throws(() => nn.init.lsuv(net, [[1, 2]] as unknown as Tensor), /lsuv: batch must be a Tensor/);
    assert.throws(
      () => nn.init.lsuv(new nn.Sequential(new nn.ReLU()), randn([2, 8])),
      /lsuv: Sequential has no conv or linear layer/,
    );
    assert.throws(
      () => nn.init.lsuv(net, randn([4, 8]).mul(0)),
      /lsuv: layer "0" \(Linear, weight \[8, 8\]\) outputs variance 0 on this batch/,
    );
    assert.throws(
      () => nn.init.lsuv(net, randn([4, 8]), { tolerance: 0 }),
      /lsuv: tolerance must be positive/,
    );
  });
});
