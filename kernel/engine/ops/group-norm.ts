// Group and instance normalisation (F.groupNorm, F.instanceNorm) of (N, C, *) input: statistics
// per item and group of channels (instance norm: per item and channel), so the batch size does not
// matter; then a per-channel scale and shift. A primitive with a fused backward
// (backends/ref/group-norm.ts); instance norm's evaluation with running statistics is batchNorm's.

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp, needsGrad } from "../autograd/record";
import { bumpVersion } from "../autograd/version";
import { groupNormBackward, groupNormForward } from "../backends/ref/group-norm";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { numelOf } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { batchNorm } from "./norm";
import { checkOptionalTensor, checkTensor } from "./tensor-args";

export interface GroupNormOptions {
  /** Per-channel scale, shape (C). */
  weight?: Tensor | null;
  /** Per-channel shift, shape (C). */
  bias?: Tensor | null;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

export interface InstanceNormOptions extends GroupNormOptions {
  /** Per-channel running mean (C), updated in place when the input's statistics are used. */
  runningMean?: Tensor | null;
  /** Per-channel running variance (C), updated likewise (with each instance's unbiased variance). */
  runningVar?: Tensor | null;
  /** Normalise with each instance's statistics (default true), else with the running ones. */
  useInputStats?: boolean;
  /** Weight of the new statistics in the running averages. Default 0.1. */
  momentum?: number;
}

/** The optional arguments in PyTorch's order (positionally or by name). */
const GROUP_NAMES = ["weight", "bias", "eps"] as const;
const INSTANCE_NAMES = [
  "runningMean",
  "runningVar",
  "weight",
  "bias",
  "useInputStats",
  "momentum",
  "eps",
] as const;

/** Checks (N, C, *) float input; returns N, C and inner = the product of the * dims. */
function layout(op: string, input: Tensor): { N: number; C: number; inner: number } {
  checkTensor(input, op, "input");
  check(
    input.ndim >= 2,
    op,
    () =>
      `input must be (N, C, *) with at least 2 dims, got shape ${fmtShape(input.shape)}; add the batch dim with x.unsqueeze(0)`,
  );
  check(
    input.dtype === "float32",
    op,
    () => `expects a float input, got ${input.dtype}; call .float() first`,
  );
  return { N: input.shape[0], C: input.shape[1], inner: numelOf(input.shape.slice(2)) };
}

function checkPerChannel(op: string, name: string, t: Tensor | null, C: number, input: Tensor): void {
  checkOptionalTensor(t, op, name);
  check(
    t == null || (t.ndim === 1 && t.shape[0] === C),
    op,
    () =>
      `${name} must have one entry per channel, shape [${C}] for input of shape ${fmtShape(input.shape)}, got ${fmtShape(t!.shape)}`,
  );
}

function checkEps(op: string, eps: unknown): asserts eps is number {
  check(
    typeof eps === "number" && eps >= 0,
    op,
    () => `eps must be a non-negative number, got ${String(eps)}`,
  );
}

/**
 * Normalises each (n, group) of input (N, C, inner) and applies the per-channel weight and bias;
 * `variance` (N, G), if given, receives the biased variances.
 */
function normalizeGroups(
  op: string,
  input: Tensor,
  G: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  variance: Float32Array | null = null,
): { output: Tensor; mean: Float32Array } {
  const [N, C] = input.shape;
  const inner = numelOf(input.shape.slice(2));
  const out = emptyStorage(input.numel); // (N, C, inner)
  const mean = new Float32Array(N * G); // (N, G)
  const rstd = new Float32Array(N * G); // (N, G)
  const w = weight?.storage ?? null;
  const b = bias?.storage ?? null;
  groupNormForward(out, mean, rstd, variance, input.storage, w, b, N, C, inner, G, eps);
  const output = fromOp(op, out, input.shape, [input, weight, bias], [input, weight], (dout) => {
    const dinp = needsGrad(input) ? gradBuffer(input.numel) : null; // (N, C, inner)
    const dweight = needsGrad(weight) ? gradBuffer(C) : null; // (C)
    const dbias = needsGrad(bias) ? gradBuffer(C) : null; // (C)
    groupNormBackward(dinp, dweight, dbias, dout, input.storage, mean, rstd, w, N, C, inner, G);
    return [dinp, dweight, dbias];
  });
  return { output, mean };
}

/**
 * Group normalisation (Wu & He 2018): the C channels of input (N, C, *) split into numGroups groups;
 * each item's group is normalised by its mean and biased variance, then channel c is scaled by
 * weight[c] and shifted by bias[c]. numGroups = 1 is layer norm over (C, *) with per-channel affine;
 * numGroups = C is instance norm. Optional arguments positionally or as an options object.
 */
export function groupNorm(
  input: Tensor,
  numGroups: number,
  weight?: Tensor | null | GroupNormOptions,
  bias?: Tensor | null | GroupNormOptions,
  eps?: number | GroupNormOptions,
): Tensor {
  const op = "groupNorm";
  const { C } = layout(op, input);
  const args = namedArgs<GroupNormOptions>(op, GROUP_NAMES, [weight, bias, eps], GROUP_NAMES);
  const { weight: w = null, bias: b = null, eps: e = 1e-5 } = args;
  check(
    Number.isInteger(numGroups) && numGroups >= 1 && C % numGroups === 0,
    op,
    () =>
      `numGroups must be a positive integer dividing the ${C} channels of input (shape ${fmtShape(input.shape)}), got ${numGroups}` +
      (Number.isInteger(numGroups) && numGroups >= 1 ? `; divisors of ${C}: ${divisors(C).join(", ")}` : ""),
  );
  checkPerChannel(op, "weight", w, C, input);
  checkPerChannel(op, "bias", b, C, input);
  checkEps(op, e);
  return normalizeGroups(op, input, numGroups, w, b, e).output;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/**
 * Instance normalisation (Ulyanov et al. 2016) of input (N, C, *): each item's channel normalised
 * by its own mean and biased variance over the * dims, then the per-channel weight and bias.
 * With useInputStats (the default) runningMean / runningVar, if given, are updated in place:
 * running = (1 - momentum) running + momentum * (the batch's average of the instances' mean /
 * unbiased variance); with useInputStats false they normalise instead (as batchNorm in evaluation).
 * Optional arguments positionally, in PyTorch's order, or as an options object.
 */
export function instanceNorm(
  input: Tensor,
  runningMean?: Tensor | null | InstanceNormOptions,
  runningVar?: Tensor | null | InstanceNormOptions,
  weight?: Tensor | null | InstanceNormOptions,
  bias?: Tensor | null | InstanceNormOptions,
  useInputStats?: boolean | InstanceNormOptions,
  momentum?: number | InstanceNormOptions,
  eps?: number | InstanceNormOptions,
): Tensor {
  const op = "instanceNorm";
  const { N, C, inner } = layout(op, input);
  const args = namedArgs<InstanceNormOptions>(
    op,
    INSTANCE_NAMES,
    [runningMean, runningVar, weight, bias, useInputStats, momentum, eps],
    INSTANCE_NAMES,
  );
  const {
    runningMean: rm = null,
    runningVar: rv = null,
    weight: w = null,
    bias: b = null,
    useInputStats: useInput = true,
    momentum: m = 0.1,
    eps: e = 1e-5,
  } = args;
  checkPerChannel(op, "runningMean", rm, C, input);
  checkPerChannel(op, "runningVar", rv, C, input);
  checkPerChannel(op, "weight", w, C, input);
  checkPerChannel(op, "bias", b, C, input);
  checkEps(op, e);
  check(typeof m === "number", op, () => `momentum must be a number, got ${String(m)}`);
  if (!useInput) {
    check(
      rm != null && rv != null,
      op,
      "useInputStats false normalises with runningMean and runningVar, so both must be given; leave useInputStats true to use each instance's statistics",
    );
    return batchNorm(input, rm, rv, { weight: w, bias: b, training: false, eps: e });
  }
  check(
    inner > 1,
    op,
    () =>
      `expected more than 1 value per channel of each instance, got input of shape ${fmtShape(input.shape)}; ` +
      `instance norm normalises over the spatial dims (N, C, L) or (N, C, H, W), so (N, C) features need batchNorm or layerNorm`,
  );
  const variance = rm != null || rv != null ? new Float32Array(N * C) : null; // (N, C)
  const { output, mean } = normalizeGroups(op, input, C, w, b, e, variance);
  // NOTE: running statistics are buffers: updated in place, outside the graph (as batchNorm's).
  const average = (stat: Float32Array, scale: number, c: number) => {
    let s = 0;
    for (let n = 0; n < N; n++) s += stat[n * C + c];
    return (s * scale) / N;
  };
  if (rm != null) {
    for (let c = 0; c < C; c++) rm.storage[c] = (1 - m) * rm.storage[c] + m * average(mean, 1, c);
    bumpVersion(rm.storage, op);
  }
  if (rv != null) {
    const unbiased = inner / (inner - 1);
    for (let c = 0; c < C; c++) rv.storage[c] = (1 - m) * rv.storage[c] + m * average(variance!, unbiased, c);
    bumpVersion(rv.storage, op);
  }
  return output;
}
