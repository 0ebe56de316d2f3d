// How the tensor operations between layers are written in ONNX: a table from the autograd op name
// (`t.gradFn.name`) to the nodes it becomes. These are the ops a model's own forward calls between
// its layers: residual adds, flatten and view, torch.cat, functional pooling and activations.
// Ops with arguments (F.maxPool2d's kernel size, F.leakyRelu's slope, x.clamp's bounds...) record
// them on their autograd node (GradNode.args) and are written by functional.ts; the entries here
// recover what they need from the input and output shapes.

import type { GradNode } from "../../autograd/node";
import type { Tensor } from "../../tensor/tensor";
import { int, ints } from "../format/ir";
import type { GraphBuilder } from "./builder";
import { functionalTable } from "./functional";
import { adaptivePool, NotExportable } from "./layers";
import { clip, reshape } from "./shapes";

/** One recorded op: its name, input and output tensors, and its autograd node. */
export interface GlueCall {
  op: string;
  inputs: readonly (Tensor | null)[];
  output: Tensor;
  node?: GradNode;
  /** Writes a tensor argument of the op (from node.args, e.g. MaxUnpool's indices); its name. */
  nameOf?: (t: Tensor) => string;
  /** Names a second output of the op (a max pool's indices, node.args.indices). */
  define?: (t: Tensor, name: string) => void;
}

type Emit = (b: GraphBuilder, call: GlueCall, x: readonly string[]) => string;

const same =
  (opType: string): Emit =>
  (b, _call, x) =>
    b.op(opType, x, {}, opType);

/** The one dim along which `cat` joined its inputs. */
export function catAxis(call: GlueCall): number {
  const out = call.output.shape;
  const ins = call.inputs.map((t) => (t as Tensor).shape);
  const axes = out
    .map((_, d) => d)
    .filter(
      (d) =>
        ins.every((s) => s.length === out.length && s.every((v, j) => j === d || v === out[j])) &&
        ins.reduce((a, s) => a + s[d], 0) === out[d],
    );
  if (axes.length !== 1)
    throw new NotExportable(`cannot tell which dim torch.cat joined (candidates ${JSON.stringify(axes)})`);
  return axes[0];
}

/**
 * Picks, among candidate index maps (input multi-index -> output flat index), the one the op used:
 * its backward is run on dout = 0, 1, 2, ... and must send each output's number back to exactly
 * the inputs that map to it. (A reduction or permutation has no saved state, so this is only
 * a probe of the recorded op.)
 */
function probe<T>(call: GlueCall, candidates: T[], outIndex: (c: T, at: number[]) => number): T | undefined {
  if (call.node === undefined || candidates.length === 0) return undefined;
  const dout = new Float32Array(call.output.numel);
  for (let i = 0; i < dout.length; i++) dout[i] = i;
  const din = call.node.backward(dout)[0];
  if (din === null || din === undefined) return undefined;
  const shape = (call.inputs[0] as Tensor).shape;
  const at = shape.map(() => 0);
  return candidates.find((c) => {
    for (let flat = 0; flat < din.length; flat++) {
      let rest = flat;
      for (let d = shape.length - 1; d >= 0; d--) {
        at[d] = rest % shape[d];
        rest = Math.floor(rest / shape[d]);
      }
      if (din[flat] !== outIndex(c, at)) return false;
    }
    return true;
  });
}

const flatIndex = (idx: readonly number[], shape: readonly number[]) =>
  idx.reduce((a, v, d) => a * shape[d] + v, 0);

/** The dims `sum` reduced and whether it kept them, from the shapes (and a probe when ambiguous). */
export function reducedAxes(call: GlueCall): { axes: number[]; keep: boolean } {
  const from = (call.inputs[0] as Tensor).shape;
  const to = call.output.shape;
  if (to.length === from.length)
    return { axes: from.map((_, d) => d).filter((d) => to[d] === 1 && from[d] !== 1), keep: true };
  if (to.length === 0) return { axes: from.map((_, d) => d), keep: false };
  // Without keepdim: every way of dropping dims of `from` that leaves `to`.
  const options: number[][] = [];
  const search = (i: number, j: number, dropped: number[]) => {
    if (i === from.length) {
      if (j === to.length) options.push(dropped);
      return;
    }
    if (j < to.length && from[i] === to[j]) search(i + 1, j + 1, dropped);
    search(i + 1, j, [...dropped, i]);
  };
  search(0, 0, []);
  const axes =
    options.length === 1
      ? options[0]
      : probe(call, options, (dropped, at) =>
          flatIndex(
            at.filter((_, d) => !dropped.includes(d)),
            to,
          ),
        );
  if (axes === undefined)
    throw new NotExportable(
      `cannot tell which dims were reduced from [${from}] to [${to}]; reduce with keepdim: true`,
    );
  return { axes, keep: false };
}

