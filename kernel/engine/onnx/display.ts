// How onnx objects show themselves in a notebook (Symbol.for("Jupyter.display")): a session as its
// provider, inputs and outputs (and why a provider asked for could not run); a compiled model as
// its module plus the provider. Kept to this file: plain HTML, no display-layer code.

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export interface SessionView {
  source: string;
  provider: string;
  fallbacks: readonly string[];
  inputs: readonly { name: string; type: string; shape: readonly (number | string)[] }[];
  outputs: readonly { name: string; type: string; shape: readonly (number | string)[] }[];
  toString(): string;
}

export function sessionBundle(s: SessionView): Record<string, string> {
  const rows = (kind: string, vs: SessionView["inputs"]) =>
    vs
      .map(
        (v) =>
          `<tr><td>${kind}</td><td><code>${escapeHtml(v.name)}</code></td><td>${v.type}</td><td>[${v.shape.map((d) => escapeHtml(String(d))).join(", ")}]</td></tr>`,
      )
      .join("");
  const notes = s.fallbacks.map((f) => `<div style="color:#a15c00">${escapeHtml(f)}</div>`).join("");
  return {
    "text/plain": s.toString(),
    "text/html":
      `<div><b>InferenceSession</b> ${escapeHtml(s.source)} on <b>${escapeHtml(s.provider)}</b>${notes}` +
      `<table><tr><th></th><th>name</th><th>type</th><th>shape</th></tr>${rows("input", s.inputs)}${rows("output", s.outputs)}</table></div>`,
  };
}

/** A compiled model: the provider line above the module's own display. */
export function compiledBundle(
  provider: string | null,
  moduleBundle: Record<string, unknown>,
  text: string,
): Record<string, unknown> {
  const line = `through ONNX Runtime (${provider ?? "exported on the first call"})`;
  const html =
    typeof moduleBundle["text/html"] === "string"
      ? (moduleBundle["text/html"] as string)
      : `<pre>${escapeHtml(text)}</pre>`;
  return {
    ...moduleBundle,
    "text/plain": text,
    "text/html": `<div><b>Compiled</b> ${escapeHtml(line)}</div>${html}`,
  };
}
