// Any value -> one MIME bundle, the one display protocol: an object's own
// `[Symbol.for("Jupyter.display")]()` method wins (the convention of Deno's kernel, for users' own
// classes), then the formatter registered for its class (formatters.ts: the engine's classes,
// registered by kernel/viz), and everything else is text the way Node's REPL prints it.

import { inspect } from "node:util";
import { formatterFor } from "./formatters";
import type { MimeBundle } from "./schema";

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

/** Text the way Node's REPL prints a value (strings quoted), without ANSI colours. */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, colors: false, maxArrayLength: 100, breakLength: 100 });
}

export function toMimeBundle(value: unknown): MimeBundle {
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const render = (value as { [JUPYTER_DISPLAY]?: unknown })[JUPYTER_DISPLAY];
    if (typeof render === "function")
      return withText(checked(render.call(value), '[Symbol.for("Jupyter.display")]()'), value);
    const format = formatterFor(value);
    if (format !== undefined) return withText(checked(format(value), "the formatter"), value);
  }
  return { "text/plain": plainText(value) };
}

function checked(bundle: unknown, what: string): MimeBundle {
  if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
    throw new TypeError(
      `display: ${what} must return a MIME bundle object such as { "text/html": "<b>hi</b>" }, got ${plainText(bundle)}`,
    );
  }
  return bundle as MimeBundle;
}

function withText(bundle: MimeBundle, value: unknown): MimeBundle {
  const out: MimeBundle = { ...bundle };
  if (out["text/plain"] === undefined) out["text/plain"] = plainText(value);
  return out;
}
