// ONNX ops run as functions over engine ops (OnnxOp modules): arithmetic, shape computations
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as PyTorch writes x.view(x.size(0), -1)),
// reductions, padding, and the opset-dependent forms (axes as attribute or input, Softmax before
// opset 13, Pad's attributes before 11). Shape arithmetic on integer tensors is done in plain JS, so
// it also works during summary's shape-only pass.

import { fromOp } from "../../autograd/record";
import { erfc } from "../../backends/ref/elementwise";
import { fmtShape } from "../../errors";
import * as F from "../../nn/functional";
import { cat } from "../../ops/shape";
import { Tensor } from "../../tensor/tensor";
import { type Build, generic, type OpEntry } from "./generic";
import { type NodeContext, NotImportable, toEngine } from "./node-context";
import { resize } from "./resize";

const values = (t: Tensor): number[] => Array.from(t.storage);
const intTensor = (v: readonly number[], shape: readonly number[] = [v.length]) =>
  new Tensor(Float32Array.from(v), shape, "int64");
const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);
const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

const binary =
  (f: (a: Tensor, b: Tensor) => Tensor): Build =>
  (n) =>
    generic(n, ([a, b]) => f(a!, b!), { roles: ["A", "B"] });
const unary =
  (f: (x: Tensor) => Tensor): Build =>
  (n) =>
    generic(n, ([x]) => f(x!));
const variadic =
  (f: (a: Tensor, b: Tensor) => Tensor): Build =>
  (n) =>
    generic(n, (xs) => (xs.filter((x) => x !== null) as Tensor[]).reduce(f));

/** Axes from the attribute (before `inputFrom`) or from input 1 (from `inputFrom` on). */
const axesOf = (n: NodeContext, inputFrom: number): number[] | undefined =>
  n.opset < inputFrom ? n.ints("axes") : (n.constInts(1, "axes") ?? undefined);

const reshape: Build = (n) => {
  const allowZero = n.int("allowzero", 0) === 1;
  return generic(n, ([x, shape]) => {
    const target = values(shape!).map((s, i) => (s === 0 && !allowZero ? x!.shape[i] : s));
    return x!.reshape(target);
  });
};

const flatten: Build = (n) => {
  const axis = n.int("axis", 1);
  return generic(
    n,
    ([x]) => {
      const a = norm(axis, x!.ndim);
      return x!.reshape([prod(x!.shape.slice(0, a)), prod(x!.shape.slice(a))]);
    },
    { attributes: `axis=${axis}` },
  );
};

const squeeze =
  (inputFrom: number): Build =>
  (n) => {
    const axes = axesOf(n, inputFrom);
    return generic(
      n,
      ([x]) => {
        const drop =
          axes === undefined ? x!.shape.map((s, i) => (s === 1 ? i : -1)) : axes.map((a) => norm(a, x!.ndim));
        return reshapeKeep(
          x!,
          x!.shape.filter((_, i) => !drop.includes(i)),
        );
      },
      { constants: [1], attributes: axes ? `axes=${JSON.stringify(axes)}` : "" },
    );
  };

const unsqueeze =
  (inputFrom: number): Build =>
  (n) => {
    const axes = axesOf(n, inputFrom);
    if (axes === undefined) throw new NotImportable("axes are missing");
    return generic(
      n,
      ([x]) => {
        const rank = x!.ndim + axes.length;
        const at = axes.map((a) => norm(a, rank));
        const shape: number[] = [];
        let k = 0;
        for (let i = 0; i < rank; i++) shape.push(at.includes(i) ? 1 : x!.shape[k++]);
        return reshapeKeep(x!, shape);
      },
      { constants: [1], attributes: `axes=${JSON.stringify(axes)}` },
    );
  };

/** A reshape that keeps integer tensors' dtype (shape arithmetic) without running a kernel. */
function reshapeKeep(x: Tensor, shape: number[]): Tensor {
  return x.dtype === "float32" ? x.reshape(shape) : new Tensor(x.storage, shape, x.dtype);
}

const concat: Build = (n) => {
  const axis = n.int("axis", 0);
  return generic(
    n,
    (xs) => {
      const ts = xs.filter((x): x is Tensor => x !== null);
      if (ts.every((t) => t.dtype !== "float32" && t.ndim === 1)) return intTensor(ts.flatMap(values));
      return cat(ts, norm(axis, ts[0].ndim));
    },
    { attributes: `axis=${axis}` },
  );
};

