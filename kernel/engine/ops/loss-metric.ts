// Pair losses for metric learning (siamese networks): cosineEmbeddingLoss and marginRankingLoss with
// PyTorch 1.13's formulas, and the contrastive loss of Hadsell, Chopra & LeCun 2006, which PyTorch
// lacks. Composites of elementwise ops and reductions: autograd differentiates them.
// (tripletMarginLoss is in loss.ts.)

import { check, fmtShape } from "../errors";
import { sameShape } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { pairwiseDistance } from "./distance";
import * as ew from "./elementwise";
import { checkReduction, type ReductionOptions, reduce } from "./loss-reduction";
import { sum } from "./reduce";
import { checkTensor } from "./tensor-args";

export interface MarginLossOptions extends ReductionOptions {
  /** Default 0. */
  margin?: number;
}

export interface ContrastiveLossOptions extends ReductionOptions {
  /** Dissimilar pairs closer than this are pushed apart. Default 1. */
  margin?: number;
  /** The norm degree of the distance (as pairwiseDistance). Default 2. */
  p?: number;
  /** Added to the difference before the norm (as pairwiseDistance). Default 1e-6. */
  eps?: number;
  /** Hadsell et al.'s squared terms with their factor 1/2 (default true); false gives the plain form. */
  squared?: boolean;
}

/**
 * Checks a pair (x1, x2) of (N, D) or (D) embeddings with their target: (N) or a scalar.
 */
function checkPairs(op: string, x1: Tensor, x2: Tensor, target: Tensor): void {
  checkTensor(x1, op, "input1");
  checkTensor(x2, op, "input2");
  checkTensor(target, op, "target");
  check(
    sameShape(x1.shape, x2.shape) && (x1.ndim === 1 || x1.ndim === 2),
    op,
    () =>
      `input1 and input2 must be embeddings of one shape, (N, D) or (D), got ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
  );
  const want = x1.ndim === 2 ? [x1.shape[0]] : [];
  check(
    sameShape(target.shape, want),
    op,
    () =>
      `target must hold one label per pair, shape ${fmtShape(want)} for inputs of shape ${fmtShape(x1.shape)}, got ${fmtShape(target.shape)}`,
  );
}

/** Checks every target value is one of `allowed`. */
function checkLabels(op: string, target: Tensor, allowed: readonly number[], meaning: string): void {
  const t = target.storage;
  for (let i = 0; i < t.length; i++)
    check(
      allowed.includes(t[i]),
      op,
      () => `target must be ${allowed.join(" or ")} (${meaning}), found ${t[i]} at position ${i}`,
    );
}

/**
 * 1 - cos(x1, x2) for similar pairs (target 1) and max(0, cos(x1, x2) - margin) for dissimilar ones
 * (target -1), with cos along the last dim of (N, D) or (D) inputs.
 * NOTE: cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)), PyTorch's EPSILON.
 */
export function cosineEmbeddingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  options: MarginLossOptions = {},
): Tensor {
  const op = "cosineEmbeddingLoss";
  const { margin = 0, reduction = "mean" } = options;
  checkPairs(op, input1, input2, target);
  checkReduction(op, reduction);
  checkLabels(op, target, [1, -1], "1 for similar pairs, -1 for dissimilar ones");
  const d = input1.ndim - 1;
  const dot = sum(ew.mul(input1, input2), d);
  const norms = ew.mul(ew.add(sum(ew.square(input1), d), 1e-12), ew.add(sum(ew.square(input2), d), 1e-12));
  const cos = ew.div(dot, ew.sqrt(norms));
  const similar = ew.where(ew.eq(target, 1), ew.sub(1, cos), 0);
  const dissimilar = ew.where(ew.eq(target, -1), ew.clamp(ew.sub(cos, margin), 0, null), 0);
  return reduce(ew.add(similar, dissimilar), reduction);
}

/**
 * max(0, -target (input1 - input2) + margin): target 1 says input1 should rank higher than input2,
 * -1 lower. input1, input2 and target have one shape.
 */
export function marginRankingLoss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  options: MarginLossOptions = {},
): Tensor {
  const op = "marginRankingLoss";
  const { margin = 0, reduction = "mean" } = options;
  checkTensor(input1, op, "input1");
  checkTensor(input2, op, "input2");
  checkTensor(target, op, "target");
  check(
    sameShape(input1.shape, input2.shape) && sameShape(input1.shape, target.shape),
    op,
    () =>
      `input1, input2 and target must have one shape, got ${fmtShape(input1.shape)}, ${fmtShape(input2.shape)} and ${fmtShape(target.shape)}`,
  );
  checkReduction(op, reduction);
  const loss = ew.clamp(ew.add(ew.mul(ew.neg(target), ew.sub(input1, input2)), margin), 0, null);
  return reduce(loss, reduction);
}

/**
 * The contrastive loss of siamese networks (Hadsell, Chopra & LeCun 2006, "Dimensionality Reduction
 * by Learning an Invariant Mapping", eq. 4), with the lecture's label convention (target 1 for a
 * similar pair, 0 for a dissimilar one) and d = pairwiseDistance(x1, x2, {p, eps}):
 *
 *   L = target * d^2 / 2 + (1 - target) * max(0, margin - d)^2 / 2
 *
 * With `squared: false`, the lecture slide's plain form target * d + (1 - target) * max(0, margin - d).
 * NOTE: Hadsell et al. write Y = 0 for similar pairs; here target = 1 - Y.
 */
export function contrastiveLoss(
  x1: Tensor,
  x2: Tensor,
  target: Tensor,
  options: ContrastiveLossOptions = {},
): Tensor {
  const op = "contrastiveLoss";
  const { margin = 1, p = 2, eps = 1e-6, squared = true, reduction = "mean" } = options;
  checkPairs(op, x1, x2, target);
  checkReduction(op, reduction);
  check(
    typeof margin === "number" && margin >= 0,
    op,
    () => `margin must be a non-negative number, got ${margin}`,
  );
  checkLabels(op, target, [0, 1], "1 for similar pairs, 0 for dissimilar ones");
  const d = pairwiseDistance(x1, x2, { p, eps });
  const gap = ew.clamp(ew.sub(margin, d), 0, null);
  const similar = squared ? ew.mul(ew.square(d), 0.5) : d;
  const dissimilar = squared ? ew.mul(ew.square(gap), 0.5) : gap;
  return reduce(ew.add(ew.mul(target, similar), ew.mul(ew.sub(1, target), dissimilar)), reduction);
}
