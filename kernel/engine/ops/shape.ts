// Shape and data-movement ops. Views (reshape, squeeze, unsqueeze, flatten) share storage and pass
// gradients through unchanged; permute/expand/slice/cat copy, with adjoint kernels for backward.

import { fromOp, needsGrad, withArgs } from "../autograd/record";
import { broadcastTo, sumTo } from "../backends/ref/reduce";
import { indexSelect as indexSelectKernel, permute as permuteKernel, sliceDim } from "../backends/ref/shape";
import { emptyStorage, newStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { broadcastStrides, inferShape, normDim, numelOf, type Shape, sameShape } from "../tensor/shape";
import { checkShape } from "../tensor/size-limit";
import { Tensor } from "../tensor/tensor";
import { checkTensor, checkTensorList } from "./tensor-args";

/** A view with a new shape (one dim may be -1); shares storage. */
export function reshape(x: Tensor, shape: Shape, op = "reshape"): Tensor {
  const target = inferShape(shape, x.numel, op, x.shape);
  return view(x, target, op);
}

function view(x: Tensor, shape: Shape, op: string): Tensor {
  const out = fromOp(op, x.storage, shape, [x], [], (dout) => [dout]);
  out.dtype = x.dtype;
  return out;
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return view(x, [1], "flatten");
  const s = normDim(startDim, x.ndim, "flatten");
  const e = normDim(endDim, x.ndim, "flatten");
  check(s <= e, "flatten", () => `startDim (${startDim}) must not come after endDim (${endDim})`);
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return view(x, shape, "flatten");
}

/** Removes size-1 dims (all of them, or only `dim` when given and of size 1). */
export function squeeze(x: Tensor, dim?: number): Tensor {
  if (dim === undefined)
    return view(
      x,
      x.shape.filter((s) => s !== 1),
      "squeeze",
    );
  const d = normDim(dim, x.ndim, "squeeze");
  if (x.ndim === 0 || x.shape[d] !== 1) return view(x, x.shape, "squeeze");
  return view(
    x,
    x.shape.filter((_, i) => i !== d),
    "squeeze",
  );
}

/** Inserts a size-1 dim at `dim` (which may be ndim, or negative). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim(dim, x.ndim + 1, "unsqueeze");
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return view(x, shape, "unsqueeze");
}

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  check(
    dims.length === x.ndim,
    "permute",
    () => `expects ${x.ndim} dims for a tensor of shape ${fmtShape(x.shape)}, got [${dims.join(", ")}]`,
  );
  const perm = dims.map((d) => normDim(d, x.ndim, "permute"));
  check(new Set(perm).size === perm.length, "permute", () => `repeated dim in [${dims.join(", ")}]`);
  const shape = perm.map((p) => x.shape[p]);
  const out = new Float32Array(x.numel);
  permuteKernel(out, x.storage, x.shape, perm);
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inverse[p] = i;
  });
  const result = fromOp("permute", out, shape, [x], [], (dout) => {
    const dx = new Float32Array(x.numel);
    permuteKernel(dx, dout, shape, inverse);
    return [dx];
  });
  result.dtype = x.dtype;
  return result;
}

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim(dim0, x.ndim, "transpose");
  const b = normDim(dim1, x.ndim, "transpose");
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcasts size-1 dims to `shape` (-1 keeps a dim); copies. Backward sums over the expanded dims. */
export function expand(x: Tensor, shape: Shape): Tensor {
  check(
    shape.length >= x.ndim,
    "expand",
    () => `the target shape ${fmtShape(shape)} has fewer dims than the tensor's ${fmtShape(x.shape)}`,
  );
  const off = shape.length - x.ndim;
  const target = shape.map((s, i) => (s === -1 && i >= off ? x.shape[i - off] : s));
  for (let i = 0; i < x.ndim; i++)
    check(
      x.shape[i] === target[off + i] || x.shape[i] === 1,
      "expand",
      () =>
        `cannot expand shape ${fmtShape(x.shape)} to ${fmtShape(shape)}: dim ${off + i} has size ${x.shape[i]} (only size-1 dims can grow)`,
    );
  if (sameShape(target, x.shape)) return x;
  const strides = broadcastStrides(x.shape, target);
  const out = new Float32Array(checkShape(target, "expand"));
  broadcastTo(out, x.storage, target, strides);
  const result = fromOp("expand", out, target, [x], [], (dout) => {
    const dx = new Float32Array(x.numel);
    sumTo(dx, dout, target, strides);
    return [dx];
  });
  result.dtype = x.dtype;
  return result;
}

function outerInner(x: Tensor, d: number): [number, number, number] {
  return [numelOf(x.shape.slice(0, d)), x.shape[d], numelOf(x.shape.slice(d + 1))];
}

/** x[..., start:end:step, ...] along `dim`, with Python's clamping of out-of-range bounds. */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1, op = "slice"): Tensor {
  const d = normDim(dim, x.ndim, op);
  check(Number.isInteger(step) && step > 0, op, () => `step must be a positive integer, got ${step}`);
  const size = x.shape[d];
  const clampIdx = (v: number) => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = clampIdx(start ?? 0);
  const e = clampIdx(end ?? size);
  if (op === "narrow")
    check(
      start !== undefined &&
        end !== undefined &&
        start >= -size &&
        end - start <= size &&
        e - s === end - start,
      op,
      () => `start ${start} + length ${(end ?? 0) - (start ?? 0)} exceeds dim ${d} of size ${size}`,
    );
  const count = Math.max(0, Math.ceil((e - s) / step));
  const [outer, , inner] = outerInner(x, d);
  const shape = [...x.shape];
  shape[d] = count;
  const out = emptyStorage(outer * count * inner); // (outer, count, inner), every element written
  sliceDim(out, x.storage, outer, size, inner, s, step, count);
  const result = fromOp(op, out, shape, [x], [], (dout) => {
    const dx = newStorage(x.numel); // zeros, the slice's elements added in
    sliceDim(dout, dx, outer, size, inner, s, step, count, true);
    return [dx];
  });
  result.dtype = x.dtype;
  // As given (Python's rules for negative and out-of-range bounds, which ONNX's Slice shares).
  return withArgs(result, { dim: d, start: start ?? null, end: end ?? null, step });
}

