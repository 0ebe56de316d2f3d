// `viz.layerStats(model, batch)`: activation and gradient statistics layer by layer through the
// depth of a network, the lecture's vanishing / exploding picture (Glorot & Bengio 2010). One
// forward and backward pass on `batch`: forward hooks keep each chosen layer's output (and ask
// autograd to keep its gradient); the figure plots log10 of the standard deviation of the
// activations and of the root mean square of the gradients (d loss / d output) against depth (log10
// in the data, so every fallback, PNG included, shows the orders of magnitude).
//
// The loss is `lossFn(output, target)` with a target (default F.crossEntropy), `lossFn(output)`
// without one, or, with neither, the sum of the outputs (a unit gradient from every output).
// NOTE: the pass runs in the model's current mode (train mode updates batch norm's running
// statistics, as any training forward does); the parameters' .grad are put back afterwards.

import type { CurveSeries, CurvesPayload } from "../display/payloads-viz";
import { Module } from "../engine/nn/module";
import { Parameter } from "../engine/nn/parameter";
import { crossEntropy } from "../engine/ops/loss";
import { Tensor } from "../engine/tensor/tensor";
import { curvesBundle, curvesPayload } from "./curves";
import { curvesText } from "./curves-svg";
import { VizFigure } from "./figure";

/** Summary numbers of a tensor's values. */
export interface ValueStats {
  mean: number;
  std: number;
  /** Root mean square: sqrt(mean^2 + std^2), the typical size of a value. */
  rms: number;
  min: number;
  max: number;
  /** Fraction of exact zeros (dead ReLUs). */
  zeroFraction: number;
  /** 20 equal bins from min to max: `edges` (21) and `counts` (20). */
  histogram: { edges: number[]; counts: number[] };
}

export interface LayerStat {
  /** 1 for the first layer recorded, 2 for the next, ... */
  depth: number;
  /** Dotted name ("layers.4"). */
  name: string;
  /** Class name ("Linear"). */
  type: string;
  /** The layer's output (its first call). */
  activation: ValueStats;
  /** d loss / d output; null when the output does not depend on any parameter or input requiring grad. */
  gradient: ValueStats | null;
  /** Standard deviation of d loss / d weight, for layers with a weight. */
  weightGradStd: number | null;
}

export interface LayerStatsOptions {
  /** Compared with the output by lossFn (default F.crossEntropy). */
  target?: Tensor;
  lossFn?: ((output: Tensor, target: Tensor) => Tensor) | ((output: Tensor) => Tensor);
  /** "weighted" (default: conv and linear layers), "leaves" (every module without children) or dotted names. */
  layers?: "weighted" | "leaves" | string[];
  title?: string;
}

export class LayerStatsFigure extends VizFigure<CurvesPayload> {
  constructor(
    payload: CurvesPayload,
    /** One entry per recorded layer, in forward order. */
    readonly layers: LayerStat[],
  ) {
    super(payload, () => curvesBundle(payload), curvesText(payload).split("\n")[0]);
  }
}

/** Mean, std, min, max, zeros and a 20-bin histogram of `v`. */
export function valueStats(v: ArrayLike<number>): ValueStats {
  const n = v.length;
  let mean = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    mean += v[i];
    if (v[i] < min) min = v[i];
    if (v[i] > max) max = v[i];
    if (v[i] === 0) zeros++;
  }
  mean /= Math.max(1, n);
  let s = 0;
  for (let i = 0; i < n; i++) s += (v[i] - mean) ** 2;
  const bins = 20;
  const counts = new Array<number>(bins).fill(0);
  const span = max > min ? max - min : 1;
  for (let i = 0; i < n; i++) counts[Math.min(bins - 1, Math.floor(((v[i] - min) / span) * bins))]++;
  return {
    mean,
    std: Math.sqrt(s / Math.max(1, n)),
    rms: Math.sqrt(mean * mean + s / Math.max(1, n)),
    min,
    max,
    zeroFraction: zeros / Math.max(1, n),
    histogram: { edges: Array.from({ length: bins + 1 }, (_, k) => min + (span * k) / bins), counts },
  };
}

