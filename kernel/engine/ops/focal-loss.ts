// The sigmoid focal loss (Lin et al. 2017, RetinaNet; torchvision.ops.sigmoid_focal_loss): binary
// cross-entropy on logits scaled by (1 - p_t)^gamma, so easy, confident examples count for little
// in dense detection where most anchors are background. A composite: its gradient comes from the
// ops it is built of, in torchvision's order.

import { check } from "../errors";
import type { Tensor } from "../tensor/tensor";
import * as ew from "./elementwise";
import { binaryCrossEntropyWithLogits, type Reduction } from "./loss";
import { mean, sum } from "./reduce";
import { checkTensor } from "./tensor-args";

export interface SigmoidFocalLossOptions {
  /** Weight of the positive class in (0, 1), negatives get 1 - alpha; a negative alpha weighs nothing. Default 0.25. */
  alpha?: number;
  /** Focusing exponent of (1 - p_t); 0 gives the (alpha-weighted) binary cross-entropy. Default 2. */
  gamma?: number;
  /** 'none' (default, torchvision's) keeps every element's loss, 'mean' averages, 'sum' adds up. */
  reduction?: Reduction;
}

/**
 * inputs: logits of any shape; targets: the same shape, 1 for the positive class and 0 for the
 * negative (soft labels in between work too). Returns the loss per element, or its mean or sum.
 */
export function sigmoidFocalLoss(
  inputs: Tensor,
  targets: Tensor,
  options: SigmoidFocalLossOptions = {},
): Tensor {
  const op = "sigmoidFocalLoss";
  const { alpha = 0.25, gamma = 2, reduction = "none" } = options;
  checkTensor(inputs, op, "inputs");
  checkTensor(targets, op, "targets");
  check(
    targets.shape.length === inputs.shape.length && targets.shape.every((s, i) => s === inputs.shape[i]),
    op,
    () =>
      `targets must have the inputs' shape [${inputs.shape.join(", ")}] (one 0/1 label per logit), got [${targets.shape.join(", ")}]`,
  );
  check(
    typeof alpha === "number" && !Number.isNaN(alpha) && alpha <= 1,
    op,
    () => `alpha must be a number in [0, 1] (or negative for no weighting), got ${String(alpha)}`,
  );
  check(
    typeof gamma === "number" && Number.isFinite(gamma) && gamma >= 0,
    op,
    () => `gamma must be a number >= 0, got ${String(gamma)}`,
  );
  check(
    reduction === "none" || reduction === "mean" || reduction === "sum",
    op,
    () => `reduction must be 'none', 'mean' or 'sum', got ${JSON.stringify(reduction)}`,
  );
  const t = targets.dtype === "float32" ? targets : targets.float();
  const p = ew.sigmoid(inputs);
  const ce = binaryCrossEntropyWithLogits(inputs, t, { reduction: "none" });
  const pt = ew.add(ew.mul(p, t), ew.mul(ew.sub(1, p), ew.sub(1, t)));
  let loss = ew.mul(ce, ew.pow(ew.sub(1, pt), gamma));
  if (alpha >= 0) loss = ew.mul(ew.add(ew.mul(t, alpha), ew.mul(ew.sub(1, t), 1 - alpha)), loss);
  if (reduction === "mean") return mean(loss);
  return reduction === "sum" ? sum(loss) : loss;
}
