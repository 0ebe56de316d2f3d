// Loss functions with PyTorch's semantics: class-index losses (nllLoss, crossEntropy with weights,
// ignoreIndex and label smoothing, or class-probability targets), binary cross-entropy on
// probabilities and on logits, mse and l1, and the triplet margin loss. The negative
// log-likelihood gather and binary cross-entropy are primitives; the rest are composites.
//
// NOTE: 'mean' of a class-index loss divides by the total weight of the targets not ignored
// (the count of them without weights), as PyTorch does; every other 'mean' is over elements.
// More losses: loss-regression.ts (huber, smooth l1, KL, Poisson), loss-metric.ts (pair losses);
// the reduction they share: loss-reduction.ts.

import { fromOp, needsGrad } from "../autograd/record";
import { bceBackward, bceForward, nllLossBackward, nllLossForward } from "../backends/ref/loss";
import { check, fmtShape } from "../errors";
import { broadcastShapes, numelOf, sameShape } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { pairwiseDistance } from "./distance";
import * as ew from "./elementwise";
import {
  checkReduction,
  checkSameShape,
  type Reduction,
  type ReductionOptions,
  reduce,
} from "./loss-reduction";
import { sum } from "./reduce";
import { expand, reshape } from "./shape";
import { logSoftmax } from "./softmax";
import { checkTensor } from "./tensor-args";

export type { Reduction, ReductionOptions } from "./loss-reduction";

export interface NllLossOptions extends ReductionOptions {
  /** A rescaling weight per class, shape (C). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (neither loss nor gradient, nor to the mean's divisor). */
  ignoreIndex?: number;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** In [0, 1]: mixes the target with the uniform distribution over classes. */
  labelSmoothing?: number;
}

export interface BinaryCrossEntropyOptions extends ReductionOptions {
  /** A rescaling weight per element, broadcast to the input's shape. */
  weight?: Tensor | null;
}

export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of positive examples, broadcast along the classes (last dim), e.g. shape (C). */
  posWeight?: Tensor | null;
}

export interface TripletMarginLossOptions extends ReductionOptions {
  margin?: number;
  /** The norm degree of the distances. */
  p?: number;
  eps?: number;
  /** Use the positive-negative distance when it is smaller (the "distance swap"). */
  swap?: boolean;
}

// ---- helpers ---------------------------------------------------------------------------------

/** An optional per-element weight, broadcast to `shape` (a copy, with gradient summing back). */
function weightTo(
  op: string,
  name: string,
  weight: Tensor | null | undefined,
  shape: readonly number[],
): Tensor | null {
  if (weight == null) return null;
  checkTensor(weight, op, name);
  const b = broadcastShapes(weight.shape, shape, op);
  check(
    sameShape(b, shape),
    op,
    () =>
      `${name} of shape ${fmtShape(weight.shape)} cannot be broadcast to the input's shape ${fmtShape(shape)}`,
  );
  return expand(weight, shape);
}

function checkClassWeight(op: string, weight: Tensor | null, C: number): void {
  if (weight === null) return;
  checkTensor(weight, op, "weight");
  check(
    weight.ndim === 1 && weight.shape[0] === C,
    op,
    () => `weight must hold one value per class, shape [${C}], got ${fmtShape(weight.shape)}`,
  );
}

interface ClassLayout {
  N: number;
  C: number;
  inner: number;
}

/** Checks class-index targets against input (N, C, d1, ...) or (C) and returns its (N, C, inner) view. */
function classLayout(op: string, input: Tensor, target: Tensor, ignoreIndex: number): ClassLayout {
  checkTensor(input, op, "input");
  checkTensor(target, op, "target");
  check(
    input.ndim >= 1,
    op,
    () => `input must be (N, C), (N, C, d1, ...) or unbatched (C) scores, got shape ${fmtShape(input.shape)}`,
  );
  const batched = input.ndim >= 2;
  const C = input.shape[batched ? 1 : 0];
  const expected = batched ? [input.shape[0], ...input.shape.slice(2)] : [];
  check(
    sameShape(target.shape, expected),
    op,
    () =>
      `for input of shape ${fmtShape(input.shape)} (${batched ? "N, C, ..." : "C"}) the target must hold one class index per ` +
      `item, shape ${fmtShape(expected)}, but it has shape ${fmtShape(target.shape)}` +
      (sameShape(target.shape, input.shape)
        ? "; a target of the input's shape is read as class probabilities and must be a float tensor (one-hot targets: use target.argmax(1) or target.float())"
        : ""),
  );
  const t = target.storage;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    check(
      Number.isInteger(v),
      op,
      () =>
        `target must hold integer class indices, found ${v} at position ${i} (target shape ${fmtShape(target.shape)}); ` +
        `use indices in [0, ${C - 1}] (a float tensor of whole numbers is fine), or pass class probabilities of the input's shape ${fmtShape(input.shape)}`,
    );
    check(
      v === ignoreIndex || (v >= 0 && v < C),
      op,
      () =>
        `target ${v} at position ${i} is out of range for ${C} classes; class indices must be in [0, ${C - 1}] ` +
        `(or equal ignoreIndex = ${ignoreIndex} to be skipped)`,
    );
  }
  return { N: batched ? input.shape[0] : 1, C, inner: batched ? numelOf(input.shape.slice(2)) : 1 };
}

