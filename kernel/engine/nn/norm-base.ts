// What batch norm and instance norm share (PyTorch's _NormBase): per-channel weight and bias when
// `affine`, and runningMean / runningVar / numBatchesTracked buffers when `trackRunningStats`.
// Subclasses pick the defaults (batch norm: affine and tracking; instance norm: neither) and the forward.

import { noGrad } from "../autograd/grad-mode";
import { check } from "../errors";
import { ones, zeros } from "../tensor/create";
import type { Tensor } from "../tensor/tensor";
import { Module } from "./module";
import { Parameter } from "./parameter";

export abstract class NormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;

  constructor(
    readonly numFeatures: number,
    readonly eps: number,
    readonly momentum: number | null,
    readonly affine: boolean,
    readonly trackRunningStats: boolean,
  ) {
    super();
    check(
      Number.isInteger(numFeatures) && numFeatures > 0,
      this.constructor.name,
      () => `numFeatures must be a positive integer (the number of channels), got ${numFeatures}`,
    );
    this.weight = affine ? new Parameter(ones([numFeatures])) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures])) : null;
    this.registerBuffer("runningMean", trackRunningStats ? zeros([numFeatures]) : null);
    this.registerBuffer("runningVar", trackRunningStats ? ones([numFeatures]) : null);
    this.registerBuffer("numBatchesTracked", trackRunningStats ? zeros([], { dtype: "int64" }) : null);
  }

  /** Running statistics back to mean 0, variance 1, no batches seen. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.fill_(0);
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.fill_(0);
    });
  }
}
