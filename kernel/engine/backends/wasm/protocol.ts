// How the calling thread hands kernel calls to worker threads: a small SharedArrayBuffer of
// control words (Int32, used with Atomics) and argument slots (Float64: every kernel argument is an
// i32 address/size or an f32 scalar, both exact in f64). Worker w (1-based; 0 is the caller) owns
// one slot. The caller writes the kernel index and arguments, bumps the slot's sequence number and
// notifies; the worker runs the kernel, then decrements PENDING and notifies when it reaches 0.

export const MAX_WORKERS = 63;
export const MAX_ARGS = 32;

/** Int32 index of the count of workers still running the current call. */
export const PENDING = 0;
/** Int32 index of how long workers spin for their next call before sleeping, in microseconds. */
export const SPIN_US = 1;
const HEADER_INTS = 4;
const SLOT_INTS = 4;

/** Int32 index of worker w's sequence number (bumped once per call it takes part in). */
export const seqIndex = (w: number): number => HEADER_INTS + w * SLOT_INTS;
/** Int32 index of worker w's ready flag (1 once its wasm instance exists). */
export const readyIndex = (w: number): number => seqIndex(w) + 1;
/** Int32 index of worker w's error flag (1 when its last kernel threw). */
export const errorIndex = (w: number): number => seqIndex(w) + 2;
/** Int32 index of the kernel (in THREADED_KERNELS) worker w runs next. */
export const kernelIndex = (w: number): number => seqIndex(w) + 3;

const INT_BYTES = 4 * (HEADER_INTS + (MAX_WORKERS + 1) * SLOT_INTS);
/** Float64 index of worker w's first argument. */
export const argsIndex = (w: number): number => INT_BYTES / 8 + w * MAX_ARGS;

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
 * calls, the caller for its workers). Waking from Atomics.wait costs 20-60 us per call, a spin
 * ~0.1 us, so spinning helps on an otherwise idle machine; but when another process holds one of
 * the cores, a spinning worker takes time slices from the calling thread: LeNet-5 at 2 threads
 * went from 4.6-5.5 to 8.6-9.0 ms per step with a 0.25 ms spin while one other job ran. So the
 * default is 0 (sleep at once); RECEPTIVE_WASM_SPIN_MS=<ms> turns spinning on.
 */
export function spinMs(): number {
  const v = Number(process.env.RECEPTIVE_WASM_SPIN_MS);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_SPIN_MS;
}
const DEFAULT_SPIN_MS = 0;
