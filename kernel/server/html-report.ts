// `receptive run --html report.html`: an executed notebook as one self-contained HTML page. Code
// cells (escaped), streams, errors and rich outputs, drawn from the bundles' fallbacks (image/png,
// image/svg+xml, text/html) and never from Receptive's JSON payloads, which only our renderers read.
// Inline CSS and a Content-Security-Policy that allows no remote resources and no scripts.

import type { MimeBundle } from "../display/schema";
import { sanitizeHtml } from "./html-sanitize";
import { cellSource, type Notebook, type NotebookOutput } from "./notebook-file";

const CSS = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #1f2328; }
header { border-bottom: 1px solid #d0d7de; margin-bottom: 1.5em; }
header p { color: #57606a; margin-top: 0; }
.cell { margin: 1.2em 0; }
.prompt { color: #57606a; font: 12px ui-monospace, monospace; }
pre { margin: 0.3em 0; padding: 0.6em 0.8em; overflow-x: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre-wrap; }
pre.source { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; }
pre.stderr { background: #fff8e6; }
pre.error { background: #ffebe9; color: #82071e; border-left: 3px solid #cf222e; }
.output { margin: 0.3em 0 0.3em 1em; }
.output img { max-width: 100%; image-rendering: pixelated; }
.output table { border-collapse: collapse; font: 12px ui-monospace, monospace; }
.output td, .output th { border: 1px solid #d0d7de; padding: 2px 6px; text-align: right; }
.markdown h1, .markdown h2, .markdown h3 { margin: 0.8em 0 0.3em; }
code { background: #f6f8fa; padding: 0 3px; border-radius: 3px; }
`;

// NOTE: img-src allows data: only, so a picture can never come from the network; form-action and
// base-uri do not fall back to default-src, so they are named. Chromium has no CSP for navigation
// (navigate-to), so a cell's HTML is also sanitised (html-sanitize.ts): no <meta> refresh, no <base>,
// no forms; links open in a new tab only when clicked.
const CSP =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'";

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** nbformat stores multi-line strings either whole or as a list of lines. */
function joined(text: unknown): string {
  return Array.isArray(text) ? text.join("") : String(text ?? "");
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g"); // colour codes in tracebacks

/** A small Markdown subset: headings, paragraphs, `code`, **bold** and *italics*. */
export function markdownToHtml(md: string): string {
  const inline = (s: string) =>
    escapeHtml(s)
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/\*([^*]+)\*/g, "<em>$1</em>");
  const html: string[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) html.push(`<p>${paragraph.map(inline).join("\n")}</p>`);
    paragraph = [];
  };
  for (const line of md.split("\n")) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading || line.trim() === "") endParagraph();
    if (heading) html.push(`<h${heading[1].length}>${inline(heading[2])}</h${heading[1].length}>`);
    else if (line.trim() !== "") paragraph.push(line);
  }
  endParagraph();
  return html.join("\n");
}

/**
 * One rich output as HTML: its picture (PNG, else SVG), then its HTML, sanitised (tables read well
 * beside the picture); only the HTML when it draws the picture itself (an <img> or <svg>: image
 * grids with captions, curves); Markdown or plain text when it has neither.
 */
export function bundleToHtml(data: MimeBundle): string {
  const parts: string[] = [];
  const html = data["text/html"] === undefined ? undefined : sanitizeHtml(joined(data["text/html"]));
  const drawsItself = html !== undefined && /<(img|svg)[\s>]/.test(html);
  const png = data["image/png"];
  const svg = data["image/svg+xml"];
  if (drawsItself) {
    // the HTML has the picture already
  } else if (png !== undefined) {
    parts.push(`<img alt="output" src="data:image/png;base64,${joined(png).replace(/\s/g, "")}">`);
  } else if (svg !== undefined) {
    const b64 = Buffer.from(joined(svg), "utf8").toString("base64");
    parts.push(`<img alt="output" src="data:image/svg+xml;base64,${b64}">`);
  }
  if (html !== undefined) parts.push(`<div>${html}</div>`);
  if (parts.length === 0 && data["text/markdown"] !== undefined) {
    parts.push(`<div class="markdown">${markdownToHtml(joined(data["text/markdown"]))}</div>`);
  }
  if (parts.length === 0 && data["text/plain"] !== undefined) {
    parts.push(`<pre>${escapeHtml(joined(data["text/plain"]))}</pre>`);
  }
  return parts.join("\n");
}

function outputToHtml(out: NotebookOutput): string {
  switch (out.output_type) {
    case "stream":
      return `<pre class="${out.name}">${escapeHtml(joined(out.text))}</pre>`;
    case "error": {
      const tb = out.traceback.length > 0 ? out.traceback.join("\n") : `${out.ename}: ${out.evalue}`;
      const text = tb.includes(out.evalue) ? tb : `${out.ename}: ${out.evalue}\n${tb}`;
      return `<pre class="error">${escapeHtml(text.replace(ANSI, ""))}</pre>`;
    }
    default:
      return bundleToHtml(out.data);
  }
}

/** The whole report; `title` is usually the notebook's file name. */
export function notebookToHtml(nb: Notebook, title: string, when = new Date()): string {
  const cells = nb.cells.map((cell) => {
    const src = cellSource(cell);
    if (cell.cell_type === "markdown")
      return `<section class="cell markdown">${markdownToHtml(src)}</section>`;
    if (cell.cell_type !== "code") return `<section class="cell"><pre>${escapeHtml(src)}</pre></section>`;
    const count = cell.execution_count ?? " ";
    const outputs = (cell.outputs ?? []).map((o) => `<div class="output">${outputToHtml(o)}</div>`);
    return [
      '<section class="cell code">',
      `<div class="prompt">In [${count}]:</div>`,
      `<pre class="source"><code>${escapeHtml(src)}</code></pre>`,
      ...outputs,
      "</section>",
    ].join("\n");
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><p>Executed by Receptive on ${when.toISOString()}</p></header>
${cells.join("\n")}
</body>
</html>
`;
}
