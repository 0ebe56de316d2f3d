// collected.ts: learning, inside one synchronous job, which followed objects the GC has collected
// (this Node); and tensor storage that relies on it in a training loop on Node 24 (V8 13, where
// FinalizationRegistry.cleanupSome, used before, no longer exists).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { collected, keptReleaser } from "../../kernel/engine/backends/wasm/collected";
import { fullGc } from "../../kernel/engine/backends/wasm/gc-hooks";
import { installNode24, ROOT } from "../e2e/code-server";

const gc = fullGc();
if (gc === null) throw new Error("this test needs a full GC (gc-hooks.ts fullGc)");
const collect = gc;

/** Follows `count` fresh arrays (their index as data), keeping every `keepEvery`-th one. */
function followMany(count: number, keepEvery: number, onCollected: (i: number) => void) {
  const tracker = collected<number>(onCollected);
  const kept: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const a = new Float32Array(16);
    tracker.follow(a, i);
    if (i % keepEvery === 0) kept.push(a);
  }
  return { tracker, kept };
}

describe("collected objects, seen within one synchronous job", () => {
  it("after a release and a full GC, a sweep reports the dropped objects once each, never a kept one", () => {
    const release = keptReleaser(collect);
    assert.ok(release !== null, "this runtime must let a job's WeakRef targets go (collected.ts)");
    const seen: number[] = [];
    const { tracker, kept } = followMany(1000, 4, (i) => seen.push(i));
    release();
    collect();
    tracker.sweep();
    assert.ok(!seen.some((i) => i % 4 === 0), "a kept object was reported collected");
    // All 750 dropped ones, but the last array made may still sit in a register.
    assert.ok(seen.length >= 749, `${seen.length} of 750 dropped objects reported`);
    assert.equal(new Set(seen).size, seen.length, "an object reported twice");
    const before = seen.length;
    release();
    collect();
    tracker.sweep();
    assert.ok(seen.length - before <= 1, "a second sweep reported objects again");
    assert.equal(tracker.size, 1000 - seen.length, "the tracker still follows exactly the live ones");
    assert.equal(kept.length, 250);
  });

  it("its canary tells when a full GC has run after the job ended (no forced reclaim)", async () => {
    const tracker = collected<number>(() => {});
    tracker.sweep();
    assert.equal(tracker.gcSinceSweep(), false, "no GC has run since the sweep");
    await new Promise((resolve) => setImmediate(resolve)); // the job ends: its kept objects go
    collect();
    assert.equal(tracker.gcSinceSweep(), true, "a GC ran after the job ended");
    tracker.sweep();
    assert.equal(tracker.gcSinceSweep(), false);
  });
});

describe("tensor storage on Node 24 (V8 13)", () => {
  it("takes dead steps' blocks back in a synchronous training loop, same values, and prints nothing", () => {
    const engine = join(ROOT, "dist/kernel/engine");
    // ~8 MiB of activations a step; 40 steps hand out ~320 MiB. The losses of every step and the
    // last step's logits (kept across every later reclaim) must match a run without the storage.
    const script = `
      const R = require(${JSON.stringify(join(engine, "index"))});
      const { wasmStorage } = require(${JSON.stringify(join(engine, "backends/wasm/index"))});
      R.manualSeed(1);
      const model = new R.nn.Sequential(new R.nn.Conv2d(3, 8, 3, { padding: 1 }), new R.nn.BatchNorm2d(8),
        new R.nn.ReLU(), new R.nn.MaxPool2d(4), new R.nn.Flatten(), new R.nn.Linear(8 * 8 * 8, 10));
      const opt = new R.optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const x = R.randn([64, 3, 32, 32]);
      const y = R.randint(0, 10, [64]);
      const losses = [];
      let first = null;
      for (let i = 0; i < 40; i++) {
        opt.zeroGrad();
        const logits = model.forward(x);
        if (i === 0) first = logits;
        const loss = R.F.crossEntropy(logits, y);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      const s = wasmStorage();
      console.log(JSON.stringify({ node: process.version, losses, first: Array.from(first.detach().storage.slice(0, 640)),
        reclaims: s ? s.stats.reclaims : 0, usedMiB: s ? s.stats.usedBytes / 2 ** 20 : 0 }));`;
    const run = (storage: string) => {
      const r = spawnSync(installNode24(), ["-e", script], {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, RECEPTIVE_WASM_STORAGE: storage },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, "", "nothing on stderr (V8 13 rejects flags it no longer knows, loudly)");
      return JSON.parse(r.stdout);
    };
    const got = run("1");
    const plain = run("0");
    assert.match(got.node, /^v24\./);
    assert.ok(got.reclaims >= 2, `${got.reclaims} reclaims in 40 steps: dead blocks never came back`);
    assert.ok(
      got.usedMiB < 160,
      `storage grew to ${got.usedMiB.toFixed(0)} MiB for ~8 MiB of activations a step`,
    );
    assert.deepEqual(got.losses, plain.losses, "the losses differ from a run on ordinary arrays");
    assert.deepEqual(
      got.first,
      plain.first,
      "the first step's logits changed while later steps reused blocks",
    );
  });
});
