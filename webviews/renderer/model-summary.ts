// Model summary table (the payload of `summary(model, inputShape)`): the layer tree (containers
// fold), output shapes, parameters, receptive field (size, jump, start), mult-adds and memory, and
// torchinfo's totals. With messaging, clicking a layer asks the kernel for its feature maps on the
// last input ({type: "featureMaps", layer, modelId}) and shows the grid the kernel sends back.

import type { FeatureMapsReply, ModelSummaryPayload, SummaryLayer } from "../../kernel/display/payloads-viz";
import { formatBytes, formatCompact, formatInt, formatShape } from "../lib/format";
import { gridModel } from "../lib/grid-payload";
import {
  featureMapLayers,
  formatReceptiveField,
  layerTree,
  type TreeRow,
  visibleRows,
} from "../lib/summary-tree";
import { el } from "./dom";
import { mountImageGrid } from "./image-grid";
import type { View, ViewHost } from "./view";

function check(p: ModelSummaryPayload): void {
  if (p === null || typeof p !== "object") throw new Error("model summary: payload is not an object");
  if (p.version !== 1)
    throw new Error(
      `model summary: unsupported version ${JSON.stringify(p.version)} (this renderer reads 1)`,
    );
  if (!Array.isArray(p.layers) || typeof p.totals !== "object" || p.totals === null) {
    throw new Error("model summary: payload needs layers and totals");
  }
  for (const l of p.layers) {
    if (typeof l?.name !== "string" || typeof l.type !== "string" || !Array.isArray(l.outputShape)) {
      throw new Error(
        `model summary: every layer needs a name, a type and an output shape, got ${JSON.stringify(l)}`,
      );
    }
  }
}

const HEADERS = ["Layer", "Output shape", "Params", "Receptive field", "Mult-adds", "Memory"];

const shapeText = (s: SummaryLayer["outputShape"]) =>
  Array.isArray(s[0]) ? (s as number[][]).map(formatShape).join(", ") : formatShape(s as number[]);

/** Parameters as the table shows them: trainable + (frozen), "(recursive)" for a module called again. */
function paramsText(l: SummaryLayer): string {
  if (l.isRecursive && l.params > 0) return "(recursive)";
  if (l.params === 0) return "–";
  const frozen = l.frozenParams ?? l.params - l.trainableParams;
  if (frozen === 0) return formatInt(l.params);
  if (l.trainableParams === 0) return `(${formatInt(l.params)})`;
  return `${formatInt(l.trainableParams)} + (${formatInt(frozen)})`;
}

