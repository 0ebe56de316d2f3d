// A cell's console output goes to iopub in few messages: writes to one stream (stdout or stderr)
// of one cell are gathered and sent as one `stream` message after a short pause (FLUSH_MS) or once
// they reach MAX_CHARS, as ipykernel's OutStream does. A loop printing 20,000 lines then costs a
// handful of messages instead of 20,000, which front ends (and Jupyter server's rate limits) keep
// up with. The kernel flushes before publishing anything else, so outputs keep their order.
//
// NOTE: the timer comes from node:timers, not the global setTimeout that cell-context.ts wraps:
// timers of an interrupted cell never fire, and this flush must.

import { clearTimeout, setTimeout } from "node:timers";

export const FLUSH_MS = 50;
export const MAX_CHARS = 64 * 1024;

export class StreamBatcher<Parent> {
  private pending: { parent: Parent; name: string; parts: string[]; chars: number } | null = null;
  private timer: NodeJS.Timeout | null = null;

  /** `send` publishes one stream message; `parent` tells cells apart (compared by identity). */
  constructor(private readonly send: (parent: Parent, name: string, text: string) => void) {}

  write(parent: Parent, name: string, text: string): void {
    if (text === "") return;
    if (this.pending !== null && (this.pending.parent !== parent || this.pending.name !== name)) this.flush();
    this.pending ??= { parent, name, parts: [], chars: 0 };
    this.pending.parts.push(text);
    this.pending.chars += text.length;
    if (this.pending.chars >= MAX_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Sends what has been gathered now (call before publishing any other message). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    this.send(p.parent, p.name, p.parts.join(""));
  }
}
