// The worker threads: they run slices (shares) of one kernel call over the shared wasm memory
// alongside the calling thread, which claims shares too and then blocks (Atomics.wait) until all
// are done, so the kernel API stays synchronous (protocol.ts: how shares are handed out). Workers
// are spawned when the backend loads and when the thread count grows (`prestart`, without waiting:
// a Node worker takes 30-50 ms of CPU to boot, which then overlaps the user's model building and
// data loading instead of the first training step); the first call that wants them waits until
// they are ready. They are unref()ed: idle workers never keep the process alive.
// NOTE: Atomics.wait on the calling thread is fine in Node and Electron's main process (our kernel
// process); a browser main thread would need the kernels to run from a worker instead.
//
// Crashes: a worker that died between calls (its 'exit' was seen) is replaced before the next call,
// with a warning. One that dies before it claims a share costs nothing: the caller runs the share.
// A worker that dies or hangs in the middle of a share cannot be observed while we block, so
// the wait has a deadline (waitTimeoutMs, or 200x the calling thread's own share if longer): past it
// every worker is terminated, the kernel call throws WorkerThreadError (a clear error for the cell,
// not a hung kernel), and the next call starts fresh workers. After MAX_RESTARTS such failures threads stay off.

import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { THREADED_KERNELS, type ThreadedKernel } from "../exports.generated";
import type { WasmMemory, WasmModule } from "../wasm-api";
import {
  argsIndex,
  CLAIM,
  CONTROL_BYTES,
  claimShare,
  claimWord,
  DONE,
  errorIndex,
  kernelIndex,
  MAX_ARGS,
  MAX_SHARES,
  MAX_WORKERS,
  MLAS_SHARE,
  MLAS_SHARE_INDEX,
  readyIndex,
  SPIN_US,
  seqIndex,
  WORKER_MLAS_SHARES,
  type WorkerInit,
} from "./protocol";
import { oversubscriptionCheck, spinMs, spinningOff, spinUntil } from "./spin";

const STARTUP_TIMEOUT_MS = 10_000;
/** Failed calls after which threads stay off for the rest of the process. */
const MAX_RESTARTS = 3;

/** A kernel call whose worker died or hung; the workers have been stopped and restart on next use. */
/** What a share runs: a threaded wasm kernel, or a part of a GEMM on MLAS (protocol.ts MLAS_SHARE). */
export type ShareKernel = ThreadedKernel | typeof MLAS_SHARE;

export class WorkerThreadError extends Error {
  override name = "WorkerThreadError";
}

export class WorkerThreads {
  private readonly control = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly ints = new Int32Array(this.control);
  private readonly args = new Float64Array(this.control);
  private readonly workers: Worker[] = []; // worker w - 1 owns slot w
  /** Workers spawned by `prestart` that no call has waited for yet: they own the next slots. */
  private readonly booting: Worker[] = [];
  private threadCount = Math.min(availableParallelism(), MAX_WORKERS + 1);
  /** Why worker threads are unavailable, once they failed to start; the caller then runs everything. */
  private failure: string | null = null;
  /** Workers whose thread has exited (seen between calls, on the event loop). */
  private readonly exited = new Set<Worker>();
  /** Calls that failed because a worker died or hung (each one stopped every worker). */
  private restarts = 0;
  /**
   * The least time a call waits for its workers before declaring them dead or hung. Generous on
   * purpose: on a busy machine (2 cores, many processes) a healthy worker can be descheduled for
   * seconds, and a false alarm costs the user a cell; a real crash is rare and a minute is bearable.
   */
  waitTimeoutMs = 60_000;
  /** See spinMs. */
  private spin = 0;
  /** Turns spinning off while this thread waits long for a core (spin.ts). */
  private readonly checkOversubscription = oversubscriptionCheck(this.ints);
  /** When the last threaded call returned (performance.now()). */
  private lastCall = Number.NEGATIVE_INFINITY;
  /** Calls opened so far (in the claim word, so a late worker cannot claim from a closed call). */
  private epoch = 0;
  /** Calls handed to worker threads so far (tests check that a big call really was split). */
  threadedCalls = 0;

