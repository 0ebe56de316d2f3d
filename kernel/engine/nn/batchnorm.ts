// Batch normalization: normalises each channel with the batch's statistics in training mode
// and with running estimates (buffers) in eval mode, then scales and shifts (weight, bias).
//
// Shape: BatchNorm1d (N, C) or (N, C, L); BatchNorm2d (N, C, H, W); BatchNorm3d (N, C, D, H, W);
// output as input.
// NOTE: running stats update as running = (1 - momentum) * running + momentum * batch, with the
// unbiased batch variance; `momentum: null` uses a cumulative average (factor 1/numBatchesTracked).
// State dict version 2 added numBatchesTracked; loading an older dict sets it to 0, as PyTorch does.

import { noGrad } from "../autograd/grad-mode";
import { check, fmtShape } from "../errors";
import { batchNormClamp } from "../ops/batch-norm-clamp";
import { Tensor } from "../tensor/tensor";
import { reprArgs, type StateDict } from "./module";
import { NormBase } from "./norm-base";

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running averages; null for a cumulative average. */
  momentum?: number | null;
  /** Learnable per-channel weight (ones) and bias (zeros). */
  affine?: boolean;
  /** Keep running mean/var buffers for eval mode; without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

abstract class BatchNormNd extends NormBase {
  static override version = 2;

  constructor(
    numFeatures: number,
    { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true }: BatchNormOptions = {},
  ) {
    super(numFeatures, eps, momentum, affine, trackRunningStats);
  }

  protected abstract checkInput(input: Tensor): void;

  forward(input: Tensor): Tensor {
    return this.forwardClamped(input, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  /**
   * hardtanh(forward(input) (+ residual), min, max) as one op (ops/batch-norm-clamp.ts): the same
   * values and gradients without the pre-activation tensor (nor the sum). For Conv2dNormActivation
   * and ResNet's blocks (models/conv-norm-act.ts normActivation), which use it only when no hook
   * watches this module or its activation.
   */
  forwardClamped(input: Tensor, min: number, max: number, residual: Tensor | null = null): Tensor {
    this.checkInput(input);
    check(
      input.shape[1] === this.numFeatures,
      this.constructor.name,
      () =>
        `expects ${this.numFeatures} channels (dim 1), got input of shape ${fmtShape(input.shape)}; numFeatures must equal the previous layer's output channels`,
    );
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked !== null) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      factor = this.momentum === null ? 1 / this.numBatchesTracked.storage[0] : this.momentum;
    }
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const keepRunning = !this.training || this.trackRunningStats;
    return batchNormClamp(
      input,
      keepRunning ? this.runningMean : null,
      keepRunning ? this.runningVar : null,
      { weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps },
      min,
      max,
      residual,
    );
  }

  protected override upgradeStateDict(sd: StateDict, prefix: string, version: number | undefined): void {
    const key = `${prefix}numBatchesTracked`;
    if ((version === undefined || version < 2) && this.trackRunningStats && !(key in sd))
      sd[key] = new Tensor(new Float32Array(1), [], "int64");
  }

  override extraRepr(): string {
    return reprArgs(
      [this.numFeatures],
      [
        ["eps", this.eps, 1e-5],
        ["momentum", this.momentum, 0.1],
        ["affine", this.affine, true],
        ["trackRunningStats", this.trackRunningStats, true],
      ],
    );
  }
}

/** Batch norm over (N, C) or (N, C, L): per feature / channel. */
export class BatchNorm1d extends BatchNormNd {
  protected checkInput(input: Tensor): void {
    check(
      input.ndim === 2 || input.ndim === 3,
      "BatchNorm1d",
      () => `expects 2D (N, C) or 3D (N, C, L) input, got shape ${fmtShape(input.shape)}`,
    );
  }
}

/** Batch norm over (N, C, H, W): per channel, statistics over N, H and W. */
export class BatchNorm2d extends BatchNormNd {
  protected checkInput(input: Tensor): void {
    check(
      input.ndim === 4,
      "BatchNorm2d",
      () =>
        `expects 4D input (N, C, H, W), got shape ${fmtShape(input.shape)}` +
        (input.ndim === 2 ? "; for (N, C) features use BatchNorm1d" : ""),
    );
  }
}

/** Batch norm over (N, C, D, H, W) (video clips, volumes): per channel, statistics over N, D, H and W. */
export class BatchNorm3d extends BatchNormNd {
  protected checkInput(input: Tensor): void {
    check(
      input.ndim === 5,
      "BatchNorm3d",
      () =>
        `expects 5D input (N, C, D, H, W), got shape ${fmtShape(input.shape)}` +
        (input.ndim === 4 ? "; for (N, C, H, W) images use BatchNorm2d" : ""),
    );
  }
}
