// The worker pool: threads that run slices of one kernel call over the shared wasm memory while
// the calling thread runs its own slice and then blocks (Atomics.wait) until all are done, so the
// kernel API stays synchronous. Workers start lazily, the first time a call wants them, and are
// unref()ed: an idle pool never keeps the process alive.
// NOTE: Atomics.wait on the calling thread is fine in Node and Electron's main process (our kernel
// process); a browser main thread would need the kernels to run from a worker instead.
//
// Crashes: a worker that died between calls (its 'exit' was seen) is replaced before the next call,
// with a warning. A worker that dies or hangs during a call cannot be observed while we block, so
// the wait has a deadline (waitTimeoutMs, or 200x the calling thread's own share if longer): past it
// every worker is terminated, the kernel call throws WorkerPoolError (a clear error for the cell,
// not a hung kernel), and the next call starts fresh workers. After MAX_RESTARTS such failures threads stay off.

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
  oversubscriptionCheck,
  PENDING,
  readyIndex,
  SPIN_US,
  seqIndex,
  spinMs,
  spinningOff,
  spinUntil,
  type WorkerInit,
} from "./protocol";
import type { WasmMemory, WasmModule } from "./wasm-api";

const STARTUP_TIMEOUT_MS = 10_000;
/** Failed calls after which the pool stops using threads for the rest of the process. */
const MAX_RESTARTS = 3;

/** A kernel call whose worker died or hung; the pool has been torn down and restarts on next use. */
export class WorkerPoolError extends Error {
  override name = "WorkerPoolError";
}

export class ThreadPool {
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly ints = new Int32Array(this.control);
  private readonly args = new Float64Array(this.control);
  private readonly workers: Worker[] = []; // worker w - 1 owns slot w
  private threadCount = Math.min(availableParallelism(), MAX_WORKERS + 1);
  /** Why worker threads are unavailable, once they failed to start; the caller then runs everything. */
  private failure: string | null = null;
  /** Workers whose thread has exited (seen between calls, on the event loop). */
  private readonly exited = new Set<Worker>();
  /** Calls that failed because a worker died or hung (each one tore the pool down). */
  private restarts = 0;
  /**
   * The least time a call waits for its workers before declaring them dead or hung. Generous on
   * purpose: on a busy machine (2 cores, many processes) a healthy worker can be descheduled for
   * seconds, and a false alarm costs the user a cell; a real crash is rare and a minute is bearable.
   */
  waitTimeoutMs = 60_000;
  /** See spinMs. */
  private spin = 0;
  /** Turns spinning off while this thread waits long for a core (protocol.ts). */
  private readonly checkOversubscription = oversubscriptionCheck(this.ints);
  /** When the last threaded call returned (performance.now()). */
  private lastCall = Number.NEGATIVE_INFINITY;

  /**
   * How long the caller spins for its workers, and workers for their next call, before sleeping
   * (protocol.ts spinMs). Workers read it each time they wait.
   */
  get spinMs(): number {
    return this.spin;
  }

  set spinMs(ms: number) {
    this.spin = Math.max(0, ms);
    Atomics.store(this.ints, SPIN_US, Math.round(1000 * this.spin));
  }

  constructor(
    private readonly module: WasmModule,
    private readonly memory: WasmMemory,
  ) {
    this.spinMs = spinMs();
  }

  /**
   * Whether the workers are still spinning since the last call (a hand-off costs ~5 us), rather
   * than asleep (50-100 us to wake): parallel.ts then splits smaller calls.
   */
  get warm(): boolean {
    return this.spin > 0 && performance.now() - this.lastCall < this.spin && !spinningOff(this.ints);
  }

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

  /** The running worker threads (worker i runs slot i + 1); for tests that kill one. */
  get workerThreads(): readonly Worker[] {
    return this.workers;
  }

  /** The reason threads are off after a failed start, else null. */
  get startupFailure(): string | null {
    return this.failure;
  }

