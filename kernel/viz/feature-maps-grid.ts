// One layer output (N, C, H, W) as an image grid: batch item 0's channels, one tile each.

import type { ImageGridPayload } from "../display/payloads-viz";
import type { Tensor } from "../engine/tensor/tensor";
import { imageGridPayload } from "./image-grid";

export const DEFAULT_MAX_CHANNELS = 64;

/** Channels 0..maxChannels-1 of batch item 0 of `maps` (N, C, H, W) as tiles (C', 1, H, W). */
export function featureMapGrid(
  maps: Tensor,
  layer: string,
  { maxChannels = DEFAULT_MAX_CHANNELS, type }: { maxChannels?: number; type?: string } = {},
): ImageGridPayload {
  const [, C, H, W] = maps.shape;
  const shown = Math.max(1, Math.min(C, maxChannels));
  const values = maps.contiguous().storage.subarray(0, shown * H * W); // (shown, H, W) of item 0
  return imageGridPayload(new Float32Array(values), [shown, 1, H, W], {
    kind: "featureMaps",
    layer,
    title: `${type ? `${type} ` : ""}${layer}${shown < C ? ` (first ${shown} of ${C} channels)` : ""}`,
    normalize: "perChannel",
    colormap: "auto",
  });
}
