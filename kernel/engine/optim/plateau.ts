// ReduceLROnPlateau (torch.optim.lr_scheduler, 1.13): multiplies the lr by `factor` when a
// watched metric (validation loss, accuracy) has not improved for more than `patience` epochs.
// Call `scheduler.step(metric)` once per epoch.

import { check } from "../errors";
import { Tensor } from "../tensor/tensor";
import type { Optimizer } from "./optimizer";

export interface ReduceLROnPlateauOptions {
  /** "min": lower is better (a loss); "max": higher is better (an accuracy). */
  mode?: "min" | "max";
  factor?: number;
  /** Epochs without improvement tolerated before reducing. */
  patience?: number;
  /** Minimum change that counts as an improvement, relative ("rel") or absolute ("abs"). */
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a reduction before counting bad epochs again. */
  cooldown?: number;
  minLr?: number | readonly number[];
  /** Reductions smaller than eps are skipped. */
  eps?: number;
}

export class ReduceLROnPlateau {
  readonly mode: "min" | "max";
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: "rel" | "abs";
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    readonly optimizer: Optimizer,
    {
      mode = "min",
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = "rel",
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
    }: ReduceLROnPlateauOptions = {},
  ) {
    const op = "ReduceLROnPlateau";
    check(factor < 1, op, () => `factor should be < 1.0, got ${factor}`);
    check(mode === "min" || mode === "max", op, `mode must be "min" or "max", got "${mode}"`);
    check(
      thresholdMode === "rel" || thresholdMode === "abs",
      op,
      `thresholdMode must be "rel" or "abs", got "${thresholdMode}"`,
    );
    const n = optimizer.paramGroups.length;
    this.minLrs = typeof minLr === "number" ? Array(n).fill(minLr) : [...minLr];
    check(this.minLrs.length === n, op, () => `expected ${n} values for minLr, got ${this.minLrs.length}`);
    this.mode = mode;
    this.factor = factor;
    this.patience = patience;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.cooldown = cooldown;
    this.eps = eps;
    this.best = mode === "min" ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { best, threshold: t } = this;
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === "rel" ? a > best * (t + 1) : a > best + t;
  }

  /** Records this epoch's metric and reduces the lr if it has stalled. */
  step(metric: number | Tensor): void {
    if (metric instanceof Tensor) metric = metric.item();
    check(
      typeof metric === "number",
      "ReduceLROnPlateau.step",
      `expects the epoch's metric (a number, e.g. the validation loss), got ${typeof metric}`,
    );
    this.lastEpoch++;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const newLr = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - newLr > this.eps) g.lr = newLr;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): Record<string, unknown> {
    const { optimizer: _o, ...rest } = this as unknown as Record<string, unknown>;
    return structuredClone(rest);
  }
  loadStateDict(sd: Record<string, unknown>): void {
    Object.assign(this, structuredClone(sd));
  }
}