const shape: Build = (n) => {
  const start = n.int("start", 0);
  const end = n.has("end") ? n.int("end", 0) : undefined;
  return generic(n, ([x]) => {
    const s = x!.shape;
    return intTensor(s.slice(norm(start, s.length), end === undefined ? s.length : norm(end, s.length)));
  });
};

const gather: Build = (n) => {
  const axis = n.int("axis", 0);
  return generic(
    n,
    ([data, indices]) => {
      const d = data!;
      const idx = values(indices!).map((i) => (i < 0 ? i + d.shape[norm(axis, d.ndim)] : i));
      if (d.dtype !== "float32" && d.ndim === 1) {
        const picked = idx.map((i) => d.storage[i]);
        return new Tensor(Float32Array.from(picked), indices!.shape, d.dtype);
      }
      const a = norm(axis, d.ndim);
      const out = d.indexSelect(a, idx);
      return out.reshape([...d.shape.slice(0, a), ...indices!.shape, ...d.shape.slice(a + 1)]);
    },
    { attributes: `axis=${axis}` },
  );
};

const cast: Build = (n) => {
  const to = n.int("to", 1);
  const isFloat = to === 1 || to === 10 || to === 11;
  return generic(
    n,
    ([x]) =>
      isFloat
        ? x!.dtype === "float32"
          ? x!
          : new Tensor(x!.storage.slice(), x!.shape)
        : new Tensor(x!.storage.map(Math.trunc), x!.shape, to === 9 ? "bool" : "int64"),
    { attributes: `to=${to}` },
  );
};

const transpose: Build = (n) => {
  const perm = n.ints("perm");
  return generic(n, ([x]) => x!.permute(perm ?? x!.shape.map((_, i) => x!.ndim - 1 - i)), {
    attributes: perm ? `perm=${JSON.stringify(perm)}` : "",
  });
};

const reduce =
  (how: "mean" | "sum" | "max", inputFrom: number): Build =>
  (n) => {
    const axes = axesOf(n, inputFrom);
    const keep = n.int("keepdims", 1) === 1;
    const noopEmpty = n.int("noop_with_empty_axes", 0) === 1;
    return generic(
      n,
      ([x]) => {
        if ((axes === undefined || axes.length === 0) && noopEmpty) return x!;
        const dims =
          axes === undefined || axes.length === 0
            ? x!.shape.map((_, i) => i)
            : axes.map((a) => norm(a, x!.ndim));
        return how === "mean"
          ? x!.mean(dims, keep)
          : how === "sum"
            ? x!.sum(dims, keep)
            : x!.amax(dims, keep);
      },
      { constants: [1], attributes: `axes=${JSON.stringify(axes ?? "all")}, keepdims=${keep ? 1 : 0}` },
    );
  };

const pad: Build = (n) => {
  const mode = n.string("mode", "constant");
  const torchMode = { constant: "constant", reflect: "reflect", edge: "replicate", wrap: "circular" }[mode];
  if (torchMode === undefined) throw new NotImportable(`pad mode "${mode}" is not supported`);
  const pads = n.opset < 11 ? (n.ints("pads") ?? n.ints("paddings")) : n.constInts(1, "pads");
  if (pads == null) throw new NotImportable("pads are missing");
  if (pads.some((p) => p < 0)) throw new NotImportable("negative pads (cropping) are not supported");
  const value =
    n.opset < 11
      ? n.float("value", 0)
      : ((n.input(2) === "" ? null : n.constInts(2, "constant_value")) ?? [0])[0];
  const axesIn = n.opset >= 18 && n.input(3) !== "" ? n.constInts(3, "axes") : null;
  return generic(
    n,
    ([x]) => {
      const rank = x!.ndim;
      const axes = axesIn === null ? x!.shape.map((_, i) => i) : axesIn.map((a) => norm(a, rank));
      const k = axes.length;
      const begin = Array(rank).fill(0);
      const end = Array(rank).fill(0);
      axes.forEach((a, i) => {
        begin[a] = pads[i];
        end[a] = pads[k + i];
      });
      const lead = begin.findIndex((b, i) => b !== 0 || end[i] !== 0);
      if (lead === -1) return x!;
      const list: number[] = [];
      for (let i = rank - 1; i >= lead; i--) list.push(begin[i], end[i]);
      return torchMode === "constant"
        ? F.pad(x!, list, "constant", value)
        : F.pad(x!, list, torchMode as "reflect");
    },
    { constants: [1, 2, 3], attributes: `mode=${mode}, pads=${JSON.stringify(pads)}` },
  );
};

