// A real (CI-sized) training run: LeNet-5 on the embedded Fashion-MNIST sample (2,000 training
// images, one epoch, Adam) must reach > 0.6 accuracy on the sample's 500 test images. Chance is
// 0.1 and a broken gradient, optimizer or loader stays far below; the full 2-epoch benchmark
// (>= 0.89 on the real test set) is a separate script.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { data, F, manualSeed, noGrad, optim, type Tensor } from "../../kernel/engine/index";
import { lenetSequential } from "../fixtures/lenet-sequential";

const lenet5 = lenetSequential;

describe("training LeNet-5 on Fashion-MNIST (embedded sample)", () => {
  it("one epoch of Adam reaches > 0.6 test accuracy and the loss falls", async () => {
    manualSeed(1);
    const net = lenet5();
    const train = await data.FashionMNIST({ train: true, sample: true, verbose: false });
    const test = await data.FashionMNIST({ train: false, sample: true, verbose: false });
    const loader = new data.DataLoader(train, { batchSize: 16, shuffle: true, seed: 0 });
    const opt = new optim.Adam(net.parameters(), { lr: 3e-3 });
    const losses: number[] = [];
    net.train();
    for await (const [x, y] of loader) {
      opt.zeroGrad();
      const loss = F.crossEntropy(net.forward(x), y);
      loss.backward();
      opt.step();
      losses.push(loss.item());
    }
    assert.equal(losses.length, 125);
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    const first = mean(losses.slice(0, 20));
    const last = mean(losses.slice(-20));
    assert.ok(
      last < 0.6 * first,
      `loss should fall: first 20 batches ${first.toFixed(3)}, last 20 ${last.toFixed(3)}`,
    );

    net.eval();
    let maps: Tensor | null = null;
    const hook = net.get(0).registerForwardHook((_m, _i, out: Tensor) => {
      maps = out;
    });
    const [xt, yt] = new data.DataLoader(test).batch(Array.from({ length: test.length }, (_, i) => i));
    const logits = noGrad(() => net.forward(xt));
    hook.remove();
    const accuracy = logits.argmax(1).eq(yt).float().mean().item();
    assert.ok(accuracy > 0.6, `test accuracy ${accuracy.toFixed(3)} should exceed 0.6`);
    assert.deepEqual(
      (maps as Tensor | null)?.shape,
      [500, 6, 28, 28],
      "the hook captured conv1's feature maps",
    );
    assert.equal(logits.requiresGrad, false);
  });
});
