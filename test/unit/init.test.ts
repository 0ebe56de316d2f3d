// nn.init: gains and fans equal PyTorch's formulas, each initialiser's distribution has the
// right bounds and moments, orthogonal_ is orthogonal, and every layer starts as in PyTorch
// (kaiming_uniform(a = sqrt(5)) weights, U(-1/sqrt(fanIn), 1/sqrt(fanIn)) biases).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Generator, nn, type Tensor, zeros } from "../../kernel/engine/index";

const { init } = nn;

function moments(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.storage;
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / d.length;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / d.length), min, max };
}

/** Uniform on (-bound, bound): inside, reaching close to both ends, std bound/sqrt(3). */
function expectUniform(t: Tensor, bound: number, what: string): void {
  const m = moments(t);
  assert.ok(m.min >= -bound && m.max <= bound, `${what}: values in [${m.min}, ${m.max}] exceed ±${bound}`);
  assert.ok(
    m.min < -0.98 * bound && m.max > 0.98 * bound,
    `${what}: range [${m.min}, ${m.max}] does not fill ±${bound}`,
  );
  const n = t.numel;
  assert.ok(Math.abs(m.mean) < (5 * bound) / Math.sqrt(3 * n), `${what}: mean ${m.mean}`);
  const want = bound / Math.sqrt(3);
  assert.ok(Math.abs(m.std / want - 1) < 8 / Math.sqrt(n) + 0.01, `${what}: std ${m.std}, expected ${want}`);
}

function expectNormal(t: Tensor, mean: number, std: number, what: string): void {
  const m = moments(t);
  const n = t.numel;
  assert.ok(Math.abs(m.mean - mean) < (5 * std) / Math.sqrt(n), `${what}: mean ${m.mean}, expected ${mean}`);
  assert.ok(Math.abs(m.std / std - 1) < 8 / Math.sqrt(n) + 0.01, `${what}: std ${m.std}, expected ${std}`);
}

