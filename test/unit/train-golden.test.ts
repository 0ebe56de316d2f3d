// Whole training loops against PyTorch (test/golden/train/train.json, made by
// make_train_goldens.py): the same small CNNs, the same initial weights (an integer formula both
// sides compute exactly), the same images of the embedded Fashion-MNIST sample in the same order,
// the same optimizer. Every step's loss and the final weights must agree: a mistake anywhere in
// conv / pool / batch norm / linear / cross-entropy gradients, the optimizer or the data pipeline
// shows up here.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { data, F, nn, noGrad, optim } from "../../kernel/engine/index";
import { lenetSequential } from "../fixtures/lenet-sequential";
import { expectReproduced } from "../golden/regenerated";
import { expectClose } from "../helpers";

interface Stats {
  sum: number;
  sumSq: number;
  first: number[];
}
interface TrainCase {
  name: string;
  model: "lenet5" | "convbn";
  optimizer: { name: "SGD" | "Adam"; lr: number; momentum?: number };
  batchSize: number;
  steps: number;
  losses: number[];
  final: Record<string, Stats>;
  evalLogitsFirst: number[];
  evalLogitsSum: number;
}

const file = join(__dirname, "..", "..", "..", "test", "golden", "train", "train.json");
const golden = JSON.parse(readFileSync(file, "utf8")) as {
  format: string;
  version: number;
  cases: TrainCase[];
};

const MODELS = {
  lenet5: lenetSequential,
  convbn: () =>
    new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(8),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(8, 16, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(16),
      new nn.ReLU(),
      new nn.AvgPool2d(2),
      new nn.Flatten(),
      new nn.Linear(16 * 7 * 7, 10),
    ),
};

/** The script's initial weights: ((i * 7919 + k * 104729) % 2001 - 1000) / 1000 / sqrt(fanIn). */
function initFormula(net: nn.Module): void {
  net.namedParameters().forEach(([name, p], k) => {
    const isWeight = name.endsWith("weight");
    const fanIn = isWeight && p.ndim > 1 ? p.numel / p.shape[0] : !isWeight && p.ndim === 1 ? 16 : 1;
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < p.numel; i++) {
      const v = ((((i * 7919 + k * 104729) % 2001) - 1000) / 1000) * bound;
      p.storage[i] = p.ndim === 1 && isWeight ? 1 + v * 0.1 : v;
    }
  });
}

function stats(t: Float32Array): Stats {
  let sum = 0;
  let sumSq = 0;
  for (const v of t) {
    sum += v;
    sumSq += v * v;
  }
  return { sum, sumSq, first: [...t.subarray(0, 8)] };
}

describe("training loops match PyTorch step for step", () => {
  it("golden header", () => {
    assert.equal(golden.format, "receptive-train-golden");
    assert.equal(golden.version, 1);
  });
  for (const c of golden.cases)
    it(c.name, async () => {
      const net = MODELS[c.model]();
      initFormula(net);
      const opt =
        c.optimizer.name === "SGD"
          ? new optim.SGD(net.parameters(), { lr: c.optimizer.lr, momentum: c.optimizer.momentum })
          : new optim.Adam(net.parameters(), { lr: c.optimizer.lr });
      const train = await data.FashionMNIST({ train: true, sample: true, verbose: false });
      const loader = new data.DataLoader(
        new data.Subset(
          train,
          Array.from({ length: c.steps * c.batchSize }, (_, i) => i),
        ),
        {
          batchSize: c.batchSize,
        },
      );
      const losses: number[] = [];
      for await (const [x, y] of loader) {
        opt.zeroGrad();
        const loss = F.crossEntropy(net.forward(x), y);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      expectClose(losses, c.losses, "loss per step", { atol: 1e-5, rtol: 1e-4 });
      const sd = net.stateDict();
      const camel = (s: string) => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
      for (const [k, want] of Object.entries(c.final)) {
        const t = sd[camel(k)];
        assert.ok(t, `state dict lacks ${k}`);
        const got = stats(t.storage);
        expectClose([got.sum, got.sumSq], [want.sum, want.sumSq], `${k}: sum and sum of squares`, {
          atol: 1e-4,
          rtol: 1e-4,
        });
        expectClose(got.first, want.first, `${k}: first values`, { atol: 1e-5, rtol: 1e-4 });
      }
      net.eval();
      const [xe] = new data.DataLoader(train).batch(Array.from({ length: 64 }, (_, i) => 1000 + i));
      const logits = noGrad(() => net.forward(xe));
      expectClose(logits.storage.subarray(0, 20), c.evalLogitsFirst, "eval logits", {
        atol: 1e-4,
        rtol: 1e-4,
      });
    });

  it("the committed file is what the seeded script makes (needs Debian's python3-torch)", () => {
    expectReproduced(
      join(__dirname, "..", "..", "..", "test", "golden", "train/make_train_goldens.py"),
      "train.json",
      file,
    );
  });
});
