// How the ONNX objects show themselves in a notebook: a session as its provider, inputs and
// outputs (and why a provider asked for could not run); an imported model whose input has fixed
// sizes apart from the batch as its summary table (layer types are the op types), other imported
// models as modules do; a compiled model as its module's display under a line naming the provider.

import { toMimeBundle } from "../display/mime";
import type { MimeBundle } from "../display/schema";
import { summary } from "../engine/nn/summary";
import type { CompiledModel } from "../engine/onnx/compile";
import type { OnnxModel } from "../engine/onnx/import/graph";
import type { InferenceSession } from "../engine/onnx/session";
import { escapeHtml } from "./html";
import { moduleBundle } from "./module-display";
import { summaryBundle } from "./summary-display";

export function sessionBundle(s: InferenceSession): MimeBundle {
  const rows = (kind: string, vs: InferenceSession["inputs"]) =>
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

export function onnxModelBundle(m: OnnxModel): MimeBundle {
  const shape = m.graphInputs.length === 1 ? m.graphInputs[0].shape : null;
  if (shape !== null && shape.length > 0 && shape.slice(1).every((d) => typeof d === "number")) {
    try {
      return {
        ...summaryBundle(summary(m, [1, ...(shape.slice(1) as number[])])),
        "text/plain": m.toString(),
      };
    } catch {
      // a graph the shape-only pass cannot run: show it as modules show
    }
  }
  return moduleBundle(m);
}

/** A compiled model: the provider line above its module's own display. */
export function compiledBundle(c: CompiledModel): MimeBundle {
  const own = toMimeBundle(c.module);
  const text = c.toString();
  const line = `through ONNX Runtime (${c.providerName ?? "exported on the first call"})`;
  const html = typeof own["text/html"] === "string" ? own["text/html"] : `<pre>${escapeHtml(text)}</pre>`;
  return { ...own, "text/plain": text, "text/html": `<div><b>Compiled</b> ${escapeHtml(line)}</div>${html}` };
}
