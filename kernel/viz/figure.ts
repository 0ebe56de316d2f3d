// What a viz helper returns, like a matplotlib Figure: the payload and its MIME bundle. As a
// cell's last value (or passed to `display`) it shows itself through Symbol.for("Jupyter.display");
// `.show()` shows it now and returns the display handle (for calls inside a loop).

import { type DisplayHandle, display } from "../display/display-api";
import type { MimeBundle } from "../display/schema";

export class VizFigure<P = unknown> {
  constructor(
    /** The receptive payload (e.g. an ImageGridPayload). */
    readonly payload: P,
    private readonly makeBundle: () => MimeBundle,
    /** One-line description, also the text/plain fallback's first line. */
    readonly text: string,
  ) {}
  /** The MIME bundle: receptive payload + image/png and/or text/html + text/plain. */
  bundle(): MimeBundle {
    return this.makeBundle();
  }
  /** Shows the figure in the running cell now; returns its display handle. */
  show(): DisplayHandle {
    return display.bundle(this.bundle());
  }
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return this.bundle();
  }
  toString(): string {
    return this.text;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.text;
  }
}
