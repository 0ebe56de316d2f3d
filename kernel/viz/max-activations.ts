// `viz.maxActivations(model, images, { layer, channel })`: the dataset images that excite one
// channel of a layer most (Zeiler & Fergus 2014; Olah et al. 2017 "dataset examples"). Runs the
// images in batches (eval mode, no gradients), scores each image by the channel's mean (or max)
// activation, and shows the top k with their scores.

import type { ImageGridPayload } from "../display/payloads-viz";
import { noGrad } from "../engine/autograd/grad-mode";
import type { Dataset } from "../engine/data/dataset";
import type { Module } from "../engine/nn/module";
import { cat, stack } from "../engine/ops/shape";
import { Tensor } from "../engine/tensor/tensor";
import { VizFigure } from "./figure";
import { inEvalMode } from "./heatmap";
import { gridText, imageGridBundle, imageGridPayload } from "./image-grid";
import { resolveLayer } from "./layer-output";

export interface MaxActivationsOptions {
  /** Dotted name ("features.3") or the layer module. */
  layer: string | Module;
  channel: number;
  /** Images shown (default 9). */
  k?: number;
  /** "mean" (default: the channel's mean over positions) or "max" (its strongest position). */
  reduce?: "mean" | "max";
  batchSize?: number;
}

export class MaxActivationsFigure extends VizFigure<ImageGridPayload> {
  constructor(
    payload: ImageGridPayload,
    /** Indices of the top images in the dataset, strongest first. */
    readonly indices: number[],
    /** Their scores. */
    readonly scores: number[],
    /** Every image's score, in dataset order. */
    readonly allScores: Float32Array,
  ) {
    super(payload, () => imageGridBundle(payload), gridText(payload));
  }
}

/** Images i..i+n of a (N, C, H, W) tensor or of a dataset of [image, label] (or image) samples. */
function batchOf(images: Tensor | Dataset, from: number, n: number): Tensor {
  if (images instanceof Tensor) return images.narrow(0, from, n);
  const xs: Tensor[] = [];
  for (let i = from; i < from + n; i++) {
    const s = images.get(i);
    const x = Array.isArray(s) ? s[0] : s;
    if (!(x instanceof Tensor))
      throw new Error(`viz.maxActivations: sample ${i} is not an image tensor (or [image, label])`);
    xs.push(x);
  }
  return stack(xs);
}

export function maxActivations(
  model: Module,
  images: Tensor | Dataset,
  options: MaxActivationsOptions,
): MaxActivationsFigure {
  const fn = "viz.maxActivations";
  if (options === undefined || options.layer === undefined || options.channel === undefined)
    throw new Error(
      `${fn}: say which layer and channel, e.g. viz.maxActivations(model, x, { layer: "features.0", channel: 3 })`,
    );
  const { channel, k = 9, reduce = "mean", batchSize = 64 } = options;
  const { name, module } = resolveLayer(model, options.layer, fn);
  const total = images instanceof Tensor ? images.shape[0] : images.length;
  if (images instanceof Tensor && images.ndim !== 4)
    throw new Error(`${fn}: images must be (N, C, H, W), got shape [${images.shape.join(", ")}]`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`${fn}: k must be a whole number >= 1, got ${k}`);
  if (reduce !== "mean" && reduce !== "max")
    throw new Error(`${fn}: reduce must be "mean" or "max", got ${JSON.stringify(reduce)}`);
  const scores = new Float32Array(total);
  let captured: Tensor | null = null;
  const handle = module.registerForwardHook((_m, _i, out) => {
    if (captured === null && out instanceof Tensor) captured = out;
  });
  try {
    inEvalMode(model, () =>
      noGrad(() => {
        for (let from = 0; from < total; from += batchSize) {
          const n = Math.min(batchSize, total - from);
          captured = null;
          model.forward(batchOf(images, from, n));
          const out = captured as Tensor | null;
          if (out === null)
            throw new Error(`${fn}: layer "${name}" did not run in ${model.constructor.name}'s forward`);
          if (out.ndim < 2 || channel < 0 || channel >= out.shape[1] || !Number.isInteger(channel))
            throw new Error(
              `${fn}: channel ${channel} is not a channel of layer "${name}" (output shape [${out.shape.join(", ")}])`,
            );
          const per = out.numel / (out.shape[0] * out.shape[1]);
          const v = out.contiguous().storage;
          for (let i = 0; i < n; i++) {
            const base = (i * out.shape[1] + channel) * per;
            let s = reduce === "mean" ? 0 : Number.NEGATIVE_INFINITY;
            for (let j = 0; j < per; j++) s = reduce === "mean" ? s + v[base + j] : Math.max(s, v[base + j]);
            scores[from + i] = reduce === "mean" ? s / per : s;
          }
        }
      }),
    );
  } finally {
    handle.remove();
  }
  const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  const top = order.slice(0, Math.min(k, total));
  const tiles = cat(top.map((i) => batchOf(images, i, 1)));
  const [, C, H, W] = tiles.shape;
  const rgb = C === 3 || C === 1 ? tiles.contiguous().storage : tiles.narrow(1, 0, 1).contiguous().storage;
  const payload = imageGridPayload(new Float32Array(rgb), [top.length, C === 3 ? 3 : 1, H, W], {
    kind: "samples",
    title: `images exciting ${name} channel ${channel} most (${reduce} activation)`,
    layer: name,
    tileLabels: top.map((i) => `#${i}: ${scores[i].toPrecision(3)}`),
  });
  return new MaxActivationsFigure(
    payload,
    top,
    top.map((i) => scores[i]),
    scores,
  );
}
