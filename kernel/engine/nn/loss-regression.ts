// Loss modules over F.huberLoss, F.smoothL1Loss, F.klDiv and F.poissonNllLoss (ops/loss-regression.ts):
// they hold the options and print the non-default ones.

import type { Tensor } from "../tensor/tensor";
import * as L from "./functional";
import type { Reduction } from "./loss";
import { Module, reprArgs } from "./module";

/** Huber loss: quadratic for |input - target| < delta, linear beyond. */
export class HuberLoss extends Module {
  readonly reduction: Reduction;
  readonly delta: number;
  constructor({ reduction = "mean", delta = 1 }: L.HuberLossOptions = {}) {
    super();
    this.reduction = reduction;
    this.delta = delta;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, { reduction: this.reduction, delta: this.delta });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["reduction", this.reduction, "mean"],
        ["delta", this.delta, 1],
      ],
    );
  }
}

/** Smooth L1 loss: 0.5 z^2 / beta for |z| < beta, |z| - 0.5 beta beyond (Fast R-CNN's box loss). */
export class SmoothL1Loss extends Module {
  readonly reduction: Reduction;
  readonly beta: number;
  constructor({ reduction = "mean", beta = 1 }: L.SmoothL1LossOptions = {}) {
    super();
    this.reduction = reduction;
    this.beta = beta;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, { reduction: this.reduction, beta: this.beta });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["reduction", this.reduction, "mean"],
        ["beta", this.beta, 1],
      ],
    );
  }
}

/** KL divergence of log-probabilities (input) from a target distribution; use reduction 'batchmean'. */
export class KLDivLoss extends Module {
  readonly reduction: Reduction | "batchmean";
  readonly logTarget: boolean;
  constructor({ reduction = "mean", logTarget = false }: L.KlDivOptions = {}) {
    super();
    this.reduction = reduction;
    this.logTarget = logTarget;
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.klDiv(input, target, { reduction: this.reduction, logTarget: this.logTarget });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["reduction", this.reduction, "mean"],
        ["logTarget", this.logTarget, false],
      ],
    );
  }
}

/** Poisson negative log-likelihood of count targets given (log) rates. */
export class PoissonNLLLoss extends Module {
  readonly logInput: boolean;
  readonly full: boolean;
  readonly eps: number;
  readonly reduction: Reduction;
  constructor({
    logInput = true,
    full = false,
    eps = 1e-8,
    reduction = "mean",
  }: L.PoissonNllLossOptions = {}) {
    super();
    this.logInput = logInput;
    this.full = full;
    this.eps = eps;
    this.reduction = reduction;
  }
  forward(logInput: Tensor, target: Tensor): Tensor {
    return L.poissonNllLoss(logInput, target, {
      logInput: this.logInput,
      full: this.full,
      eps: this.eps,
      reduction: this.reduction,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["logInput", this.logInput, true],
        ["full", this.full, false],
        ["eps", this.eps, 1e-8],
        ["reduction", this.reduction, "mean"],
      ],
    );
  }
}
