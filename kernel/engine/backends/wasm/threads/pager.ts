// Faults in fresh wasm memory ahead of use, on a thread of its own. The OS zeroes each 4 KiB page
// on its first touch (~0.5 ms of system time per MiB on a 2-core cloud VM), and until the tensor
// storage settles (resident-storage.ts: ~100-130 MiB for LeNet-5 training) every training step
// lands partly in fresh memory: 2-3 ms of a 5 ms LeNet-5 step. The arena grows the memory a chunk
// ahead of need (arena.ts) and hands the chunk to this thread (pager-thread.ts), which touches one
// word per page with an atomic `or 0` (it never changes a value, even one the calling thread writes
// at the same time). The calling thread then finds the pages present: the faults' time moves off
// the step's critical path (onto a free core; their CPU time stays). Where a worker thread cannot
// start, nothing is paged ahead and nothing else changes.

import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { WasmMemory } from "../wasm-api";
import { FROM, PAGE, type PagerInit, SEQ, TO, TOUCHED } from "./pager-protocol";

/** The calling thread's side: `touch(from, to)` asks the pager thread to fault in those bytes. */
export class Pager {
  private readonly control = new SharedArrayBuffer(16);
  private readonly ints = new Int32Array(this.control);
  private readonly worker: Worker | null;

  constructor(memory: WasmMemory) {
    let worker: Worker | null = null;
    try {
      const init: PagerInit = { memory, control: this.control };
      worker = new Worker(join(__dirname, "pager-thread.js"), { workerData: init });
      worker.unref();
      worker.on("error", () => {}); // a pager that died only stops paging ahead
    } catch {
      worker = null;
    }
    this.worker = worker;
  }

  /** Whether a pager thread was started. */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Asks for bytes [from, to) of the memory to be faulted in (replaces an unfinished request). */
  touch(from: number, to: number): void {
    if (this.worker === null || to <= from) return;
    Atomics.store(this.ints, FROM, Math.floor(from / PAGE));
    Atomics.store(this.ints, TO, Math.ceil(to / PAGE));
    Atomics.add(this.ints, SEQ, 1);
    Atomics.notify(this.ints, SEQ);
  }

  /** Bytes the pager thread has touched so far (tests). */
  get touchedBytes(): number {
    return Atomics.load(this.ints, TOUCHED) * PAGE;
  }
}
