// Kernel messages -> what a VS Code notebook output holds, without VS Code: a MIME bundle becomes
// output items (mime + bytes) in the order VS Code should prefer them, and a kernel error becomes
// the { name, message, stack } that NotebookCellOutputItem.error shows.

import type { MimeBundle } from "../../kernel/display/schema";

export interface OutputItemData {
  mime: string;
  data: Uint8Array;
}

/** Richest first: our renderers' payloads, then HTML, images, Markdown, plain text. */
const PRIORITY: ((mime: string) => boolean)[] = [
  (m) => m.startsWith("application/vnd.receptive."),
  (m) => m.endsWith("+json") || m === "application/json",
  (m) => m === "text/html",
  (m) => m === "image/svg+xml",
  (m) => m.startsWith("image/"),
  (m) => m === "text/markdown",
  (m) => m === "text/latex",
];

const rank = (mime: string): number => {
  const i = PRIORITY.findIndex((test) => test(mime));
  return i < 0 ? PRIORITY.length + (mime === "text/plain" ? 1 : 0) : i;
};

const isJson = (mime: string) => mime === "application/json" || mime.endsWith("+json");
/** Images sent as base64 text (Jupyter's convention); SVG is text. */
const isBase64Image = (mime: string) => mime.startsWith("image/") && mime !== "image/svg+xml";

const encoder = new TextEncoder();

/** One item per MIME type of the bundle, best first, with the bytes VS Code's renderers expect. */
export function bundleToItems(bundle: MimeBundle): OutputItemData[] {
  return Object.keys(bundle)
    .sort((a, b) => rank(a) - rank(b))
    .map((mime) => ({ mime, data: mimeBytes(mime, bundle[mime]) }));
}

export function mimeBytes(mime: string, value: unknown): Uint8Array {
  if (isJson(mime)) return encoder.encode(typeof value === "string" ? value : JSON.stringify(value));
  const text = Array.isArray(value) ? value.join("") : String(value);
  if (isBase64Image(mime)) return new Uint8Array(Buffer.from(text, "base64"));
  return encoder.encode(text);
}

export interface CellError {
  name: string;
  message: string;
  stack?: string;
}

/**
 * A kernel error as VS Code shows it: name, message, and the traceback as the stack. (Its long
 * lines wrap because the extension makes `notebook.output.wordWrap` default to true.)
 */
export function kernelError(e: { ename: string; evalue: string; traceback?: string[] }): CellError {
  const stack = (e.traceback ?? []).join("\n").trim();
  return { name: e.ename, message: e.evalue, stack: stack || undefined };
}
