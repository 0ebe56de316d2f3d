// What the "looking inside" helpers share: running a model in eval mode (modes put back after),
// picking the class to explain, and a heatmap figure: per image an RGB tile of the input, one of
// the map (viridis) and one of the map laid over the input, in the image-grid payload (so our
// renderer, the PNG and the HTML fallbacks all show it).

import { viridis } from "../display/colormap";
import type { ImageGridPayload } from "../display/payloads-viz";
import type { Module } from "../engine/nn/module";
import { Tensor } from "../engine/tensor/tensor";
import { VizFigure } from "./figure";
import { gridText, imageGridBundle, imageGridPayload } from "./image-grid";

/** Runs `fn` with every module of `model` in eval mode, then puts each module's mode back. */
export function inEvalMode<T>(model: Module, fn: () => T): T {
  const modes = model.modules().map((m) => m.training);
  try {
    model.eval();
    return fn();
  } finally {
    model.modules().forEach((m, i) => {
      m.training = modes[i];
    });
  }
}

/** Checks the model and an (N, C, H, W) input; `fn` names the helper in the errors. */
export function checkModelInput(fn: string, model: Module, input: Tensor): void {
  if (model === null || typeof model !== "object" || typeof (model as Module).forward !== "function")
    throw new TypeError(`${fn}: the first argument must be an nn.Module`);
  if (!(input instanceof Tensor))
    throw new TypeError(
      `${fn}: input must be a tensor of images (N, C, H, W), got ${Array.isArray(input) ? "an Array" : typeof input}`,
    );
  if (input.ndim !== 4)
    throw new Error(
      `${fn}: input must be images (N, C, H, W), got shape [${input.shape.join(", ")}]; for one image use x.unsqueeze(0)`,
    );
}

/** The model's (N, classes) output as a tensor, with a clear error otherwise. */
export function logitsOf(fn: string, output: unknown): Tensor {
  if (!(output instanceof Tensor) || output.ndim !== 2)
    throw new Error(
      `${fn}: the model must return scores (N, classes), got ${output instanceof Tensor ? `shape [${output.shape.join(", ")}]` : typeof output}`,
    );
  return output;
}

/** The class explained for each image: the given one(s), or each image's top-scoring class. */
export function classIndices(fn: string, logits: Tensor, classIndex?: number | readonly number[]): number[] {
  const [N, K] = logits.shape;
  const v = logits.data;
  const out = Array.from({ length: N }, (_, n) => {
    if (classIndex === undefined) {
      let best = 0;
      for (let k = 1; k < K; k++) if (v[n * K + k] > v[n * K + best]) best = k;
      return best;
    }
    return typeof classIndex === "number" ? classIndex : classIndex[n];
  });
  for (const [n, c] of out.entries())
    if (!Number.isInteger(c) || c < 0 || c >= K)
      throw new Error(
        `${fn}: classIndex ${c} (image ${n}) is not a class of this model's ${K} outputs; use 0..${K - 1}`,
      );
  return out;
}

/** sum over n of logits[n, cls[n]]: backward of it gives each image's class-score gradient. */
export function selectedScore(logits: Tensor, cls: readonly number[]): Tensor {
  const [N, K] = logits.shape;
  const onehot = new Float32Array(N * K);
  for (let n = 0; n < N; n++) onehot[n * K + cls[n]] = 1;
  return logits.mul(new Tensor(onehot, [N, K])).sum();
}

/** Image n of (N, C, H, W) as RGB in [0, 1] ((H, W) planes r, g, b), min-max scaled; grey for C != 3. */
function rgbOf(input: Tensor, n: number): Float32Array[] {
  const [, C, H, W] = input.shape;
  const v = input.contiguous().storage.subarray(n * C * H * W, (n + 1) * C * H * W);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of v) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const span = hi > lo ? hi - lo : 1;
  const plane = (c: number) =>
    Float32Array.from(v.subarray(c * H * W, (c + 1) * H * W), (x) => (x - lo) / span);
  if (C === 3) return [plane(0), plane(1), plane(2)];
  const grey = plane(0);
  return [grey, grey, grey];
}

/** A heatmap figure: the raw maps (N, H, W) plus, per image (up to 16), input, map and overlay tiles. */
export class HeatmapFigure extends VizFigure<ImageGridPayload> {
  constructor(
    payload: ImageGridPayload,
    /** The maps (N, H, W), the input's size. */
    readonly map: Tensor,
    /** The class each map explains. */
    readonly classIndex: number[],
  ) {
    super(payload, () => imageGridBundle(payload), gridText(payload));
  }
}

/** Input / map / overlay tiles for `maps` (N, H, W) over `input` (N, C, H, W). */
export function heatmapPayload(
  title: string,
  input: Tensor,
  maps: Tensor,
  what: string,
  classIndex: number[],
): ImageGridPayload {
  const [N, , H, W] = input.shape;
  const shown = Math.min(N, 16);
  const out = new Float32Array(shown * 3 * 3 * H * W); // (shown * 3 tiles, 3, H, W)
  const labels: string[] = [];
  const m = maps.contiguous().storage;
  for (let n = 0; n < shown; n++) {
    const rgb = rgbOf(input, n);
    const mv = m.subarray(n * H * W, (n + 1) * H * W);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const x of mv) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const span = hi > lo ? hi - lo : 1;
    for (let i = 0; i < H * W; i++) {
      const t = (mv[i] - lo) / span;
      const col = viridis(Number.isFinite(t) ? t : 0).map((c) => c / 255);
      for (let c = 0; c < 3; c++) {
        const base = (n * 3 * 3 + c) * H * W + i;
        out[base] = rgb[c][i]; // tile 0: the input
        out[base + 3 * H * W] = col[c]; // tile 1: the map
        out[base + 6 * H * W] = 0.5 * rgb[c][i] + 0.5 * col[c]; // tile 2: the overlay
      }
    }
    labels.push(`#${n} input`, `${what} (class ${classIndex[n]})`, "overlay");
  }
  return imageGridPayload(out, [shown * 3, 3, H, W], {
    kind: "tensor",
    title,
    tileLabels: labels,
    normalize: "shared",
  });
}
