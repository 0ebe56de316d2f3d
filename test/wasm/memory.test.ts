// Memory stays flat while training: 1,000 LeNet-5 steps on the wasm backend neither grow the wasm
// memory much past its warm-up size (the arena is reused call after call, storage blocks of dead
// tensors are recycled) nor the process's resident
// set (nothing retains per-step buffers). Batch 8 keeps the 1,000 steps quick; the kernels and
// their arena use are the same as at batch 64.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setBackend } from "../../kernel/engine/backends/registry";
import { fullGc } from "../../kernel/engine/backends/wasm/gc-hooks";
import { wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import * as R from "../../kernel/engine/index";

const runtime = wasmRuntime();

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

const collect = fullGc();
assert.ok(collect !== null, "a synchronous GC must be available in this runtime");
const gc = collect;

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
    // Warm-up: activations live in wasm memory (resident-storage.ts), whose blocks come back at
    // reclaims every 64-128 MiB handed out (100-200 steps here).
    for (let i = 0; i < 400; i++) step();
    const wasmBytes = runtime.arena.capacity;
    const rssBefore = rssMiB();
    for (let i = 0; i < 1000; i++) step();
    const rssAfter = rssMiB();
    // Storage blocks come back at reclaims, every 64-128 MiB handed out depending on how long the
    // last GC took (resident-storage.ts), so the blocks in use between two reclaims can still grow
    // after warm-up, by at most 64 MiB; keeping one activation per step would take ~150 MiB.
    const grewMiB = (runtime.arena.capacity - wasmBytes) / 2 ** 20;
    assert.ok(grewMiB <= 72, `wasm memory grew by ${grewMiB} MiB during training after warm-up`);
    // Outside wasm memory nothing may grow: a leak of even one activation (8 x 6 x 28 x 28 floats =
    // 150 KiB) per step would add ~150 MiB.
    assert.ok(
      rssAfter - rssBefore - grewMiB < 24,
      `resident set grew from ${rssBefore.toFixed(1)} MiB to ${rssAfter.toFixed(1)} MiB over 1,000 steps (wasm memory: ${grewMiB} MiB of it)`,
    );
  });
});
