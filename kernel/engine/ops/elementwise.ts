// Elementwise ops: unary math and activations, broadcasting binary arithmetic and comparisons,
// and `where`. All are primitives with hand-written derivatives in backends/ref/elementwise.ts.

import { gradBuffer } from "../autograd/grad-buffers";
import type { Saved } from "../autograd/node";
import { fromOp, needsGrad } from "../autograd/record";
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
  if (typeof exponent === "number" && x instanceof Tensor) return unary("powScalar", x, exponent, 0, "pow");
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
  return unary("clamp", x, min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY, "clamp");
}

// ---- activations -------------------------------------------------------------------------------
export const relu = (x: Tensor): Tensor => unary("relu", x);
export const relu6 = (x: Tensor): Tensor => unary("hardtanh", x, 0, 6, "relu6");
export const hardtanh = (x: Tensor, minVal = -1, maxVal = 1): Tensor => unary("hardtanh", x, minVal, maxVal);
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => unary("leakyRelu", x, negativeSlope);
export const elu = (x: Tensor, alpha = 1): Tensor => unary("elu", x, alpha);
export const sigmoid = (x: Tensor): Tensor => unary("sigmoid", x);
export const tanh = (x: Tensor): Tensor => unary("tanh", x);
export const softplus = (x: Tensor): Tensor => unary("softplus", x);

/** cond ? a : b elementwise, with broadcasting; gradients flow to a and b where chosen. */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkTensor(cond, "where", "condition");
  const ta = asTensor(a, "where", "input");
  const tb = asTensor(b, "where", "other");
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape, "where"), tb.shape, "where");
  const sc = broadcastStrides(cond.shape, shape);
  const sa = broadcastStrides(ta.shape, shape);
  const sb = broadcastStrides(tb.shape, shape);
  const out = new Float32Array(numelOf(shape));
  whereForward(out, cond.storage, ta.storage, tb.storage, shape, sc, sa, sb);
  const dtype = ta.dtype === tb.dtype ? ta.dtype : "float32";
  return fromOp(
    "where",
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
