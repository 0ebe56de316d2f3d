// Indexing along one dim by an int64 index tensor (PyTorch 1.13): gather, scatter (with a tensor or
// a number, and the `reduce` option), scatterAdd, and F.oneHot. Every index is checked against
// the size of the dim it indexes before anything is read or written.
//
// Shapes: gather(input, dim, index) has the index's shape; scatter(input, dim, index, src) has the
// input's. The index has the input's rank; along every dim but `dim` it is no larger than the
// input (gather) or than the input and src (scatter).

import { gradBuffer, gradBufferUninit } from "../autograd/grad-buffers";
import { fromOp, needsGrad } from "../autograd/record";
import { gatherAlong, type IndexGeometry, type ScatterReduce, scatterAlong } from "../backends/ref/indexing";
import { emptyStorage, newStorage } from "../backends/registry";
import { check, fmtShape, ReceptiveError } from "../errors";
import { normDim, stridesOf } from "../tensor/shape";
import { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { checkTensor, notATensor } from "./tensor-args";

export interface GatherOptions {
  /** PyTorch's sparse gradient; dense here either way (the values are the same). */
  sparseGrad?: boolean;
}

export interface ScatterOptions {
  /** The values to write, when not given positionally. */
  src?: Tensor;
  /** One number to write everywhere the index points (instead of src). */
  value?: number;
  /** Combine with what is there instead of overwriting: 'add' or 'multiply'. No gradient (as in PyTorch). */
  reduce?: "add" | "multiply" | null;
}

export interface OneHotOptions {
  /** How many classes (the last dim's size); -1 (the default) infers the largest index + 1. */
  numClasses?: number;
}

/** A 0-d tensor indexes like a 1-element 1-d one. */
const dimsOf = (t: Tensor): readonly number[] => (t.ndim === 0 ? [1] : t.shape);

/** Checks `index` against `input` (and `src`) and builds the geometry of visiting it. */
function plan(
  op: string,
  input: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor | null,
): { d: number; g: IndexGeometry; target: number[] } {
  checkTensor(input, op, "input");
  check(Number.isInteger(dim), op, () => `dim must be an integer, got ${String(dim)}`);
  checkTensor(index, op, "index");
  check(
    index.dtype === "int64",
    op,
    () =>
      `index must be an int64 tensor, got ${index.dtype} (shape ${fmtShape(index.shape)}). Fix: index.long(), or make it with dtype "int64"`,
  );
  const d = normDim(dim, input.ndim, op);
  const inShape = dimsOf(input);
  const idxShape = dimsOf(index);
  check(
    idxShape.length === inShape.length,
    op,
    () =>
      `index must have as many dims as the input: input has shape ${fmtShape(input.shape)}, index ${fmtShape(index.shape)}` +
      (index.ndim < input.ndim ? `; add dims with index.unsqueeze(...) or index.view(...)` : ""),
  );
  for (let k = 0; k < inShape.length; k++)
    check(
      k === d || idxShape[k] <= inShape[k],
      op,
      () =>
        `index ${fmtShape(index.shape)} must be no larger than the input ${fmtShape(input.shape)} along every dim but dim ${d}, but dim ${k} has ${idxShape[k]} > ${inShape[k]}`,
    );
  if (src !== null) {
    const srcShape = dimsOf(src);
    check(
      srcShape.length === idxShape.length && idxShape.every((s, k) => s <= srcShape[k]),
      op,
      () =>
        `index ${fmtShape(index.shape)} must be no larger than src ${fmtShape(src.shape)} along every dim (src holds one value per index position)`,
    );
  }
  const size = inShape[d];
  const values = index.storage;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v < size))
      throw new ReceptiveError(
        op,
        `index ${v} is out of bounds for dim ${d} with size ${size} (input shape ${fmtShape(input.shape)}): every index along dim ${d} must be in 0..${size - 1}` +
          (v < 0 && v >= -size ? `; ${op} takes no negative indices, add ${size} to them first` : ""),
      );
  }
  const target = stridesOf(inShape);
  const dimStride = target[d];
  const masked = target.map((s, k) => (k === d ? 0 : s));
  const other = src === null ? stridesOf(idxShape) : stridesOf(dimsOf(src));
  return { d, g: { shape: idxShape, target: masked, dimStride, other }, target };
}

/**
 * out[i][j] = input[index[i][j]][j] (dim 0), input[i][index[i][j]] (dim 1), and so on: picks, along
 * `dim`, the entry each index names. The output has the index's shape.
 */
export function gather(input: Tensor, dim: number, index: Tensor, _options: GatherOptions = {}): Tensor {
  const { g } = plan("gather", input, dim, index, null);
  const out = emptyStorage(index.numel); // (index shape)
  gatherAlong(out, input.storage, index.storage, g);
  const result = fromOp("gather", out, index.shape, [input], [index], (dout) => {
    const dinp = gradBuffer(input.numel); // (input shape), zeros
    scatterAlong(dinp, dout, 0, index.storage, g, "add");
    return [dinp];
  });
  result.dtype = input.dtype;
  return result;
}

/**
 * A copy of `input` with, along `dim`, out[index[i][j]][j] = src[i][j] (dim 0), and so on; `src`
 * may be a number. Where two positions name one element, one of them wins (which is unspecified,
 * as in PyTorch). With `{ reduce: "add" }` or `"multiply"` the values combine with the input's.
 */
