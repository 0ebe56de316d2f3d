// How a module shows itself in a notebook: its summary (layer table, shapes, parameters,
// receptive fields; clickable feature maps) when an input shape is known (the last input its
// forward saw, or a first Linear layer's inFeatures), with PyTorch's module tree as text/plain.
// Without a known input shape: the tree, and how to get the table.

import type { MimeBundle } from "../display/schema";
import type { Module } from "../engine/nn/module";
import { summary } from "../engine/nn/summary";
import { lastInputOf, registerModel } from "./feature-map-requests";
import { escapeHtml } from "./html";
import { summaryBundle } from "./summary-display";

/** An input shape (batch 1) the model is known to take, if any. */
function knownInputShape(model: Module): number[] | undefined {
  const last = lastInputOf(model);
  if (last !== null) return [...last.shape];
  // The first module with parameters, in registration order.
  const first = model.modules().find((m) => m.namedParameters({ recurse: false }).length > 0);
  const inFeatures = (first as { inFeatures?: unknown } | undefined)?.inFeatures;
  if (first?.constructor.name === "Linear" && typeof inFeatures === "number") return [1, inFeatures];
  return undefined;
}

export function moduleBundle(model: Module): MimeBundle {
  const tree = model.toString();
  registerModel(model); // from now on its last input is kept, for feature maps and the next display
  const shape = knownInputShape(model);
  if (shape !== undefined) {
    try {
      return { ...summaryBundle(summary(model, shape)), "text/plain": tree };
    } catch {
      // a model whose forward does not take this shape: show the tree
    }
  }
  const hint = `summary(model, [1, C, H, W]) shows the layer table; after model.forward(x) it appears here too.`;
  return {
    "text/html": `<pre>${escapeHtml(tree)}</pre><div style="font-size:smaller;color:#666">${escapeHtml(hint)}</div>`,
    "text/plain": tree,
  };
}
