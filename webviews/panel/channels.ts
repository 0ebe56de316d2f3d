// Pure helpers of the activation explorer: one channel's feature map and the filters that made it,
// cut out of the layer's full payloads, as image-grid payloads the grid view draws; layer labels.

import type { ImageGridPayload } from "../../kernel/display/payloads-viz";
import { decodeNumeric } from "../lib/packed";
import type { ExploreResult } from "./messages";

export function channelCount(r: ExploreResult): number {
  return r.featureMaps.shape[0];
}

export function clampChannel(c: number, count: number): number {
  return Math.min(Math.max(0, Math.round(Number.isFinite(c) ? c : 0)), Math.max(0, count - 1));
}

function tiles(p: ImageGridPayload, first: number, count: number): number[] {
  const [N, C, H, W] = p.shape;
  const values = decodeNumeric(p.data, N * C * H * W, p.title ?? p.kind);
  return Array.from(values.subarray(first * C * H * W, (first + count) * C * H * W));
}

/** Channel `c` of the feature maps, as a one-tile grid. */
export function featureMapOf(r: ExploreResult, c: number): ImageGridPayload {
  const [, C, H, W] = r.featureMaps.shape;
  return {
    ...r.featureMaps,
    title: `channel ${c}`,
    shape: [1, C, H, W],
    data: tiles(r.featureMaps, c, 1),
    tileLabels: [`ch ${c}`],
  };
}

/** The IC filters of output channel `c` (one tile per input channel), or undefined without filters. */
export function filtersOf(r: ExploreResult, c: number): ImageGridPayload | undefined {
  if (!r.filters || !r.filterShape) return undefined;
  const [OC, IC] = r.filterShape;
  if (c >= OC) return undefined;
  const [, C, KH, KW] = r.filters.shape;
  return {
    ...r.filters,
    title: `filters of channel ${c}`,
    shape: [IC, C, KH, KW],
    data: tiles(r.filters, c * IC, IC),
    tileLabels: Array.from({ length: IC }, (_, i) => `in ${i}`),
  };
}

/** "layer 3 (Conv2d)" for a Sequential's numbered layers (a bare "3" reads as a count), else "features.0 (Conv2d)". */
export function layerLabel(name: string, type?: string): string {
  return `${/^\d/.test(name) ? "layer " : ""}${name}${type ? ` (${type})` : ""}`;
}