export function modelSummaryView(payload: unknown, host: ViewHost): View {
  const p = payload as ModelSummaryPayload;
  check(p);
  const rows = layerTree(p.layers);
  const folded = new Set<number>();
  const askable = host.postMessage ? featureMapLayers(p) : new Set<string>();
  const t = p.totals;

  const tbody = el("tbody");
  const total = (label: string, value: string) =>
    el(
      "tr",
      {},
      el("th", { scope: "row", colspan: 2, style: "text-align:left" }, label),
      el("td", { colspan: 4, style: "text-align:left" }, value),
    );
  const table = el(
    "table",
    {},
    el(
      "caption",
      { class: "rcp-title", style: "text-align:left" },
      `${p.model} · input ${p.inputShapes.map(formatShape).join(", ")}`,
    ),
    el("thead", {}, el("tr", {}, ...HEADERS.map((h) => el("th", { scope: "col" }, h)))),
    tbody,
    el(
      "tfoot",
      { class: "rcp-totals" },
      total("Total params", formatInt(t.totalParams)),
      total("Trainable params", formatInt(t.trainableParams)),
      total("Non-trainable params", formatInt(t.nonTrainableParams)),
      total("Total mult-adds", `${formatCompact(t.totalMultAdds)} (${formatInt(t.totalMultAdds)})`),
      total("Input size", formatBytes(t.inputBytes)),
      total("Forward/backward pass size", formatBytes(t.forwardBackwardBytes)),
      total("Params size", formatBytes(t.paramsBytes)),
      total("Estimated total size", formatBytes(t.totalBytes)),
    ),
  );
  const status = el("div", { class: "rcp-muted rcp-status", "aria-live": "polite" });
  const maps = el("div", { class: "rcp-maps" });
  const root = el(
    "div",
    { class: "rcp rcp-summary" },
    table,
    el(
      "div",
      { class: "rcp-muted" },
      "Receptive field: size, jump and start (centre of the first unit) in input pixels.",
    ),
    status,
    maps,
  );
  if (askable.size > 0) status.textContent = "Click a layer to see its feature maps for the last input.";
  host.element.append(root);

  let asked: string | null = null;
  function ask(layer: string, sample = false) {
    asked = layer;
    status.classList.remove("rcp-error");
    status.textContent = `Asking the kernel for the feature maps of ${layer}${sample ? " on a sample image" : ""}…`;
    // modelId tells the kernel which model this table shows (older payloads have none).
    host.postMessage?.({
      type: "featureMaps",
      layer,
      ...(p.modelId ? { modelId: p.modelId } : {}),
      ...(sample ? { sample } : {}),
    });
  }

  function row(r: TreeRow): HTMLTableRowElement {
    const L = r.layer;
    const last = L.name.split(".").pop();
    const label = `${L.type}${L.depth > 0 && last ? ` (${last})` : ""}`;
    const nameCell = el("td", { style: `padding-left:${8 + 16 * L.depth}px` });
    if (r.hasChildren) {
      const open = !folded.has(r.index);
      nameCell.append(
        el(
          "button",
          {
            class: "rcp-fold",
            "aria-expanded": String(open),
            "aria-label": `${open ? "fold" : "unfold"} ${L.name || p.model}`,
            "data-row": r.index,
            onclick: () => {
              if (folded.has(r.index)) folded.delete(r.index);
              else folded.add(r.index);
              draw();
              // the row was redrawn: keep keyboard focus on its (new) fold button
              tbody.querySelector<HTMLButtonElement>(`.rcp-fold[data-row="${r.index}"]`)?.focus();
            },
          },
          open ? "▾" : "▸",
        ),
      );
    }
    if (askable.has(L.name)) {
      nameCell.append(
        el(
          "button",
          {
            class: "rcp-layer",
            "data-layer": L.name,
            title: `show the feature maps of ${L.name}`,
            onclick: () => ask(L.name),
          },
          label,
        ),
      );
    } else nameCell.append(label);
    const container = !L.isLeaf;
    return el(
      "tr",
      { "data-layer": L.name, class: container ? "rcp-container" : undefined },
      nameCell,
      el("td", { class: "rcp-mono" }, shapeText(L.outputShape)),
      el(
        "td",
        { class: container ? "rcp-muted" : undefined, title: `${formatInt(L.trainableParams)} trainable` },
        paramsText(L),
      ),
      el("td", {}, formatReceptiveField(L.receptiveField)),
      el(
        "td",
        { class: container ? "rcp-muted" : undefined, title: formatInt(L.multAdds) },
        L.multAdds > 0 ? formatCompact(L.multAdds) : "–",
      ),
      el("td", {}, L.memoryBytes > 0 ? formatBytes(L.memoryBytes) : "–"),
    );
  }
  function draw() {
    tbody.replaceChildren(...visibleRows(rows, folded).map(row));
  }
  draw();

  const unsubscribe = host.onMessage?.((message) => {
    const m = message as FeatureMapsReply;
    if (m === null || typeof m !== "object" || m.type !== "featureMaps" || m.layer !== asked) return;
    maps.replaceChildren();
    if (m.error !== undefined || m.grid === undefined) {
      status.textContent = `The kernel could not send the feature maps of ${m.layer}: ${m.error ?? "no maps in the reply"}`;
      status.classList.add("rcp-error");
      // Nothing has gone through the model yet: offer a sample image of the summary's input shape.
      if (m.canSample) {
        const layer = m.layer;
        status.append(
          " ",
          el(
            "button",
            { class: "rcp-primary rcp-sample", onclick: () => ask(layer, true) },
            "Run a sample image through it",
          ),
        );
      }
      return;
    }
    status.textContent =
      m.input === "sample"
        ? `Feature maps of ${m.layer} for a sample image (a bright square on a dark ground; no input has gone through the model yet):`
        : `Feature maps of ${m.layer} for the last input:`;
    try {
      mountImageGrid(gridModel({ ...m.grid, layer: m.grid.layer ?? m.layer }), maps);
    } catch (e) {
      status.textContent = `The feature maps of ${m.layer} could not be drawn: ${e instanceof Error ? e.message : String(e)}`;
      status.classList.add("rcp-error");
    }
  });
  return {
    dispose() {
      unsubscribe?.();
      root.remove();
    },
  };
}
