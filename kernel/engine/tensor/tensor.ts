// The Tensor: contiguous float32 storage with a shape, a dtype label, and autograd state.
//
// NOTE: storage is always contiguous (row-major). reshape/view/squeeze/unsqueeze share storage
// with their source (in-place writes show through, as with PyTorch views); permute, transpose,
// expand and slicing copy. Integer and boolean results (argmax, comparisons, class targets) are
// stored as exact integers in float32 and labelled by `dtype`.

import { addInto, type BackwardOptions, runBackward } from "../autograd/backward";
import type { GradNode } from "../autograd/node";
import { bumpVersion, versionOf } from "../autograd/version";
import { newStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import * as ew from "../ops/elementwise";
import * as inPlace from "../ops/in-place";
import * as ix from "../ops/indexing";
import { matmul } from "../ops/matmul";
import * as red from "../ops/reduce";
import * as ro from "../ops/reorder";
import * as scan from "../ops/scan";
import * as sh from "../ops/shape";
import * as so from "../ops/sort";
import { checkTensor } from "../ops/tensor-args";
import { formatTensor } from "./format";
import { numelOf, type Shape, stridesOf } from "./shape";

/** The dtypes the engine has (integers and booleans are stored exactly in float32). */
export const DTYPES = ["float32", "int64", "bool"] as const;
export type DType = (typeof DTYPES)[number];
export type NestedArray = number | boolean | NestedArray[];
type Scalar = number;
type TensorLike = Tensor | Scalar;

/** A copy of g in new storage (wasm memory with the wasm backend, where optimizers read it). */
function copyOf(g: Float32Array): Float32Array {
  const c = newStorage(g.length);
  c.set(g);
  return c;
}

/**
 * A frozen copy of `shape` built from small integers, whatever array it came in. NOTE: every shape
 * then has one hidden class. A copy of a shape computed as doubles or made with `new Array(n)` (a
 * linear layer's, flatten's) froze into a hidden class of its own that only a step's activations
 * had; each full GC between two steps (the wasm storage's reclaims) collected it, and V8 threw away
 * the optimized code of every function that had seen it (Tensor's constructor, `ndim`, fromOp...):
 * ~10 deoptimizations per 100 LeNet-5 steps, each recompiled.
 */
function frozenShape(shape: Shape): readonly number[] {
  const copy: number[] = [];
  for (const d of shape) copy.push(d | 0);
  return Object.freeze(copy);
}

export class Tensor {
  /** Flat contiguous storage; shared with views. Prefer `.data` (a copy) outside the engine. */
  readonly storage: Float32Array;
  readonly shape: readonly number[];
  dtype: DType;
  requiresGrad = false;
  /** Accumulated gradient of a leaf (or of a tensor that called retainGrad()). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autograd. */
  gradFn: GradNode | null = null;
  /** Set by retainGrad(): a non-leaf that keeps its .grad. */
  retainsGrad = false;

  constructor(storage: Float32Array, shape: Shape, dtype: DType = "float32") {
    if (storage.length !== numelOf(shape))
      throw new Error(`Tensor: storage of ${storage.length} elements does not fit shape ${fmtShape(shape)}`);
    this.storage = storage;
    this.shape = frozenShape(shape);
    this.dtype = dtype;
  }

  // ---- facts -------------------------------------------------------------------------------
  get numel(): number {
    return this.storage.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  /** `size()` is the shape; `size(d)` one dim's size (negative d counts from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[dim < 0 ? dim + this.ndim : dim];
  }
  stride(): number[] {
    return stridesOf(this.shape);
  }
  /** True for a tensor not produced by a recorded op (user-created or a parameter). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  // ---- reading values -----------------------------------------------------------------------
  /** A copy of the values as a flat Float32Array. */
  get data(): Float32Array {
    return this.storage.slice();
  }
  /** The value of a one-element tensor. */
  item(): number {
    check(
      this.numel === 1,
      "item",
      () =>
        `only one-element tensors can be converted to a number, this one has shape ${fmtShape(this.shape)} (${this.numel} elements); select an element first, e.g. t.get(0)`,
    );
    return this.dtype === "float32" ? this.storage[0] : Math.round(this.storage[0]);
  }
  /** Values as nested arrays in the tensor's shape (booleans for bool tensors). */
  toArray(): NestedArray {
    const conv = this.dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
    const build = (d: number, off: number): NestedArray => {
      if (d === this.ndim) return conv(this.storage[off]);
      const stride = numelOf(this.shape.slice(d + 1));
      return Array.from({ length: this.shape[d] }, (_, i) => build(d + 1, off + i * stride));
    };
    return build(0, 0);
  }
  /** Alias of toArray(), as in PyTorch. */
  tolist(): NestedArray {
    return this.toArray();
  }
  toString(): string {
    return formatTensor(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // ---- autograd -----------------------------------------------------------------------------
  /**
   * Computes gradients of this tensor with respect to every leaf that requires grad:
   * `loss.backward()`, `y.backward(gradient)`, `loss.backward({ retainGraph: true })` to keep the
   * graph's saved tensors for another backward through it (freed after the first otherwise).
   */
  backward(gradient?: Tensor | BackwardOptions, options: BackwardOptions = {}): void {
    if (gradient?.constructor === Object) runBackward(this, undefined, gradient as BackwardOptions);
    else runBackward(this, gradient as Tensor | undefined, options);
  }
  /** How many in-place writes this tensor's storage has had (shared with its views; PyTorch's `_version`). */
  get _version(): number {
    return versionOf(this);
  }
  /** The same values, cut from the graph (shares storage). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.dtype);
  }
  /** Sets requiresGrad in place (leaves only) and returns this. */
  requiresGrad_(on = true): this {
    check(
      this.isLeaf || on,
      "requiresGrad_",
      "you can only change requiresGrad of leaf tensors; use .detach() to get a leaf",
    );
    check(
      !on || this.dtype === "float32",
      "requiresGrad_",
      `only float tensors can require gradients, this one is ${this.dtype}`,
    );
    this.requiresGrad = on;
    return this;
  }
  /** Keeps .grad on a non-leaf tensor after backward(). */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }
  /**
   * Adds a gradient buffer into .grad (called by backward). `adopt`: the caller gives g up, so a
   * first gradient becomes .grad without a copy.
   */
  accumulateGrad(g: Float32Array, adopt = false): void {
    if (this.grad === null) this.grad = new Tensor(adopt ? g : copyOf(g), this.shape);
    else {
      addInto(this.grad.storage, g);
      bumpVersion(this.grad.storage, "accumulateGrad");
    }
  }

  // ---- copies and in-place updates ------------------------------------------------------------
  clone(): Tensor {
    return sh.clone(this);
  }
  contiguous(): Tensor {
    return this;
  }
  /** A float32 copy (or this tensor when it already is float32). */
  float(): Tensor {
    return this.dtype === "float32" ? this : new Tensor(this.storage.slice(), this.shape, "float32");
  }
  /** Values truncated toward zero and labelled int64, like `.long()`. */
  long(): Tensor {
    return new Tensor(this.storage.map(Math.trunc), this.shape, "int64");
  }
  bool(): Tensor {
    return new Tensor(
      this.storage.map((v) => (v !== 0 ? 1 : 0)),
      this.shape,
      "bool",
    );
  }
  // In-place ops (ops/in-place.ts) bump the storage's version; with gradients recorded they join
  // the graph, as in PyTorch.
  fill_(value: number): this {
    inPlace.fill_(this, value);
    return this;
  }
  zero_(): this {
    inPlace.fill_(this, 0, "zero_");
    return this;
  }
  /** Copies src's values (broadcast to this shape) into this tensor's storage. */
  copy_(src: Tensor): this {
    inPlace.copy_(this, src);
    return this;
  }
  /** this += alpha * other (other broadcast to this shape). */
  add_(other: TensorLike, alpha = 1): this {
    inPlace.add_(this, other, alpha);
    return this;
  }
  /** this -= alpha * other. */
  sub_(other: TensorLike, alpha = 1): this {
    inPlace.add_(this, other, -alpha, "sub_");
    return this;
  }
  /** this *= other (other broadcast to this shape). */
  mul_(other: TensorLike): this {
    inPlace.mul_(this, other);
    return this;
  }
  /** Values limited to [min, max] in place; either bound may be omitted (null). */
  clamp_(min?: number | null, max?: number | null): this {
    inPlace.clamp_(this, min, max);
    return this;
  }

  // ---- shape --------------------------------------------------------------------------------
  // View methods share storage with this tensor (ops/in-place.ts needs to know).
  reshape(...shape: (number | readonly number[])[]): Tensor {
    return inPlace.markView(sh.reshape(this, flatArgs(shape)), this);
  }
  view(...shape: (number | readonly number[])[]): Tensor {
    return inPlace.markView(sh.reshape(this, flatArgs(shape), "view"), this);
  }
  viewAs(other: Tensor): Tensor {
    checkTensor(other, "viewAs", "other");
    return inPlace.markView(sh.reshape(this, other.shape, "viewAs"), this);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return inPlace.markView(sh.flatten(this, startDim, endDim), this);
  }
  squeeze(dim?: number): Tensor {
    return inPlace.markView(sh.squeeze(this, dim), this);
  }
  unsqueeze(dim: number): Tensor {
    return inPlace.markView(sh.unsqueeze(this, dim), this);
  }
  permute(...dims: (number | readonly number[])[]): Tensor {
    return sh.permute(this, flatArgs(dims));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return sh.transpose(this, dim0, dim1);
  }
  /** Transpose of a 2-D tensor (1-D and 0-D are returned as they are). */
  t(): Tensor {
    check(
      this.ndim <= 2,
      "t",
      () => `expects a tensor with <= 2 dims, got shape ${fmtShape(this.shape)}; use transpose(d0, d1)`,
    );
    return this.ndim < 2 ? this : sh.transpose(this, 0, 1);
  }
  get T(): Tensor {
    return this.t();
  }
  expand(...shape: (number | readonly number[])[]): Tensor {
    return sh.expand(this, flatArgs(shape));
  }
  expandAs(other: Tensor): Tensor {
    checkTensor(other, "expandAs", "other");
    return sh.expand(this, other.shape);
  }
  /** The i-th entry along dim 0 (negative counts from the end): a sample of a batch, a channel of an image. */
  get(index: number): Tensor {
    return sh.select(this, 0, index);
  }
  select(dim: number, index: number): Tensor {
    return sh.select(this, dim, index);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return sh.slice(this, dim, start, start + length, 1, "narrow");
  }
  /** Python's x[..., start:end:step] along one dim (negative indices count from the end). */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return sh.slice(this, dim, start, end, step);
  }
  /**
   * NumPy-style indexing over leading dims: a number selects (drops the dim), null keeps all,
   * [start, end, step?] slices. `x.index(0, null, [2, 5])` is `x[0, :, 2:5]`.
   */
  index(...indices: (number | null | readonly [number?, number?, number?])[]): Tensor {
    return sh.index(this, indices);
  }
  indexSelect(dim: number, index: Tensor | readonly number[]): Tensor {
    return sh.indexSelect(this, dim, index);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return sh.chunk(this, chunks, dim);
  }
  split(splitSize: number | readonly number[], dim = 0): Tensor[] {
    return sh.split(this, splitSize, dim);
  }
  repeat(...sizes: (number | readonly number[])[]): Tensor {
    return sh.repeat(this, flatArgs(sizes));
  }

  // ---- indexing along a dim and sorting (ops/indexing.ts, ops/sort.ts) -----------------------
  /** Along `dim`, the entries `index` (int64, this tensor's rank) names: torch.gather. */
  gather(dim: number, index: Tensor, options: ix.GatherOptions = {}): Tensor {
    return ix.gather(this, dim, index, options);
  }
  /** A copy with src (a tensor or a number) written where `index` points along `dim`: torch.scatter. */
  scatter(
    dim: number,
    index: Tensor,
    src?: Tensor | number | ix.ScatterOptions,
    options: ix.ScatterOptions = {},
  ): Tensor {
    return ix.scatter(this, dim, index, src, options);
  }
  /** A copy with src added where `index` points along `dim` (repeats add up): torch.scatter_add. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ix.scatterAdd(this, dim, index, src);
  }
  /** `{ values, indices }` sorted along dim (default -1), ascending unless descending. */
  sort(...args: (number | boolean | so.SortOptions | undefined)[]): so.ValuesIndices {
    return so.sort(this, ...args);
  }
  /** The int64 positions that sort this tensor along dim. */
  argsort(...args: (number | boolean | so.SortOptions | undefined)[]): Tensor {
    return so.argsort(this, ...args);
  }
  /** `{ values, indices }` of the k largest (or smallest) entries along dim. */
  topk(k: number, ...args: (number | boolean | so.TopkOptions | undefined)[]): so.ValuesIndices {
    return so.topk(this, k, ...args);
  }

  // ---- reordering and running totals (ops/reorder.ts, ops/scan.ts) ---------------------------
  /** Reverses the order of entries along dims: x.flip(0), x.flip([0, 1]), x.flip(0, 1). */
  flip(...dims: (number | readonly number[])[]): Tensor {
    return ro.flip(this, ...dims);
  }
  fliplr(): Tensor {
    return ro.fliplr(this);
  }
  flipud(): Tensor {
    return ro.flipud(this);
  }
  /** Shifts entries cyclically along dims (as if flattened without dims): torch.roll. */
  roll(...args: (number | readonly number[] | ro.RollOptions | null | undefined)[]): Tensor {
    return ro.roll(this, ...args);
  }
  /** Running sums along dim: x.cumsum(1), x.cumsum({ dim: 1, dtype: "float32" }). */
  cumsum(...args: (number | scan.CumsumOptions | undefined)[]): Tensor {
    return scan.cumsum(this, ...args);
  }

  // ---- elementwise --------------------------------------------------------------------------
  add(other: TensorLike, alpha = 1): Tensor {
    return ew.add(this, other, alpha);
  }
  sub(other: TensorLike, alpha = 1): Tensor {
    return ew.sub(this, other, alpha);
  }
  mul(other: TensorLike): Tensor {
    return ew.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return ew.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return ew.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return ew.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return ew.minimum(this, other);
  }
  neg(): Tensor {
    return ew.neg(this);
  }
  exp(): Tensor {
    return ew.exp(this);
  }
  log(): Tensor {
    return ew.log(this);
  }
  sqrt(): Tensor {
    return ew.sqrt(this);
  }
  rsqrt(): Tensor {
    return ew.rsqrt(this);
  }
  abs(): Tensor {
    return ew.abs(this);
  }
  sign(): Tensor {
    return ew.sign(this);
  }
  square(): Tensor {
    return ew.square(this);
  }
  reciprocal(): Tensor {
    return ew.reciprocal(this);
  }
  sin(): Tensor {
    return ew.sin(this);
  }
  cos(): Tensor {
    return ew.cos(this);
  }
  floor(): Tensor {
    return ew.floor(this);
  }
  round(): Tensor {
    return ew.round(this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return ew.clamp(this, min, max);
  }
  clampMin(min: number): Tensor {
    return ew.clamp(this, min, null);
  }
  clampMax(max: number): Tensor {
    return ew.clamp(this, null, max);
  }
  relu(): Tensor {
    return ew.relu(this);
  }
  sigmoid(): Tensor {
    return ew.sigmoid(this);
  }
  tanh(): Tensor {
    return ew.tanh(this);
  }
  eq(other: TensorLike): Tensor {
    return ew.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return ew.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return ew.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return ew.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return ew.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return ew.ge(this, other);
  }
  /** Elements where mask is true replaced by value. */
  maskedFill(mask: Tensor, value: number): Tensor {
    return ew.where(mask, value, this);
  }

  // ---- reductions ---------------------------------------------------------------------------
  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return red.sum(this, dim, keepdim);
  }
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return red.mean(this, dim, keepdim);
  }
  /** Without dim: the largest element. With dim: `{ values, indices }` along it. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amax(this, null, false, "max") : red.maxDim(this, dim, keepdim, false);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    return dim === undefined ? red.amin(this, null, false, "min") : red.maxDim(this, dim, keepdim, true);
  }
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return red.amax(this, dim, keepdim);
  }
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return red.amin(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return red.argmax(this, dim, keepdim, false);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return red.argmax(this, dim, keepdim, true);
  }
  /** Variance; `correction` 1 (default) is Bessel's unbiased estimate, 0 the population variance. */
  var(
    dim?: number | readonly number[] | null,
    options: { correction?: number; keepdim?: boolean } = {},
  ): Tensor {
    return red.variance(this, dim, options);
  }
  std(
    dim?: number | readonly number[] | null,
    options: { correction?: number; keepdim?: boolean } = {},
  ): Tensor {
    return red.variance(this, dim, options).sqrt();
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return red.logsumexp(this, dim, keepdim);
  }
  /** p-norm over all elements or along dims (p = 2 by default). */
  norm(p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return red.norm(this, p, dim, keepdim);
  }

  // ---- linear algebra -----------------------------------------------------------------------
  matmul(other: Tensor): Tensor {
    return matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    checkTensor(other, "mm", "other");
    check(
      this.ndim === 2 && other.ndim === 2,
      "mm",
      () => `expects 2-D tensors, got ${fmtShape(this.shape)} and ${fmtShape(other.shape)}`,
    );
    return matmul(this, other);
  }
}

/** Accepts both `reshape(2, 3)` and `reshape([2, 3])`. */
function flatArgs(args: (number | readonly number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}
