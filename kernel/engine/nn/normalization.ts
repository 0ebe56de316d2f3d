// Layer, group and instance normalisation layers (torch.nn.LayerNorm, GroupNorm, InstanceNorm1d/2d/3d):
// statistics per sample, so unlike batch norm they do not depend on the batch. The math is
// F.layerNorm / F.groupNorm / F.instanceNorm (ops/layer-norm.ts, ops/group-norm.ts).
//
// Shape: LayerNorm (*, *normalizedShape); GroupNorm (N, C, *); InstanceNorm1d (N, C, L) or (C, L),
// InstanceNorm2d (N, C, H, W) or (C, H, W), InstanceNorm3d (N, C, D, H, W) or (C, D, H, W); output as input.

import { check, fmtShape } from "../errors";
import { ones, zeros } from "../tensor/create";
import type { Tensor } from "../tensor/tensor";
import { groupNorm, instanceNorm, layerNorm } from "./functional";
import { Module, reprArgs } from "./module";
import { NormBase } from "./norm-base";
import { Parameter } from "./parameter";

export interface LayerNormOptions {
  eps?: number;
  /** Learnable elementwise weight (ones) and bias (zeros) of shape normalizedShape. Default true. */
  elementwiseAffine?: boolean;
}

/** Layer norm over the trailing normalizedShape dims of each sample (Ba et al. 2016). */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(
    normalizedShape: number | readonly number[],
    { eps = 1e-5, elementwiseAffine = true }: LayerNormOptions = {},
  ) {
    super();
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...(normalizedShape ?? [])];
    check(
      shape.length >= 1 && shape.every((s) => Number.isInteger(s) && s >= 1),
      "LayerNorm",
      () =>
        `normalizedShape must be a positive integer or a non-empty list of them (the trailing dims of the input, e.g. the feature size), got ${JSON.stringify(normalizedShape)}`,
    );
    this.normalizedShape = shape;
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    this.weight = elementwiseAffine ? new Parameter(ones(shape)) : null;
    this.bias = elementwiseAffine ? new Parameter(zeros(shape)) : null;
  }

  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return reprArgs(
      [this.normalizedShape],
      [
        ["eps", this.eps, 1e-5],
        ["elementwiseAffine", this.elementwiseAffine, true],
      ],
    );
  }
}

export interface GroupNormOptions {
  eps?: number;
  /** Learnable per-channel weight (ones) and bias (zeros). Default true. */
  affine?: boolean;
}

/** Group norm (Wu & He 2018): the numChannels channels in numGroups groups, each normalised per sample. */
export class GroupNorm extends Module {
  readonly eps: number;
  readonly affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    { eps = 1e-5, affine = true }: GroupNormOptions = {},
  ) {
    super();
    check(
      Number.isInteger(numChannels) && numChannels >= 1,
      "GroupNorm",
      () => `numChannels must be a positive integer (the input's channels), got ${numChannels}`,
    );
    check(
      Number.isInteger(numGroups) && numGroups >= 1 && numChannels % numGroups === 0,
      "GroupNorm",
      () => `numChannels (${numChannels}) must be divisible by numGroups, got numGroups ${numGroups}`,
    );
    this.eps = eps;
    this.affine = affine;
    this.weight = affine ? new Parameter(ones([numChannels])) : null;
    this.bias = affine ? new Parameter(zeros([numChannels])) : null;
  }

  forward(input: Tensor): Tensor {
    check(
      input.ndim >= 2 && input.shape[1] === this.numChannels,
      "GroupNorm",
      () =>
        `expects input (N, ${this.numChannels}, *), got shape ${fmtShape(input.shape)}; numChannels must equal the previous layer's output channels`,
    );
    return groupNorm(input, this.numGroups, this.weight, this.bias, this.eps);
  }

  override extraRepr(): string {
    return reprArgs(
      [this.numGroups, this.numChannels],
      [
        ["eps", this.eps, 1e-5],
        ["affine", this.affine, true],
      ],
    );
  }
}

export interface InstanceNormOptions {
  eps?: number;
  /** Weight of each batch in the running averages. Default 0.1. */
  momentum?: number;
  /** Learnable per-channel weight (ones) and bias (zeros). Default false, as in PyTorch. */
  affine?: boolean;
  /** Keep running mean/var buffers, updated in training and used in eval. Default false. */
  trackRunningStats?: boolean;
}

abstract class InstanceNormNd extends NormBase {
  protected abstract readonly spatialDims: number;
  declare readonly momentum: number;

  // As PyTorch's: numBatchesTracked is kept in the state dict, but instance norm never counts.
  constructor(
    numFeatures: number,
    { eps = 1e-5, momentum = 0.1, affine = false, trackRunningStats = false }: InstanceNormOptions = {},
  ) {
    super(numFeatures, eps, momentum, affine, trackRunningStats);
  }

  forward(input: Tensor): Tensor {
    const name = this.constructor.name;
    const d = this.spatialDims;
    const layouts = ["(N, C, L)", "(N, C, H, W)", "(N, C, D, H, W)"];
    check(
      input.ndim === d + 1 || input.ndim === d + 2,
      name,
      () =>
        `expects ${d + 2}-D input ${layouts[d - 1]} or ${d + 1}-D unbatched, got shape ${fmtShape(input.shape)}` +
        (input.ndim === d + 3 ? `; use InstanceNorm${d + 1}d` : ""),
    );
    const batched = input.ndim === d + 2 ? input : input.unsqueeze(0);
    check(
      batched.shape[1] === this.numFeatures,
      name,
      () =>
        `expects ${this.numFeatures} channels (numFeatures), got input of shape ${fmtShape(input.shape)}; numFeatures must equal the previous layer's output channels`,
    );
    const out = instanceNorm(batched, this.runningMean, this.runningVar, this.weight, this.bias, {
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum,
      eps: this.eps,
    });
    return input.ndim === d + 2 ? out : out.squeeze(0);
  }

  override extraRepr(): string {
    return reprArgs(
      [this.numFeatures],
      [
        ["eps", this.eps, 1e-5],
        ["momentum", this.momentum, 0.1],
        ["affine", this.affine, false],
        ["trackRunningStats", this.trackRunningStats, false],
      ],
    );
  }
}

/** Instance norm over (N, C, L) or (C, L): each sample's channel by its own statistics over L. */
export class InstanceNorm1d extends InstanceNormNd {
  protected readonly spatialDims = 1;
}

/** Instance norm over (N, C, H, W) or (C, H, W): each sample's channel over H and W (style transfer). */
export class InstanceNorm2d extends InstanceNormNd {
  protected readonly spatialDims = 2;
}

/** Instance norm over (N, C, D, H, W) or (C, D, H, W). */
export class InstanceNorm3d extends InstanceNormNd {
  protected readonly spatialDims = 3;
}
