// Layer normalisation (F.layerNorm): normalise over the trailing `normalizedShape` dims of each
// item by its own mean and variance, then scale and shift elementwise. The same in training and
// evaluation (no running statistics). A primitive with a fused backward (backends/ref/layer-norm.ts).

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp, needsGrad } from "../autograd/record";
import { layerNormBackward, layerNormForward } from "../backends/ref/layer-norm";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { numelOf, sameShape } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { checkOptionalTensor, checkTensor } from "./tensor-args";

export interface LayerNormOptions {
  /** Elementwise scale, of shape normalizedShape. */
  weight?: Tensor | null;
  /** Elementwise shift, of shape normalizedShape. */
  bias?: Tensor | null;
  /** Added to the variance before the square root. Default 1e-5. */
  eps?: number;
}

/** The optional arguments in PyTorch's order (positionally or by name). */
const NAMES = ["weight", "bias", "eps"] as const;

/**
 * y = (x - mean) / sqrt(var + eps) * weight + bias, with the mean and biased variance over the
 * last normalizedShape.length dims of input (..., *normalizedShape); weight and bias have shape
 * normalizedShape. The optional arguments come positionally or as an options object:
 * `F.layerNorm(x, [5], w, b)`, `F.layerNorm(x, [5], {weight: w, eps: 1e-3})`.
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null | LayerNormOptions,
  bias?: Tensor | null | LayerNormOptions,
  eps?: number | LayerNormOptions,
): Tensor {
  const op = "layerNorm";
  checkTensor(input, op, "input");
  const args = namedArgs<LayerNormOptions>(op, NAMES, [weight, bias, eps], NAMES);
  const { weight: w = null, bias: b = null, eps: e = 1e-5 } = args;
  checkOptionalTensor(w, op, "weight");
  checkOptionalTensor(b, op, "bias");
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  check(
    Array.isArray(shape) && shape.length >= 1 && shape.every((s) => Number.isInteger(s) && s >= 1),
    op,
    () =>
      `normalizedShape must be a positive integer or a non-empty list of them (the trailing dims to normalise over), got ${JSON.stringify(normalizedShape)}`,
  );
  const k = shape.length;
  check(
    input.ndim >= k && sameShape(input.shape.slice(input.ndim - k), shape),
    op,
    () =>
      `input of shape ${fmtShape(input.shape)} must end with normalizedShape ${fmtShape(shape)}: layer norm normalises over the trailing dims, ` +
      `e.g. normalizedShape ${fmtShape(input.shape.slice(-1))} for the last dim` +
      (input.ndim >= 2 ? ` or ${fmtShape(input.shape.slice(1))} for all but the batch dim` : ""),
  );
  check(
    input.dtype === "float32",
    op,
    () => `expects a float input, got ${input.dtype}; call .float() first`,
  );
  for (const [name, t] of [
    ["weight", w],
    ["bias", b],
  ] as const)
    check(
      t === null || sameShape(t.shape, shape),
      op,
      () => `${name} must have shape normalizedShape ${fmtShape(shape)}, got ${fmtShape(t!.shape)}`,
    );
  check(typeof e === "number" && e >= 0, op, () => `eps must be a non-negative number, got ${e}`);

  const D = numelOf(shape);
  const M = input.numel / D;
  const out = emptyStorage(input.numel); // (M, D)
  const mean = new Float32Array(M); // (M)
  const rstd = new Float32Array(M); // (M)
  layerNormForward(out, mean, rstd, input.storage, w?.storage ?? null, b?.storage ?? null, M, D, e);
  return fromOp(op, out, input.shape, [input, w, b], [input, w], (dout) => {
    const dinp = needsGrad(input) ? gradBuffer(input.numel) : null; // (M, D)
    const dweight = needsGrad(w) ? gradBuffer(D) : null; // (D)
    const dbias = needsGrad(b) ? gradBuffer(D) : null; // (D)
    layerNormBackward(dinp, dweight, dbias, dout, input.storage, mean, rstd, w?.storage ?? null, M, D);
    return [dinp, dweight, dbias];
  });
}
