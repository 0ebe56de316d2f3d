// Reductions with PyTorch's `dim` / `keepdim` semantics. sum and amax/amin reduce any set of dims;
// max/min/argmax with a dim reduce one dim and report indices. mean, var, std, logsumexp and norm
// are composites of these primitives.

import { fromOp } from "../autograd/record";
import { broadcastTo, maxDim as maxDimKernel, reduceMax, sumTo } from "../backends/ref/reduce";
import { check } from "../errors";
import { normDim, numelOf } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import * as ew from "./elementwise";
import { reshape } from "./shape";
import { checkTensor } from "./tensor-args";

export type Dims = number | readonly number[] | null | undefined;

interface Plan {
  /** Reduced dims, normalised and sorted. */
  dims: number[];
  /** Output shape with keepdim (reduced dims become 1). */
  keptShape: number[];
  /** Output shape as returned. */
  outShape: number[];
  /** Output strides read in the input's shape (0 on reduced dims). */
  outStrides: number[];
  /** Elements reduced into each output. */
  count: number;
}

function plan(x: Tensor, dim: Dims, keepdim: boolean, op: string): Plan {
  checkTensor(x, op, "input");
  const all = dim === null || dim === undefined;
  const list = all ? x.shape.map((_, i) => i) : typeof dim === "number" ? [dim] : [...dim];
  const dims = [...new Set(list.map((d) => normDim(d, x.ndim, op)))].sort((a, b) => a - b);
  check(dims.length === list.length, op, () => `dim [${list.join(", ")}] repeats a dimension`);
  const keptShape = x.shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const outShape = keepdim ? keptShape : x.shape.filter((_, i) => !dims.includes(i));
  const outStrides = new Array<number>(x.ndim).fill(0);
  let stride = 1;
  for (let i = x.ndim - 1; i >= 0; i--) {
    if (!dims.includes(i)) outStrides[i] = stride;
    stride *= keptShape[i];
  }
  const count = numelOf(dims.map((d) => x.shape[d]));
  return { dims, keptShape, outShape, outStrides, count };
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const p = plan(x, dim, keepdim, "sum");
  const out = new Float32Array(numelOf(p.outShape));
  sumTo(out, x.storage, x.shape, p.outStrides);
  const result = fromOp("sum", out, p.outShape, [x], [], (dout) => {
    const dx = new Float32Array(x.numel);
    broadcastTo(dx, dout, x.shape, p.outStrides);
    return [dx];
  });
  if (x.dtype !== "float32") result.dtype = "int64";
  return result;
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  check(x.dtype === "float32", "mean", () => `expects a float tensor, got ${x.dtype}; call .float() first`);
  const p = plan(x, dim, keepdim, "mean");
  // Recorded as "mean" (a div by the count), so exporters see a mean, not a fixed count.
  return ew.binary("div", sum(x, dim, keepdim), p.count, "mean");
}

function extreme(x: Tensor, dim: Dims, keepdim: boolean, isMin: boolean, op: string): Tensor {
  checkTensor(x, op, "input");
  check(x.numel > 0, op, "cannot reduce an empty tensor");
  const p = plan(x, dim, keepdim, op);
  const out = new Float32Array(numelOf(p.outShape));
  reduceMax(out, x.storage, x.shape, p.outStrides, isMin);
  const result = fromOp(op, out, p.outShape, [x], [x, "output"], (dout) => {
    // The gradient is shared evenly among tied extremes (PyTorch's amax/amin and max()).
    const full = new Float32Array(x.numel);
    broadcastTo(full, out, x.shape, p.outStrides);
    const mask = full.map((v, i) => (x.storage[i] === v ? 1 : 0));
    const counts = new Float32Array(out.length);
    sumTo(counts, mask, x.shape, p.outStrides);
    const g = dout.map((v, j) => v / counts[j]);
    const dx = new Float32Array(x.numel);
    broadcastTo(dx, g, x.shape, p.outStrides);
    for (let i = 0; i < dx.length; i++) dx[i] *= mask[i];
    return [dx];
  });
  result.dtype = x.dtype;
  return result;
}

