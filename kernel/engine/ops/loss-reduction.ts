// What every loss shares: the reduction ('mean' | 'sum' | 'none'), its check, and the check that an
// elementwise loss's input and target have one shape. Helpers of ops/loss*.ts, not part of F.

import { check, fmtShape } from "../errors";
import { numelOf, sameShape } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { mean, sum } from "./reduce";
import { checkTensor } from "./tensor-args";

export type Reduction = "mean" | "sum" | "none";

export interface ReductionOptions {
  /** 'mean' (default) averages, 'sum' adds up, 'none' returns the loss of every element. */
  reduction?: Reduction;
}

export function checkReduction(op: string, reduction: unknown): asserts reduction is Reduction {
  check(
    reduction === "mean" || reduction === "sum" || reduction === "none",
    op,
    () => `reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`,
  );
}

export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === "none") return loss;
  return reduction === "sum" ? sum(loss) : mean(loss);
}

/** Elementwise losses compare equal shapes; PyTorch would broadcast (with a warning), we refuse. */
export function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  checkTensor(input, op, "input");
  checkTensor(target, op, "target");
  check(
    sameShape(input.shape, target.shape),
    op,
    () =>
      `target shape ${fmtShape(target.shape)} differs from input shape ${fmtShape(input.shape)}; ` +
      `they must match (broadcasting them is almost always a bug). ` +
      (numelOf(input.shape) === numelOf(target.shape)
        ? `Reshape one of them, e.g. target.view(${fmtShape(input.shape)})`
        : "They hold different numbers of values: check that this target belongs to this output"),
  );
}
