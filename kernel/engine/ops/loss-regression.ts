// Elementwise losses beyond mse and l1, with PyTorch 1.13's formulas and options: huberLoss and
// smoothL1Loss (robust regression, e.g. bounding boxes), klDiv (between distributions, with
// 'batchmean') and poissonNllLoss (counts). Composites of elementwise ops: autograd differentiates them.

import { check, fmtShape } from "../errors";
import type { Tensor } from "../tensor/tensor";
import * as ew from "./elementwise";
import {
  checkReduction,
  checkSameShape,
  type Reduction,
  type ReductionOptions,
  reduce,
} from "./loss-reduction";
import { sum } from "./reduce";

export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear; positive. Default 1. */
  delta?: number;
}

export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear; non-negative (0 is l1Loss). Default 1. */
  beta?: number;
}

export interface KlDivOptions {
  /** 'mean' (over elements, PyTorch's default), 'batchmean' (the sum / batch size: the true KL divergence), 'sum' or 'none'. */
  reduction?: Reduction | "batchmean";
  /** The target holds log-probabilities too (default false: probabilities). */
  logTarget?: boolean;
}

export interface PoissonNllLossOptions extends ReductionOptions {
  /** The input is the log of the rate (default true): loss exp(input) - target * input. */
  logInput?: boolean;
  /** Add the Stirling approximation of log(target!) (for targets > 1), making the loss a full NLL. */
  full?: boolean;
  /** Added to the rate inside the log when logInput is false. Default 1e-8. */
  eps?: number;
}

/** The Huber function of z = input - target: 0.5 z^2 where |z| < delta, else delta (|z| - 0.5 delta). */
function huber(input: Tensor, target: Tensor, delta: number): Tensor {
  const z = ew.sub(input, target);
  const a = ew.abs(z);
  return ew.where(ew.lt(a, delta), ew.mul(ew.square(z), 0.5), ew.mul(ew.sub(a, 0.5 * delta), delta));
}

/**
 * Huber loss: 0.5 z^2 where |z| < delta, else delta (|z| - 0.5 delta), z = input - target.
 * Equals delta * smoothL1Loss with beta = delta.
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const op = "huberLoss";
  const { reduction = "mean", delta = 1 } = options;
  checkSameShape(op, input, target);
  checkReduction(op, reduction);
  check(typeof delta === "number" && delta > 0, op, () => `delta must be a positive number, got ${delta}`);
  return reduce(huber(input, target, delta), reduction);
}

/**
 * Smooth L1 loss (Fast R-CNN's box regression): 0.5 z^2 / beta where |z| < beta, else |z| - 0.5 beta,
 * z = input - target: huberLoss / beta with delta = beta; beta 0 is l1Loss.
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const op = "smoothL1Loss";
  const { reduction = "mean", beta = 1 } = options;
  checkSameShape(op, input, target);
  checkReduction(op, reduction);
  check(typeof beta === "number" && beta >= 0, op, () => `beta must be a non-negative number, got ${beta}`);
  const loss = beta === 0 ? ew.abs(ew.sub(input, target)) : ew.div(huber(input, target, beta), beta);
  return reduce(loss, reduction);
}

/**
 * Kullback-Leibler divergence KL(target || exp(input)) pointwise: input holds log-probabilities
 * (e.g. logSoftmax output), target probabilities: target (log target - input), 0 where target is 0;
 * with logTarget, exp(target) (target - input). reduction 'batchmean' divides the sum by the batch
 * size (dim 0), which is the KL divergence per sample; 'mean' divides by the number of elements.
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  const op = "klDiv";
  const { reduction = "mean", logTarget = false } = options;
  checkSameShape(op, input, target);
  check(
    reduction === "mean" || reduction === "sum" || reduction === "none" || reduction === "batchmean",
    op,
    () => `reduction must be 'mean', 'batchmean', 'sum' or 'none', got ${JSON.stringify(reduction)}`,
  );
  let loss: Tensor;
  if (logTarget) loss = ew.mul(ew.exp(target), ew.sub(target, input));
  else {
    // x log x with 0 log 0 = 0 (PyTorch's xlogy); the log reads 1 where the target is 0, so no
    // infinity reaches the gradient.
    const zero = ew.eq(target, 0);
    const logT = ew.log(ew.where(zero, 1, target));
    loss = ew.mul(target, ew.sub(logT, input));
  }
  if (reduction !== "batchmean") return reduce(loss, reduction);
  const batch = input.ndim === 0 ? 1 : input.shape[0];
  check(
    batch > 0,
    op,
    () => `'batchmean' divides by the batch size, but input of shape ${fmtShape(input.shape)} is empty`,
  );
  return ew.div(sum(loss), batch);
}

/**
 * Negative log-likelihood of targets under Poisson distributions: with logInput (default) the input
 * is log(rate) and the loss exp(input) - target * input; otherwise the input is the rate and the loss
 * input - target * log(input + eps). `full` adds target log(target) - target + 0.5 log(2 pi target)
 * where target > 1.
 */
export function poissonNllLoss(input: Tensor, target: Tensor, options: PoissonNllLossOptions = {}): Tensor {
  const op = "poissonNllLoss";
  const { reduction = "mean", logInput = true, full = false, eps = 1e-8 } = options;
  checkSameShape(op, input, target);
  checkReduction(op, reduction);
  check(typeof eps === "number" && eps >= 0, op, () => `eps must be a non-negative number, got ${eps}`);
  let loss = logInput
    ? ew.sub(ew.exp(input), ew.mul(target, input))
    : ew.sub(input, ew.mul(target, ew.log(ew.add(input, eps))));
  if (full) {
    // The log reads 1 where target <= 1 (the term is masked there), so no NaN reaches the gradient.
    const big = ew.gt(target, 1);
    const safe = ew.where(big, target, 1);
    const stirling = ew.add(
      ew.sub(ew.mul(safe, ew.log(safe)), safe),
      ew.mul(ew.log(ew.mul(safe, 2 * Math.PI)), 0.5),
    );
    loss = ew.add(loss, ew.where(big, stirling, 0));
  }
  return reduce(loss, reduction);
}