/** The entry `index` along `dim`, dropping that dim. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  check(x.ndim > 0, "select", "cannot index a 0-d tensor; use .item()");
  const d = normDim(dim, x.ndim, "select");
  const size = x.shape[d];
  check(
    Number.isInteger(index) && index >= -size && index < size,
    "select",
    () => `index ${index} is out of range for dim ${d} of size ${size} (shape ${fmtShape(x.shape)})`,
  );
  const i = index < 0 ? index + size : index;
  return squeeze(slice(x, d, i, i + 1, 1, "select"), d);
}

/** NumPy-style indexing over leading dims: number selects, null keeps, [start, end, step] slices. */
export function index(
  x: Tensor,
  indices: readonly (number | null | readonly [number?, number?, number?])[],
): Tensor {
  check(
    indices.length <= x.ndim,
    "index",
    () => `too many indices (${indices.length}) for a tensor of shape ${fmtShape(x.shape)}`,
  );
  let out = x;
  let d = 0;
  for (const ix of indices) {
    if (ix === null) d++;
    else if (typeof ix === "number") out = select(out, d, ix);
    else {
      out = slice(out, d, ix[0], ix[1], ix[2] ?? 1);
      d++;
    }
  }
  return out;
}

/** Picks entries along `dim` by integer index (repeats allowed); backward scatter-adds. */
export function indexSelect(x: Tensor, dim: number, index: Tensor | readonly number[]): Tensor {
  const d = normDim(dim, x.ndim, "indexSelect");
  const idx = index instanceof Tensor ? Array.from(index.storage) : [...index];
  const [outer, size, inner] = outerInner(x, d);
  for (const i of idx)
    check(
      Number.isInteger(i) && i >= 0 && i < size,
      "indexSelect",
      () => `index ${i} is out of range for dim ${d} of size ${size}`,
    );
  const shape = [...x.shape];
  shape[d] = idx.length;
  const out = new Float32Array(outer * idx.length * inner);
  indexSelectKernel(out, x.storage, idx, outer, size, inner);
  const result = fromOp("indexSelect", out, shape, [x], [], (dout) => {
    const dx = new Float32Array(x.numel);
    indexSelectKernel(dout, dx, idx, outer, size, inner, true);
    return [dx];
  });
  result.dtype = x.dtype;
  return result;
}

