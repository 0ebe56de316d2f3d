// Elementwise ops: unary math and activations, broadcasting binary arithmetic and comparisons,
// and `where`. All are primitives with hand-written derivatives in backends/ref/elementwise.ts.

import { gradBuffer } from "../autograd/grad-buffers";
import type { Saved } from "../autograd/node";
import { fromOp, needsGrad, withArgs } from "../autograd/record";
import {
  BINARY,
  type BinaryOp,
  binaryBackward,
  binaryForward,
  forEachBroadcast,
  UNARY,
  type UnaryOp,
  unaryBackward,
  unaryForward,
  whereForward,
} from "../backends/ref/elementwise";
import { emptyStorage } from "../backends/registry";
import { check } from "../errors";
import { broadcastShapes, broadcastStrides, numelOf } from "../tensor/shape";
import { type DType, Tensor } from "../tensor/tensor";
import { checkTensor, notATensor } from "./tensor-args";

export type TensorLike = Tensor | number;

/** A number becomes a 0-d tensor; tensors pass through. */
export function asTensor(x: TensorLike | boolean, op = "tensor", name = "other"): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x !== "number" && typeof x !== "boolean") throw notATensor(x, op, name, "a Tensor or a number");
  return new Tensor(new Float32Array([Number(x)]), [], Number.isInteger(Number(x)) ? "int64" : "float32");
}

export function unary(op: UnaryOp, x: Tensor, a = 0, b = 0, name: string = op): Tensor {
  checkTensor(x, name, "input");
  const out = emptyStorage(x.numel);
  unaryForward(op, out, x.storage, a, b);
  const { reads } = UNARY[op];
  const saves = [reads.includes("x") ? x : null, reads.includes("y") ? ("output" as const) : null];
  return fromOp(name, out, x.shape, [x], saves, (dout) => {
    // In place: dout belongs to this op during backward (autograd/node.ts), and each dx[i] needs
    // only dout[i], so the gradient overwrites it instead of taking another buffer.
    unaryBackward(op, dout, x.storage, out, dout, a, b);
    return [dout];
  });
}

const INTEGER_CLOSED: ReadonlySet<BinaryOp> = new Set(["add", "sub", "mul", "maximum", "minimum"]);
const COMPARISON: ReadonlySet<BinaryOp> = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);

export function binary(op: BinaryOp, a: TensorLike, b: TensorLike, name: string = op): Tensor {
  const ta = asTensor(a, name, "input");
  const tb = asTensor(b, name, "other");
  const shape = broadcastShapes(ta.shape, tb.shape, name);
  const sa = broadcastStrides(ta.shape, shape);
  const sb = broadcastStrides(tb.shape, shape);
  const out = emptyStorage(numelOf(shape));
  binaryForward(op, out, ta.storage, tb.storage, shape, sa, sb);
  let dtype: DType = "float32";
  if (COMPARISON.has(op)) dtype = "bool";
  else if (INTEGER_CLOSED.has(op) && ta.dtype !== "float32" && tb.dtype !== "float32") dtype = "int64";
  if (dtype !== "float32") return new Tensor(out, shape, dtype);
  const sameShape = ta.numel === out.length && tb.numel === out.length;
  return fromOp(name, out, shape, [ta, tb], binarySaves(op, a, b), (dout) => {
    // d(a + b)/da = d(a + b)/db = 1: both gradients are dout itself (autograd copies as needed).
    if (op === "add" && sameShape) return [needsGrad(ta) ? dout : null, needsGrad(tb) ? dout : null];
    const da = needsGrad(ta) ? gradBuffer(ta.numel) : null;
    const db = needsGrad(tb) ? gradBuffer(tb.numel) : null;
    binaryBackward(op, da, db, ta.storage, tb.storage, out, dout, shape, sa, sb);
    return [da, db];
  });
}

/**
 * What binary op's backward reads, as PyTorch saves it: mul needs b for a's gradient and a for
 * b's, div needs b (and a for b's gradient); pow, maximum and minimum need both (pow also its
 * output). Numbers the caller passed became constants nobody can modify, so they are not saved.
 */
function binarySaves(op: BinaryOp, a: TensorLike, b: TensorLike): Saved[] {
  const reads = (BINARY[op] as { reads?: string }).reads ?? "";
  const ta = a instanceof Tensor ? a : null;
  const tb = b instanceof Tensor ? b : null;
  if (op === "mul") return [tb?.requiresGrad ? ta : null, ta?.requiresGrad ? tb : null];
  if (op === "div") return [tb, tb?.requiresGrad ? ta : null];
  return reads === "" ? [] : reads === "ab" ? [ta, tb] : [ta, tb, "output"];
}