  /**
   * Runs `kernel` once per argument list: calls[0] on this thread via `local(calls[0], 0)`, calls[i] on worker i
   * at the same time. Returns when every call has finished; rethrows if any worker's call threw.
   * `kernel` may also name one kernel per call (independent kernels run side by side).
   */
  run(
    kernel: ThreadedKernel | readonly ThreadedKernel[],
    calls: number[][],
    local: (args: number[], call: number) => void,
  ): void {
    const helpers = calls.length - 1;
    if (helpers > 0 && this.exited.size > 0) this.replaceExited();
    if (helpers > 0 && !this.ensureWorkers(helpers)) {
      calls.forEach(local);
      return;
    }
    const { ints } = this;
    for (let w = 1; w <= helpers; w++) {
      const args = calls[w];
      if (args.length > MAX_ARGS) throw new Error(`wasm pool: ${args.length} arguments, at most ${MAX_ARGS}`);
      this.args.set(args, argsIndex(w));
      ints[kernelIndex(w)] = THREADED_KERNELS.indexOf(typeof kernel === "string" ? kernel : kernel[w]);
      ints[errorIndex(w)] = 0;
    }
    this.checkOversubscription();
    Atomics.store(ints, PENDING, helpers);
    for (let w = 1; w <= helpers; w++) {
      Atomics.add(ints, seqIndex(w), 1);
      Atomics.notify(ints, seqIndex(w));
    }
    let localError: unknown = null;
    const t0 = performance.now();
    try {
      local(calls[0], 0);
    } catch (e) {
      localError = e;
    }
    // Wait even when the local slice failed: workers must not still be writing when we return.
    // Workers run shares the size of ours, so 200x our time (or waitTimeoutMs) means dead or hung.
    const limit = Math.max(this.waitTimeoutMs, 200 * (performance.now() - t0));
    // Workers run shares the size of ours and usually finish within microseconds of us: spin
    // briefly before sleeping (waking from Atomics.wait costs 50-100 us).
    spinUntil(ints, this.spinMs, () => Atomics.load(ints, PENDING) === 0);
    const deadline = performance.now() + limit;
    for (let p = Atomics.load(ints, PENDING); p !== 0; p = Atomics.load(ints, PENDING)) {
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(ints, PENDING, p, left) === "timed-out") {
        if (Atomics.load(ints, PENDING) === 0) break;
        throw this.tearDown(kernel, limit);
      }
    }
    this.lastCall = performance.now();
    if (localError !== null) throw localError;
    for (let w = 1; w <= helpers; w++)
      if (ints[errorIndex(w)] !== 0) throw new Error(`wasm pool: ${kernel} failed on worker ${w}`);
  }

  /**
   * After a call's workers missed their deadline: terminates every worker (a hung one stops at its
   * next interrupt check), so the next call starts fresh ones, and returns the error to throw.
   */
  private tearDown(kernel: string | readonly string[], limitMs: number): WorkerPoolError {
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
    this.exited.clear();
    Atomics.store(this.ints, PENDING, 0);
    this.restarts++;
    const stop = this.restarts >= MAX_RESTARTS;
    if (stop)
      this.failure = `worker threads were torn down ${this.restarts} times (dead or hung workers); threads are off`;
    const message =
      `wasm pool: the worker threads did not finish ${kernel} within ${Math.round(limitMs)} ms (a worker died or hung). ` +
      (stop
        ? `Threads are now off for this process (${MAX_RESTARTS} failures); kernels run on the calling thread.`
        : "The workers were stopped and will restart on the next call; run the cell again.") +
      " setNumThreads(1) avoids worker threads altogether.";
    process.emitWarning(message, { code: "RECEPTIVE_WASM_POOL" });
    return new WorkerPoolError(message);
  }

  /** Replaces workers whose thread exited since the last call (a crash between calls), with a warning. */
  private replaceExited(): void {
    const dead = this.workers.filter((w) => this.exited.has(w)).length;
    process.emitWarning(
      `wasm pool: ${dead} worker thread${dead === 1 ? "" : "s"} exited unexpectedly; restarting the pool`,
      { code: "RECEPTIVE_WASM_POOL" },
    );
    for (const worker of this.workers) if (!this.exited.has(worker)) void worker.terminate();
    this.workers.length = 0;
    this.exited.clear();
  }

  /** Starts workers until there are `count`, waiting until each is ready; false if they cannot start. */
  private ensureWorkers(count: number): boolean {
    if (this.failure !== null) return false;
    while (this.workers.length < count) {
      const slot = this.workers.length + 1;
      Atomics.store(this.ints, readyIndex(slot), 0); // a replaced worker's slot was ready
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
      worker.on("exit", () => {
        if (this.workers.includes(worker)) this.exited.add(worker);
      });
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
