// Learning-rate schedulers (torch.optim.lr_scheduler, 1.13): StepLR, MultiStepLR, ExponentialLR,
// CosineAnnealingLR, OneCycleLR, LinearLR (warm-up) and LambdaLR. Call `scheduler.step()` after `optimizer.step()`, once per epoch
// (OneCycleLR: once per batch). Each computes the new lr from the current one ("chainable"
// form, as PyTorch does), so the numbers match PyTorch's step for step.
//
// NOTE: JS runs a subclass's field initialisers after the base constructor, so each subclass
// calls `initialStep()` at the end of its own constructor (PyTorch's base __init__ does it).

import { check } from "../errors";
import type { Optimizer, ParamGroup } from "./optimizer";

export abstract class LRScheduler {
  /** Number of step() calls so far minus one (-1 before the constructor's initial step). */
  lastEpoch: number;
  /** Each group's lr when scheduling started (`initialLr`). */
  readonly baseLrs: number[];
  protected stepCount = 0;
  private lastLr: number[] = [];

  constructor(
    readonly optimizer: Optimizer,
    lastEpoch = -1,
  ) {
    const name = this.constructor.name;
    for (const [i, g] of optimizer.paramGroups.entries()) {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else
        check(
          typeof g.initialLr === "number",
          name,
          () =>
            `param group ${i} has no initialLr; it is needed to resume a schedule (lastEpoch ${lastEpoch})`,
        );
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lr of each group for the current lastEpoch, computed from the groups' current lr. */
  protected abstract getLr(): number[];

  /** Advances the schedule by one epoch (or batch) and writes the new lr into each group. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.lastLr = lrs;
  }

  /** The lr of each group after the last step. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  protected get groups(): ParamGroup[] {
    return this.optimizer.paramGroups;
  }

  /** The scheduler's counters and settings: everything but the optimizer and functions (LambdaLR's). */
  stateDict(): Record<string, unknown> {
    const isFn = (v: unknown) =>
      typeof v === "function" || (Array.isArray(v) && v.some((x) => typeof x === "function"));
    const rest = Object.entries(this).filter(([k, v]) => k !== "optimizer" && !isFn(v));
    return structuredClone(Object.fromEntries(rest));
  }
  loadStateDict(sd: Record<string, unknown>): void {
    Object.assign(this, structuredClone(sd));
  }
}

/** Multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    { gamma = 0.1, lastEpoch = -1 }: { gamma?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, lastEpoch);
    check(
      Number.isInteger(stepSize) && stepSize > 0,
      "StepLR",
      () => `stepSize must be a positive integer, got ${stepSize}`,
    );
    this.gamma = gamma;
    this.initialStep();
  }
  readonly gamma: number;
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/** Multiplies the lr by gamma at each milestone epoch (a milestone listed twice applies twice). */
export class MultiStepLR extends LRScheduler {
  readonly milestones: number[];
  readonly gamma: number;
  constructor(
    optimizer: Optimizer,
    milestones: readonly number[],
    { gamma = 0.1, lastEpoch = -1 }: { gamma?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, lastEpoch);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return this.groups.map((g) => (hits === 0 ? g.lr : g.lr * this.gamma ** hits));
  }
}

/** Multiplies the lr by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly gamma: number,
    { lastEpoch = -1 }: { lastEpoch?: number } = {},
  ) {
    super(optimizer, lastEpoch);
    this.initialStep();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/**
 * Cosine annealing from the base lr down to etaMin over tMax epochs (and back up after, as
 * PyTorch's recursive form does): lr_t = etaMin + (base - etaMin) (1 + cos(pi t / tMax)) / 2.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly etaMin: number;
  constructor(
    optimizer: Optimizer,
    readonly tMax: number,
    { etaMin = 0, lastEpoch = -1 }: { etaMin?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, lastEpoch);
    check(tMax > 0, "CosineAnnealingLR", () => `tMax must be positive, got ${tMax}`);
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected getLr(): number[] {
    const t = this.lastEpoch;
    const T = this.tMax;
    const eta = this.etaMin;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && t > 0)
      return this.baseLrs.map((base) => eta + ((base - eta) * (1 + Math.cos((t * Math.PI) / T))) / 2);
    if ((t - 1 - T) % (2 * T) === 0)
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - eta) * (1 - Math.cos(Math.PI / T))) / 2);
    return this.groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (g.lr - eta) + eta,
    );
  }
}

/** The base lr times `lrLambda(epoch)` (one function, or one per parameter group). */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];
  constructor(
    optimizer: Optimizer,
    lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[],
    { lastEpoch = -1 }: { lastEpoch?: number } = {},
  ) {
    super(optimizer, lastEpoch);
    const n = optimizer.paramGroups.length;
    this.lambdas = typeof lrLambda === "function" ? Array(n).fill(lrLambda) : [...lrLambda];
    check(
      this.lambdas.length === n,
      "LambdaLR",
      () => `expected ${n} lrLambda functions, got ${this.lambdas.length}`,
    );
    this.initialStep();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lambdas[i](this.lastEpoch));
  }
}

