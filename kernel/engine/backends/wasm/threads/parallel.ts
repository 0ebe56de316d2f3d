// Splitting a kernel call into per-thread shares and running them: shares are contiguous ranges
// of whole units (images, micro-tiles), at most one per thread; one share runs directly on the
// calling thread without touching the worker threads.

import type { ThreadedKernel } from "../exports.generated";
import type { WasmRuntime } from "../runtime";
import { MAX_SHARES } from "./protocol";

/**
 * Below this many multiply-adds (~100 us on one thread) a call stays on the calling thread: waking a
 * sleeping worker costs 50-100 us, and far more when the machine is oversubscribed and the worker
 * must wait for a core.
 */
export const PARALLEL_MIN_MACS = 1 << 21;

/**
 * While the workers still spin after the last call (workers.warm), a hand-off costs ~5 us, so calls
 * this many times smaller are split too (a ReLU over 2^16 floats: 9 us on one thread, 7 on two).
 */
export const WARM_DISCOUNT = 4;

/**
 * Threads worth using for `work` units (multiply-adds by default; a kernel may name its own unit
 * and minimum, the size below which a call stays on the calling thread while the workers sleep).
 */
export function threadsFor(rt: WasmRuntime, work: number, minWork = PARALLEL_MIN_MACS): number {
  const min = rt.workers.warm ? minWork / WARM_DISCOUNT : minWork;
  return work < min ? 1 : rt.workers.threads;
}

/**
 * Shares per thread for calls whose shares are independent and cost little to cut finer (images,
 * planes, channels, elements). Threads claim shares as they go (workers.ts), so with two per thread
 * whoever is ahead takes more: the calling thread has the data the serial ops just wrote in its
 * cache, and a worker ran equal shares 15-30% slower (LeNet-5 at 2 threads: conv forward 728 vs
 * 612 us a step); a worker that starts late is likewise covered.
 */
export const SHARES_PER_THREAD = 2;

/** How many shares to cut a splittable call into for `threads` threads (1 stays 1; at most MAX_SHARES). */
export function sharesFor(threads: number): number {
  return threads <= 1 ? 1 : Math.min(MAX_SHARES, SHARES_PER_THREAD * threads);
}

/** [start, end) ranges covering [0, n) in multiples of `unit` (the last may be short), at most `parts`. */
export function ranges(n: number, unit: number, parts: number): [number, number][] {
  const units = Math.ceil(n / unit);
  const count = Math.max(1, Math.min(parts, units));
  const out: [number, number][] = [];
  for (let t = 0; t < count; t++) {
    const start = Math.floor((t * units) / count) * unit;
    const end = Math.min(n, Math.floor(((t + 1) * units) / count) * unit);
    out.push([start, end]);
  }
  return out;
}

/** Runs the kernel once per argument list, calls[0] on this thread and the rest on workers. */
export function runShares(rt: WasmRuntime, kernel: ThreadedKernel, calls: number[][]): void {
  const fn = rt.kernels[kernel] as (...args: number[]) => void;
  if (calls.length === 1) fn(...calls[0]);
  else rt.workers.run(kernel, calls, (args) => fn(...args));
}

/** Runs independent kernel calls side by side, one per thread: calls[0] here, the rest on workers. */
export function runEach(rt: WasmRuntime, calls: [ThreadedKernel, number[]][]): void {
  const fns = calls.map(([kernel]) => rt.kernels[kernel] as (...args: number[]) => void);
  if (calls.length === 1) fns[0](...calls[0][1]);
  else
    rt.workers.run(
      calls.map(([kernel]) => kernel),
      calls.map(([, args]) => args),
      (args, i) => fns[i](...args),
    );
}
