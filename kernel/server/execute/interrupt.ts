// Interrupts that work while the main thread is busy. The main thread runs cells; a side thread
// (kernel/server/side-thread.ts) receives interrupt requests and asks the main thread to stop:
//
// 1. It posts "interrupt" to the main thread. If the cell is awaiting (a `for await` training
//    loop yields every batch) the main thread handles it at once: the cell's promise is abandoned
//    and its pending timers are dropped, so the loop stops at the next batch boundary.
// 2. If the main thread has not acknowledged within ACK_WAIT_MS it is stuck in synchronous code
//    (a `while` loop, a long wasm call). The side thread then terminates the running JavaScript
//    through the inspector protocol (`Runtime.terminateExecution` on a session connected to the
//    main thread); V8 unwinds to the event loop and cancels the termination, the queued
//    "interrupt" message then ends the cell. Variables keep the values they had.
//
// NOTE: unwinding a termination through Node's own callbacks leaves its async-hook stack
// unbalanced, which Node treats as fatal unless started with --no-force-async-hooks-checks; the
// kernel's launch command passes that flag (see kernel/server/node-flags.ts). Without the flag
// only step 1 is used, and SIGINT still stops synchronous code run at a cell's top level
// (vm's breakOnSigint).

export const ACK_WAIT_MS = 400;

const PHASE = 0; // 0 idle, 1 a cell is being prepared (compiled), 2 its code is running
const CELL = 1; // number of the running cell
const ACK = 2; // number of the last cell whose interrupt the main thread handled

/** Shared between the main thread and the side thread (both hold an InterruptState on one buffer). */
export class InterruptState {
  readonly view: Int32Array;
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(16)) {
    this.view = new Int32Array(buffer);
  }
  cellStarted(cell: number): void {
    Atomics.store(this.view, CELL, cell);
    Atomics.store(this.view, PHASE, 1);
  }
  /** From now until cellEnded the main thread runs the cell's code: termination is allowed. */
  userCodeStarted(): void {
    Atomics.store(this.view, PHASE, 2);
  }
  get runningUserCode(): boolean {
    return Atomics.load(this.view, PHASE) === 2;
  }
  cellEnded(): void {
    Atomics.store(this.view, PHASE, 0);
  }
  acknowledge(cell: number): void {
    Atomics.store(this.view, ACK, cell);
  }
  get runningCell(): number | null {
    return Atomics.load(this.view, PHASE) !== 0 ? Atomics.load(this.view, CELL) : null;
  }
  get acknowledged(): number {
    return Atomics.load(this.view, ACK);
  }
}

export type InterruptMessage = { type: "interrupt"; cell: number };

export type InterruptResult = "idle" | "stopped" | "terminated" | "pending";

/**
 * Side-thread half: stops the cell running on the main thread. `post` delivers a message to the
 * main thread; `terminate` (or null when unavailable) terminates the main thread's running JS.
 */
export async function interruptMainThread(
  state: InterruptState,
  post: (m: InterruptMessage) => void,
  terminate: (() => Promise<void>) | null,
): Promise<InterruptResult> {
  const cell = state.runningCell;
  if (cell === null) return "idle";
  post({ type: "interrupt", cell });
  // Wait for the main thread to acknowledge. Termination is only for a main thread stuck in the
  // cell's own code for ACK_WAIT_MS: never while the kernel is still compiling the cell (it handles
  // the interrupt as soon as compilation ends).
  let userCodeSince = state.runningUserCode ? Date.now() : null;
  for (;;) {
    if (state.acknowledged === cell || state.runningCell !== cell) return "stopped";
    if (userCodeSince === null && state.runningUserCode) userCodeSince = Date.now();
    if (userCodeSince !== null && Date.now() - userCodeSince >= ACK_WAIT_MS) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  if (terminate === null) return "pending";
  await terminate();
  return "terminated";
}
