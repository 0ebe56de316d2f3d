// The model-summary layer list as a tree: which rows have children (and can fold), which rows are
// visible when some are folded, and the receptive field written the way the lecture writes it.

import type { ModelSummaryPayload, SummaryLayer } from "../../kernel/display/payloads-viz";

export interface TreeRow {
  layer: SummaryLayer;
  index: number;
  /** Index of the parent row, -1 for top-level layers. */
  parent: number;
  hasChildren: boolean;
}

export function layerTree(layers: SummaryLayer[]): TreeRow[] {
  const stack: number[] = [];
  return layers.map((layer, index) => {
    if (!Number.isInteger(layer.depth) || layer.depth < 0) {
      throw new Error(`model summary: layer ${JSON.stringify(layer.name)} has depth ${layer.depth}`);
    }
    while (stack.length > layer.depth) stack.pop();
    const parent = stack.length > 0 ? stack[stack.length - 1] : -1;
    stack.push(index);
    const next = layers[index + 1];
    return { layer, index, parent, hasChildren: next !== undefined && next.depth > layer.depth };
  });
}

/** Rows not hidden under a folded ancestor. */
export function visibleRows(rows: TreeRow[], folded: ReadonlySet<number>): TreeRow[] {
  const hidden = new Set<number>();
  for (const row of rows)
    if (row.parent >= 0 && (folded.has(row.parent) || hidden.has(row.parent))) hidden.add(row.index);
  return rows.filter((r) => !hidden.has(r.index));
}

/** One number when every spatial dim agrees, else "5x3". */
const dims = (v: number[]) => (v.every((x) => x === v[0]) ? String(v[0]) : v.join("x"));

/** "5 (jump 1, start 0.5)", "global" or "–" */
export function formatReceptiveField(rf: SummaryLayer["receptiveField"]): string {
  if (rf === null || rf === undefined) return "–";
  if (rf === "global") return "global";
  return `${dims(rf.size)} (jump ${dims(rf.jump)}, start ${dims(rf.start)})`;
}

/** The layers a click can ask feature maps of: the payload's list, else every 4-D output but the model's. */
export function featureMapLayers(p: ModelSummaryPayload): Set<string> {
  if (p.featureMapLayers) return new Set(p.featureMapLayers);
  return new Set(
    p.layers
      .filter((l) => l.depth > 0 && !Array.isArray(l.outputShape[0]) && l.outputShape.length === 4)
      .map((l) => l.name),
  );
}
