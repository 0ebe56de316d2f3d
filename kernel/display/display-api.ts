// `display(value)` and its helpers, available in every notebook cell: show a value now, or a
// handle whose `.update(...)` redraws the same output in place (live training curves, progress).

import { randomUUID } from "node:crypto";
import { toMimeBundle } from "./mime";
import type { MimeBundle } from "./schema";
import { currentSink } from "./sink";

export interface DisplayHandle {
  readonly displayId: string;
  /** Replaces the output with a new value (any value `display` accepts). */
  update(value: unknown): void;
  /** Replaces the output with a ready-made MIME bundle. */
  updateRaw(bundle: MimeBundle): void;
}

export interface Display {
  (value: unknown): DisplayHandle;
  html(html: string): DisplayHandle;
  markdown(markdown: string): DisplayHandle;
  svg(svg: string): DisplayHandle;
  /** PNG bytes (or their base64 text). */
  png(png: Uint8Array | string): DisplayHandle;
  json(value: unknown): DisplayHandle;
  /** One representation with an explicit MIME type, e.g. `display.raw("text/latex", "$x^2$")`. */
  raw(mime: string, data: unknown): DisplayHandle;
  /** A ready-made MIME bundle (several representations of one output). */
  bundle(bundle: MimeBundle): DisplayHandle;
}

function show(bundle: MimeBundle): DisplayHandle {
  const displayId = randomUUID();
  const sink = currentSink();
  sink.display(bundle, {}, displayId);
  return {
    displayId,
    update: (value) => sink.update(toMimeBundle(value), {}, displayId),
    updateRaw: (next) => sink.update(next, {}, displayId),
  };
}

function requireString(helper: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new TypeError(`display.${helper}: expected a string, got ${typeof value}`);
  }
  return value;
}

export const display: Display = Object.assign((value: unknown) => show(toMimeBundle(value)), {
  html: (html: string) => show({ "text/html": requireString("html", html), "text/plain": "[HTML]" }),
  markdown: (md: string) => show({ "text/markdown": requireString("markdown", md), "text/plain": md }),
  svg: (svg: string) => show({ "image/svg+xml": requireString("svg", svg), "text/plain": "[SVG image]" }),
  png: (png: Uint8Array | string) =>
    show({
      "image/png": typeof png === "string" ? png : Buffer.from(png).toString("base64"),
      "text/plain": "[PNG image]",
    }),
  json: (value: unknown) => show({ "application/json": value, "text/plain": JSON.stringify(value, null, 2) }),
  raw: (mime: string, data: unknown) => show({ [requireString("raw", mime)]: data }),
  bundle: (bundle: MimeBundle) => show(bundle),
});
