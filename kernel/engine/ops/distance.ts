// Distances and similarities between batches of vectors: pairwiseDistance (the p-norm of the
// difference along the last dim) and cosineSimilarity (along `dim`). Composites of elementwise
// ops and reductions, with PyTorch 1.13's formulas (including where eps enters).

import { check, fmtShape } from "../errors";
import { broadcastShapes, normDim } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import * as ew from "./elementwise";
import { norm, sum } from "./reduce";
import { expand } from "./shape";
import { checkTensor } from "./tensor-args";

export interface PairwiseDistanceOptions {
  /** The norm degree (2: Euclidean, 1: Manhattan, Infinity: max). */
  p?: number;
  /** Added to the difference before the norm, so identical vectors keep a finite gradient. */
  eps?: number;
  keepdim?: boolean;
}

export interface CosineSimilarityOptions {
  dim?: number;
  /** Lower bound of each vector's norm, so zero vectors give 0 instead of NaN. */
  eps?: number;
}

function checkPair(op: string, x1: Tensor, x2: Tensor): number[] {
  checkTensor(x1, op, "x1");
  checkTensor(x2, op, "x2");
  return broadcastShapes(x1.shape, x2.shape, op);
}

/** ||x1 - x2 + eps||_p along the last dim; x1 and x2 broadcast, e.g. (N, D) with (N, D) or (D). */
export function pairwiseDistance(x1: Tensor, x2: Tensor, options: PairwiseDistanceOptions = {}): Tensor {
  const op = "pairwiseDistance";
  const { p = 2, eps = 1e-6, keepdim = false } = options;
  const shape = checkPair(op, x1, x2);
  check(shape.length >= 1, op, () => "expects vectors (at least 1-D inputs), got two 0-d tensors");
  check(p > 0, op, () => `p must be positive (1, 2, ... or Infinity), got ${p}`);
  return norm(ew.add(ew.sub(x1, x2), eps), p, shape.length - 1, keepdim);
}

/**
 * x1 . x2 / (max(||x1||, eps) max(||x2||, eps)) along `dim` (default 1), after broadcasting
 * x1 and x2 to a common shape. Each input is divided by its own (clamped) norm first, as in
 * PyTorch 1.13, which keeps the result within [-1, 1].
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: CosineSimilarityOptions = {}): Tensor {
  const op = "cosineSimilarity";
  const { dim = 1, eps = 1e-8 } = options;
  const shape = checkPair(op, x1, x2);
  const d = normDim(dim, shape.length, op);
  check(
    shape.length >= 1,
    op,
    () => `expects vectors, got shapes ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}`,
  );
  const a = expand(x1, shape);
  const b = expand(x2, shape);
  return sum(ew.mul(ew.div(a, clampedNorm(a, d, eps)), ew.div(b, clampedNorm(b, d, eps))), d);
}

/**
 * max(||x||, eps) along dim (kept), with PyTorch's gradient x / max(||x||, eps) even where the
 * clamp is active (PyTorch clamps the norm in place, outside autograd).
 */
function clampedNorm(x: Tensor, dim: number, eps: number): Tensor {
  const squares = sum(ew.square(x), dim, true);
  // sqrt(s + lift) with a constant lift = max(eps^2 - s, 0): the value is max(||x||, eps) and the
  // gradient x / max(||x||, eps).
  const lift = ew.clamp(ew.sub(eps * eps, squares.detach()), 0, null);
  return ew.sqrt(ew.add(squares, lift));
}
