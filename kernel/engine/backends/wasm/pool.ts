// The worker pool: threads that run slices of one kernel call over the shared wasm memory while
// the calling thread runs its own slice and then blocks (Atomics.wait) until all are done, so the
// kernel API stays synchronous. Workers start lazily, the first time a call wants them, and are
// unref()ed: an idle pool never keeps the process alive.
// NOTE: Atomics.wait on the calling thread is fine in Node and Electron's main process (our kernel
// process); a browser main thread would need the kernels to run from a worker instead.

import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { THREADED_KERNELS, type ThreadedKernel } from "./exports";
import {
  argsIndex,
  CONTROL_BYTES,
  errorIndex,
  kernelIndex,
  MAX_ARGS,
  MAX_WORKERS,
  PENDING,
  readyIndex,
  seqIndex,
  type WorkerInit,
} from "./protocol";
import type { WasmMemory, WasmModule } from "./wasm-api";

const STARTUP_TIMEOUT_MS = 10_000;

export class ThreadPool {
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly ints = new Int32Array(this.control);
  private readonly args = new Float64Array(this.control);
  private readonly workers: Worker[] = []; // worker w - 1 owns slot w
  private threadCount = Math.min(availableParallelism(), MAX_WORKERS + 1);
  /** Why worker threads are unavailable, once they failed to start; the caller then runs everything. */
  private failure: string | null = null;

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
  ) {}

  /** Threads a kernel call may use, counting the calling thread. */
  get threads(): number {
    return this.failure === null ? this.threadCount : 1;
  }

  set threads(n: number) {
    this.threadCount = Math.max(1, Math.min(Math.floor(n), MAX_WORKERS + 1));
  }

  /** Worker threads started so far (they start on first need and then stay). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** The reason threads are off after a failed start, else null. */
  get startupFailure(): string | null {
    return this.failure;
  }

  /**
   * Runs `kernel` once per argument list: calls[0] on this thread via `local`, calls[i] on worker i
   * at the same time. Returns when every call has finished; rethrows if any worker's call threw.
   */
  run(kernel: ThreadedKernel, calls: number[][], local: (args: number[]) => void): void {
    const helpers = calls.length - 1;
    if (helpers > 0 && !this.ensureWorkers(helpers)) {
      for (const args of calls) local(args);
      return;
    }
    const { ints } = this;
    for (let w = 1; w <= helpers; w++) {
      const args = calls[w];
      if (args.length > MAX_ARGS) throw new Error(`wasm pool: ${args.length} arguments, at most ${MAX_ARGS}`);
      this.args.set(args, argsIndex(w));
      ints[kernelIndex(w)] = THREADED_KERNELS.indexOf(kernel);
      ints[errorIndex(w)] = 0;
    }
    Atomics.store(ints, PENDING, helpers);
    for (let w = 1; w <= helpers; w++) {
      Atomics.add(ints, seqIndex(w), 1);
      Atomics.notify(ints, seqIndex(w));
    }
    let localError: unknown = null;
    try {
      local(calls[0]);
    } catch (e) {
      localError = e;
    }
    // Wait even when the local slice failed: workers must not still be writing when we return.
    for (let p = Atomics.load(ints, PENDING); p !== 0; p = Atomics.load(ints, PENDING))
      Atomics.wait(ints, PENDING, p);
    if (localError !== null) throw localError;
    for (let w = 1; w <= helpers; w++)
      if (ints[errorIndex(w)] !== 0) throw new Error(`wasm pool: ${kernel} failed on worker ${w}`);
  }

  /** Starts workers until there are `count`, waiting until each is ready; false if they cannot start. */
  private ensureWorkers(count: number): boolean {
    if (this.failure !== null) return false;
    while (this.workers.length < count) {
      const slot = this.workers.length + 1;
      const init: WorkerInit = { module: this.module, memory: this.memory, control: this.control, slot };
      let worker: Worker;
      try {
        worker = new Worker(join(__dirname, "worker.js"), { workerData: init });
      } catch (e) {
        this.failure = `worker threads could not start: ${e instanceof Error ? e.message : String(e)}`;
        return false;
      }
      worker.unref();
      // The event loop is not running while we block, so 'error' can only be observed as a timeout.
      worker.on("error", () => {});
      const ready = Atomics.wait(this.ints, readyIndex(slot), 0, STARTUP_TIMEOUT_MS);
      if (ready === "timed-out" && Atomics.load(this.ints, readyIndex(slot)) === 0) {
        void worker.terminate();
        this.failure = `worker thread ${slot} did not start within ${STARTUP_TIMEOUT_MS} ms`;
        return false;
      }
      this.workers.push(worker);
    }
    return true;
  }
}
