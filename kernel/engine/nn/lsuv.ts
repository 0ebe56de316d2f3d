// Layer-sequential unit-variance initialisation (LSUV, Mishkin & Matas 2015,
// https://arxiv.org/abs/1511.06422): every conv and linear weight is first filled with an
// orthonormal matrix, then, layer by layer from the input on, scaled until the layer's output
// on a batch has unit variance: W <- W / sqrt(Var(output)), repeated until |Var - 1| < tolerance
// or maxIterations passes. The paper's defaults are tolerance 0.1 and 10 iterations.
// Biases are set to zero.
//
// NOTE: the passes run in eval mode (dropout off, batch norm on its running statistics, which
// stay as they are) without gradients, and each stops right after the layer being scaled.

import { noGrad } from "../autograd/grad-mode";
import { check, fmtShape } from "../errors";
import type { Generator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import { orthogonal_, zeros_ } from "./init";
import type { Module } from "./module";
import { Parameter } from "./parameter";

export interface LsuvOptions {
  /** Stop scaling a layer once |Var(output) - targetVariance| < tolerance (0.1). */
  tolerance?: number;
  /** At most this many scalings per layer (10). */
  maxIterations?: number;
  /** The variance to reach (1). */
  targetVariance?: number;
  /** Start from orthonormal weights (the paper); false keeps the current weights and only rescales. */
  orthonormal?: boolean;
  generator?: Generator;
}

/** What LSUV did to one layer. */
export interface LsuvLayer {
  /** Dotted name in the model ("features.0"). */
  name: string;
  /** Class name ("Conv2d"). */
  type: string;
  /** The output variance before scaling (after the orthonormal fill). */
  initialVariance: number;
  /** The output variance when LSUV stopped. */
  variance: number;
  /** Scalings applied. */
  iterations: number;
  /** Whether |variance - target| < tolerance. */
  converged: boolean;
}

const STOP = Symbol("lsuv: layer output captured");

/** Layers with a weight matrix or filter bank: a `weight` parameter of 2 or more dims (conv, linear). */
function weightedLayers(model: Module): [string, Module & { weight: Parameter; bias?: Parameter | null }][] {
  return model.namedModules().filter(([, m]) => {
    const w = (m as { weight?: unknown }).weight;
    return w instanceof Parameter && w.ndim >= 2;
  }) as [string, Module & { weight: Parameter; bias?: Parameter | null }][];
}

/** The first output of `layer` when `model` runs on `batch`, the forward pass cut short after it. */
function outputOf(model: Module, batch: Tensor, layer: Module, name: string): Tensor {
  let out: unknown;
  const handle = layer.registerForwardHook((_m, _inputs, output) => {
    out = output;
    throw STOP;
  });
  try {
    noGrad(() => model.forward(batch));
  } catch (e) {
    if (e !== STOP) throw e;
  } finally {
    handle.remove();
  }
  check(
    out !== undefined,
    "lsuv",
    () => `layer "${name}" did not run in ${model.constructor.name}'s forward`,
  );
  check(out instanceof Tensor, "lsuv", () => `layer "${name}" did not return a tensor`);
  return out as Tensor;
}

function variance(t: Tensor): number {
  const v = t.contiguous().storage;
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i];
  mean /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - mean) ** 2;
  return s / v.length;
}

/**
 * LSUV initialisation of every conv and linear layer of `model`, using `batch` (a representative
 * input batch, e.g. 32-256 training images). Returns what happened to each layer.
 */
export function lsuv(model: Module, batch: Tensor, options: LsuvOptions = {}): LsuvLayer[] {
  const { tolerance = 0.1, maxIterations = 10, targetVariance = 1, orthonormal = true, generator } = options;
  check(
    model !== null && typeof model === "object" && typeof (model as Module).forward === "function",
    "lsuv",
    "the first argument must be an nn.Module",
  );
  check(
    batch instanceof Tensor,
    "lsuv",
    "batch must be a Tensor of inputs, e.g. the first batch of your DataLoader",
  );
  check(tolerance > 0, "lsuv", () => `tolerance must be positive, got ${tolerance}`);
  check(
    Number.isInteger(maxIterations) && maxIterations >= 0,
    "lsuv",
    () => `maxIterations must be a whole number >= 0, got ${maxIterations}`,
  );
  check(targetVariance > 0, "lsuv", () => `targetVariance must be positive, got ${targetVariance}`);
  const layers = weightedLayers(model);
  check(
    layers.length > 0,
    "lsuv",
    () => `${model.constructor.name} has no conv or linear layer to initialise`,
  );
  const modes = model.modules().map((m) => m.training);
  const report: LsuvLayer[] = [];
  try {
    model.eval();
    for (const [, m] of layers) {
      if (orthonormal) orthogonal_(m.weight, { generator });
      if (m.bias instanceof Parameter) zeros_(m.bias);
    }
    for (const [name, m] of layers) {
      let v = variance(outputOf(model, batch, m, name));
      const initialVariance = v;
      let iterations = 0;
      while (Math.abs(v - targetVariance) >= tolerance && iterations < maxIterations) {
        check(
          v > 0 && Number.isFinite(v),
          "lsuv",
          () =>
            `layer "${name}" (${m.constructor.name}, weight ${fmtShape(m.weight.shape)}) outputs variance ${v} on this batch, which no scaling can make ${targetVariance}; check the batch (constant or non-finite inputs?) and the layers before it`,
        );
        const s = Math.sqrt(targetVariance / v);
        noGrad(() => m.weight.mul_(s));
        iterations++;
        v = variance(outputOf(model, batch, m, name));
      }
      report.push({
        name,
        type: m.constructor.name,
        initialVariance,
        variance: v,
        iterations,
        converged: Math.abs(v - targetVariance) < tolerance,
      });
    }
  } finally {
    model.modules().forEach((m, i) => {
      m.training = modes[i];
    });
  }
  return report;
}
