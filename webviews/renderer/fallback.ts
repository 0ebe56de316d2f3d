// When a view throws, show the output's other representations instead of nothing: its image/png,
// else its text/html, else just the error line. The sibling items come from VS Code's
// `_allOutputItems` (proposed API, present in current VS Code); without it only the error shows.

import type { OutputItem } from "vscode-notebook-renderer";
import { el } from "./dom";

export interface SiblingItems {
  readonly _allOutputItems?: ReadonlyArray<{ mime: string; getItem(): Promise<OutputItem | undefined> }>;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

async function sibling(item: OutputItem & SiblingItems, mime: string): Promise<OutputItem | undefined> {
  const entry = item._allOutputItems?.find((o) => o.mime === mime);
  return entry ? entry.getItem() : undefined;
}

/** PNG output data is raw bytes in VS Code and base64 text in .ipynb JSON: accept both. */
function pngSource(png: OutputItem): string {
  const bytes = png.data();
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b))
    return URL.createObjectURL(new Blob([bytes.slice()], { type: "image/png" }));
  const text = png.text().replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(text)) throw new Error("image/png is neither PNG bytes nor base64");
  return `data:image/png;base64,${text}`;
}

interface TrustedTypesLike {
  createPolicy(name: string, rules: { createHTML(s: string): string }): { createHTML(s: string): unknown };
}
let policy: { createHTML(s: string): unknown } | null | undefined;

/**
 * The HTML as a TrustedHTML where the page enforces Trusted Types (VS Code's preload creates its
 * own policy the same way); the plain string elsewhere. The HTML is the kernel's own fallback.
 */
function trustedHtml(html: string): unknown {
  if (policy === undefined) {
    const tt = (globalThis as { trustedTypes?: TrustedTypesLike }).trustedTypes;
    try {
      policy = tt ? tt.createPolicy("receptiveRendererFallback", { createHTML: (s) => s }) : null;
    } catch {
      policy = null; // the page allows no new policy: fall back to the string
    }
  }
  return policy ? policy.createHTML(html) : html;
}

export async function showFallback(
  item: OutputItem & SiblingItems,
  element: HTMLElement,
  error: unknown,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const box = el("div", { class: "rcp rcp-fallback", "data-fallback": "error" });
  box.append(el("div", { class: "rcp-error rcp-muted" }, `Receptive could not draw this output: ${message}`));
  element.replaceChildren(box);
  try {
    const png = await sibling(item, "image/png");
    if (png) {
      const src = pngSource(png);
      const img = el("img", { src, alt: "output image (fallback)" });
      if (src.startsWith("blob:"))
        img.addEventListener("load", () => URL.revokeObjectURL(src), { once: true });
      box.append(img);
      box.dataset.fallback = "image/png";
      return;
    }
    const html = await sibling(item, "text/html");
    if (html) {
      const div = el("div");
      div.innerHTML = trustedHtml(html.text()) as string;
      box.append(div);
      box.dataset.fallback = "text/html";
    }
  } catch (e) {
    box.append(
      el(
        "div",
        { class: "rcp-error" },
        `(the fallback failed too: ${e instanceof Error ? e.message : String(e)})`,
      ),
    );
  }
}
