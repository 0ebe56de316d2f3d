// `viz.augmentations(datasetOrImage, transform, n)`: one image under n random augmentations, as
// an image grid (the original first when it has the augmented images' size), so a student sees
// what a transform pipeline does to the training data before training on it.

import type { ImageGridPayload } from "../display/payloads-viz";
import { Tensor } from "../engine/tensor/tensor";
import { VizFigure } from "./figure";
import { gridText, imageGridBundle, imageGridPayload } from "./image-grid";

export interface AugmentationsOptions {
  /** Which sample of a dataset to show. Default 0. */
  index?: number;
  title?: string;
}

interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

const isRaw = (x: unknown): x is RawImage =>
  x !== null && typeof x === "object" && (x as RawImage).data instanceof Uint8Array && "height" in x;

/** An image (Tensor (C, H, W) / (H, W) or RawImage) as float planes (C, H, W); `what` names it in errors. */
function planes(img: unknown, what: string): { shape: [number, number, number]; values: Float32Array } {
  if (isRaw(img)) {
    const { data, height: H, width: W, channels: C } = img;
    const values = new Float32Array(C * H * W); // (C, H, W) from (H, W, C) bytes
    for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) values[c * H * W + p] = data[p * C + c] / 255;
    return { shape: [C, H, W], values };
  }
  if (img instanceof Tensor && (img.ndim === 2 || img.ndim === 3)) {
    const shape = (img.ndim === 2 ? [1, ...img.shape] : [...img.shape]) as [number, number, number];
    return { shape, values: Float32Array.from(img.detach().contiguous().storage.subarray(0, img.numel)) };
  }
  throw new Error(
    `viz.augmentations: ${what} must be an image, a Tensor (C, H, W) or (H, W) or a RawImage, got ${
      img instanceof Tensor ? `a Tensor of shape [${img.shape.join(", ")}]` : typeof img
    }`,
  );
}

/** The image to augment: sample `index` of a dataset (its first element), or the image itself. */
function pick(source: unknown, index: number): unknown {
  const ds = source as { length?: unknown; get?: unknown };
  if (
    source !== null &&
    typeof source === "object" &&
    typeof ds.get === "function" &&
    typeof ds.length === "number"
  ) {
    if (!Number.isInteger(index) || index < 0 || index >= ds.length)
      throw new Error(
        `viz.augmentations: index ${index} is out of range for a dataset of ${ds.length} samples`,
      );
    const item = (ds.get as (i: number) => unknown).call(source, index);
    return Array.isArray(item) ? item[0] : item;
  }
  return source;
}

/** n augmented copies of one image (with the original first when sizes allow), one tile each. */
export function augmentations(
  source: unknown,
  transform: (img: any) => unknown,
  n = 8,
  options: AugmentationsOptions = {},
): VizFigure<ImageGridPayload> {
  if (typeof transform !== "function")
    throw new Error(
      `viz.augmentations: transform must be a function (e.g. transforms.randomRotation(15)), got ${typeof transform}`,
    );
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`viz.augmentations: n must be a positive integer, got ${n}`);
  const image = pick(source, options.index ?? 0);
  const original = planes(image, "the image");
  const augmented = Array.from({ length: n }, (_, k) =>
    planes(transform(image), `the transform's output ${k}`),
  );
  const [C, H, W] = augmented[0].shape;
  augmented.forEach((a, k) => {
    if (a.shape.join() !== augmented[0].shape.join())
      throw new Error(
        `viz.augmentations: the transform's output ${k} has shape [${a.shape.join(", ")}] but output 0 has [${C}, ${H}, ${W}]; ` +
          "end the transform with a fixed size (transforms.resize or centerCrop) so the tiles share one",
      );
  });
  if (C !== 1 && C !== 3)
    throw new Error(
      `viz.augmentations: images need 1 (grey) or 3 (RGB) channels, got ${C} (shape [${C}, ${H}, ${W}])`,
    );
  const withOriginal = original.shape.join() === augmented[0].shape.join();
  const tiles = withOriginal ? [original, ...augmented] : augmented;
  const values = new Float32Array(tiles.length * C * H * W); // (N, C, H, W)
  tiles.forEach((t, k) => {
    values.set(t.values, k * C * H * W);
  });
  const p = imageGridPayload(values, [tiles.length, C, H, W], {
    kind: "samples",
    title:
      options.title ??
      `${n} random augmentation${n === 1 ? "" : "s"}${withOriginal ? " (the original first)" : ` of a ${original.shape[1]}x${original.shape[2]} image`}`,
    normalize: "shared",
    colormap: "grey",
  });
  const captions = [...(withOriginal ? ["original"] : []), ...augmented.map((_, k) => `#${k + 1}`)];
  return new VizFigure(p, () => imageGridBundle(p, captions), gridText(p));
}
