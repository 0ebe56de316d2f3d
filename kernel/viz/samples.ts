// `viz.samples(datasetOrBatch, {labels, predictions, classNames, n})`: a labelled grid of images,
// from a Dataset or DataLoader (the first n samples), a batch [x, y] or images (N, C, H, W). With
// predictions (class indices, logits, or a `model` to run), each tile is captioned with the
// prediction and misclassified ones are highlighted (red frame; `onlyWrong` shows only those).

import type { ImageGridPayload } from "../display/payloads-viz";
import { noGrad } from "../engine/autograd/grad-mode";
import type { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";
import { classIndices } from "./class-indices";
import { VizFigure } from "./figure";
import { gridText, imageGridBundle, imageGridPayload } from "./image-grid";

export interface SamplesOptions {
  /** True classes (default: the dataset's or batch's labels). */
  labels?: unknown;
  /** Predicted classes: indices (N), logits (N, K) or a list. */
  predictions?: unknown;
  /** A model to predict with (argmax of its output, eval mode, no gradients). */
  model?: Module;
  /** Class names (default: the dataset's `classes`). */
  classNames?: readonly string[];
  /** How many samples (default 16). */
  n?: number;
  /** Show only the misclassified samples (needs labels and predictions). */
  onlyWrong?: boolean;
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

/** One image as (C, H, W) float values. */
function chw(img: unknown, i: number): { shape: [number, number, number]; values: Float32Array } {
  if (isRaw(img)) {
    const { data, height: H, width: W, channels: C } = img;
    const out = new Float32Array(C * H * W); // (C, H, W) from (H, W, C) bytes
    for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) out[c * H * W + p] = data[p * C + c] / 255;
    return { shape: [C, H, W], values: out };
  }
  if (img instanceof Tensor && (img.ndim === 2 || img.ndim === 3)) {
    const s = img.ndim === 2 ? [1, ...img.shape] : [...img.shape];
    return {
      shape: s as [number, number, number],
      values: img.detach().contiguous().storage.subarray(0, img.numel),
    };
  }
  throw new Error(
    `viz.samples: sample ${i}'s image must be a tensor (C, H, W) or (H, W), got ${img instanceof Tensor ? `shape [${img.shape.join(", ")}]` : typeof img}`,
  );
}

function label(y: unknown): number | undefined {
  if (typeof y === "number") return y;
  if (y instanceof Tensor && y.numel === 1) return y.item();
  return undefined;
}

/** Images (N, C, H, W) and labels from a dataset, a batch [x, y] or an image tensor. */
function collect(source: unknown, n: number): { x: Tensor; labels?: number[]; classes?: readonly string[] } {
  // A DataLoader: its dataset's samples, in order.
  const inner = (source as { dataset?: { get?: unknown } } | null)?.dataset;
  if (inner !== undefined && typeof inner?.get === "function") return collect(inner, n);
  const ds = source as { length?: unknown; get?: unknown; classes?: readonly string[] };
  if (
    source !== null &&
    typeof source === "object" &&
    typeof ds.get === "function" &&
    typeof ds.length === "number"
  ) {
    const count = Math.min(n, ds.length as number);
    const images: { shape: [number, number, number]; values: Float32Array }[] = [];
    const labels: (number | undefined)[] = [];
    for (let i = 0; i < count; i++) {
      const item = (ds.get as (i: number) => unknown).call(source, i);
      const [img, y] = Array.isArray(item) ? item : [item, undefined];
      images.push(chw(img, i));
      labels.push(label(y));
    }
    if (images.length === 0) throw new Error("viz.samples: the dataset is empty");
    const [C, H, W] = images[0].shape;
    images.forEach((im, i) => {
      if (im.shape.join() !== images[0].shape.join())
        throw new Error(
          `viz.samples: sample ${i} has shape [${im.shape.join(", ")}] but sample 0 has [${C}, ${H}, ${W}]; add a transforms.Resize so images share a size`,
        );
    });
    const values = new Float32Array(count * C * H * W); // (N, C, H, W)
    images.forEach((im, i) => {
      values.set(im.values, i * C * H * W);
    });
    return {
      x: new Tensor(values, [count, C, H, W]),
      labels: labels.every((l) => l !== undefined) ? (labels as number[]) : undefined,
      classes: Array.isArray(ds.classes) ? ds.classes : undefined,
    };
  }
  let x: unknown = source;
  let y: unknown;
  if (Array.isArray(source)) [x, y] = source;
  if (!(x instanceof Tensor) || (x.ndim !== 4 && x.ndim !== 3))
    throw new Error(
      "viz.samples: expected a Dataset, a batch [x, y] or images (N, C, H, W); for one image use x.unsqueeze(0)",
    );
  const imgs = x.ndim === 3 ? x.unsqueeze(1) : x;
  const count = Math.min(n, imgs.shape[0]);
  return {
    x: imgs.narrow(0, 0, count).detach().contiguous(),
    labels: y === undefined ? undefined : classIndices(y, "viz.samples", "labels").slice(0, count),
  };
}

export function samples(source: unknown, options: SamplesOptions = {}): VizFigure<ImageGridPayload> {
  const n = options.n ?? 16;
  if (!Number.isInteger(n) || n < 1) throw new Error(`viz.samples: n must be a positive integer, got ${n}`);
  // With onlyWrong, look through more samples to find n misclassified ones.
  const got = collect(source, options.onlyWrong ? Math.max(n, 1024) : n);
  let x = got.x;
  const N = x.shape[0];
  let labels =
    options.labels !== undefined
      ? classIndices(options.labels, "viz.samples", "labels").slice(0, N)
      : got.labels;
  let predictions: number[] | undefined;
  if (options.predictions !== undefined)
    predictions = classIndices(options.predictions, "viz.samples", "predictions").slice(0, N);
  else if (options.model !== undefined) {
    const model = options.model;
    const modes = model.modules().map((m) => m.training);
    try {
      model.eval();
      predictions = classIndices(
        noGrad(() => model.forward(x)),
        "viz.samples",
        "the model's output",
      );
    } finally {
      model.modules().forEach((m, i) => {
        m.training = modes[i];
      });
    }
  }
  for (const [what, list] of [
    ["labels", labels],
    ["predictions", predictions],
  ] as const)
    if (list !== undefined && list.length !== N)
      throw new Error(`viz.samples: ${what} has ${list.length} entries for ${N} images; pass one per image`);
  const [, C, H, W] = x.shape;
  if (C !== 1 && C !== 3)
    throw new Error(
      `viz.samples: images need 1 (grey) or 3 (RGB) channels, got ${C} (shape [${x.shape.join(", ")}])`,
    );
  let index = Array.from({ length: N }, (_, i) => i);
  if (options.onlyWrong) {
    if (labels === undefined || predictions === undefined)
      throw new Error("viz.samples: onlyWrong needs labels and predictions (or a model)");
    index = index.filter((i) => labels?.[i] !== predictions?.[i]);
  }
  index = index.slice(0, n);
  const per = C * H * W;
  const src = x.storage;
  const values = new Float32Array(index.length * per); // (n', C, H, W)
  index.forEach((i, k) => {
    values.set(src.subarray(i * per, (i + 1) * per), k * per);
  });
  x = new Tensor(values, [index.length, C, H, W]);
  labels = labels && index.map((i) => (labels as number[])[i]);
  predictions = predictions && index.map((i) => (predictions as number[])[i]);
  const classNames = options.classNames ?? got.classes;
  const p = imageGridPayload(values, [index.length, C, H, W], {
    kind: "samples",
    title:
      options.title ??
      (predictions && labels
        ? `${index.filter((_, k) => labels?.[k] !== predictions?.[k]).length} of ${index.length} misclassified`
        : `${index.length} samples`),
    normalize: "shared",
    colormap: "grey",
    ...(labels ? { labels } : {}),
    ...(predictions ? { predictions } : {}),
    ...(classNames ? { classNames: [...classNames] } : {}),
  });
  const name = (c: number) => classNames?.[c] ?? String(c);
  const captions = index.map((_, k) => {
    const t = labels?.[k];
    const pr = predictions?.[k];
    if (t !== undefined && pr !== undefined) return pr === t ? name(pr) : `${name(pr)} (true ${name(t)}) ✗`;
    if (t !== undefined) return name(t);
    if (pr !== undefined) return name(pr);
    return `#${k}`;
  });
  return new VizFigure(p, () => imageGridBundle(p, captions), gridText(p));
}
