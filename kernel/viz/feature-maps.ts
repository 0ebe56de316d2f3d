// `viz.featureMaps(model, input, {layer})`: what one layer of a model makes of an input. A forward
// hook on the layer captures its output (eval mode, no gradients) and batch item 0's channels
// become tiles, each on its own colour range. The model is registered for the renderer's
// feature-map requests, with this input as its last one.

import type { ImageGridPayload } from "../display/payloads-viz";
import type { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";
import { registerModel } from "./feature-map-requests";
import { featureMapGrid } from "./feature-maps-grid";
import { VizFigure } from "./figure";
import { gridText, imageGridBundle } from "./image-grid";
import { as4d, layerOutput, resolveLayer } from "./layer-output";

export interface FeatureMapsOptions {
  /** Dotted name ("features.3") or the layer module itself. */
  layer: string | Module;
  /** Channels shown (default 64). */
  maxChannels?: number;
}

export class FeatureMapsFigure extends VizFigure<ImageGridPayload> {
  constructor(
    payload: ImageGridPayload,
    /** The layer's whole output (N, C, H, W). */
    readonly maps: Tensor,
  ) {
    super(payload, () => imageGridBundle(payload), gridText(payload));
  }
}

export function featureMaps(model: Module, input: Tensor, options: FeatureMapsOptions): FeatureMapsFigure {
  if (model === null || typeof model !== "object" || typeof (model as Module).forward !== "function")
    throw new TypeError("viz.featureMaps: the first argument must be an nn.Module");
  if (!(input instanceof Tensor))
    throw new TypeError("viz.featureMaps: input must be a tensor such as x of shape (1, 1, 28, 28)");
  if (options === undefined || options.layer === undefined)
    throw new Error(
      `viz.featureMaps: say which layer, e.g. viz.featureMaps(model, x, { layer: "features.0" })`,
    );
  const { name, module } = resolveLayer(model, options.layer, "viz.featureMaps");
  registerModel(model, input);
  const out = layerOutput(model, input, module);
  if (out === undefined)
    throw new Error(`viz.featureMaps: layer "${name}" did not run in ${model.constructor.name}'s forward`);
  const maps = as4d(out, name);
  if (typeof maps === "string") throw new Error(`viz.featureMaps: ${maps}`);
  const p = featureMapGrid(maps, name, { maxChannels: options.maxChannels, type: module.constructor.name });
  return new FeatureMapsFigure(p, maps);
}
