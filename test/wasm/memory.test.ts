// Memory stays flat while training: 1,000 LeNet-5 steps on the wasm backend neither grow the wasm
// memory past its warm-up size (the arena is reused call after call) nor the process's resident
// set (nothing retains per-step buffers). Batch 8 keeps the 1,000 steps quick; the kernels and
// their arena use are the same as at batch 64.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { setBackend } from "../../kernel/engine/backends/registry";
import { wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { runtime } from "../../kernel/engine/backends/wasm/runtime";
import * as R from "../../kernel/engine/index";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Resident set in MiB after a full garbage collection. */
function rssMiB(): number {
  gc();
  gc();
  return process.memoryUsage.rss() / 2 ** 20;
}

describe("wasm backend memory over 1,000 LeNet-5 training steps", () => {
  it("keeps the wasm memory and the resident set flat after warm-up", () => {
    if (runtime instanceof Error) throw runtime;
    R.manualSeed(0);
    const model = R.models.lenet5();
    const opt = new R.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
    const x = R.randn([8, 1, 28, 28]);
    const y = R.randint(0, 10, [8]);
    const step = (): void => {
      opt.zeroGrad();
      R.F.crossEntropy(model.forward(x), y).backward();
      opt.step();
    };
    for (let i = 0; i < 100; i++) step();
    const wasmBytes = runtime.arena.capacity;
    const rssBefore = rssMiB();
    for (let i = 0; i < 1000; i++) step();
    const rssAfter = rssMiB();
    assert.equal(runtime.arena.capacity, wasmBytes, "wasm memory grew during training after warm-up");
    // A leak of even one activation (8 x 6 x 28 x 28 floats = 150 KiB) per step would add ~150 MiB.
    assert.ok(
      rssAfter - rssBefore < 24,
      `resident set grew from ${rssBefore.toFixed(1)} MiB to ${rssAfter.toFixed(1)} MiB over 1,000 steps`,
    );
  });
});
