// Test doubles for the display side: a sink that records what a cell would show (NOTE: a recording
// stand-in for the kernel's output channel, which the kernel tests drive for real) and a manual
// clock for throttles.

import type { MimeBundle } from "../../kernel/display/schema";
import { type DisplaySink, setDisplaySinkProvider } from "../../kernel/display/sink";
import type { Clock } from "../../kernel/viz/throttle";

export interface Shown {
  op: "display" | "update";
  displayId: string;
  bundle: MimeBundle;
}

export class RecordingSink implements DisplaySink {
  readonly events: Shown[] = [];
  display(bundle: MimeBundle, _metadata: Record<string, unknown>, displayId: string): void {
    this.events.push({ op: "display", displayId, bundle });
  }
  update(bundle: MimeBundle, _metadata: Record<string, unknown>, displayId: string): void {
    this.events.push({ op: "update", displayId, bundle });
  }
  /** Makes this the running cell's sink until `detach()`. */
  attach(): this {
    setDisplaySinkProvider(() => this);
    return this;
  }
  detach(): void {
    setDisplaySinkProvider(() => undefined);
  }
}

/** A clock that moves only when told; timers fire when `advance` passes them. */
export class ManualClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(timer: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== timer);
  }
  get pendingTimers(): number {
    return this.timers.length;
  }
  advance(ms: number): void {
    this.t += ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) return;
      this.timers = this.timers.filter((x) => x !== due);
      due.fn();
    }
  }
}
