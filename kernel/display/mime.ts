// Any value -> one MIME bundle. Objects that render themselves (`Symbol.for("Jupyter.display")`,
// the convention Deno's kernel uses) win; tensors get pictures; everything else is inspected text.

import { inspect } from "node:util";
import type { Tensor } from "../engine/index";
import type { MimeBundle } from "./schema";
import { tensorBundle } from "./tensor-view";

export const JUPYTER_DISPLAY = Symbol.for("Jupyter.display");

const ENGINE_MODULE = require.resolve("../engine/index");

/**
 * The engine's Tensor class if a cell has loaded the engine, else undefined (then no value can be a
 * tensor). Keeps the engine out of kernel start-up.
 */
function loadedTensorClass(): (new (...args: any[]) => Tensor) | undefined {
  return require.cache[ENGINE_MODULE]?.exports.Tensor;
}

/** Text the way Node's REPL prints a value (strings quoted), without ANSI colours. */
export function plainText(value: unknown): string {
  return inspect(value, { depth: 4, colors: false, maxArrayLength: 100, breakLength: 100 });
}

export function toMimeBundle(value: unknown): MimeBundle {
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const render = (value as { [JUPYTER_DISPLAY]?: unknown })[JUPYTER_DISPLAY];
    if (typeof render === "function") {
      const bundle = render.call(value) as unknown;
      if (bundle === null || typeof bundle !== "object" || Array.isArray(bundle)) {
        throw new TypeError(
          `display: [Symbol.for("Jupyter.display")]() must return a MIME bundle object such as { "text/html": "<b>hi</b>" }, got ${plainText(bundle)}`,
        );
      }
      const out: MimeBundle = { ...(bundle as MimeBundle) };
      if (out["text/plain"] === undefined) out["text/plain"] = plainText(value);
      return out;
    }
    const TensorClass = loadedTensorClass();
    if (TensorClass !== undefined && value instanceof TensorClass) return tensorBundle(value);
  }
  return { "text/plain": plainText(value) };
}
