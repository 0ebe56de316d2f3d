// `viz.saliency(model, input)`: which pixels the class score is most sensitive to. Vanilla
// gradients (Simonyan et al. 2014): d score / d input, the map being the largest |gradient| over
// the channels. SmoothGrad (Smilkov et al. 2017): the mean of the gradients at `samples` copies of
// the input with Gaussian noise (std = noiseLevel * (max - min) of each image), less speckled.
// The model runs in eval mode; its parameters' .grad are left untouched.

import { noGrad } from "../engine/autograd/grad-mode";
import type { Module } from "../engine/nn/module";
import { defaultGenerator } from "../engine/tensor/random";
import { Tensor } from "../engine/tensor/tensor";
import {
  checkModelInput,
  classIndices,
  HeatmapFigure,
  heatmapPayload,
  inEvalMode,
  logitsOf,
  selectedScore,
} from "./heatmap";

export interface SaliencyOptions {
  /** The class to explain: one for all images or one per image (default: each image's top class). */
  classIndex?: number | number[];
  /** "vanilla" (default) or "smoothGrad". */
  method?: "vanilla" | "smoothGrad";
  /** SmoothGrad: noisy copies averaged (default 25). */
  samples?: number;
  /** SmoothGrad: the noise's std as a fraction of each image's value range (default 0.15). */
  noiseLevel?: number;
  title?: string;
}

export class SaliencyFigure extends HeatmapFigure {
  /** d score / d input (N, C, H, W) (SmoothGrad: averaged over the noisy copies). */
  gradient!: Tensor;
}

/** d (sum of the chosen class scores) / d x, without touching the parameters' .grad. */
export function inputGradient(model: Module, x: Tensor, cls: number[], fn: string): Float32Array {
  const params = model.parameters();
  const saved = params.map((p) => p.grad);
  const flags = params.map((p) => p.requiresGrad);
  try {
    for (const p of params) p.requiresGrad = false;
    const leaf = new Tensor(new Float32Array(x.contiguous().storage), x.shape).requiresGrad_();
    const logits = logitsOf(fn, model.forward(leaf));
    selectedScore(logits, cls).backward();
    if (leaf.grad === null) throw new Error(`${fn}: the model's output does not depend on its input`);
    return leaf.grad.storage;
  } finally {
    params.forEach((p, i) => {
      p.requiresGrad = flags[i];
      p.grad = saved[i];
    });
  }
}

export function saliency(model: Module, input: Tensor, options: SaliencyOptions = {}): SaliencyFigure {
  const fn = "viz.saliency";
  checkModelInput(fn, model, input);
  const { method = "vanilla", samples = 25, noiseLevel = 0.15, title } = options;
  if (method !== "vanilla" && method !== "smoothGrad")
    throw new Error(`${fn}: method must be "vanilla" or "smoothGrad", got ${JSON.stringify(method)}`);
  if (!Number.isInteger(samples) || samples < 1)
    throw new Error(`${fn}: samples must be a whole number >= 1, got ${samples}`);
  const [N, C, H, W] = input.shape;
  return inEvalMode(model, () => {
    const chosen = classIndices(
      fn,
      logitsOf(
        fn,
        noGrad(() => model.forward(input)),
      ),
      options.classIndex,
    );
    let grad: Float32Array;
    if (method === "vanilla") grad = inputGradient(model, input, chosen, fn);
    else {
      grad = new Float32Array(N * C * H * W);
      const x = input.contiguous().storage;
      const sigma = Array.from({ length: N }, (_, n) => {
        const v = x.subarray(n * C * H * W, (n + 1) * C * H * W);
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        for (const a of v) [lo, hi] = [Math.min(lo, a), Math.max(hi, a)];
        return noiseLevel * (hi - lo);
      });
      for (let s = 0; s < samples; s++) {
        const noisy = Float32Array.from(
          x,
          (a, i) => a + sigma[Math.floor(i / (C * H * W))] * defaultGenerator.normal(),
        );
        const g = inputGradient(model, new Tensor(noisy, input.shape), chosen, fn);
        for (let i = 0; i < g.length; i++) grad[i] += g[i] / samples;
      }
    }
    const map = new Float32Array(N * H * W);
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++)
        for (let i = 0; i < H * W; i++) {
          const a = Math.abs(grad[(n * C + c) * H * W + i]);
          if (a > map[n * H * W + i]) map[n * H * W + i] = a;
        }
    const mapT = new Tensor(map, [N, H, W]);
    const what = method === "vanilla" ? "saliency" : "SmoothGrad";
    const fig = new SaliencyFigure(
      heatmapPayload(title ?? `${what}: |d score / d input|`, input, mapT, what, chosen),
      mapT,
      chosen,
    );
    fig.gradient = new Tensor(grad, [N, C, H, W]);
    return fig;
  });
}
