// How the calling thread hands kernel calls to worker threads: a small SharedArrayBuffer of
// control words (Int32, used with Atomics) and argument slots (Float64: every kernel argument is an
// i32 address/size or an f32 scalar, both exact in f64). A call is a list of shares (independent
// kernel calls), share i in slot i: its kernel index, arguments and error flag. The caller writes
// them, opens the call (CLAIM), bumps the sequence number of each worker it wants and notifies;
// then it and the woken workers claim shares until none is left, each counting a finished share
// in DONE, and the caller waits for DONE to reach the count. A worker that wakes late finds its
// share taken by the caller (which never waits for an idle worker): a descheduled or dead worker
// costs its share's time, not the call.

import { readFileSync } from "node:fs";

export const MAX_WORKERS = 63;
export const MAX_ARGS = 32;

/** Int32 index of the current call's claim word: epoch, share count and next share (claimWord). */
export const CLAIM = 0;
/** Int32 index of how long workers spin for their next call before sleeping, in microseconds. */
export const SPIN_US = 1;
/**
 * Int32 index of a time (whole seconds of Date.now()) before which no thread spins: set when the
 * cores look oversubscribed (see oversubscriptionCheck).
 */
export const NO_SPIN_UNTIL = 2;
/** Int32 index of the number of the current call's shares finished so far. */
export const DONE = 3;
const HEADER_INTS = 4;
const SLOT_INTS = 4;

/** At most this many shares in one call (the argument slots). */
export const MAX_SHARES = MAX_WORKERS + 1;

/** The claim word opening call number `epoch` with `shares` shares, none claimed yet. */
export const claimWord = (epoch: number, shares: number): number => ((epoch & 0x1ffff) << 14) | (shares << 7);

/** Claims the current call's next unclaimed share: its index, or -1 when all are taken. */
export function claimShare(ints: Int32Array): number {
  for (;;) {
    const v = Atomics.load(ints, CLAIM);
    const next = v & 127;
    if (next >= ((v >> 7) & 127)) return -1;
    if (Atomics.compareExchange(ints, CLAIM, v, v + 1) === v) return next;
  }
}

/** Int32 index of worker w's sequence number (bumped once per call it takes part in). */
export const seqIndex = (w: number): number => HEADER_INTS + w * SLOT_INTS;
/** Int32 index of worker w's ready flag (1 once its wasm instance exists). */
export const readyIndex = (w: number): number => seqIndex(w) + 1;
/** Int32 index of share i's error flag (1 when its kernel threw on a worker). */
export const errorIndex = (i: number): number => seqIndex(i) + 2;
/** Int32 index of share i's kernel (in THREADED_KERNELS). */
export const kernelIndex = (i: number): number => seqIndex(i) + 3;

const INT_BYTES = 4 * (HEADER_INTS + (MAX_WORKERS + 1) * SLOT_INTS);
/** Float64 index of share i's first argument. */
export const argsIndex = (i: number): number => INT_BYTES / 8 + i * MAX_ARGS;

export const CONTROL_BYTES = INT_BYTES + 8 * (MAX_WORKERS + 1) * MAX_ARGS;

/** What a worker receives at startup (workerData). */
export interface WorkerInit {
  module: unknown; // WebAssembly.Module (structured-cloneable)
  memory: unknown; // the shared WebAssembly.Memory
  control: SharedArrayBuffer;
  slot: number;
}

/**
 * How long a thread spins on a control word before it sleeps in Atomics.wait (workers between
 * calls, the caller for its workers). Waking a sleeping thread costs 50-100 us here (measured: a
 * threaded ReLU over 2^18 floats took 72-139 us at 2 threads against 33 us on one, 21-30 us with
 * spinning), a check ~0.1 us; OpenMP runtimes (PyTorch's) spin likewise. Spinning only pays while
 * the cores are ours: when another process wants one, a spinning worker takes time slices from
 * the calling thread (LeNet-5 at 2 threads went from 4.6-5.5 to 8.6-9.0 ms per step with a
 * 0.25 ms spin while one other job ran), so the caller watches how long it waits for a core
 * (oversubscriptionCheck) and turns spinning off for a while when that is long. RECEPTIVE_WASM_SPIN_MS=<ms>
 * overrides the default (0 turns spinning off).
 */
export function spinMs(): number {
  const raw = process.env.RECEPTIVE_WASM_SPIN_MS;
  const v = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_SPIN_MS;
}
// 1 ms: LeNet-5's training step has stretches of 0.5-1.3 ms without threaded calls (the linear
// layers and the loss between forward and backward); workers asleep there woke in 50-100 us, at
// times over 1 ms (best batch, 2 threads: 3.5-3.7 ms a step spinning 0.5 ms, 3.25-3.5 spinning 1).
const DEFAULT_SPIN_MS = 1;

/** Whether spinning is off for now (the cores looked oversubscribed; see oversubscriptionCheck). */
export function spinningOff(ints: Int32Array): boolean {
  return Date.now() / 1000 < Atomics.load(ints, NO_SPIN_UNTIL);
}

/** Spins until `done()` or for `ms` (none while spinning is off); returns done(). */
export function spinUntil(ints: Int32Array, ms: number, done: () => boolean): boolean {
  if (ms <= 0 || spinningOff(ints)) return done();
  const end = performance.now() + ms;
  for (let i = 0; ; i++) {
    if (done()) return true;
    if ((i & 63) === 63 && performance.now() >= end) return done();
  }
}

/** How often the calling thread looks at its time waiting for a core. */
const CHECK_MS = 1000;
/**
 * A share of the time waiting for a core beyond which the cores are oversubscribed. Measured over
 * LeNet-5 training at 2 threads, in 1 s windows: 7-16% with nothing else running (V8's own
 * background threads, more with spinning workers; 200 ms windows reached 29%), 30-45% with one
 * CPU-bound process besides, spinning or not.
 */
const MAX_WAIT_SHARE = 0.25;
/** How long nobody spins once the cores look oversubscribed. */
const BACK_OFF_S = 2;

/** The calling thread's total time waiting for a core in ns (Linux's schedstat), or null elsewhere. */
function runQueueWaitNs(): number | null {
  try {
    const waited = Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ")[1]);
    return Number.isFinite(waited) ? waited : null;
  } catch {
    return null;
  }
}

/**
 * For the calling thread: a check to run on each threaded call. Every CHECK_MS it compares the
 * time the thread waited for a core with the time passed; above MAX_WAIT_SHARE it turns spinning
 * off for every thread for BACK_OFF_S (renewed while the wait lasts). Without schedstat (not
 * Linux) threads spin regardless, as OpenMP runtimes do.
 */
export function oversubscriptionCheck(ints: Int32Array): () => void {
  let since = performance.now();
  let waited = runQueueWaitNs();
  return () => {
    const now = performance.now();
    if (waited === null || now - since < CHECK_MS) return;
    const w = runQueueWaitNs();
    if (w !== null && (w - waited) / 1e6 > MAX_WAIT_SHARE * (now - since))
      Atomics.store(ints, NO_SPIN_UNTIL, Math.ceil(Date.now() / 1000) + BACK_OFF_S);
    since = now;
    waited = w;
  };
}