/**
 * Per-item -weight[t] * logp[n, t, ...] (a primitive) and the total weight of the items kept.
 * `layout` is classLayout's result when the caller has already validated the targets.
 */
function nllItems(
  op: string,
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
  layout: ClassLayout = classLayout(op, logp, target, ignoreIndex),
) {
  const { N, C, inner } = layout;
  checkClassWeight(op, weight, C);
  const w = weight?.storage ?? null;
  const losses = new Float32Array(N * inner); // (N, inner)
  const total = nllLossForward(losses, logp.storage, target.storage, w, N, C, inner, ignoreIndex);
  const items = fromOp(op, losses, target.shape, [logp], [target, weight], (dlosses) => {
    const dinp = new Float32Array(logp.numel); // (N, C, inner)
    nllLossBackward(dinp, dlosses, target.storage, w, N, C, inner, ignoreIndex);
    return [dinp];
  });
  return { items, total };
}

function reduceItems(items: Tensor, total: number, reduction: Reduction): Tensor {
  if (reduction === "none") return items;
  const s = sum(items);
  return reduction === "sum" ? s : ew.div(s, total);
}

function nll(op: string, logp: Tensor, target: Tensor, options: NllLossOptions): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = "mean" } = options;
  checkReduction(op, reduction);
  const { items, total } = nllItems(op, logp, target, weight, ignoreIndex);
  return reduceItems(items, total, reduction);
}

// ---- class-index losses ----------------------------------------------------------------------

