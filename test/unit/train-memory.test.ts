// Training must not leak: after a warm-up, more steps of forward, backward and an optimizer
// update (through the DataLoader, with a hook and batch norm) leave the memory held by tensors
// (ArrayBuffers) where it was, once the garbage collector has run.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { data, F, manualSeed, nn, optim, randint, randn, type Tensor } from "../../kernel/engine/index";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function arrayBufferMB(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers / 1e6;
}

describe("training memory", () => {
  it("stays flat across epochs", async () => {
    manualSeed(3);
    const net = new nn.Sequential(
      new nn.Conv2d(1, 8, 3, { padding: 1 }),
      new nn.BatchNorm2d(8),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Dropout(0.2),
      new nn.Flatten(),
      new nn.Linear(8 * 8 * 8, 10),
    );
    let last: Tensor | null = null;
    net.get(0).registerForwardHook((_m, _i, out: Tensor) => {
      last = out;
    });
    const ds = new data.TensorDataset(randn([256, 1, 16, 16]), randint(0, 10, [256]));
    const loader = new data.DataLoader(ds, { batchSize: 32, shuffle: true, seed: 1 });
    const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
    const epoch = async () => {
      for await (const [x, y] of loader) {
        opt.zeroGrad();
        const loss = F.crossEntropy(net.forward(x), y);
        loss.backward();
        opt.step();
      }
    };
    await epoch();
    await epoch();
    const before = arrayBufferMB();
    for (let i = 0; i < 4; i++) await epoch();
    const after = arrayBufferMB();
    // One batch's activations and graph are well under 1 MB; a leak of one graph per step would
    // add 32 steps x 4 epochs of them.
    assert.ok(
      after - before < 1,
      `ArrayBuffer memory grew from ${before.toFixed(2)} MB to ${after.toFixed(2)} MB`,
    );
    assert.ok(last !== null);
  });
});