export function scatter(
  input: Tensor,
  dim: number,
  index: Tensor,
  src?: Tensor | number | ScatterOptions,
  options: ScatterOptions = {},
): Tensor {
  const op = "scatter";
  let o = options;
  if (src !== null && typeof src === "object" && !(src instanceof Tensor) && !Array.isArray(src)) {
    o = src;
    src = undefined;
  }
  checkTensor(input, op, "input");
  const value = src ?? o.src ?? o.value;
  check(
    (src === undefined || (o.src === undefined && o.value === undefined)) &&
      !(o.src !== undefined && o.value !== undefined),
    op,
    "give src or value once: scatter(input, dim, index, src) or scatter(input, dim, index, { value })",
  );
  if (!(value instanceof Tensor) && typeof value !== "number")
    throw notATensor(value, op, "src", "a Tensor or a number");
  const reduce = o.reduce ?? "none";
  check(
    reduce === "none" || reduce === "add" || reduce === "multiply",
    op,
    () => `reduce must be 'add' or 'multiply', got ${JSON.stringify(reduce)}`,
  );
  return scatterInto(op, input, dim, index, value, reduce);
}

/** A copy of `input` with src added at the positions the index names (repeats add up). */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(input, "scatterAdd", "input");
  checkTensor(src, "scatterAdd", "src");
  return scatterInto("scatterAdd", input, dim, index, src, "add");
}

function scatterInto(
  op: string,
  input: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor | number,
  reduce: ScatterReduce,
): Tensor {
  const s = src instanceof Tensor ? src : null;
  if (s !== null)
    check(
      s.dtype === input.dtype,
      op,
      () =>
        `src must have the input's dtype: input is ${input.dtype}, src ${s.dtype}. Fix: src.float() or src.long() to match`,
    );
  const { g } = plan(op, input, dim, index, s);
  const out = newStorage(input.numel); // (input shape)
  out.set(input.storage);
  scatterAlong(out, s?.storage ?? null, s === null ? (src as number) : 0, index.storage, g, reduce);
  // scatterAdd is reduce 'add' with a gradient; scatter's own reduce option has none in PyTorch 1.13.
  const noGradient = op === "scatter" && reduce !== "none";
  const result = fromOp(op, out, input.shape, [input, s], [index], (dout) => {
    if (noGradient)
      throw new ReceptiveError(
        op,
        `the derivative of scatter with reduce='${reduce}' is not implemented (nor in PyTorch 1.13). Fix: use scatterAdd(input, dim, index, src) for 'add', or compute the result under noGrad if no gradient is needed`,
      );
    let dsrc: Float32Array | null = null;
    if (s !== null && needsGrad(s)) {
      dsrc = gradBuffer(s.numel); // (src shape), zeros where no index reads it
      gatherAlong(dsrc, dout, index.storage, g);
    }
    if (!needsGrad(input)) return [null, dsrc];
    if (op !== "scatter") return [dout, dsrc]; // scatterAdd: the input's gradient is dout itself
    // scatter: dout with 0 where the input was overwritten (a copy: dout may be read elsewhere)
    const dinp = gradBufferUninit(input.numel); // (input shape)
    dinp.set(dout);
    scatterAlong(dinp, null, 0, index.storage, g, "none");
    return [dinp, dsrc];
  });
  result.dtype = input.dtype;
  return result;
}

/**
 * The one-hot encoding of class indices: an int64 tensor of shape [...tensor.shape, numClasses]
 * with a 1 at each index. numClasses -1 (the default) means the largest index + 1.
 */
export function oneHot(tensor: Tensor, ...args: (number | OneHotOptions | undefined)[]): Tensor {
  const op = "oneHot";
  checkTensor(tensor, op, "tensor");
  let numClasses = namedArgs<OneHotOptions>(op, ["numClasses"], args).numClasses ?? -1;
  check(
    tensor.dtype === "int64",
    op,
    () =>
      `expects an int64 tensor of class indices, got ${tensor.dtype} (shape ${fmtShape(tensor.shape)}). Fix: tensor.long()`,
  );
  check(
    Number.isInteger(numClasses) && numClasses >= -1,
    op,
    () => `numClasses must be a whole number of classes (or -1 to infer it), got ${String(numClasses)}`,
  );
  const v = tensor.storage;
  let max = -1;
  for (let i = 0; i < v.length; i++) {
    check(v[i] >= 0, op, () => `class values must be non-negative, got ${v[i]} at flat position ${i}`);
    if (v[i] > max) max = v[i];
  }
  if (numClasses === -1) {
    check(
      v.length > 0,
      op,
      "cannot infer the number of classes from an empty tensor; pass numClasses, e.g. oneHot(t, 10)",
    );
    numClasses = max + 1;
  }
  check(
    max < numClasses,
    op,
    () =>
      `class values must be smaller than numClasses (${numClasses}), got ${max}; pass numClasses > ${max}, or leave it out to use ${max + 1}`,
  );
  const out = newStorage(v.length * numClasses); // (...shape, numClasses), zeros
  for (let i = 0; i < v.length; i++) out[i * numClasses + v[i]] = 1;
  return new Tensor(out, [...tensor.shape, numClasses], "int64");
}