  /** MLAS shares worker threads have run so far (tests check that they take part). */
  get workerMlasShares(): number {
    return Atomics.load(this.ints, WORKER_MLAS_SHARES);
  }

  /**
   * How long the caller spins for its workers, and workers for their next call, before sleeping
   * (spin.ts spinMs). Workers read it each time they wait.
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
    private readonly blocking: { mc: number; nc: number },
  ) {
    this.spinMs = spinMs();
  }

  /**
   * Runs `work` with the workers asleep rather than spinning: for work that brings its own threads
   * (ONNX Runtime's MLAS, mlas-gemm.ts), which a spinning worker would take a core from.
   */
  whileAsleep<T>(work: () => T): T {
    Atomics.store(this.ints, SPIN_US, 0); // spinning workers see it within microseconds and sleep
    this.lastCall = Number.NEGATIVE_INFINITY; // so `warm` is false: waking them costs again
    try {
      return work();
    } finally {
      Atomics.store(this.ints, SPIN_US, Math.round(1000 * this.spin));
    }
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

  /** Workers spawned by `prestart` that no call has waited for yet. */
  get bootingCount(): number {
    return this.booting.length;
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
   * Runs `kernel` once per argument list (a share), shares claimed in turn by this thread (via
   * `local(args, share)`) and by as many workers as there are other threads, so a worker that starts
   * late leaves its share to whoever is free. Returns when every share has finished; rethrows if
   * any threw. `kernel` may also name one kernel per share (independent kernels side by side).
   * Shares write disjoint outputs, so which thread runs which never changes the numbers.
   */
  run(
    kernel: ShareKernel | readonly ShareKernel[],
    calls: number[][],
    local: (args: number[], call: number) => void,
  ): void {
    const shares = calls.length;
    if (shares > MAX_SHARES) throw new Error(`wasm threads: ${shares} shares, at most ${MAX_SHARES}`);
    const helpers = Math.min(shares, this.threads) - 1;
    if (helpers > 0 && this.exited.size > 0) this.replaceExited();
    if (helpers <= 0 || !this.ensureWorkers(helpers)) {
      calls.forEach(local);
      return;
    }
    const { ints } = this;
    for (let i = 0; i < shares; i++) {
      const args = calls[i];
      if (args.length > MAX_ARGS)
        throw new Error(`wasm threads: ${args.length} arguments, at most ${MAX_ARGS}`);
      this.args.set(args, argsIndex(i));
      const name = typeof kernel === "string" ? kernel : kernel[i];
      ints[kernelIndex(i)] = name === MLAS_SHARE ? MLAS_SHARE_INDEX : THREADED_KERNELS.indexOf(name);
      ints[errorIndex(i)] = 0;
    }
    this.checkOversubscription();
    this.threadedCalls++;
    Atomics.store(ints, DONE, 0);
    Atomics.store(ints, CLAIM, claimWord(++this.epoch, shares));
    for (let w = 1; w <= helpers; w++) {
      Atomics.add(ints, seqIndex(w), 1);
      Atomics.notify(ints, seqIndex(w));
    }
    let localError: unknown = null;
    const t0 = performance.now();
    for (let share = claimShare(ints); share >= 0; share = claimShare(ints)) {
      try {
        local(calls[share], share);
      } catch (e) {
        localError ??= e;
      }
      Atomics.add(ints, DONE, 1);
    }
    // Wait even when a local share failed: workers must not still be writing when we return.
    // Shares are about the size of ours, so 200x our time (or waitTimeoutMs) means dead or hung.
    const limit = Math.max(this.waitTimeoutMs, 200 * (performance.now() - t0));
    // The workers' last shares usually end within microseconds of ours: spin briefly before
    // sleeping (waking from Atomics.wait costs 50-100 us).
    spinUntil(ints, this.spinMs, () => Atomics.load(ints, DONE) === shares);
    const deadline = performance.now() + limit;
    for (let d = Atomics.load(ints, DONE); d !== shares; d = Atomics.load(ints, DONE)) {
      const left = deadline - performance.now();
      if (left <= 0 || Atomics.wait(ints, DONE, d, left) === "timed-out") {
        if (Atomics.load(ints, DONE) === shares) break;
        throw this.tearDown(kernel, limit);
      }
    }
    this.lastCall = performance.now();
    if (localError !== null) throw localError;
    for (let i = 0; i < shares; i++)
      if (ints[errorIndex(i)] !== 0)
        throw new Error(`wasm threads: ${kernel} failed on a worker (share ${i})`);
  }

  /**
   * After a call's workers missed their deadline: terminates every worker (a hung one stops at its
   * next interrupt check), so the next call starts fresh ones, and returns the error to throw.
   */
  private tearDown(kernel: ShareKernel | readonly ShareKernel[], limitMs: number): WorkerThreadError {
    for (const worker of [...this.workers, ...this.booting]) void worker.terminate();
    this.workers.length = 0;
    this.booting.length = 0;
    this.exited.clear();
    Atomics.store(this.ints, CLAIM, 0); // no shares left to claim
    this.restarts++;
    const stop = this.restarts >= MAX_RESTARTS;
    if (stop)
      this.failure = `worker threads were torn down ${this.restarts} times (dead or hung workers); threads are off`;
    const message =
      `wasm threads: the worker threads did not finish ${kernel} within ${Math.round(limitMs)} ms (a worker died or hung). ` +
      (stop
        ? `Threads are now off for this process (${MAX_RESTARTS} failures); kernels run on the calling thread.`
        : "The workers were stopped and will restart on the next call; run the cell again.") +
      " setNumThreads(1) avoids worker threads altogether.";
    process.emitWarning(message, { code: "RECEPTIVE_WASM_THREADS" });
    return new WorkerThreadError(message);
  }

  /** Replaces workers whose thread exited since the last call (a crash between calls), with a warning. */
  private replaceExited(): void {
    const dead = this.workers.filter((w) => this.exited.has(w)).length;
    process.emitWarning(
      `wasm threads: ${dead} worker thread${dead === 1 ? "" : "s"} exited unexpectedly; restarting the worker threads`,
      { code: "RECEPTIVE_WASM_THREADS" },
    );
    for (const worker of [...this.workers, ...this.booting])
      if (!this.exited.has(worker)) void worker.terminate();
    this.workers.length = 0;
    this.booting.length = 0;
    this.exited.clear();
  }

  /**
   * Spawns the workers a call at the current thread count would use, without waiting for them to
   * boot; the first call that wants them waits until they are ready (ensureWorkers).
   */
  prestart(): void {
    if (this.failure !== null) return;
    while (this.workers.length + this.booting.length < this.threads - 1) {
      const worker = this.spawn(this.workers.length + this.booting.length + 1);
      if (worker === null) return;
      this.booting.push(worker);
    }
  }

  /** A new worker for `slot`, not yet ready; null (and `failure` set) if it cannot start. */
  private spawn(slot: number): Worker | null {
    Atomics.store(this.ints, readyIndex(slot), 0); // a replaced worker's slot was ready
    const { mc, nc } = this.blocking;
    const init: WorkerInit = {
      module: this.module,
      memory: this.memory,
      control: this.control,
      slot,
      blocking: { mc, nc },
    };
    let worker: Worker;
    try {
      worker = new Worker(join(__dirname, "worker.js"), { workerData: init });
    } catch (e) {
      this.failure = `worker threads could not start: ${e instanceof Error ? e.message : String(e)}`;
      return null;
    }
    worker.unref();
    // The event loop is not running while we block, so 'error' can only be observed as a timeout.
    worker.on("error", () => {});
    worker.on("exit", () => {
      if (this.workers.includes(worker) || this.booting.includes(worker)) this.exited.add(worker);
    });
    return worker;
  }

  /** Starts workers until there are `count`, waiting until each is ready; false if they cannot start. */
  private ensureWorkers(count: number): boolean {
    if (this.failure !== null) return false;
    while (this.workers.length < count) {
      const slot = this.workers.length + 1;
      const worker = this.booting.shift() ?? this.spawn(slot);
      if (worker === null) return false;
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
