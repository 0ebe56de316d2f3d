// nn.utils.clipGradNorm_ and nn.utils.clipGradValue_ (PyTorch 1.13's clip_grad_norm_ and
// clip_grad_value_): rescale or clamp the gradients of parameters in place, between backward and
// the optimizer step. Parameters without a gradient are skipped.
//
// clipGradNorm_: total = the normType-norm of the per-parameter gradient norms (the norm of all
// gradients as one vector); every gradient is multiplied by min(1, maxNorm / (total + 1e-6)) and
// the total (before clipping) is returned as a 0-d tensor.

import { noGrad } from "../autograd/grad-mode";
import { check, ReceptiveError } from "../errors";
import { checkTensor } from "../ops/tensor-args";
import { Tensor } from "../tensor/tensor";

/** A norm degree: a number (0 counts non-zeros, Infinity is the largest |g|) or 'inf' / '-inf'. */
export type NormType = number | "inf" | "-inf";

export interface ClipGradNormOptions {
  /** Default 2. */
  normType?: NormType;
  /** Throw when the total norm is NaN or infinite instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
  /** PyTorch's foreach implementation switch: accepted, no effect here. */
  foreach?: boolean | null;
}

/** The gradients of `parameters` (a tensor or an iterable of them) that exist. */
function gradsOf(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : parameters;
  check(
    list !== null && typeof list === "object" && Symbol.iterator in list,
    op,
    () =>
      `parameters must be a Tensor or an iterable of them (model.parameters()), got ${String(parameters)}`,
  );
  const grads: Tensor[] = [];
  for (const p of list) {
    checkTensor(p, op, "each parameter");
    if (p.grad !== null) grads.push(p.grad);
  }
  return grads;
}

function degree(op: string, normType: NormType): number {
  const p = normType === "inf" ? Infinity : normType === "-inf" ? -Infinity : normType;
  check(
    typeof p === "number" && !Number.isNaN(p) && (p >= 0 || p === -Infinity),
    op,
    () =>
      `normType must be a number >= 0, Infinity ('inf') or -Infinity ('-inf'), got ${JSON.stringify(normType)}`,
  );
  return p;
}

/** The p-norm of `values` (torch.norm's definition, including p 0 and +-Infinity), in float64. */
function vectorNorm(values: ArrayLike<number>, p: number): number {
  let acc = p === Infinity ? -Infinity : p === -Infinity ? Infinity : 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (Number.isNaN(a)) return Number.NaN;
    if (p === Infinity) acc = Math.max(acc, a);
    else if (p === -Infinity) acc = Math.min(acc, a);
    else if (p === 0) acc += a !== 0 ? 1 : 0;
    else if (p === 1) acc += a;
    else if (p === 2) acc += a * a;
    else acc += a ** p;
  }
  if (values.length === 0) return 0;
  if (p === 2) return Math.sqrt(acc);
  if (p === 0 || p === 1 || !Number.isFinite(p)) return acc;
  return acc ** (1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total normType-norm is at most
 * maxNorm; returns the total norm before clipping: `nn.utils.clipGradNorm_(model.parameters(), 1.0)`,
 * `clipGradNorm_(params, 1.0, "inf")`, `clipGradNorm_(params, 1.0, { normType: 1, errorIfNonfinite: true })`.
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  ...args: (NormType | boolean | ClipGradNormOptions | undefined)[]
): Tensor {
  const op = "clipGradNorm_";
  const grads = gradsOf(op, parameters);
  check(
    typeof maxNorm === "number" && !Number.isNaN(maxNorm),
    op,
    () => `maxNorm must be a number, got ${String(maxNorm)}`,
  );
  const last = args[args.length - 1];
  const o: ClipGradNormOptions =
    last !== null && typeof last === "object" ? { ...(last as ClipGradNormOptions) } : {};
  const positional = typeof last === "object" ? args.slice(0, -1) : args;
  check(positional.length <= 3, op, "takes (parameters, maxNorm, normType, errorIfNonfinite, foreach)");
  if (positional[0] !== undefined) o.normType = positional[0] as NormType;
  if (positional[1] !== undefined) o.errorIfNonfinite = positional[1] as boolean;
  const p = degree(op, o.normType ?? 2);
  if (grads.length === 0) return new Tensor(Float32Array.of(0), []);
  // Each gradient's norm rounded to float32 as PyTorch stores it, then the norm of those norms.
  const norms = grads.map((g) => Math.fround(vectorNorm(g.storage, p)));
  const total = Math.fround(vectorNorm(norms, p));
  if (o.errorIfNonfinite === true && !Number.isFinite(total))
    throw new ReceptiveError(
      op,
      `the total norm of order ${p} of the gradients is ${total}, so they cannot be clipped. Fix: find where the ` +
        `loss or a gradient became NaN or infinite (a too-large learning rate, log(0), division by 0), or pass ` +
        `errorIfNonfinite false to scale the gradients by the non-finite norm anyway`,
    );
  const coef = Math.min(Math.fround(maxNorm / Math.fround(total + 1e-6)), 1);
  noGrad(() => {
    for (const g of grads) g.mul_(coef);
  });
  return new Tensor(Float32Array.of(total), []);
}

/** Clamps every gradient of `parameters` in place to [-clipValue, clipValue]. */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = "clipGradValue_";
  const grads = gradsOf(op, parameters);
  check(
    typeof clipValue === "number" && clipValue >= 0,
    op,
    () =>
      `clipValue must be a number >= 0 (gradients are clamped to [-clipValue, clipValue]), got ${String(clipValue)}`,
  );
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