/** Scales the lr linearly from startFactor to endFactor over totalIters steps (a warm-up). */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(
    optimizer: Optimizer,
    {
      startFactor = 1 / 3,
      endFactor = 1,
      totalIters = 5,
      lastEpoch = -1,
    }: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {},
  ) {
    super(optimizer, lastEpoch);
    check(
      startFactor > 0 && startFactor <= 1 && endFactor >= 0 && endFactor <= 1,
      "LinearLR",
      () => `startFactor must be in (0, 1] and endFactor in [0, 1], got ${startFactor} and ${endFactor}`,
    );
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }
  protected getLr(): number[] {
    const { startFactor: a, endFactor: b, totalIters: T, lastEpoch: t } = this;
    if (t === 0) return this.groups.map((g) => g.lr * a);
    if (t > T) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (b - a) / (T * a + (t - 1) * (b - a))));
  }
}

export interface OneCycleOptions {
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr. */
  pctStart?: number;
  annealStrategy?: "cos" | "linear";
  /** Cycle momentum (SGD) or beta1 (Adam) inversely to the lr. */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  /** initial lr = maxLr / divFactor. */
  divFactor?: number;
  /** min lr = initial lr / finalDivFactor. */
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

/**
 * The 1cycle policy (Smith & Topin 2017): lr rises from maxLr/divFactor to maxLr over pctStart of
 * the steps, then anneals to a tiny minimum; momentum moves the opposite way. Step once per batch.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;
  private readonly phases: Phase[];

  constructor(optimizer: Optimizer, maxLr: number | readonly number[], options: OneCycleOptions = {}) {
    const {
      totalSteps,
      epochs,
      stepsPerEpoch,
      pctStart = 0.3,
      annealStrategy = "cos",
      cycleMomentum = true,
      baseMomentum = 0.85,
      maxMomentum = 0.95,
      divFactor = 25,
      finalDivFactor = 1e4,
      threePhase = false,
      lastEpoch = -1,
    } = options;
    const op = "OneCycleLR";
    let total: number;
    if (totalSteps !== undefined) {
      check(
        Number.isInteger(totalSteps) && totalSteps > 0,
        op,
        () => `totalSteps must be a positive integer, got ${totalSteps}`,
      );
      total = totalSteps;
    } else {
      check(
        epochs !== undefined && stepsPerEpoch !== undefined,
        op,
        "give totalSteps, or both epochs and stepsPerEpoch (e.g. stepsPerEpoch: loader.length)",
      );
      check(
        epochs > 0 && stepsPerEpoch > 0,
        op,
        () => `epochs and stepsPerEpoch must be positive, got ${epochs}, ${stepsPerEpoch}`,
      );
      total = epochs * stepsPerEpoch;
    }
    check(pctStart >= 0 && pctStart <= 1, op, () => `pctStart must be in [0, 1], got ${pctStart}`);
    check(
      annealStrategy === "cos" || annealStrategy === "linear",
      op,
      `annealStrategy must be "cos" or "linear", got "${annealStrategy}"`,
    );
    const groups = optimizer.paramGroups;
    const maxLrs = typeof maxLr === "number" ? groups.map(() => maxLr) : [...maxLr];
    check(
      maxLrs.length === groups.length,
      op,
      () => `expected ${groups.length} values for maxLr, got ${maxLrs.length}`,
    );
    groups.forEach((g, i) => {
      g.initialLr = maxLrs[i] / divFactor;
      g.maxLr = maxLrs[i];
      g.minLr = (g.initialLr as number) / finalDivFactor;
    });
    const useBeta1 = "betas" in optimizer.defaults;
    if (cycleMomentum) {
      check(
        "momentum" in optimizer.defaults || useBeta1,
        op,
        "optimizer must support momentum or betas with cycleMomentum enabled; pass cycleMomentum: false",
      );
      for (const g of groups) {
        if (lastEpoch === -1) {
          if (useBeta1) g.betas = [maxMomentum, ...(g.betas as number[]).slice(1)];
          else g.momentum = maxMomentum;
        }
        g.maxMomentum = maxMomentum;
        g.baseMomentum = baseMomentum;
      }
    }
    super(optimizer, lastEpoch);
    this.totalSteps = total;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.phases = threePhase
      ? [
          {
            endStep: pctStart * total - 1,
            startLr: "initialLr",
            endLr: "maxLr",
            startMomentum: "maxMomentum",
            endMomentum: "baseMomentum",
          },
          {
            endStep: 2 * pctStart * total - 2,
            startLr: "maxLr",
            endLr: "initialLr",
            startMomentum: "baseMomentum",
            endMomentum: "maxMomentum",
          },
          {
            endStep: total - 1,
            startLr: "initialLr",
            endLr: "minLr",
            startMomentum: "maxMomentum",
            endMomentum: "maxMomentum",
          },
        ]
      : [
          {
            endStep: pctStart * total - 1,
            startLr: "initialLr",
            endLr: "maxLr",
            startMomentum: "maxMomentum",
            endMomentum: "baseMomentum",
          },
          {
            endStep: total - 1,
            startLr: "maxLr",
            endLr: "minLr",
            startMomentum: "baseMomentum",
            endMomentum: "maxMomentum",
          },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === "linear") return (end - start) * pct + start;
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    check(
      stepNum <= this.totalSteps,
      "OneCycleLR",
      () =>
        `tried to step ${stepNum} times, but the number of total steps is ${this.totalSteps}; step the scheduler once per batch and size it with epochs * stepsPerEpoch`,
    );
    return this.groups.map((g) => {
      let start = 0;
      let lr = 0;
      let momentum = 0;
      for (const [i, ph] of this.phases.entries()) {
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum)
            momentum = this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
          break;
        }
        start = ph.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) g.betas = [momentum, ...(g.betas as number[]).slice(1)];
        else g.momentum = momentum;
      }
      return lr;
    });
  }
}