describe("nn.init formulas", () => {
  it("calculateGain matches torch.nn.init.calculate_gain", () => {
    assert.equal(init.calculateGain("linear"), 1);
    assert.equal(init.calculateGain("conv2d"), 1);
    assert.equal(init.calculateGain("sigmoid"), 1);
    assert.equal(init.calculateGain("tanh"), 5 / 3);
    assert.equal(init.calculateGain("relu"), Math.SQRT2);
    assert.equal(init.calculateGain("leaky_relu"), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(init.calculateGain("leakyRelu", 0.2), Math.sqrt(2 / 1.04));
    assert.equal(init.calculateGain("selu"), 0.75);
    assert.throws(
      () => init.calculateGain("swish" as never),
      /calculateGain: unsupported nonlinearity "swish"/,
    );
  });
  it("fan in / fan out of linear and conv weights", () => {
    assert.deepEqual(init.calculateFanInAndFanOut(zeros([120, 400])), [400, 120]);
    assert.deepEqual(init.calculateFanInAndFanOut(zeros([16, 6, 5, 5])), [150, 400]);
    assert.throws(() => init.calculateFanInAndFanOut(zeros([5])), /at least 2 dims, got shape \[5\]/);
  });
});

describe("nn.init distributions", () => {
  const w = () => zeros([256, 128, 2, 2]); // fanIn 512, fanOut 1024, 131072 values
  it("uniform_, normal_, truncNormal_, constant_, zeros_, ones_, eye_", () => {
    const t = init.uniform_(w(), -0.3, 0.3);
    expectUniform(t, 0.3, "uniform_");
    expectNormal(init.normal_(w(), 2, 0.5), 2, 0.5, "normal_");
    const tn = moments(init.truncNormal_(w(), 0, 1, -1, 1));
    assert.ok(tn.min >= -1 && tn.max <= 1 && tn.max > 0.99);
    assert.ok(init.constant_(w(), 0.7).storage.every((v) => v === Math.fround(0.7)));
    assert.ok(init.ones_(w()).storage.every((v) => v === 1));
    assert.ok(init.zeros_(init.ones_(w())).storage.every((v) => v === 0));
    assert.deepEqual(init.eye_(zeros([2, 3])).toArray(), [
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });
  it("xavier uniform / normal with gain", () => {
    expectUniform(init.xavierUniform_(w(), { gain: 2 }), 2 * Math.sqrt(6 / (512 + 1024)), "xavierUniform_");
    expectNormal(init.xavierNormal_(w()), 0, Math.sqrt(2 / (512 + 1024)), "xavierNormal_");
  });
  it("kaiming uniform / normal with mode and nonlinearity", () => {
    expectUniform(
      init.kaimingUniform_(w(), { nonlinearity: "relu" }),
      Math.sqrt(6 / 512),
      "kaimingUniform_ relu",
    );
    expectUniform(
      init.kaimingUniform_(w(), { a: Math.sqrt(5) }),
      1 / Math.sqrt(512),
      "kaimingUniform_ a=sqrt(5)",
    );
    expectNormal(
      init.kaimingNormal_(w(), { mode: "fanOut", nonlinearity: "relu" }),
      0,
      Math.SQRT2 / Math.sqrt(1024),
      "kaimingNormal_ fanOut",
    );
    assert.throws(
      () => init.kaimingNormal_(w(), { mode: "fanMiddle" as never }),
      /mode must be "fanIn" or "fanOut"/,
    );
  });
  it("orthogonal_ gives orthonormal rows (wide) or columns (tall), times gain", () => {
    for (const [rows, cols] of [
      [4, 9],
      [9, 4],
    ]) {
      const q = init.orthogonal_(zeros([rows, cols]), { gain: 2 });
      const gram = rows <= cols ? q.matmul(q.t()) : q.t().matmul(q);
      const n = Math.min(rows, cols);
      gram.storage.forEach((v, i) => {
        const want = Math.floor(i / n) === i % n ? 4 : 0;
        assert.ok(Math.abs(v - want) < 1e-4, `[${rows}x${cols}] gram[${i}] = ${v}, expected ${want}`);
      });
    }
    const conv = init.orthogonal_(zeros([3, 2, 2, 2]));
    const flat = conv.reshape(3, 8);
    const g = flat.matmul(flat.t());
    assert.ok(Math.abs(g.storage[0] - 1) < 1e-5 && Math.abs(g.storage[1]) < 1e-5);
  });
  it("a seeded generator makes an initialisation reproducible", () => {
    const a = init.kaimingNormal_(zeros([8, 8]), { generator: new Generator(3) });
    const b = init.kaimingNormal_(zeros([8, 8]), { generator: new Generator(3) });
    assert.deepEqual(a.data, b.data);
  });
});

describe("default layer initialisation equals PyTorch's", () => {
  it("Linear, Conv1d/2d, ConvTranspose2d: weight and bias ~ U(-1/sqrt(fanIn), 1/sqrt(fanIn))", () => {
    const cases: [string, nn.Module & { weight: Tensor; bias: Tensor | null }, number][] = [
      ["Linear(512, 256)", new nn.Linear(512, 256), 512],
      ["Conv2d(64, 128, 3)", new nn.Conv2d(64, 128, 3), 64 * 9],
      ["Conv2d(64, 128, 3, groups=4)", new nn.Conv2d(64, 128, 3, { groups: 4 }), 16 * 9],
      ["Conv1d(32, 64, 5)", new nn.Conv1d(32, 64, 5), 160],
      // PyTorch's fan-in formula on the transposed weight (IC, OC/groups, KH, KW) uses OC/groups.
      ["ConvTranspose2d(128, 64, 2)", new nn.ConvTranspose2d(128, 64, 2), 64 * 4],
    ];
    for (const [name, layer, fanIn] of cases) {
      const bound = 1 / Math.sqrt(fanIn);
      expectUniform(layer.weight, bound, `${name} weight`);
      const b = moments(layer.bias!);
      assert.ok(b.min >= -bound && b.max <= bound, `${name} bias within ±${bound}`);
      assert.ok(b.max - b.min > bound, `${name} bias is spread over its range`);
    }
  });
  it("BatchNorm starts as the identity: weight ones, bias zeros, running mean 0 and var 1", () => {
    const bn = new nn.BatchNorm2d(5);
    assert.ok(bn.weight!.storage.every((v) => v === 1) && bn.bias!.storage.every((v) => v === 0));
    assert.ok(bn.runningMean!.storage.every((v) => v === 0) && bn.runningVar!.storage.every((v) => v === 1));
    assert.equal(bn.numBatchesTracked!.dtype, "int64");
  });
  it("two layers get different weights (the generator advances)", () => {
    assert.notDeepEqual(new nn.Linear(4, 4).weight.data, new nn.Linear(4, 4).weight.data);
  });
});
