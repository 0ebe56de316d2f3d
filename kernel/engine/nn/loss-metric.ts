// Pair-loss modules for metric learning over F.cosineEmbeddingLoss, F.marginRankingLoss and
// F.contrastiveLoss (ops/loss-metric.ts). TripletMarginLoss is in loss.ts; the ArcFace and CosFace
// margin heads in margin-heads.ts.

import type { Tensor } from "../tensor/tensor";
import * as L from "./functional";
import type { Reduction } from "./loss";
import { Module, reprArgs } from "./module";

abstract class MarginPairLoss extends Module {
  readonly margin: number;
  readonly reduction: Reduction;
  constructor({ margin = 0, reduction = "mean" }: L.MarginLossOptions = {}) {
    super();
    this.margin = margin;
    this.reduction = reduction;
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["margin", this.margin, 0],
        ["reduction", this.reduction, "mean"],
      ],
    );
  }
}

/** 1 - cos for similar pairs (target 1), max(0, cos - margin) for dissimilar ones (target -1). */
export class CosineEmbeddingLoss extends MarginPairLoss {
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.cosineEmbeddingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/** max(0, -target (input1 - input2) + margin): learns an order (target 1: input1 ranks higher). */
export class MarginRankingLoss extends MarginPairLoss {
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.marginRankingLoss(input1, input2, target, { margin: this.margin, reduction: this.reduction });
  }
}

/**
 * The siamese contrastive loss (Hadsell et al. 2006): target 1 pulls a pair together (d^2 / 2),
 * target 0 pushes it to at least `margin` apart (max(0, margin - d)^2 / 2). See F.contrastiveLoss.
 */
export class ContrastiveLoss extends Module {
  readonly margin: number;
  readonly p: number;
  readonly eps: number;
  readonly squared: boolean;
  readonly reduction: Reduction;
  constructor({
    margin = 1,
    p = 2,
    eps = 1e-6,
    squared = true,
    reduction = "mean",
  }: L.ContrastiveLossOptions = {}) {
    super();
    this.margin = margin;
    this.p = p;
    this.eps = eps;
    this.squared = squared;
    this.reduction = reduction;
  }
  forward(x1: Tensor, x2: Tensor, target: Tensor): Tensor {
    const { margin, p, eps, squared, reduction } = this;
    return L.contrastiveLoss(x1, x2, target, { margin, p, eps, squared, reduction });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["margin", this.margin, 1],
        ["p", this.p, 2],
        ["eps", this.eps, 1e-6],
        ["squared", this.squared, true],
        ["reduction", this.reduction, "mean"],
      ],
    );
  }
}