// ---- arithmetic ------------------------------------------------------------------------------
export const add = (a: TensorLike, b: TensorLike, alpha = 1): Tensor =>
  binary("add", a, alpha === 1 ? b : mul(b, alpha), "add");
export const sub = (a: TensorLike, b: TensorLike, alpha = 1): Tensor =>
  binary("sub", a, alpha === 1 ? b : mul(b, alpha), "sub");
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary("mul", a, b);
export const div = (a: TensorLike, b: TensorLike): Tensor => binary("div", a, b);
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary("maximum", a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary("minimum", a, b);
/** x ** exponent; a number exponent uses the unary kernel (no gradient to compute for it). */
export function pow(x: TensorLike, exponent: TensorLike): Tensor {
  if (typeof exponent === "number" && x instanceof Tensor)
    return withArgs(unary("powScalar", x, exponent, 0, "pow"), { exponent });
  return binary("pow", x, exponent);
}

// ---- comparisons (bool results, no gradient) ---------------------------------------------------
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary("eq", a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary("ne", a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary("lt", a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary("le", a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary("gt", a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary("ge", a, b);

// ---- unary math --------------------------------------------------------------------------------
export const neg = (x: Tensor): Tensor => unary("neg", x);
export const exp = (x: Tensor): Tensor => unary("exp", x);
export const log = (x: Tensor): Tensor => unary("log", x);
export const sqrt = (x: Tensor): Tensor => unary("sqrt", x);
export const rsqrt = (x: Tensor): Tensor => unary("rsqrt", x);
export const abs = (x: Tensor): Tensor => unary("abs", x);
export const sign = (x: Tensor): Tensor => unary("sign", x);
export const square = (x: Tensor): Tensor => unary("square", x);
export const reciprocal = (x: Tensor): Tensor => unary("reciprocal", x);
export const sin = (x: Tensor): Tensor => unary("sin", x);
export const cos = (x: Tensor): Tensor => unary("cos", x);
export const floor = (x: Tensor): Tensor => unary("floor", x);
export const round = (x: Tensor): Tensor => unary("round", x);

/** Limits values to [min, max]; either bound may be omitted. */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  check(min != null || max != null, "clamp", "at least one of min and max must be given");
  const y = unary("clamp", x, min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY, "clamp");
  return withArgs(y, { min: min ?? null, max: max ?? null });
}

// ---- activations -------------------------------------------------------------------------------
export const relu = (x: Tensor): Tensor => unary("relu", x);
export const relu6 = (x: Tensor): Tensor => unary("hardtanh", x, 0, 6, "relu6");
export const hardtanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor =>
  withArgs(unary("hardtanh", x, minVal, maxVal), { minVal, maxVal });
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
export const tanh = (x: Tensor): Tensor => unary("tanh", x);

// Activations with a parameter take it positionally, as PyTorch does (`F.elu(x, 0.5)`), or by
// name in an options object (`F.elu(x, {alpha: 0.5})`, PyTorch's `alpha=0.5`).

/** x for x > 0, negativeSlope * x otherwise. */
export function leakyRelu(x: Tensor, negativeSlope: number | { negativeSlope?: number } = 0.01): Tensor {
  const slope = param("leakyRelu", "negativeSlope", negativeSlope, 0.01);
  return withArgs(unary("leakyRelu", x, slope), { negativeSlope: slope });
}

/** x for x > 0, alpha * (exp(x) - 1) otherwise. */
export function elu(x: Tensor, alpha: number | { alpha?: number } = 1): Tensor {
  const a = param("elu", "alpha", alpha, 1);
  return withArgs(unary("elu", x, a), { alpha: a });
}

/** x for x > 0, alpha * (exp(x / alpha) - 1) otherwise (elu, continuously differentiable in x). */
export function celu(x: Tensor, alpha: number | { alpha?: number } = 1): Tensor {
  const a = param("celu", "alpha", alpha, 1);
  check(a !== 0, "celu", "alpha must not be 0 (celu divides by it); use alpha = 1 for the default");
  return withArgs(unary("celu", x, a), { alpha: a });
}

/** scale * elu(x, alpha) with SELU's fixed alpha ~1.6733 and scale ~1.0507 (self-normalising nets). */
export const selu = (x: Tensor): Tensor => unary("selu", x);

export interface SoftplusOptions {
  /** Sharpness: log(1 + exp(beta x)) / beta. Default 1. */
  beta?: number;
  /** Above this beta * x the result is x itself (for numerical stability). Default 20. */
  threshold?: number;
}

/** log(1 + exp(beta x)) / beta, a smooth relu; x itself where beta * x > threshold. */
export function softplus(x: Tensor, beta: number | SoftplusOptions = 1, threshold = 20): Tensor {
  if (typeof beta === "object" && beta !== null) ({ beta = 1, threshold = threshold } = beta);
  checkNumber("softplus", "beta", beta);
  checkNumber("softplus", "threshold", threshold);
  check(beta !== 0, "softplus", "beta must not be 0 (softplus divides by it); the default is 1");
  return withArgs(unary("softplus", x, beta, threshold), { beta, threshold });
}

/** x * sigmoid(x) ("swish"; EfficientNet's activation). */
export const silu = (x: Tensor): Tensor => unary("silu", x);

/** x * relu6(x + 3) / 6 (MobileNetV3's cheap swish). */
export const hardswish = (x: Tensor): Tensor => unary("hardswish", x);

/** relu6(x + 3) / 6 (MobileNetV3's cheap sigmoid, in its squeeze-and-excitation blocks). */
export const hardsigmoid = (x: Tensor): Tensor => unary("hardsigmoid", x);

/** x * tanh(softplus(x)). */
export const mish = (x: Tensor): Tensor => unary("mish", x);

export interface GeluOptions {
  /** 'none' (default): x * Phi(x) with the exact normal CDF; 'tanh': its tanh approximation. */
  approximate?: "none" | "tanh";
}

/** x * Phi(x), Phi the standard normal CDF (transformers' activation). */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  const { approximate = "none" } = options;
  check(
    approximate === "none" || approximate === "tanh",
    "gelu",
    () => `approximate must be 'none' or 'tanh', got ${JSON.stringify(approximate)}`,
  );
  return withArgs(unary(approximate === "tanh" ? "geluTanh" : "gelu", x, 0, 0, "gelu"), { approximate });
}

/**
 * x for x > 0, weight * x otherwise, with a learned slope: weight holds one value, or one per
 * channel (dim 1 of input). A composite of where and mul.
 */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  checkTensor(input, "prelu", "input");
  checkTensor(weight, "prelu", "weight");
  const channels = input.ndim >= 2 ? input.shape[1] : 1;
  check(
    weight.numel === 1 || (weight.ndim === 1 && weight.numel === channels),
    "prelu",
    () =>
      `weight must hold 1 value or one per channel (dim 1 of input, ${channels} for input shape [${input.shape.join(", ")}]), ` +
      `got shape [${weight.shape.join(", ")}]; build it with nn.PReLU(${channels}) or nn.PReLU()`,
  );
  // A (1, C, 1, ...) view so the slopes multiply along the channel dim; one value broadcasts as a scalar.
  const slope =
    weight.numel === 1 ? weight.reshape([]) : weight.reshape(input.shape.map((s, d) => (d === 1 ? s : 1)));
  // Named "prelu" in the autograd graph, with its weight, for exporters.
  return withArgs(whereAs("prelu", gt(input, 0), input, mul(slope, input)), { weight });
}

/** A scalar parameter given positionally or as options[key]; `def` when absent. */
function param<K extends string>(
  op: string,
  key: K,
  value: number | { [k in K]?: number },
  def: number,
): number {
  const v = typeof value === "object" && value !== null ? (value[key] ?? def) : value;
  checkNumber(op, key, v);
  return v;
}

function checkNumber(op: string, name: string, v: unknown): asserts v is number {
  check(typeof v === "number" && !Number.isNaN(v), op, () => `${name} must be a number, got ${String(v)}`);
}

/** cond ? a : b elementwise, with broadcasting; gradients flow to a and b where chosen. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return whereAs("where", cond, a, b);
}

/** where, recorded in the autograd graph as `op` (a composite like prelu). */
function whereAs(op: string, cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor(cond, op, "condition");
  const ta = asTensor(a, op, "input");
  const tb = asTensor(b, op, "other");
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, op), tb.shape, op);
  const sc = broadcastStrides(cond.shape, shape);
  const sa = broadcastStrides(ta.shape, shape);
  const sb = broadcastStrides(tb.shape, shape);
  const out = new Float32Array(numelOf(shape));
  whereForward(out, cond.storage, ta.storage, tb.storage, shape, sc, sa, sb);
  const dtype = ta.dtype === tb.dtype ? ta.dtype : "float32";
  return fromOp(
    op,
    out,
    shape,
    [null, ta, tb],
    [cond],
    (dout) => {
      const da = needsGrad(ta) ? new Float32Array(ta.numel) : null;
      const db = needsGrad(tb) ? new Float32Array(tb.numel) : null;
      if (da !== null)
        forEachBroadcast(shape, sc, sa, (i, ic, ia) => {
          if (cond.storage[ic] !== 0) da[ia] += dout[i];
        });
      if (db !== null)
        forEachBroadcast(shape, sc, sb, (i, ic, ib) => {
          if (cond.storage[ic] === 0) db[ib] += dout[i];
        });
      return [null, da, db];
    },
    dtype,
  );
}
