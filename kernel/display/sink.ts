// Where displays go: the kernel registers a sink (the running cell's output channel); `display()`
// and display handles write to it. Kept apart so display code never depends on a transport.

import type { MimeBundle } from "./schema";

export interface DisplaySink {
  /** Shows a new output; `displayId` lets later updates replace it in place. */
  display(bundle: MimeBundle, metadata: Record<string, unknown>, displayId: string): void;
  /** Replaces every output shown with `displayId` (Jupyter update_display_data). */
  update(bundle: MimeBundle, metadata: Record<string, unknown>, displayId: string): void;
}

let sinkProvider: () => DisplaySink | undefined = () => undefined;

/** Called by the kernel once: `provider` returns the sink of the cell that is running now. */
export function setDisplaySinkProvider(provider: () => DisplaySink | undefined): void {
  sinkProvider = provider;
}

export function currentSink(): DisplaySink {
  const sink = sinkProvider();
  if (sink === undefined) {
    throw new Error(
      "display: there is no notebook cell to show this in (display() works inside a Receptive kernel)",
    );
  }
  return sink;
}