/**
 * Negative log-likelihood of class-index targets, given log-probabilities (e.g. logSoftmax output).
 * input (N, C) with target (N), input (N, C, d1, ...) with target (N, d1, ...), or input (C) with
 * a 0-d target; targets are int64 tensors or float tensors holding whole numbers.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  return nll("nllLoss", input, target, options);
}

/**
 * logSoftmax over the classes followed by nllLoss, for raw scores (logits) input (N, C),
 * (N, C, d1, ...) or (C). The target is either class indices (see nllLoss) or class
 * probabilities of the input's shape (float).
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = "crossEntropy";
  const { weight = null, ignoreIndex = -100, reduction = "mean", labelSmoothing = 0 } = options;
  checkTensor(input, op, "input");
  checkTensor(target, op, "target");
  checkReduction(op, reduction);
  check(
    labelSmoothing >= 0 && labelSmoothing <= 1,
    op,
    () => `labelSmoothing must be between 0 and 1, got ${labelSmoothing}`,
  );
  check(
    input.ndim >= 1,
    op,
    () => `input must be (N, C), (N, C, d1, ...) or unbatched (C) scores, got shape ${fmtShape(input.shape)}`,
  );
  check(
    input.dtype === "float32",
    op,
    () => `input must hold float scores (logits), got ${input.dtype}; call .float() first`,
  );
  const classDim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[classDim];
  checkClassWeight(op, weight, C);
  // The weight as a (1, C, 1, ...) view so it multiplies along the class dim.
  const classWeight = () =>
    weight === null
      ? null
      : reshape(
          weight,
          input.shape.map((s, d) => (d === classDim ? s : 1)),
        );

  if (target.dtype === "float32" && sameShape(target.shape, input.shape)) {
    // Class probabilities: -sum_c w_c t_c log p_c, averaged over items (not weights).
    check(
      ignoreIndex < 0,
      op,
      () => `ignoreIndex (${ignoreIndex}) is not supported with class-probability targets`,
    );
    const logp = logSoftmax(input, classDim);
    const t = labelSmoothing > 0 ? ew.add(ew.mul(target, 1 - labelSmoothing), labelSmoothing / C) : target;
    let prod = ew.mul(logp, t);
    const w = classWeight();
    if (w !== null) prod = ew.mul(prod, w);
    if (reduction === "none") return ew.neg(sum(prod, classDim));
    const total = ew.neg(sum(prod));
    return reduction === "sum" ? total : ew.div(total, input.numel / C);
  }

  // Validate the targets before computing anything.
  const layout = classLayout(op, input, target, ignoreIndex);
  const logp = logSoftmax(input, classDim);
  const { items, total } = nllItems(op, logp, target, weight, ignoreIndex, layout);
  const loss = reduceItems(items, total, reduction);
  if (labelSmoothing === 0) return loss;
  // aten's cross_entropy_loss_label_smoothing: the smoothing term -sum_c w_c log p_c per item,
  // zero where the target is ignored, reduced with the same divisor as the nll term.
  const w = classWeight();
  let smooth = ew.neg(sum(w === null ? logp : ew.mul(logp, w), classDim));
  const ignored = ew.eq(target, ignoreIndex);
  smooth = ew.where(ignored, 0, smooth);
  const smoothLoss = reduceItems(smooth, total, reduction);
  return ew.add(ew.mul(loss, 1 - labelSmoothing), ew.mul(smoothLoss, labelSmoothing / C));
}

// ---- binary cross-entropy --------------------------------------------------------------------

/**
 * Binary cross-entropy between probabilities `input` (values in [0, 1], e.g. sigmoid output) and
 * targets of the same shape. Logs are clamped at -100 as in PyTorch.
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  const op = "binaryCrossEntropy";
  const { weight = null, reduction = "mean" } = options;
  checkSameShape(op, input, target);
  checkReduction(op, reduction);
  const x = input.storage;
  for (let i = 0; i < x.length; i++)
    check(
      x[i] >= 0 && x[i] <= 1,
      op,
      () =>
        `input must hold probabilities in [0, 1], found ${x[i]} at position ${i}; ` +
        `apply sigmoid first, or use binaryCrossEntropyWithLogits on raw scores`,
    );
  const w = weightTo(op, "weight", weight, input.shape);
  const out = new Float32Array(input.numel);
  bceForward(out, x, target.storage, w?.storage ?? null);
  const loss = fromOp(op, out, input.shape, [input, target, w], [input, target, w], (dout) => {
    const dinp = needsGrad(input) ? new Float32Array(input.numel) : null;
    const dtarget = needsGrad(target) ? new Float32Array(target.numel) : null;
    const dweight = needsGrad(w) ? new Float32Array(w.numel) : null;
    bceBackward(dinp, dtarget, dweight, dout, x, target.storage, w?.storage ?? null);
    return [dinp, dtarget, dweight];
  });
  return reduce(loss, reduction);
}

/**
 * Binary cross-entropy on raw scores: sigmoid and log fused stably as
 * (1 - t) x + l * log(1 + exp(-x)), with l = 1 + (posWeight - 1) t.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const { weight = null, posWeight = null, reduction = "mean" } = options;
  checkSameShape(op, input, target);
  checkReduction(op, reduction);
  const w = weightTo(op, "weight", weight, input.shape);
  const pw = weightTo(op, "posWeight", posWeight, input.shape);
  // softplus(-x) = log(1 + exp(-x)), computed without overflow for large |x|.
  const logOnePlusExp = ew.softplus(ew.neg(input));
  const logWeight = pw === null ? null : ew.add(ew.mul(ew.sub(pw, 1), target), 1);
  let loss = ew.add(
    ew.mul(ew.sub(1, target), input),
    logWeight === null ? logOnePlusExp : ew.mul(logWeight, logOnePlusExp),
  );
  if (w !== null) loss = ew.mul(loss, w);
  return reduce(loss, reduction);
}

// ---- regression losses -----------------------------------------------------------------------

/** Mean squared error (x - y)^2; input and target must have the same shape. */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const { reduction = "mean" } = options;
  checkSameShape("mseLoss", input, target);
  checkReduction("mseLoss", reduction);
  return reduce(ew.square(ew.sub(input, target)), reduction);
}

/** Mean absolute error |x - y|; input and target must have the same shape. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const { reduction = "mean" } = options;
  checkSameShape("l1Loss", input, target);
  checkReduction("l1Loss", reduction);
  return reduce(ew.abs(ew.sub(input, target)), reduction);
}

// ---- metric learning -------------------------------------------------------------------------

/**
 * max(d(a, p) - d(a, n) + margin, 0) with d the pairwise p-norm distance (see pairwiseDistance),
 * for anchors, positives and negatives of shape (N, D) or (D).
 */
export function tripletMarginLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  options: TripletMarginLossOptions = {},
): Tensor {
  const op = "tripletMarginLoss";
  const { margin = 1, p = 2, eps = 1e-6, swap = false, reduction = "mean" } = options;
  checkReduction(op, reduction);
  checkTensor(anchor, op, "anchor");
  checkTensor(positive, op, "positive");
  checkTensor(negative, op, "negative");
  check(
    anchor.ndim === positive.ndim && anchor.ndim === negative.ndim,
    op,
    () =>
      `anchor, positive and negative must have the same number of dims, got shapes ${fmtShape(anchor.shape)}, ` +
      `${fmtShape(positive.shape)} and ${fmtShape(negative.shape)}`,
  );
  const dPos = pairwiseDistance(anchor, positive, { p, eps });
  let dNeg = pairwiseDistance(anchor, negative, { p, eps });
  if (swap) dNeg = ew.minimum(dNeg, pairwiseDistance(positive, negative, { p, eps }));
  return reduce(ew.clamp(ew.add(ew.sub(dPos, dNeg), margin), 0, null), reduction);
}
