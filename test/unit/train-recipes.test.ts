// CI's short version of the Fashion-MNIST training benchmark (test/bench/train-fashion-mnist.ts):
// the benchmark's own recipes (normalised inputs, label smoothing, one-cycle lr, SGD / Adam) on a
// subset of the real dataset (Debian's dataset-fashion-mnist, which .ci/run installs), checked on
// the first test images. Zero or wrong-signed gradients stay at chance (0.1); so does LeNet with
// both conv layers frozen (measured 0.10). Step-for-step exactness against PyTorch is
// train-golden.test.ts's job; this checks that the pieces together learn on real data.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { data, F, manualSeed, noGrad } from "../../kernel/engine/index";
import { normalise, RECIPES } from "../bench/train-fashion-mnist";

/** One epoch of `name`'s recipe on the first `trainImages` images; test accuracy and mean losses. */
async function shortRun(name: keyof typeof RECIPES, trainImages: number, testImages: number) {
  const recipe = RECIPES[name];
  manualSeed(0);
  const net = recipe.build();
  const train = await data.FashionMNIST({ train: true, download: false, verbose: false });
  const test = await data.FashionMNIST({ train: false, download: false, verbose: false });
  const subset = new data.Subset(
    train,
    Array.from({ length: trainImages }, (_, i) => i),
  );
  const loader = new data.DataLoader(subset, { batchSize: recipe.batchSize, shuffle: true, seed: 0 });
  const opt = recipe.optimizer(net);
  const scheduler = recipe.scheduler(opt, loader.length, 1);
  const losses: number[] = [];
  for await (const [x, y] of loader) {
    opt.zeroGrad();
    const loss = F.crossEntropy(net.forward(normalise(x)), y, { labelSmoothing: recipe.labelSmoothing });
    loss.backward();
    opt.step();
    scheduler.step();
    losses.push(loss.item());
  }
  net.eval();
  const [xt, yt] = new data.DataLoader(test).batch(Array.from({ length: testImages }, (_, i) => i));
  const accuracy = noGrad(() => net.forward(normalise(xt)).argmax(1).eq(yt).float().mean().item());
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return { accuracy, first: mean(losses.slice(0, 10)), last: mean(losses.slice(-10)) };
}

describe("Fashion-MNIST recipes on a subset (CI's short version of the benchmark)", () => {
  it("LeNet-5, SGD + one-cycle: 10,000 images, one epoch, > 0.7 on 2,000 test images", async () => {
    const { accuracy, first, last } = await shortRun("lenet5", 10_000, 2_000);
    assert.ok(
      last < 0.7 * first,
      `loss should fall: first 10 batches ${first.toFixed(3)}, last 10 ${last.toFixed(3)}`,
    );
    assert.ok(
      accuracy > 0.7,
      `LeNet-5 test accuracy ${accuracy.toFixed(4)} should exceed 0.7 (measured 0.74-0.80)`,
    );
  });

  it("2 conv + BN + dropout, Adam + one-cycle: 1,920 images, one epoch, > 0.7 on 1,000 test images", async () => {
    const { accuracy, first, last } = await shortRun("convbn", 1_920, 1_000);
    assert.ok(
      last < 0.7 * first,
      `loss should fall: first 10 batches ${first.toFixed(3)}, last 10 ${last.toFixed(3)}`,
    );
    assert.ok(accuracy > 0.7, `conv-BN test accuracy ${accuracy.toFixed(4)} should exceed 0.7`);
  });
});
