// `viz.featureVisualization(model, { layer, channel })`: an image that one channel responds to
// strongly, found by gradient ascent on the input (Erhan et al. 2009; Olah et al. 2017, "Feature
// Visualization"). From faint noise, each step shifts the image by a random jitter (circularly),
// takes the gradient of the channel's mean activation with respect to the image, shifts it back
// and moves the image along it (normalised by its mean size); every `blurEvery` steps the image is
// blurred a little. Jitter and blur are the regularisers that keep high-frequency noise, which
// also excites the channel, out of the picture. Eval mode; the parameters' .grad are untouched.

import type { ImageGridPayload } from "../display/payloads-viz";
import type { Module } from "../engine/nn/module";
import { defaultGenerator, type Generator } from "../engine/tensor/random";
import { Tensor } from "../engine/tensor/tensor";
import { VizFigure } from "./figure";
import { inEvalMode } from "./heatmap";
import { gridText, imageGridBundle, imageGridPayload } from "./image-grid";
import { resolveLayer } from "./layer-output";

export interface FeatureVisualizationOptions {
  layer: string | Module;
  channel: number;
  /** The image optimised, (1, C, H, W) (default [1, 3, 64, 64]). */
  inputShape?: number[];
  steps?: number;
  /** Step size in units of the image's values (default 0.05). */
  lr?: number;
  /** Largest random shift in pixels each step (default 2; 0 turns jitter off). */
  jitter?: number;
  /** Blur every this many steps (default 4; 0 turns blur off). */
  blurEvery?: number;
  /** The blur's Gaussian sigma in pixels (default 0.5). */
  blurSigma?: number;
  /** Start from this image instead of faint noise. */
  init?: Tensor;
  generator?: Generator;
}

export class FeatureVisualizationFigure extends VizFigure<ImageGridPayload> {
  constructor(
    payload: ImageGridPayload,
    /** The optimised image (1, C, H, W). */
    readonly image: Tensor,
    /** The channel's mean activation before each step and after the last. */
    readonly objective: number[],
  ) {
    super(payload, () => imageGridBundle(payload), gridText(payload));
  }
}

/** v (C, H, W) rolled by (dy, dx), circularly. */
function roll(v: Float32Array, C: number, H: number, W: number, dy: number, dx: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++) {
      const ty = (((y + dy) % H) + H) % H;
      for (let x = 0; x < W; x++) out[(c * H + ty) * W + ((((x + dx) % W) + W) % W)] = v[(c * H + y) * W + x];
    }
  return out;
}

/** A separable Gaussian blur of each (H, W) plane, edges clamped. */
function blur(v: Float32Array, C: number, H: number, W: number, sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(2 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = k.reduce((a, b) => a + b, 0);
  const w = k.map((x) => x / s);
  const tmp = new Float32Array(v.length);
  const out = new Float32Array(v.length);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let a = 0;
        for (let i = -r; i <= r; i++)
          a += w[i + r] * v[(c * H + y) * W + Math.min(W - 1, Math.max(0, x + i))];
        tmp[(c * H + y) * W + x] = a;
      }
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let a = 0;
        for (let i = -r; i <= r; i++)
          a += w[i + r] * tmp[(c * H + Math.min(H - 1, Math.max(0, y + i))) * W + x];
        out[(c * H + y) * W + x] = a;
      }
  return out;
}

export function featureVisualization(
  model: Module,
  options: FeatureVisualizationOptions,
): FeatureVisualizationFigure {
  const fn = "viz.featureVisualization";
  if (options === undefined || options.layer === undefined || options.channel === undefined)
    throw new Error(
      `${fn}: say which layer and channel, e.g. viz.featureVisualization(model, { layer: "features.3", channel: 5 })`,
    );
  const {
    channel,
    inputShape = [1, 3, 64, 64],
    steps = 64,
    lr = 0.05,
    jitter = 2,
    blurEvery = 4,
    blurSigma = 0.5,
    generator = defaultGenerator,
  } = options;
  const { name, module } = resolveLayer(model, options.layer, fn);
  if (inputShape.length !== 4 || inputShape[0] !== 1)
    throw new Error(`${fn}: inputShape must be [1, C, H, W], got ${JSON.stringify(inputShape)}`);
  const [, C, H, W] = inputShape;
  let x: Float32Array =
    options.init !== undefined
      ? new Float32Array(options.init.contiguous().storage)
      : Float32Array.from({ length: C * H * W }, () => 0.01 * generator.normal());
  if (x.length !== C * H * W)
    throw new Error(
      `${fn}: init has ${x.length} values, inputShape ${JSON.stringify(inputShape)} needs ${C * H * W}`,
    );
  const objective: number[] = [];
  const params = model.parameters();
  const saved = params.map((p) => [p.grad, p.requiresGrad] as const);
  let captured: Tensor | null = null;
  const handle = module.registerForwardHook((_m, _i, out) => {
    if (captured === null && out instanceof Tensor) captured = out;
  });
  /** The channel's mean activation on image v, and (with grad) d it / d v. */
  const evaluate = (v: Float32Array, withGrad: boolean): [number, Float32Array | null] => {
    captured = null;
    const leaf = new Tensor(v, [1, C, H, W]);
    if (withGrad) leaf.requiresGrad_();
    model.forward(leaf);
    const out = captured as Tensor | null;
    if (out === null)
      throw new Error(`${fn}: layer "${name}" did not run in ${model.constructor.name}'s forward`);
    if (out.ndim < 2 || !Number.isInteger(channel) || channel < 0 || channel >= out.shape[1])
      throw new Error(
        `${fn}: channel ${channel} is not a channel of layer "${name}" (output shape [${out.shape.join(", ")}])`,
      );
    const act = out.narrow(1, channel, 1).mean();
    if (!withGrad) return [act.item(), null];
    act.backward();
    return [act.item(), leaf.grad === null ? new Float32Array(v.length) : leaf.grad.storage];
  };
  try {
    for (const p of params) p.requiresGrad = false;
    inEvalMode(model, () => {
      for (let step = 0; step < steps; step++) {
        const dy = jitter > 0 ? Math.round((2 * generator.uniform() - 1) * jitter) : 0;
        const dx = jitter > 0 ? Math.round((2 * generator.uniform() - 1) * jitter) : 0;
        const [value, g] = evaluate(roll(x, C, H, W, dy, dx), true);
        objective.push(value);
        const back = roll(g as Float32Array, C, H, W, -dy, -dx);
        let size = 0;
        for (const a of back) size += Math.abs(a);
        size = size / back.length + 1e-8;
        for (let i = 0; i < x.length; i++) x[i] += (lr * back[i]) / size;
        if (blurEvery > 0 && (step + 1) % blurEvery === 0) x = blur(x, C, H, W, blurSigma);
      }
      objective.push(evaluate(x, false)[0]);
    });
  } finally {
    handle.remove();
    params.forEach((p, i) => {
      p.grad = saved[i][0];
      p.requiresGrad = saved[i][1];
    });
  }
  const image = new Tensor(x, [1, C, H, W]);
  const tile = C === 3 ? x : x.subarray(0, H * W);
  const payload = imageGridPayload(new Float32Array(tile), [1, C === 3 ? 3 : 1, H, W], {
    kind: "tensor",
    title: `feature visualisation of ${name} channel ${channel} (mean activation ${objective[0].toPrecision(3)} -> ${objective[objective.length - 1].toPrecision(3)})`,
    layer: name,
    colormap: "grey",
  });
  return new FeatureVisualizationFigure(payload, image, objective);
}