/** Joins tensors along an existing dim; all other dims must match. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  checkTensorList(tensors, "cat", "tensors");
  check(tensors.length > 0, "cat", "expects a non-empty list of tensors");
  const first = tensors[0];
  const d = normDim(dim, first.ndim, "cat");
  for (const [k, t] of tensors.entries())
    check(
      t.ndim === first.ndim && t.shape.every((s, i) => i === d || s === first.shape[i]),
      "cat",
      () =>
        `tensor ${k} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; all dims except dim ${d} must match`,
    );
  const total = tensors.reduce((s, t) => s + t.shape[d], 0);
  const shape = [...first.shape];
  shape[d] = total;
  const outer = numelOf(first.shape.slice(0, d));
  const inner = numelOf(first.shape.slice(d + 1));
  const out = newStorage(outer * total * inner); // (outer, total, inner), zeros, each input added in
  let offset = 0;
  const offsets = tensors.map((t) => {
    // Writing t into its slot is the adjoint of slicing that slot out of `out`.
    sliceDim(t.storage, out, outer, total, inner, offset, 1, t.shape[d], true);
    const o = offset;
    offset += t.shape[d];
    return o;
  });
  const result = fromOp("cat", out, shape, tensors, [], (dout) =>
    tensors.map((t, k) => {
      if (!needsGrad(t)) return null;
      const dt = emptyStorage(t.numel); // every element written
      sliceDim(dt, dout, outer, total, inner, offsets[k], 1, t.shape[d]);
      return dt;
    }),
  );
  result.dtype = tensors.every((t) => t.dtype === first.dtype) ? first.dtype : "float32";
  return result;
}

/** Joins same-shaped tensors along a new dim. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkTensorList(tensors, "stack", "tensors");
  check(tensors.length > 0, "stack", "expects a non-empty list of tensors");
  const first = tensors[0];
  for (const [k, t] of tensors.entries())
    check(
      sameShape(t.shape, first.shape),
      "stack",
      () =>
        `expects tensors of equal shape, but tensor ${k} has ${fmtShape(t.shape)} and tensor 0 ${fmtShape(first.shape)}`,
    );
  const d = normDim(dim, first.ndim + 1, "stack");
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

export function split(x: Tensor, splitSize: number | readonly number[], dim = 0): Tensor[] {
  checkTensor(x, "split", "tensor");
  const d = normDim(dim, x.ndim, "split");
  const size = x.shape[d];
  let sizes: number[];
  if (typeof splitSize === "number") {
    check(splitSize > 0, "split", () => `splitSize must be positive, got ${splitSize}`);
    sizes = [];
    for (let s = 0; s < size; s += splitSize) sizes.push(Math.min(splitSize, size - s));
  } else {
    sizes = [...splitSize];
    check(
      sizes.reduce((a, b) => a + b, 0) === size,
      "split",
      () => `sizes [${sizes.join(", ")}] must sum to dim ${d}'s size ${size}`,
    );
  }
  let start = 0;
  return sizes.map((n) => {
    const part = slice(x, d, start, start + n, 1, "split");
    start += n;
    return part;
  });
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(x, "chunk", "input");
  const d = normDim(dim, x.ndim, "chunk");
  check(
    Number.isInteger(chunks) && chunks > 0,
    "chunk",
    () => `chunks must be a positive integer, got ${chunks}`,
  );
  return split(x, Math.ceil(x.shape[d] / chunks), d);
}

/** Tiles the tensor `sizes[i]` times along each dim (like torch.Tensor.repeat). */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  check(
    sizes.length >= x.ndim,
    "repeat",
    () => `number of repeat dims (${sizes.length}) cannot be smaller than the tensor's dims (${x.ndim})`,
  );
  const padded = reshape(x, [...new Array(sizes.length - x.ndim).fill(1), ...x.shape]);
  // Interleave: (a, b) -> (1, a, 1, b) -> expand (ra, a, rb, b) -> (ra*a, rb*b)
  const inter: number[] = [];
  const expanded: number[] = [];
  padded.shape.forEach((s, i) => {
    inter.push(1, s);
    expanded.push(sizes[i], s);
  });
  const finalShape = padded.shape.map((s, i) => s * sizes[i]);
  return reshape(expand(reshape(padded, inter), expanded), finalShape, "repeat");
}

/** A copy with its own storage (gradients flow through). */
export function clone(x: Tensor): Tensor {
  const out = fromOp("clone", x.storage.slice(), x.shape, [x], [], (dout) => [dout]);
  out.dtype = x.dtype;
  return out;
}
