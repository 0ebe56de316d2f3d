// A kernel worker thread: instantiates the same wasm module over the same shared memory as the
// calling thread, then loops forever: wait for its slot's sequence number to change (spinning
// briefly, then sleeping), claim the call's shares one by one and run each (protocol.ts), counting
// it done. It never touches the event loop again, so it needs no messages; workers.ts unref()s it so
// it never keeps the process alive. Shares of a GEMM on ONNX Runtime's MLAS (protocol.ts MLAS_SHARE)
// run in JS on the worker's own ONNX Runtime session: the worker loads ONNX Runtime at the first
// such call it sees, leaving that call's shares to the caller meanwhile.

import { workerData } from "node:worker_threads";
import { THREADED_KERNELS } from "../exports.generated";
import { type WasmMemory, type WasmModule, wasmApi } from "../wasm-api";
import {
  argsIndex,
  claimShare,
  DONE,
  errorIndex,
  kernelIndex,
  MAX_ARGS,
  MLAS_SHARE_INDEX,
  readyIndex,
  SPIN_US,
  seqIndex,
  WORKER_MLAS_SHARES,
  type WorkerInit,
} from "./protocol";
import { spinUntil } from "./spin";

const { module: wasmModule, memory, control, slot, blocking } = workerData as WorkerInit;
const ints = new Int32Array(control);
const args = new Float64Array(control);
const instance = new wasmApi!.Instance(wasmModule as WasmModule, { env: { memory: memory as WasmMemory } });
// The same GEMM blocking as the calling thread's instance, which sized the scratch (blocking.ts).
(instance.exports.setGemmBlocking as (mc: number, nc: number) => void)(blocking.mc, blocking.nc);
const kernels = THREADED_KERNELS.map((name) => instance.exports[name] as (...a: number[]) => void);
const argv = new Array<number>(MAX_ARGS);

/** The wasm memory as floats (a new view after the memory grew). */
let floats: Float32Array = new Float32Array(0);
function f32(): Float32Array {
  const buffer = (memory as WasmMemory).buffer;
  if (floats.buffer !== (buffer as ArrayBufferLike)) floats = new Float32Array(buffer);
  return floats;
}

/** MLAS on this thread (../mlas-gemm.ts): undefined until the first MLAS call, null if it cannot be had. */
let mlas: typeof import("../mlas-gemm") | null | undefined;

/** Whether this worker can run MLAS shares; loads ONNX Runtime the first time (~60 ms, once). */
function mlasReady(): boolean {
  if (mlas === undefined) {
    try {
      const m = require("../mlas-gemm") as typeof import("../mlas-gemm");
      mlas = m.mlasReady() ? m : null;
    } catch {
      mlas = null; // the caller runs every MLAS share, as with one thread
    }
  }
  return mlas !== null;
}

/**
 * Returns when the caller has bumped this slot's sequence number. Spins first (for SPIN_US, set by
 * workers.ts; see spin.ts spinUntil): a training step makes a threaded call every few hundred
 * microseconds, and waking from Atomics.wait costs 50-100 us per call; then sleeps.
 */
function awaitCall(): void {
  const seq = seqIndex(slot);
  const called = () => Atomics.load(ints, seq) !== seen;
  // Spinning stops early when the caller sets SPIN_US to 0 (WorkerThreads.whileAsleep).
  spinUntil(ints, Atomics.load(ints, SPIN_US) / 1000, () => called() || Atomics.load(ints, SPIN_US) === 0);
  if (!called()) Atomics.wait(ints, seq, seen);
}

// Read the sequence number before announcing readiness: the caller may bump it right after.
let seen = Atomics.load(ints, seqIndex(slot));
Atomics.store(ints, readyIndex(slot), 1);
Atomics.notify(ints, readyIndex(slot));
for (;;) {
  awaitCall();
  seen = Atomics.load(ints, seqIndex(slot));
  // A call of MLAS shares is the caller's alone until this worker has MLAS too.
  if (Atomics.load(ints, kernelIndex(0)) === MLAS_SHARE_INDEX && !mlasReady()) continue;
  // Claim shares until none is left (the caller may have taken them all).
  for (let share = claimShare(ints); share >= 0; share = claimShare(ints)) {
    const base = argsIndex(share);
    for (let i = 0; i < MAX_ARGS; i++) argv[i] = args[base + i];
    try {
      const kernel = Atomics.load(ints, kernelIndex(share));
      if (kernel === MLAS_SHARE_INDEX) {
        mlas?.runMlasShare(f32, argv);
        Atomics.add(ints, WORKER_MLAS_SHARES, 1);
      } else kernels[kernel](...argv);
    } catch {
      Atomics.store(ints, errorIndex(share), 1);
    }
    Atomics.add(ints, DONE, 1);
    Atomics.notify(ints, DONE);
  }
}
