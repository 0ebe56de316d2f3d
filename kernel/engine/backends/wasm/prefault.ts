// Page faults off the critical path. Wasm memory the arena has never handed out is untouched: the
// OS maps each 4 KiB page at its first write, and on this project's VM that costs ~16 us a page
// (~4 ms per MiB; a tenth of that on bare metal). A new model's first training steps write tens of
// MiB of fresh memory (ResNet-18-CIFAR width 16, batch 32: 18,000 faults, ~290 ms of a 450 ms
// first step), and the storage grows a few MiB now and then in steady training (resident-storage.ts).
// So, while it is wanted, the arena keeps 2-4 MiB (AHEAD_BYTES) beyond the highest address it has
// handed out grown and asks a thread of its own (threads/prefault-worker.ts) to touch them, on the
// idle core; a kernel that gets there first simply takes the fault itself.
//
// It trades CPU time for wall-clock time, and only while the kernels run on one thread. On this VM
// faults on the other core slow this one by about half their time (a process faulting 250 MiB/s
// beside a 1-thread LeNet-5 loop: 4.7 -> 7.3 ms a step), so the thread saves about half of what it
// touches. Measured at 1 thread: ResNet-18-CIFAR width 16's first step 450-490 -> 300-340 ms wall
// (CPU +5%); LeNet-5 steps 6-45 ~5% less wall, ~11% more CPU (a 16 MiB lead: 11% and 22%). With
// both cores computing it saved nothing (LeNet-5 steps 6-45 at 2 threads: 270 -> 280-310 ms).
// RECEPTIVE_WASM_PREFAULT=0 turns it off.

import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { CONTROL_BYTES, DONE, type PrefaultInit, REQUESTED, TOUCH_BYTES } from "./threads/prefault-protocol";
import type { WasmMemory } from "./wasm-api";

/** How far beyond the arena's highest address pages are touched ahead (and the memory grown). */
export const AHEAD_BYTES = 2 ** 22;

export class Prefaulter {
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly ctl = new Int32Array(this.control);
  /** The thread: started by the first request that is wanted; null if it could not start. */
  private worker: Worker | null | undefined;

  private constructor(
    private readonly memory: WasmMemory,
    /** Whether pages should be touched now (kernels on one thread, another core idle). */
    readonly wanted: () => boolean,
  ) {}

  /** A prefaulter for `memory` that touches pages while `wanted()` (a core is idle); null if turned off. */
  static create(
    memory: WasmMemory,
    wanted: () => boolean,
    env = process.env.RECEPTIVE_WASM_PREFAULT,
  ): Prefaulter | null {
    return env === "0" ? null : new Prefaulter(memory, wanted);
  }

  /** Asks for every page below byte `end` to be touched (no-op if already asked); the caller checks `wanted()`. */
  request(end: number): void {
    const pages = Math.floor(end / TOUCH_BYTES);
    if (pages <= Atomics.load(this.ctl, REQUESTED) || !this.started()) return;
    Atomics.store(this.ctl, REQUESTED, pages);
    Atomics.notify(this.ctl, REQUESTED);
  }

  /** Whether the thread runs (starting it on first use). */
  private started(): boolean {
    if (this.worker !== undefined) return this.worker !== null;
    const init: PrefaultInit = { memory: this.memory, control: this.control };
    try {
      this.worker = new Worker(join(__dirname, "threads", "prefault-worker.js"), { workerData: init });
    } catch {
      this.worker = null; // the kernels fault their pages in themselves, as without it
      return false;
    }
    this.worker.unref(); // never keeps the process alive
    this.worker.on("error", () => {}); // a dead prefaulter costs only the faults it would have saved
    return true;
  }

  /** Bytes touched so far (from address 0). */
  get touched(): number {
    return Atomics.load(this.ctl, DONE) * TOUCH_BYTES;
  }

  /** Stops the thread (tests). */
  async stop(): Promise<void> {
    await this.worker?.terminate();
  }
}
