// `viz.filters(layerOrTensor)`: a conv layer's weights (OC, IC, KH, KW) as tiles. Filters over 3
// input channels (a first layer on RGB images) are drawn as RGB pictures, one per output channel,
// on one shared colour range; otherwise each (output, input) channel pair is a tile on the
// blue-white-red map, each on its own range so that small trained weights are not washed out to
// white (the renderer's "shared range" choice compares strong and weak filters).

import type { ImageGridPayload } from "../display/payloads-viz";
import { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";
import { VizFigure } from "./figure";
import { gridText, imageGridBundle, imageGridPayload } from "./image-grid";

export interface FiltersOptions {
  /** At most this many tiles (default 256). */
  maxTiles?: number;
  /** Draw 3-input-channel filters as RGB (default true). */
  rgb?: boolean;
  title?: string;
}

export function filters(
  layerOrTensor: unknown,
  { maxTiles = 256, rgb = true, title }: FiltersOptions = {},
): VizFigure<ImageGridPayload> {
  let w: unknown = layerOrTensor;
  let name = "";
  if (layerOrTensor instanceof Module) {
    w = (layerOrTensor as unknown as { weight?: unknown }).weight;
    name = layerOrTensor.constructor.name;
    if (!(w instanceof Tensor))
      throw new Error(
        `viz.filters: ${name} has no weight tensor; pass a conv layer such as net.features[0] or a weight tensor`,
      );
  }
  if (!(w instanceof Tensor) || (w.ndim !== 4 && w.ndim !== 3))
    throw new Error(
      `viz.filters: expected a conv layer or a weight tensor (OC, IC, KH, KW), got ${w instanceof Tensor ? `shape [${w.shape.join(", ")}]` : typeof w}`,
    );
  const shape = w.ndim === 3 ? [w.shape[0], 1, w.shape[1], w.shape[2]] : [...w.shape];
  const [OC, IC, KH, KW] = shape;
  const v = w.detach().contiguous().storage;
  const label = title ?? `${name ? `${name} ` : ""}filters [${w.shape.join(", ")}]`;
  if (rgb && IC === 3) {
    const n = Math.min(OC, maxTiles);
    const p = imageGridPayload(new Float32Array(v.subarray(0, n * 3 * KH * KW)), [n, 3, KH, KW], {
      kind: "filters",
      title: label,
      normalize: "shared",
      tileLabels: Array.from({ length: n }, (_, o) => `filter ${o}`),
    });
    return new VizFigure(p, () => imageGridBundle(p), gridText(p));
  }
  const n = Math.min(OC * IC, maxTiles);
  const p = imageGridPayload(new Float32Array(v.subarray(0, n * KH * KW)), [n, 1, KH, KW], {
    kind: "filters",
    title: n < OC * IC ? `${label}, first ${n} of ${OC * IC}` : label,
    normalize: "perChannel",
    colormap: "auto",
    tileLabels: Array.from({ length: n }, (_, k) =>
      IC === 1 ? `filter ${k}` : `${Math.floor(k / IC)}/${k % IC}`,
    ),
  });
  return new VizFigure(p, () => imageGridBundle(p), gridText(p));
}
