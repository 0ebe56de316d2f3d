// The pager (backends/wasm/threads/pager.ts): when the arena grows wasm memory it grows a chunk
// ahead of need and a thread of its own faults that chunk in, leaving every value as it was, even
// values the calling thread writes while the pager is at work.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Arena } from "../../kernel/engine/backends/wasm/arena";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { PAGE_BYTES, wasmApi } from "../../kernel/engine/backends/wasm/wasm-api";

const runtime = wasmRuntime();
if (runtime instanceof Error) throw runtime;
const rt = runtime;

/** Waits (up to a generous bound, for a busy machine) until the pager has touched `bytes` in all. */
async function touchedAtLeast(bytes: number): Promise<boolean> {
  for (const start = Date.now(); Date.now() - start < 60_000; await sleep(5))
    if (rt.pager.touchedBytes >= bytes) return true;
  return false;
}

describe("wasm pager", () => {
  it("grows the memory a chunk ahead and asks for what lies beyond the arena's top", () => {
    const memory = new wasmApi!.Memory({ initial: 1, maximum: 1024, shared: true });
    const asked: [number, number][] = [];
    const arena = new Arena(memory, 0, { touch: (from, to) => asked.push([from, to]) });
    const at = arena.alloc(2 * PAGE_BYTES); // needs one page more than the memory has
    assert.equal(memory.buffer.byteLength, 257 * PAGE_BYTES, "grown by 256 pages, not 1");
    assert.deepEqual(asked, [[at + 2 * PAGE_BYTES, 257 * PAGE_BYTES]]);
    arena.alloc(100 * PAGE_BYTES); // inside the chunk: no growth, no request
    assert.equal(asked.length, 1);
  });

  it("grows only as far as the maximum allows", () => {
    const memory = new wasmApi!.Memory({ initial: 1, maximum: 3, shared: true });
    const arena = new Arena(memory, 0);
    arena.alloc(2 * PAGE_BYTES);
    assert.equal(memory.buffer.byteLength, 3 * PAGE_BYTES);
    assert.throws(() => arena.alloc(2 * PAGE_BYTES));
  });

  it("faults in the chunk on its thread and changes no value, even one written meanwhile", async () => {
    assert.ok(rt.pager.running, "the pager thread started");
    const before = rt.pager.touchedBytes;
    const capacity = rt.arena.capacity;
    // A resident block longer than the whole memory: the arena grows past it, 16 MiB ahead.
    const used = rt.arena.resident((capacity + 2 ** 20) / 4);
    const from = used.byteOffset + used.byteLength;
    const end = rt.memory.buffer.byteLength;
    assert.ok(end - from >= 8 * 2 ** 20, `${end - from} bytes ahead of the arena's top`);
    // Write into the chunk while the pager touches it.
    const chunk = new Int32Array(rt.memory.buffer, from, (end - from) / 4);
    for (let i = 0; i < chunk.length; i += 97) chunk[i] = i ^ 0x5a5a5a5a;
    assert.ok(await touchedAtLeast(before + (end - from) - 4096), "the pager touched the chunk");
    for (let i = 0; i < chunk.length; i++) {
      const expected = i % 97 === 0 ? i ^ 0x5a5a5a5a : 0;
      if (chunk[i] !== expected) assert.fail(`word ${i} of the chunk is ${chunk[i]}, expected ${expected}`);
    }
  });
});
