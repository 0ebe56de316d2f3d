// The memory goal: training LeNet-5 on the wasm backend leaves the process's memory flat.
// After a warm-up (JIT, arena growth to its high-water mark, worker start), 1,000 more steps of
// forward, cross-entropy, backward and SGD with momentum must not grow the wasm memory at all,
// nor the memory held by ArrayBuffers or the resident set beyond GC noise. A leak of anything per
// step (one batch's activations are ~0.4 MB at batch 8; even 16 KB per step, measured: +16 MB RSS
// and +16 MB ArrayBuffers, against ~2 MB of RSS noise without a leak) exceeds the bounds.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { getBackend } from "../../kernel/engine/backends/registry";
import { runtime } from "../../kernel/engine/backends/wasm/runtime";
import { F, manualSeed, models, optim, randint, randn } from "../../kernel/engine/index";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const MB = 1024 * 1024;

function snapshot() {
  gc();
  gc();
  const { rss, arrayBuffers } = process.memoryUsage();
  const wasm = runtime instanceof Error ? 0 : runtime.memory.buffer.byteLength;
  return { rss, arrayBuffers, wasm };
}

describe("LeNet-5 training memory (wasm backend)", () => {
  it("stays flat over 1,000 steps after warm-up", () => {
    assert.equal(getBackend(), "wasm", "the wasm backend is the default");
    manualSeed(0);
    const model = models.lenet5();
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = randn([8, 1, 28, 28]);
    const y = randint(0, 10, [8]);
    let lastLoss = 0;
    const step = () => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      lastLoss = loss.item();
    };
    for (let i = 0; i < 100; i++) step();
    const before = snapshot();
    for (let i = 0; i < 1000; i++) step();
    const after = snapshot();
    const grew = (k: keyof typeof before) => ((after[k] - before[k]) / MB).toFixed(2);
    assert.ok(Number.isFinite(lastLoss), "training ran");
    assert.equal(after.wasm, before.wasm, `wasm memory grew by ${grew("wasm")} MB`);
    assert.ok(
      after.arrayBuffers - before.arrayBuffers < 4 * MB,
      `ArrayBuffer memory grew by ${grew("arrayBuffers")} MB`,
    );
    assert.ok(after.rss - before.rss < 12 * MB, `RSS grew by ${grew("rss")} MB over 1,000 steps`);
  });
});
