// Loss modules: hold a loss's options (and class weights, as buffers) and call F's loss ops.
// `reduction` is "mean" (default), "sum" or "none".

import type { Tensor } from "../tensor/tensor";
import * as L from "./functional";
import { Module, reprArgs } from "./module";

export type Reduction = "mean" | "sum" | "none";

/**
 * Cross entropy of raw scores (logits) against class indices or class probabilities.
 * Shape: input (N, C) or (N, C, d1, ...), target (N) or (N, d1, ...) of class indices.
 */
export class CrossEntropyLoss extends Module {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  readonly labelSmoothing: number;
  constructor({
    weight = null,
    ignoreIndex = -100,
    reduction = "mean",
    labelSmoothing = 0,
  }: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction; labelSmoothing?: number } = {}) {
    super();
    this.registerBuffer("weight", weight);
    this.ignoreIndex = ignoreIndex;
    this.reduction = reduction;
    this.labelSmoothing = labelSmoothing;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
      labelSmoothing: this.labelSmoothing,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["ignoreIndex", this.ignoreIndex, -100],
        ["reduction", this.reduction, "mean"],
        ["labelSmoothing", this.labelSmoothing, 0],
      ],
    );
  }
}

/** Negative log likelihood of log-probabilities (after logSoftmax) against class indices. */
export class NLLLoss extends Module {
  declare weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: Reduction;
  constructor({
    weight = null,
    ignoreIndex = -100,
    reduction = "mean",
  }: { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction } = {}) {
    super();
    this.registerBuffer("weight", weight);
    this.ignoreIndex = ignoreIndex;
    this.reduction = reduction;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, {
      weight: this.weight,
      ignoreIndex: this.ignoreIndex,
      reduction: this.reduction,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["ignoreIndex", this.ignoreIndex, -100],
        ["reduction", this.reduction, "mean"],
      ],
    );
  }
}

/** Binary cross entropy of probabilities in [0, 1] (after a Sigmoid) against targets in [0, 1]. */
export class BCELoss extends Module {
  declare weight: Tensor | null;
  readonly reduction: Reduction;
  constructor({ weight = null, reduction = "mean" }: { weight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    this.registerBuffer("weight", weight);
    this.reduction = reduction;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, { weight: this.weight, reduction: this.reduction });
  }
  override extraRepr(): string {
    return reprArgs([], [["reduction", this.reduction, "mean"]]);
  }
}

/** Sigmoid + binary cross entropy in one numerically stable step; posWeight weights positives per class. */
export class BCEWithLogitsLoss extends Module {
  declare weight: Tensor | null;
  declare posWeight: Tensor | null;
  readonly reduction: Reduction;
  constructor({
    weight = null,
    posWeight = null,
    reduction = "mean",
  }: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {}) {
    super();
    this.registerBuffer("weight", weight);
    this.registerBuffer("posWeight", posWeight);
    this.reduction = reduction;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, {
      weight: this.weight,
      posWeight: this.posWeight,
      reduction: this.reduction,
    });
  }
  override extraRepr(): string {
    return reprArgs([], [["reduction", this.reduction, "mean"]]);
  }
}

/** Mean squared error. */
export class MSELoss extends Module {
  readonly reduction: Reduction;
  constructor({ reduction = "mean" }: { reduction?: Reduction } = {}) {
    super();
    this.reduction = reduction;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, { reduction: this.reduction });
  }
  override extraRepr(): string {
    return reprArgs([], [["reduction", this.reduction, "mean"]]);
  }
}

/** Mean absolute error. */
export class L1Loss extends Module {
  readonly reduction: Reduction;
  constructor({ reduction = "mean" }: { reduction?: Reduction } = {}) {
    super();
    this.reduction = reduction;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, { reduction: this.reduction });
  }
  override extraRepr(): string {
    return reprArgs([], [["reduction", this.reduction, "mean"]]);
  }
}

export interface TripletMarginOptions {
  margin?: number;
  p?: number;
  eps?: number;
  swap?: boolean;
  reduction?: Reduction;
}

/** max(d(a, p) - d(a, n) + margin, 0) for embeddings (N, D): anchor near positive, far from negative. */
export class TripletMarginLoss extends Module {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly swap: boolean;
  readonly reduction: Reduction;
  constructor({
    margin = 1,
    p = 2,
    eps = 1e-6,
    swap = false,
    reduction = "mean",
  }: TripletMarginOptions = {}) {
    super();
    this.margin = margin;
    this.p = p;
    this.eps = eps;
    this.swap = swap;
    this.reduction = reduction;
  }
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return L.tripletMarginLoss(anchor, positive, negative, {
      margin: this.margin,
      p: this.p,
      eps: this.eps,
      swap: this.swap,
      reduction: this.reduction,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["margin", this.margin, 1],
        ["p", this.p, 2],
        ["eps", this.eps, 1e-6],
        ["swap", this.swap, false],
        ["reduction", this.reduction, "mean"],
      ],
    );
  }
}