export const amax = (x: Tensor, dim?: Dims, keepdim = false, op = "amax"): Tensor =>
  extreme(x, dim, keepdim, false, op);
export const amin = (x: Tensor, dim?: Dims, keepdim = false, op = "amin"): Tensor =>
  extreme(x, dim, keepdim, true, op);

/** Max or min along one dim: values and the index of the first extreme. */
export function maxDim(
  x: Tensor,
  dim: number,
  keepdim: boolean,
  isMin: boolean,
): { values: Tensor; indices: Tensor } {
  const op = isMin ? "min" : "max";
  check(x.numel > 0, op, "cannot reduce an empty tensor");
  const d = normDim(dim, x.ndim, op);
  const outer = numelOf(x.shape.slice(0, d));
  const R = x.ndim === 0 ? 1 : x.shape[d];
  const inner = numelOf(x.shape.slice(d + 1));
  const shape = keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : x.shape.filter((_, i) => i !== d);
  const values = new Float32Array(outer * inner);
  const indices = new Float32Array(outer * inner);
  maxDimKernel(values, indices, x.storage, outer, R, inner, isMin);
  const idx = new Tensor(indices, shape, "int64"); // returned to the caller
  const v = fromOp(op, values, shape, [x], [idx], (dout) => {
    const dx = new Float32Array(x.numel);
    for (let o = 0; o < outer; o++)
      for (let k = 0; k < inner; k++) dx[(o * R + indices[o * inner + k]) * inner + k] += dout[o * inner + k];
    return [dx];
  });
  v.dtype = x.dtype;
  return { values: v, indices: idx };
}

/** Index of the largest (or smallest) value: over the flattened tensor, or along `dim`. */
export function argmax(x: Tensor, dim: number | undefined, keepdim: boolean, isMin: boolean): Tensor {
  if (dim === undefined) {
    const flat = reshape(x.detach(), [-1]);
    const r = maxDim(flat, 0, false, isMin).indices;
    return keepdim
      ? reshape(
          r,
          x.shape.map(() => 1),
        )
      : r;
  }
  return maxDim(x.detach(), dim, keepdim, isMin).indices;
}

export function variance(
  x: Tensor,
  dim: Dims,
  { correction = 1, keepdim = false }: { correction?: number; keepdim?: boolean },
): Tensor {
  const p = plan(x, dim, keepdim, "var");
  const centered = ew.sub(x, mean(x, dim, true));
  const ss = sum(ew.square(centered), dim, keepdim);
  return ew.div(ss, Math.max(0, p.count - correction));
}

export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  checkTensor(x, "logsumexp", "input");
  const m = amax(x.detach(), dim, true);
  const finite = ew.where(ew.eq(ew.abs(m), Number.POSITIVE_INFINITY), 0, m);
  const s = ew.log(sum(ew.exp(ew.sub(x, finite)), dim, true));
  const r = ew.add(s, finite);
  if (keepdim) return r;
  const p = plan(x, dim, false, "logsumexp");
  return reshape(r, p.outShape);
}

/** The p-norm (p = 1, 2, any positive p, or Infinity) over all elements or along dims. */
export function norm(x: Tensor, p: number, dim: Dims, keepdim: boolean): Tensor {
  check(p > 0, "norm", () => `p must be positive, got ${p}`);
  if (p === Number.POSITIVE_INFINITY) return amax(ew.abs(x), dim, keepdim);
  if (p === 1) return sum(ew.abs(x), dim, keepdim);
  if (p === 2) return ew.sqrt(sum(ew.square(x), dim, keepdim));
  return ew.pow(sum(ew.pow(ew.abs(x), p), dim, keepdim), 1 / p);
}
