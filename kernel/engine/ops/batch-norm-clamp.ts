// Batch normalisation with its output optionally clamped to [min, max] in the same op: F.batchNorm
// (ops/norm.ts: no clamp) and, for the models' Conv2dNormActivation, batch norm followed by ReLU6
// (hardtanh(0, 6)) as one op, the same values and gradients as the two ops (the clamp's mask
// comes from the clamped output: min < out < max exactly where min < y < max), without the
// pre-activation tensor and its extra passes over memory; optionally with a residual added before
// the clamp (a ResNet block's relu(bn2(x) + identity): three ops as one). Not part of F: PyTorch
// has no such op.
// Training uses the batch's statistics and updates the running ones in place; evaluation uses the
// running statistics. A primitive with a fused backward (backends/ref/norm.ts).

import { gradBuffer, gradBufferUninit } from "../autograd/grad-buffers";
import { fromOp, needsGrad } from "../autograd/record";
import { bumpVersion } from "../autograd/version";
import { batchNormBackward, batchNormForward } from "../backends/ref/norm";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { numelOf } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { checkTensor } from "./tensor-args";

export interface BatchNormOptions {
  /** Per-channel scale gamma, shape (C). */
  weight?: Tensor | null;
  /** Per-channel shift beta, shape (C). */
  bias?: Tensor | null;
  /** Use batch statistics and update the running ones (default false: use the running ones). */
  training?: boolean;
  /** Weight of the new batch statistics in the running averages. */
  momentum?: number;
  /** Added to the variance before the square root. */
  eps?: number;
}

function checkPerChannel(name: string, t: Tensor | null, C: number, input: Tensor): void {
  if (t === null) return;
  checkTensor(t, "batchNorm", name);
  check(
    t.numel === C && t.ndim <= 1,
    "batchNorm",
    () =>
      `${name} must have one entry per channel, shape [${C}] for input of shape ${fmtShape(input.shape)}, ` +
      `got ${fmtShape(t.shape)}`,
  );
}

/**
 * clamp(y, min, max) with y = (x - mean) / sqrt(var + eps) * weight + bias per channel (dim 1)
 * (+ residual, of input's shape, when given), clamped as hardtanh(min, max) does (infinite bounds:
 * no clamp). In training the batch's mean and biased variance normalise, and runningMean /
 * runningVar (if given) are updated in place: running = (1 - momentum) * running + momentum *
 * batch statistic (unbiased variance).
 */
export function batchNormClamp(
  input: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options: BatchNormOptions,
  min: number,
  max: number,
  residual: Tensor | null = null,
): Tensor {
  const op = "batchNorm";
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  checkTensor(input, op, "input");
  check(
    input.ndim >= 2,
    op,
    () =>
      `input must be (N, C), (N, C, L) or (N, C, H, W), got shape ${fmtShape(input.shape)}; ` +
      `add the batch dim with x.unsqueeze(0)`,
  );
  const [N, C] = input.shape;
  const inner = numelOf(input.shape.slice(2));
  checkPerChannel("runningMean", runningMean ?? null, C, input);
  checkPerChannel("runningVar", runningVar ?? null, C, input);
  checkPerChannel("weight", weight, C, input);
  checkPerChannel("bias", bias, C, input);
  if (residual !== null) {
    checkTensor(residual, op, "residual");
    check(
      residual.shape.length === input.shape.length && residual.shape.every((d, i) => d === input.shape[i]),
      op,
      () =>
        `residual must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(residual.shape)}; ` +
        `a block's shortcut must downsample to its output's shape`,
    );
  }
  check(eps >= 0, op, () => `eps must be non-negative, got ${eps}`);
  if (training)
    check(
      N * inner > 1,
      op,
      () =>
        `Expected more than 1 value per channel when training, got input size ${fmtShape(input.shape)}; ` +
        `use a batch of more than one sample, or evaluation mode (training: false)`,
    );
  else
    check(
      runningMean != null && runningVar != null,
      op,
      "evaluation mode (training: false) normalises with runningMean and runningVar, so both must be given; " +
        "pass { training: true } to use the batch's statistics",
    );

  const out = emptyStorage(input.numel); // (N, C, inner)
  const mean = new Float32Array(C); // (C)
  const rstd = new Float32Array(C); // (C)
  if (training) {
    const variance = new Float32Array(C); // (C)
    batchNormForward(
      out,
      mean,
      rstd,
      variance,
      input.storage,
      weight?.storage ?? null,
      bias?.storage ?? null,
      N,
      C,
      inner,
      eps,
      true,
      min,
      max,
      residual?.storage ?? null,
    );
    // NOTE: running statistics are buffers: updated in place, outside the graph.
    const M = N * inner;
    if (runningMean != null) {
      const rm = runningMean.storage;
      for (let c = 0; c < C; c++) rm[c] = momentum * mean[c] + (1 - momentum) * rm[c];
      bumpVersion(rm, "batchNorm");
    }
    if (runningVar != null) {
      const rv = runningVar.storage;
      for (let c = 0; c < C; c++) rv[c] = momentum * ((variance[c] * M) / (M - 1)) + (1 - momentum) * rv[c];
      bumpVersion(rv, "batchNorm");
    }
  } else {
    mean.set(runningMean!.storage);
    for (let c = 0; c < C; c++) rstd[c] = 1 / Math.sqrt(runningVar!.storage[c] + eps);
    batchNormForward(
      out,
      mean,
      rstd,
      null,
      input.storage,
      weight?.storage ?? null,
      bias?.storage ?? null,
      N,
      C,
      inner,
      eps,
      false,
      min,
      max,
      residual?.storage ?? null,
    );
  }
  const clamped = Number.isFinite(min) || Number.isFinite(max);

  const saves = clamped ? [input, weight, "output" as const] : [input, weight];
  return fromOp(op, out, input.shape, [input, weight, bias, residual], saves, (dout, acc) => {
    // A fresh input gradient is written, not added to: no zero-fill (a pass over memory) first.
    const overwrite = !acc?.[0];
    const dinp = needsGrad(input) ? (acc?.[0] ?? gradBufferUninit(input.numel)) : null; // (N, C, inner)
    const dweight = needsGrad(weight) ? gradBuffer(C) : null; // (C)
    const dbias = needsGrad(bias) ? gradBuffer(C) : null; // (C)
    // The residual's gradient: dout masked by the clamp, written (unclamped: dout itself).
    const dres = needsGrad(residual) && clamped ? gradBufferUninit(input.numel) : null; // (N, C, inner)
    batchNormBackward(
      dinp,
      dweight,
      dbias,
      dout,
      input.storage,
      mean,
      rstd,
      weight?.storage ?? null,
      N,
      C,
      inner,
      training,
      overwrite,
      clamped ? out : null,
      min,
      max,
      dres,
    );
    return [dinp, dweight, dbias, needsGrad(residual) ? (dres ?? dout) : null];
  });
}
