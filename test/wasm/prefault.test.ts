// Page faults ahead of the arena (backends/wasm/prefault.ts): with a prefaulter, the memory grows
// ahead of the highest address handed out and a thread of its own touches those pages; data the
// calling thread writes meanwhile is never lost; it runs only while it is wanted (one thread of
// kernels) and not at all with RECEPTIVE_WASM_PREFAULT=0.

import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { Arena } from "../../kernel/engine/backends/wasm/arena";
import { AHEAD_BYTES, Prefaulter } from "../../kernel/engine/backends/wasm/prefault";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { PAGE_BYTES, type WasmMemory, wasmApi } from "../../kernel/engine/backends/wasm/wasm-api";
import { getNumThreads, setNumThreads } from "../../kernel/engine/index";
import { sleep, waitFor } from "../processes";

const MiB = 2 ** 20;
const newMemory = (): WasmMemory => new wasmApi!.Memory({ initial: 16, maximum: 8192, shared: true });

describe("prefaulting wasm memory ahead of the arena", () => {
  it("grows the memory ahead of the highest address handed out and touches it on its own thread", async () => {
    const memory = newMemory();
    const prefaulter = Prefaulter.create(memory, () => true, undefined)!;
    try {
      const arena = new Arena(memory, 1024, prefaulter);
      arena.alloc(5 * MiB);
      assert.ok(
        arena.capacity >= 5 * MiB + AHEAD_BYTES / 2,
        `memory ${arena.capacity / MiB} MiB: not grown ahead of the 5 MiB handed out`,
      );
      // (the thread boots in 30-50 ms, far longer on a loaded machine)
      await waitFor(
        "the thread to touch the memory grown ahead",
        () => prefaulter.touched >= Math.min(5 * MiB + AHEAD_BYTES, arena.capacity),
        20_000,
      );
      const before = arena.capacity;
      arena.begin();
      arena.alloc(5 * MiB); // below the high-water mark: nothing grows, nothing new is asked
      assert.equal(arena.capacity, before);
    } finally {
      await prefaulter.stop();
    }
  });

  it("leaves the values in the pages it touches as they were, also while the calling thread writes them", async () => {
    // The thread's touch is an atomic add of 0 (prefault-worker.ts): it maps the page and leaves
    // the word as it is, even against a concurrent plain write. This checks the values survive;
    // the race itself is too narrow to provoke on purpose.
    const memory = newMemory();
    const prefaulter = Prefaulter.create(memory, () => true, undefined)!;
    try {
      const arena = new Arena(memory, 1024, prefaulter);
      const n = 16 * 2 ** 20; // 64 MiB of fresh pages
      // Round 1 writes them while the thread walks them, round 2 (the next 64 MiB) mostly first.
      for (let round = 0; round < 2; round++) {
        arena.begin();
        const at = arena.alloc(4 * n * (round + 1)) + 4 * n * round;
        const view = new Int32Array(memory.buffer, at, n);
        for (let i = 0; i < n; i += 256) view[i] = i + round + 1;
        await waitFor("the thread to touch the pages", () => prefaulter.touched >= at + 4 * n, 20_000);
        for (let i = 0; i < n; i += 256)
          if (view[i] !== i + round + 1) assert.fail(`word ${i} lost its value`);
      }
    } finally {
      await prefaulter.stop();
    }
  });

  it("after a grow that fails, the next smaller call still grows the memory it needs", async () => {
    for (const withPrefaulter of [false, true]) {
      const memory = new wasmApi!.Memory({ initial: 16, maximum: 64, shared: true }); // 1 MiB, at most 4
      const prefaulter = withPrefaulter ? Prefaulter.create(memory, () => true, undefined) : null;
      try {
        const arena = new Arena(memory, 1024, prefaulter);
        assert.throws(() => arena.alloc(8 * MiB), "8 MiB cannot fit in a memory of at most 4 MiB");
        arena.begin();
        const at = arena.alloc(2 * MiB);
        assert.ok(
          arena.capacity >= at + 2 * MiB,
          `2 MiB at ${at} handed out past the memory's ${arena.capacity} bytes`,
        );
        arena.putI32(new Array(1000).fill(1)); // and using it works
      } finally {
        await prefaulter?.stop();
      }
    }
  });

  it("touches nothing while not wanted (kernels on more than one thread), and is off with RECEPTIVE_WASM_PREFAULT=0", async () => {
    const memory = newMemory();
    let wanted = false;
    const prefaulter = Prefaulter.create(memory, () => wanted, undefined)!;
    try {
      const arena = new Arena(memory, 1024, prefaulter);
      arena.alloc(2 * MiB);
      await sleep(200);
      assert.equal(prefaulter.touched, 0, "touched pages while not wanted");
      wanted = true;
      arena.alloc(2 * MiB); // past the high-water mark again: now it is asked
      await waitFor(
        "the thread, once wanted, to touch the pages",
        () => prefaulter.touched >= 4 * MiB,
        20_000,
      );
    } finally {
      await prefaulter.stop();
    }
    assert.equal(
      Prefaulter.create(newMemory(), () => true, "0"),
      null,
    );
    // Without a prefaulter, or with one not wanted, the arena grows only what it needs, as before.
    const idle = Prefaulter.create(newMemory(), () => false, undefined)!;
    for (const prefaulter of [null, idle]) {
      const arena = new Arena(newMemory(), 1024, prefaulter);
      arena.alloc(5 * MiB);
      assert.equal(arena.capacity, Math.ceil((5 * MiB + 1024) / PAGE_BYTES) * PAGE_BYTES);
    }
  });

  it("is wanted while the engine's kernels run on one thread, on a machine with two cores or more", () => {
    const rt = wasmRuntime();
    if (rt instanceof Error) throw rt;
    const prefaulter = (rt.arena as unknown as { prefaulter: Prefaulter | null }).prefaulter;
    assert.ok(prefaulter !== null, "the runtime has a prefaulter unless RECEPTIVE_WASM_PREFAULT=0");
    const before = getNumThreads();
    try {
      setNumThreads(2);
      assert.equal(prefaulter.wanted(), false, "at 2 threads both cores compute");
      setNumThreads(1);
      assert.equal(prefaulter.wanted(), availableParallelism() > 1);
    } finally {
      setNumThreads(before);
    }
  });
});
