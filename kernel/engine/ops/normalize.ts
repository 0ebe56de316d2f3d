// F.normalize (PyTorch 1.13): each vector along `dim` divided by its p-norm, the norm clamped
// below by eps: v / max(||v||_p, eps). A composite of reductions and elementwise ops.
//
// NOTE: the norm's clamp is applied inside the root (max(sum |v|^p, eps^p)^(1/p), the same
// number) so a zero vector's gradient is finite, 1/eps times the upstream one, as in PyTorch,
// instead of 0 * inf = NaN from the root's derivative at 0.

import { check, fmtShape } from "../errors";
import { normDim } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import * as ew from "./elementwise";
import { amax, sum } from "./reduce";
import { checkTensor } from "./tensor-args";

export interface NormalizeOptions {
  /** The norm's degree: 2 (default, Euclidean), 1, any positive number, or Infinity. */
  p?: number;
  /** The dim holding the vectors. Default 1 (the channels or features of a batch). */
  dim?: number;
  /** The smallest norm divided by, so zero vectors stay zero. Default 1e-12. */
  eps?: number;
}

/**
 * `input` with every vector along `dim` scaled to unit p-norm: `F.normalize(x)` (p 2, dim 1),
 * `F.normalize(x, 1, -1)`, `F.normalize(x, { dim: -1 })`.
 */
export function normalize(input: Tensor, ...args: (number | NormalizeOptions | undefined)[]): Tensor {
  const op = "normalize";
  checkTensor(input, op, "input");
  const { p = 2, dim = 1, eps = 1e-12 } = namedArgs<NormalizeOptions>(op, ["p", "dim", "eps"], args);
  check(
    input.dtype === "float32",
    op,
    () => `expects a float tensor, got ${input.dtype} (shape ${fmtShape(input.shape)}). Fix: input.float()`,
  );
  check(
    typeof p === "number" && p > 0,
    op,
    () => `p must be a positive number or Infinity, got ${String(p)}`,
  );
  check(typeof eps === "number" && eps >= 0, op, () => `eps must be a number >= 0, got ${String(eps)}`);
  const d = normDim(dim, input.ndim, op);
  return ew.div(input, clampedNorm(input, p, d, eps));
}

/** max(||v||_p, eps) along dim d, kept as a size-1 dim. */
function clampedNorm(x: Tensor, p: number, d: number, eps: number): Tensor {
  if (p === Number.POSITIVE_INFINITY) return ew.clamp(amax(ew.abs(x), d, true), eps, null);
  if (p === 1) return ew.clamp(sum(ew.abs(x), d, true), eps, null);
  if (p === 2) return ew.sqrt(ew.clamp(sum(ew.square(x), d, true), eps * eps, null));
  const floor = eps ** p;
  if (floor > 0) return ew.pow(ew.clamp(sum(ew.pow(ew.abs(x), p), d, true), floor, null), 1 / p);
  return ew.clamp(ew.pow(sum(ew.pow(ew.abs(x), p), d, true), 1 / p), eps, null);
}
