// Batch normalisation (F.batchNorm): normalise each channel of (N, C), (N, C, L) or (N, C, H, W)
// input by its statistics, then scale and shift. Training uses the batch's statistics and updates
// the running ones in place; evaluation uses the running statistics. A primitive with a fused
// backward (backends/ref/norm.ts); the op itself is ops/batch-norm-clamp.ts, without the clamp.

import type { Tensor } from "../tensor/tensor";
import { type BatchNormOptions, batchNormClamp } from "./batch-norm-clamp";

export type { BatchNormOptions } from "./batch-norm-clamp";

/**
 * y = (x - mean) / sqrt(var + eps) * weight + bias per channel (dim 1). In training the batch's
 * mean and biased variance normalise, and runningMean / runningVar (if given) are updated in
 * place: running = (1 - momentum) * running + momentum * batch statistic (unbiased variance).
 */
export function batchNorm(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions = {},
): Tensor {
  return batchNormClamp(
    input,
    runningMean,
    runningVar,
    options,
    Number.NEGATIVE_INFINITY,
    Number.POSITIVE_INFINITY,
  );
}