function chosenLayers(model: Module, layers: LayerStatsOptions["layers"]): [string, Module][] {
  const all = model.namedModules().filter(([n]) => n !== "");
  if (Array.isArray(layers))
    return layers.map((name) => {
      const found = all.find(([n]) => n === name);
      if (found === undefined)
        throw new Error(
          `viz.layerStats: ${model.constructor.name} has no layer "${name}"; its layers are ${all
            .slice(0, 12)
            .map(([n]) => `"${n}"`)
            .join(", ")}`,
        );
      return found;
    });
  if (layers === "leaves") return all.filter(([, m]) => m.children().length === 0);
  if (layers !== "weighted")
    throw new Error(
      `viz.layerStats: layers must be "weighted", "leaves" or a list of names, got ${JSON.stringify(layers)}`,
    );
  return all.filter(([, m]) => {
    const w = (m as { weight?: unknown }).weight;
    return w instanceof Parameter && w.ndim >= 2;
  });
}

/** Activation and gradient statistics of each layer of `model` on `batch`; shows std against depth. */
export function layerStats(model: Module, batch: Tensor, options: LayerStatsOptions = {}): LayerStatsFigure {
  if (!(model instanceof Module))
    throw new TypeError("viz.layerStats: the first argument must be an nn.Module");
  if (!(batch instanceof Tensor)) throw new TypeError("viz.layerStats: batch must be a tensor of inputs");
  const { target, lossFn, layers = "weighted", title = "activations and gradients through depth" } = options;
  const chosen = chosenLayers(model, layers);
  if (chosen.length === 0)
    throw new Error(
      `viz.layerStats: ${model.constructor.name} has no layer to record (layers: ${JSON.stringify(layers)})`,
    );
  const outputs = new Map<Module, Tensor>();
  const handles = chosen.map(([, m]) =>
    m.registerForwardHook((_m, _inputs, output) => {
      if (outputs.has(m) || !(output instanceof Tensor)) return;
      if (output.requiresGrad) output.retainGrad();
      outputs.set(m, output);
    }),
  );
  const params = model.parameters();
  const savedGrads = params.map((p) => p.grad);
  const weightGrads = new Map<Module, number>();
  try {
    for (const p of params) p.grad = null;
    const out = model.forward(batch);
    if (!(out instanceof Tensor)) throw new Error("viz.layerStats: the model's forward must return a tensor");
    const loss =
      target !== undefined
        ? ((lossFn ?? crossEntropy) as (o: Tensor, t: Tensor) => Tensor)(out, target)
        : lossFn !== undefined
          ? (lossFn as (o: Tensor) => Tensor)(out)
          : out.sum();
    if (!(loss instanceof Tensor) || loss.numel !== 1)
      throw new Error("viz.layerStats: the loss must be a one-element tensor");
    if (loss.requiresGrad) loss.backward();
    for (const [, m] of chosen) {
      const w = (m as { weight?: unknown }).weight;
      if (w instanceof Parameter && w.grad !== null) weightGrads.set(m, valueStats(w.grad.data).std);
    }
  } finally {
    for (const h of handles) h.remove();
    params.forEach((p, i) => {
      p.grad = savedGrads[i];
    });
  }
  const stats: LayerStat[] = [];
  for (const [name, m] of chosen) {
    const o = outputs.get(m);
    if (o === undefined) continue; // did not run, or returned no tensor
    stats.push({
      depth: stats.length + 1,
      name,
      type: m.constructor.name,
      activation: valueStats(o.data),
      gradient: o.grad === null ? null : valueStats(o.grad.data),
      weightGradStd: weightGrads.get(m) ?? null,
    });
  }
  if (stats.length === 0)
    throw new Error("viz.layerStats: none of the chosen layers returned a tensor in the forward pass");
  const x = stats.map((s) => s.depth);
  const log10 = (v: number | undefined) => (v !== undefined && v > 0 ? Math.log10(v) : null);
  const series: CurveSeries[] = [
    { metric: "log10 std of activations", split: "forward", x, y: stats.map((s) => log10(s.activation.std)) },
    { metric: "log10 rms of gradients", split: "backward", x, y: stats.map((s) => log10(s.gradient?.rms)) },
  ];
  return new LayerStatsFigure(curvesPayload(series, { title, xLabel: "layer" }), stats);
}
