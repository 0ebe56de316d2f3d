// When threads spin instead of sleeping: workers between calls and the caller waiting for its
// workers spin on their control word for a while (waking a sleeping thread costs far more than a
// spin), unless the cores look oversubscribed, which the caller judges from how long it waits for
// a core (Linux schedstat) and then turns spinning off for everyone for a while (NO_SPIN_UNTIL).

import { readFileSync } from "node:fs";
import { NO_SPIN_UNTIL } from "./protocol";

/**
 * How long a thread spins on a control word before it sleeps in Atomics.wait (workers between
 * calls, the caller for its workers). Waking a sleeping thread costs 50-100 us here (measured: a
 * threaded ReLU over 2^18 floats took 72-139 us at 2 threads against 33 us on one, 21-30 us with
 * spinning), a check ~0.1 us; OpenMP runtimes (PyTorch's) spin likewise. Spinning only pays while
 * the cores are ours: when another process wants one, a spinning worker takes time slices from
 * the calling thread (LeNet-5 at 2 threads went from 4.6-5.5 to 8.6-9.0 ms per step with a
 * 0.25 ms spin while one other job ran), so the caller watches how long it waits for a core
 * (oversubscriptionCheck) and turns spinning off for a while when that is long.
 * RECEPTIVE_WASM_SPIN_MS=<ms> overrides the default (0 turns spinning off).
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
