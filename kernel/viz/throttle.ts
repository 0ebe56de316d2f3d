// At most one call per interval, the last call always delivered: `request()` runs `flush` now if
// the interval has passed, else schedules one trailing flush; `flushNow()` delivers at once (the
// final update of a live display). The clock and timer are injectable so tests need no waiting.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.(); // a pending redraw never keeps a headless run alive
    return t;
  },
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
};

export class Throttle {
  private last = Number.NEGATIVE_INFINITY;
  private timer: unknown = null;
  private pending = false;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: () => void,
    private readonly clock: Clock = realClock,
  ) {}

  /** Asks for a flush: now, or at the end of the current interval. */
  request(): void {
    this.pending = true;
    const wait = this.last + this.intervalMs - this.clock.now();
    if (wait <= 0) {
      this.flushNow();
      return;
    }
    if (this.timer === null)
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        if (this.pending) this.flushNow();
      }, wait);
  }

  /** Flushes now if anything is pending (and cancels the scheduled flush). */
  flushNow(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.pending) return;
    this.pending = false;
    this.last = this.clock.now();
    this.flush();
  }
}
