// How the calling thread hands kernel calls to worker threads: a small SharedArrayBuffer of
// control words (Int32, used with Atomics) and argument slots (Float64: every kernel argument is an
// i32 address/size or an f32 scalar, both exact in f64). A call is a list of shares (independent
// kernel calls), share i in slot i: its kernel index, arguments and error flag. The caller writes
// them, opens the call (CLAIM), bumps the sequence number of each worker it wants and notifies;
// then it and the woken workers claim shares until none is left, each counting a finished share
// in DONE, and the caller waits for DONE to reach the count. A worker that wakes late finds its
// share taken by the caller (which never waits for an idle worker): a descheduled or dead worker
// costs its share's time, not the call.

export const MAX_WORKERS = 63;

/**
 * The kernel name of a share of a GEMM on ONNX Runtime's MLAS (mlas-gemm.ts runMlasShare), run by JS
 * instead of a wasm kernel; its kernel index is MLAS_SHARE_INDEX. A worker claims such shares only
 * once it has loaded ONNX Runtime itself (worker.ts): until then the caller runs them all.
 */
export const MLAS_SHARE = "mlasShare";
export const MLAS_SHARE_INDEX = -1;
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
/** Int32 index of how many MLAS shares worker threads have run (tests check they take part). */
export const WORKER_MLAS_SHARES = 4;
const HEADER_INTS = 5;
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

/** The control words' bytes, rounded up to whole Float64 slots for the arguments after them. */
const INT_BYTES = 8 * Math.ceil((HEADER_INTS + (MAX_WORKERS + 1) * SLOT_INTS) / 2);
/** Float64 index of share i's first argument. */
export const argsIndex = (i: number): number => INT_BYTES / 8 + i * MAX_ARGS;

export const CONTROL_BYTES = INT_BYTES + 8 * (MAX_WORKERS + 1) * MAX_ARGS;

/** What a worker receives at startup (workerData). */
export interface WorkerInit {
  module: unknown; // WebAssembly.Module (structured-cloneable)
  memory: unknown; // the shared WebAssembly.Memory
  control: SharedArrayBuffer;
  slot: number;
  /** The GEMM blocking every instance must share (blocking.ts), set before the worker reports ready. */
  blocking: { mc: number; nc: number };
}
