// `viz.gradCam(model, input, layer, classIndex?)` (Selvaraju et al. 2017): where a conv layer's
// feature maps support a class. The layer's output A (N, K, h, w) and the class score's gradient
// dA are taken in one forward / backward pass; each channel's weight is its mean gradient,
// alpha_k = mean over (h, w) of dA_k; the map is ReLU(sum_k alpha_k A_k), bilinearly upsampled to
// the input's size. The model runs in eval mode; its parameters' .grad are left untouched.

import { noGrad } from "../engine/autograd/grad-mode";
import type { Module } from "../engine/nn/module";
import { interpolate } from "../engine/ops/interpolate";
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
import { resolveLayer } from "./layer-output";

export class GradCamFigure extends HeatmapFigure {
  /** The map at the layer's resolution (N, h, w), before upsampling. */
  cam!: Tensor;
  /** The layer's dotted name. */
  layer!: string;
}

export function gradCam(
  model: Module,
  input: Tensor,
  layer: string | Module,
  classIndex?: number | number[],
  { title }: { title?: string } = {},
): GradCamFigure {
  const fn = "viz.gradCam";
  checkModelInput(fn, model, input);
  if (layer === undefined)
    throw new Error(`${fn}: say which conv layer, e.g. viz.gradCam(model, x, "features.3")`);
  const { name, module } = resolveLayer(model, layer, fn);
  const [N, , H, W] = input.shape;
  return inEvalMode(model, () => {
    let A: Tensor | null = null;
    const handle = module.registerForwardHook((_m, _i, out) => {
      if (A !== null) return;
      if (!(out instanceof Tensor) || out.ndim !== 4)
        throw new Error(
          `${fn}: layer "${name}" outputs ${out instanceof Tensor ? `shape [${out.shape.join(", ")}]` : typeof out}, not 4-D (N, C, H, W) feature maps; pick a conv layer (or the activation after it)`,
        );
      A = out;
      if (out.requiresGrad) out.retainGrad();
    });
    const params = model.parameters();
    const saved = params.map((p) => p.grad);
    let cls: number[];
    try {
      const leaf = new Tensor(new Float32Array(input.contiguous().storage), input.shape).requiresGrad_();
      const logits = logitsOf(fn, model.forward(leaf));
      cls = classIndices(fn, logits, classIndex);
      selectedScore(logits, cls).backward();
    } finally {
      handle.remove();
      params.forEach((p, i) => {
        p.grad = saved[i];
      });
    }
    const acts = A as Tensor | null;
    if (acts === null)
      throw new Error(`${fn}: layer "${name}" did not run in ${model.constructor.name}'s forward`);
    if (acts.grad === null)
      throw new Error(`${fn}: the class score does not depend on layer "${name}"'s output`);
    const [, K, h, w] = acts.shape;
    const a = acts.contiguous().storage;
    const g = acts.grad.contiguous().storage;
    const cam = new Float32Array(N * h * w); // (N, h, w)
    for (let n = 0; n < N; n++)
      for (let k = 0; k < K; k++) {
        const base = (n * K + k) * h * w;
        let alpha = 0;
        for (let i = 0; i < h * w; i++) alpha += g[base + i];
        alpha /= h * w;
        for (let i = 0; i < h * w; i++) cam[n * h * w + i] += alpha * a[base + i];
      }
    for (let i = 0; i < cam.length; i++) cam[i] = Math.max(0, cam[i]);
    const camT = new Tensor(cam, [N, h, w]);
    const up = noGrad(() =>
      interpolate(camT.unsqueeze(1), { size: [H, W], mode: "bilinear", alignCorners: false }).reshape([
        N,
        H,
        W,
      ]),
    );
    const fig = new GradCamFigure(
      heatmapPayload(title ?? `Grad-CAM of ${name}`, input, up, "Grad-CAM", cls),
      up,
      cls,
    );
    fig.cam = camT;
    fig.layer = name;
    return fig;
  });
}
