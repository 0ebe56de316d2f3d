// The running cell's display sink, or undefined outside a kernel (headless scripts, tests): live
// displays capture it once when they start, so later updates reach the same output.

import { randomUUID } from "node:crypto";
import type { MimeBundle } from "../display/schema";
import { currentSink, type DisplaySink } from "../display/sink";

export function sinkOrUndefined(): DisplaySink | undefined {
  try {
    return currentSink();
  } catch {
    return undefined;
  }
}

/** One output shown now and redrawn in place; every call is a no-op without a sink. */
export class LiveOutput {
  readonly displayId = randomUUID();
  private shown = false;
  constructor(readonly sink: DisplaySink | undefined = sinkOrUndefined()) {}
  get active(): boolean {
    return this.sink !== undefined;
  }
  /** Shows the bundle the first time, then replaces it (Jupyter update_display_data). */
  render(bundle: MimeBundle): void {
    if (this.sink === undefined) return;
    if (this.shown) this.sink.update(bundle, {}, this.displayId);
    else this.sink.display(bundle, {}, this.displayId);
    this.shown = true;
  }
}