/** Softmax before opset 13: the input is seen as 2-D (N = dims before `axis`, D = the rest). */
const softmaxOld =
  (log: boolean): Build =>
  (n) => {
    const axis = n.int("axis", 1);
    return generic(
      n,
      ([x]) => {
        const a = norm(axis, x!.ndim);
        const flat = x!.reshape([prod(x!.shape.slice(0, a)), prod(x!.shape.slice(a))]);
        return (log ? F.logSoftmax(flat, 1) : F.softmax(flat, 1)).reshape([...x!.shape]);
      },
      { attributes: `axis=${axis} (over all dims from axis on, opset < 13)` },
    );
  };

const slice = (n: NodeContext) => {
  const old = n.opset < 10;
  const starts = old ? n.ints("starts") : n.constInts(1, "starts");
  const ends = old ? n.ints("ends") : n.constInts(2, "ends");
  const axes = old ? n.ints("axes") : n.input(3) === "" ? null : n.constInts(3, "axes");
  const steps = old || n.input(4) === "" ? null : n.constInts(4, "steps");
  if (!starts || !ends) throw new NotImportable("starts and ends are missing");
  return generic(
    n,
    ([x]) => {
      let y = x!;
      starts.forEach((s, i) => {
        const a = norm(axes?.[i] ?? i, y.ndim);
        const size = y.shape[a];
        const step = steps?.[i] ?? 1;
        const clampIdx = (v: number) =>
          Math.max(step > 0 ? 0 : -1, Math.min(step > 0 ? size : size - 1, v < 0 ? v + size : v));
        if (step !== 1) throw new NotImportable(`Slice with step ${step} is not supported`);
        y = y.slice(a, clampIdx(s), clampIdx(ends[i]));
      });
      return y;
    },
    { constants: [1, 2, 3, 4], attributes: `starts=${JSON.stringify(starts)}, ends=${JSON.stringify(ends)}` },
  );
};

const globalPool =
  (how: "avg" | "max"): Build =>
  (n) =>
    generic(n, ([x]) => {
      const dims = x!.shape.map((_, i) => i).slice(2);
      if (x!.ndim === 4)
        return how === "avg" ? F.adaptiveAvgPool2d(x!, 1) : (F.adaptiveMaxPool2d(x!, 1) as Tensor);
      return how === "avg" ? x!.mean(dims, true) : x!.amax(dims, true);
    });

const matmul: Build = (n) =>
  generic(
    n,
    ([a, b]) => {
      if (a!.ndim < 2 || b!.ndim < 2)
        throw new Error(
          `MatMul of shapes ${fmtShape(a!.shape)} and ${fmtShape(b!.shape)}: 1-D operands are not supported`,
        );
      return a!.matmul(b!);
    },
    { roles: ["A", "B"] },
  );

/** Mod of integers (fmod = 0: the sign of the divisor, Python's %), in plain JS. */
const mod: Build = (n) => {
  if (n.int("fmod", 0) !== 0) throw new NotImportable("fmod=1 is not supported");
  return generic(n, ([a, b]) => {
    if (a!.dtype !== "int64" || b!.dtype !== "int64")
      throw new Error("Mod of float tensors is not supported");
    const d = b!.storage;
    const shape = d.length === 1 ? a!.shape : a!.shape;
    if (d.length !== 1 && d.length !== a!.numel)
      throw new Error("Mod's divisor must be a scalar or the dividend's shape");
    const out = Float32Array.from(a!.storage, (v, i) => {
      const m = d.length === 1 ? d[0] : d[i];
      return ((v % m) + m) % m;
    });
    return new Tensor(out, shape, "int64");
  });
};

/** CumSum of integers along a constant axis (exclusive, reverse), in plain JS: index arithmetic. */
const cumSum: Build = (n) => {
  const exclusive = n.int("exclusive", 0) === 1;
  const reverse = n.int("reverse", 0) === 1;
  const [axisIn] = n.constInts(1, "axis") ?? [0];
  return generic(
    n,
    ([x]) => {
      if (x!.dtype !== "int64") throw new Error("CumSum of float tensors is not supported");
      const axis = norm(axisIn, x!.ndim);
      const len = x!.shape[axis];
      const inner = prod(x!.shape.slice(axis + 1));
      const outer = prod(x!.shape.slice(0, axis));
      const out = new Float32Array(x!.numel);
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          let acc = 0;
          for (let j = 0; j < len; j++) {
            const k = (o * len + (reverse ? len - 1 - j : j)) * inner + i;
            if (!exclusive) acc += x!.storage[k];
            out[k] = acc;
            if (exclusive) acc += x!.storage[k];
          }
        }
      return new Tensor(out, x!.shape, "int64");
    },
    { constants: [1] },
  );
};

