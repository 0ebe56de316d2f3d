// Tensors (`application/vnd.receptive.tensor+json`): a header with shape, dtype, autograd and
// statistics, then the values as an image grid (last two dims; leading dims become tiles) or, for
// 0-D and 1-D tensors, as a row of numbers. Truncated payloads show the whole tiles they hold.

import type { TensorPayload } from "../../kernel/display/schema";
import { formatInt, formatShape, formatValue } from "../lib/format";
import { gridModel } from "../lib/grid-payload";
import { el } from "./dom";
import { mountImageGrid } from "./image-grid";
import type { View, ViewHost } from "./view";

function check(p: TensorPayload): void {
  if (p === null || typeof p !== "object") throw new Error("tensor: payload is not an object");
  if (p.version !== 1)
    throw new Error(`tensor: unsupported version ${JSON.stringify(p.version)} (this renderer reads 1)`);
  if (!Array.isArray(p.shape) || !Array.isArray(p.values) || typeof p.stats !== "object") {
    throw new Error("tensor: payload needs shape, values and stats");
  }
}

export function tensorView(payload: unknown, host: ViewHost): View {
  const p = payload as TensorPayload;
  check(p);
  const numel = p.shape.reduce((a, b) => a * b, 1);
  const root = el("div", { class: "rcp rcp-tensor" });
  const grad = p.requiresGrad ? ` · requiresGrad${p.gradFn ? ` · gradFn ${p.gradFn}` : ""}` : "";
  const s = p.stats;
  root.append(
    el("div", { class: "rcp-title rcp-mono" }, `Tensor ${formatShape(p.shape)} ${p.dtype}${grad}`),
    el(
      "div",
      { class: "rcp-muted rcp-mono" },
      `min ${formatValue(s.min ?? Number.NaN)} · max ${formatValue(s.max ?? Number.NaN)} · mean ${formatValue(s.mean ?? Number.NaN)} · std ${formatValue(s.std ?? Number.NaN)}`,
    ),
  );
  host.element.append(root);
  if (p.shape.length >= 2 && numel > 0) {
    const H = p.shape[p.shape.length - 2];
    const W = p.shape[p.shape.length - 1];
    const tiles = numel / (H * W);
    const whole = p.truncated ? Math.floor(p.values.length / (H * W)) : tiles;
    if (whole < tiles) {
      root.append(
        el(
          "div",
          { class: "rcp-muted" },
          `Showing ${formatInt(whole)} of ${formatInt(tiles)} maps: the payload holds the first ${formatInt(p.values.length)} of ${formatInt(numel)} values.`,
        ),
      );
    }
    if (whole > 0) {
      const model = gridModel({
        version: 1,
        kind: "tensor",
        shape: [whole, 1, H, W],
        data: p.values.slice(0, whole * H * W),
        normalize: "shared",
        tileLabels: tiles > 1 ? Array.from({ length: whole }, (_, k) => tileIndexLabel(p.shape, k)) : [""],
      });
      mountImageGrid(model, root);
    }
  } else {
    const shown = p.values.slice(0, 100).map((v) => (v === null ? "NaN" : formatValue(v)));
    const more = numel > shown.length ? `, … (${formatInt(numel - shown.length)} more)` : "";
    root.append(
      el(
        "div",
        { class: "rcp-mono rcp-values" },
        p.shape.length === 0 ? (shown[0] ?? "") : `[${shown.join(", ")}${more}]`,
      ),
    );
  }
  return { dispose: () => root.remove() };
}

/** The index of tile k in the leading dims: [0, 3] for the 4th channel of the first image. */
function tileIndexLabel(shape: number[], k: number): string {
  const lead = shape.slice(0, -2);
  const idx: number[] = [];
  for (let d = lead.length - 1; d >= 0; d--) {
    idx.unshift(k % lead[d]);
    k = Math.floor(k / lead[d]);
  }
  return `[${idx.join(", ")}]`;
}
