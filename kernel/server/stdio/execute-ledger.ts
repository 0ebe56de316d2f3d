// Which execute requests a stdio `interrupt` cancels: every one read before it. The side thread
// numbers execute requests as it reads them (1, 2, ...); an interrupt marks all read so far as
// cancelled. The main thread runs a request only if it is not cancelled, and marks every request
// finished (run, failed or skipped). The interrupt is answered once all cancelled requests have
// finished, so a cell the front end stopped can never start later (say, queued behind another
// cell, or behind the kernel's start-up).
//
// NOTE: a request may pass the main thread's check just before the side thread cancels it; so the
// side thread keeps interrupting whatever cell runs until every cancelled request has finished.

const CANCELLED_UP_TO = 0;
const FINISHED = 1;

export class ExecuteLedger {
  readonly view: Int32Array;
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.view = new Int32Array(buffer);
  }
  /** Side thread: cancels every request numbered up to `read`. */
  cancelUpTo(read: number): void {
    Atomics.store(this.view, CANCELLED_UP_TO, read);
  }
  /** Main thread: whether request `seq` was cancelled before it started. */
  isCancelled(seq: number): boolean {
    return seq <= Atomics.load(this.view, CANCELLED_UP_TO);
  }
  /** Main thread: request `seq` will not run (any more). */
  finished(seq: number): void {
    Atomics.store(this.view, FINISHED, seq);
  }
  /** Side thread: whether every request up to `seq` has finished. */
  finishedUpTo(seq: number): boolean {
    return Atomics.load(this.view, FINISHED) >= seq;
  }
}