/** Expand: x broadcast with a shape (ONNX broadcasts both ways: a 1 in the shape keeps x's dim). */
const expand: Build = (n) => {
  const target = n.constInts(1, "shape")!;
  return generic(
    n,
    ([x]) => {
      const rank = Math.max(x!.ndim, target.length);
      const xs = [...Array<number>(rank - x!.ndim).fill(1), ...x!.shape];
      const ts = [...Array<number>(rank - target.length).fill(1), ...target];
      return x!.reshape(xs).expand(xs.map((d, i) => Math.max(d, ts[i])));
    },
    { constants: [1] },
  );
};

/** erf, differentiable (d/dx erf = 2 / sqrt(pi) exp(-x^2)): GELU as PyTorch exports it before opset 20. */
function erf(x: Tensor): Tensor {
  const out = Float32Array.from(x.storage, (v) => 1 - erfc(v));
  return fromOp("erf", out, x.shape, [x], [x], (dout) => {
    const dx = new Float32Array(x.numel);
    for (let i = 0; i < dx.length; i++)
      dx[i] = dout[i] * Math.exp(-x.storage[i] * x.storage[i]) * (2 / Math.sqrt(Math.PI));
    return [dx];
  });
}

/** ONNX op type -> { first opset of a definition: how to build it }. */
export const tensorOps: Record<string, OpEntry> = {
  Add: { 1: binary((a, b) => a.add(b)) },
  Sub: { 1: binary((a, b) => a.sub(b)) },
  Mul: { 1: binary((a, b) => a.mul(b)) },
  Div: { 1: binary((a, b) => a.div(b)) },
  Pow: { 1: binary((a, b) => a.pow(b)) },
  Max: { 1: variadic((a, b) => a.maximum(b)) },
  Min: { 1: variadic((a, b) => a.minimum(b)) },
  Sum: { 1: variadic((a, b) => a.add(b)) },
  MatMul: { 1: matmul },
  Neg: { 1: unary((x) => x.neg()) },
  Abs: { 1: unary((x) => x.abs()) },
  Exp: { 1: unary((x) => x.exp()) },
  Log: { 1: unary((x) => x.log()) },
  Sqrt: { 1: unary((x) => x.sqrt()) },
  Reciprocal: { 1: unary((x) => x.reciprocal()) },
  Floor: { 1: unary((x) => x.floor()) },
  Sin: { 1: unary((x) => x.sin()) },
  Cos: { 1: unary((x) => x.cos()) },
  PRelu: {
    1: (n) =>
      // The slope is named "weight", as PyTorch's PReLU names it.
      generic(n, ([x, slope]) => x!.relu().add(x!.neg().relu().neg().mul(slope!)), {
        roles: ["X", "weight"],
      }),
  },
  Reshape: { 5: reshape },
  Flatten: { 1: flatten },
  Squeeze: { 1: squeeze(13) },
  Unsqueeze: { 1: unsqueeze(13) },
  Concat: { 1: concat },
  Shape: { 1: shape },
  Gather: { 1: gather },
  Cast: { 1: cast },
  Transpose: { 1: transpose },
  ReduceMean: { 1: reduce("mean", 18) },
  ReduceSum: { 1: reduce("sum", 13) },
  ReduceMax: { 1: reduce("max", 18) },
  Pad: { 2: pad },
  Slice: { 1: slice },
  Softmax: { 1: softmaxOld(false) },
  LogSoftmax: { 1: softmaxOld(true) },
  GlobalAveragePool: { 1: globalPool("avg") },
  GlobalMaxPool: { 1: globalPool("max") },
  Erf: { 1: unary(erf) },
  Expand: { 8: expand },
  Mod: { 10: mod },
  CumSum: { 11: cumSum },
  Resize: { 10: resize("Resize") },
  Upsample: { 7: resize("Upsample") },
};

export { toEngine };