/** The permutation taking the input's shape to the output's (probed when dims have equal sizes). */
export function permutation(call: GlueCall): number[] {
  const from = (call.inputs[0] as Tensor).shape;
  const to = call.output.shape;
  const perms: number[][] = [];
  const search = (prefix: number[]) => {
    if (prefix.length === to.length) return void perms.push(prefix);
    for (let d = 0; d < from.length; d++)
      if (!prefix.includes(d) && from[d] === to[prefix.length]) search([...prefix, d]);
  };
  search([]);
  const perm =
    perms.length === 1
      ? perms[0]
      : probe(call, perms, (p, at) =>
          flatIndex(
            p.map((d) => at[d]),
            to,
          ),
        );
  if (perm === undefined) throw new NotExportable(`cannot tell the permutation from [${from}] to [${to}]`);
  return perm;
}

const viewOp: Emit = (b, call, x) =>
  reshape(b, x[0], (call.inputs[0] as Tensor).shape, call.output.shape, "Reshape");

/** Ops whose arguments the autograd graph does not record, and the layer that records them. */
const needsLayer: Record<string, string> = {
  batchNorm: "nn.BatchNorm2d",
};

/** Autograd op name -> how it is written (with functional.ts's table for ops with arguments). */
export const glueTable: Record<string, Emit> = {
  add: same("Add"),
  sub: same("Sub"),
  mul: same("Mul"),
  div: same("Div"),
  maximum: same("Max"),
  minimum: same("Min"),
  matmul: same("MatMul"),
  relu: same("Relu"),
  sigmoid: same("Sigmoid"),
  tanh: same("Tanh"),
  neg: same("Neg"),
  exp: same("Exp"),
  log: same("Log"),
  sqrt: same("Sqrt"),
  abs: same("Abs"),
  sign: same("Sign"),
  reciprocal: same("Reciprocal"),
  floor: same("Floor"),
  sin: same("Sin"),
  cos: same("Cos"),
  square: (b, _call, x) => b.op("Mul", [x[0], x[0]], {}, "Square"),
  rsqrt: (b, _call, x) => b.op("Reciprocal", [b.op("Sqrt", [x[0]], {}, "Rsqrt.sqrt")], {}, "Rsqrt"),
  relu6: (b, _call, x) => clip(b, x[0], 0, 6, "Relu6"),
  linear: (b, call, x) =>
    (call.inputs[0] as Tensor).ndim === 2
      ? b.op(
          "Gemm",
          x.filter((n) => n !== ""),
          { transB: int(1) },
          "Gemm",
        )
      : (() => {
          const wt = b.op("Transpose", [x[1]], { perm: ints([1, 0]) }, "Linear.weight_t");
          const y = b.op("MatMul", [x[0], wt], {}, "Linear.matmul");
          return x[2] ? b.op("Add", [y, x[2]], {}, "Linear") : y;
        })(),
  reshape: viewOp,
  view: viewOp,
  viewAs: viewOp,
  flatten: viewOp,
  squeeze: viewOp,
  unsqueeze: viewOp,
  repeat: viewOp,
  clone: (_b, _call, x) => x[0],
  cat: (b, call, x) => b.op("Concat", x, { axis: int(catAxis(call)) }, "Concat"),
  expand: (b, call, x) =>
    b.op("Expand", [x[0], b.int64s([...call.output.shape], undefined, "Expand.shape")], {}, "Expand"),
  permute: (b, call, x) => b.op("Transpose", [x[0]], { perm: ints(permutation(call)) }, "Transpose"),
  sum: (b, call, x) => {
    const { axes, keep } = reducedAxes(call);
    return b.op(
      "ReduceSum",
      [x[0], b.int64s(axes, [axes.length], "ReduceSum.axes")],
      { keepdims: int(keep ? 1 : 0) },
      "ReduceSum",
    );
  },
  adaptiveAvgPool2d: (b, call, x) =>
    adaptivePool(
      b,
      "Average",
      (call.inputs[0] as Tensor).shape,
      call.output.shape,
      x[0],
      "GlobalAveragePool",
    ),
  adaptiveAvgPool1d: (b, call, x) =>
    adaptivePool(
      b,
      "Average",
      (call.inputs[0] as Tensor).shape,
      call.output.shape,
      x[0],
      "GlobalAveragePool",
    ),
};

/** The entry for an autograd op, or a NotExportable naming the layer to use. */
export function glueEntry(op: string): Emit {
  const entry = glueTable[op] ?? functionalTable[op];
  if (entry !== undefined) return entry;
  const layer = needsLayer[op];
  throw new NotExportable(
    layer === undefined
      ? "this op has no ONNX export (or its arguments, like a slice's start and end, are not recorded by autograd)"
      : `its arguments are not recorded by autograd, so it cannot be exported from a forward; use ${layer} as a submodule`,
  );
}
