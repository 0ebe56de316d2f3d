// The ops between layers as PyTorch expressions: a table from autograd op name to Python, the
// counterpart of export/glue.ts (which writes them as ONNX). Arguments the autograd graph does
// not record are recovered from the shapes in the same way.

import type { Tensor } from "../../tensor/tensor";
import { catAxis, type GlueCall, glueEntry, permutation, reducedAxes } from "../export/glue";
import { NotExportable } from "../export/layers";
import { py } from "./python";

type Expr = (call: GlueCall, x: readonly string[]) => string;

const fn =
  (name: string): Expr =>
  (_c, x) =>
    `${name}(${x.join(", ")})`;
const infix =
  (op: string): Expr =>
  (_c, x) =>
    `(${x[0]} ${op} ${x[1]})`;
const shape = (t: Tensor | null) => (t as Tensor).shape;

/** A view to `to`: torch.flatten for (N, ...) -> (N, features), else reshape keeping the batch dim dynamic. */
const view: Expr = (c, x) => {
  const from = shape(c.inputs[0]);
  const to = c.output.shape;
  if (
    to.length === 2 &&
    from.length >= 2 &&
    to[0] === from[0] &&
    to[1] === from.slice(1).reduce((a, b) => a * b, 1)
  )
    return `torch.flatten(${x[0]}, 1)`;
  const dims = to.map((d, i) =>
    i === 0 && from.length > 0 && d === from[0] ? `${x[0]}.shape[0]` : String(d),
  );
  return `${x[0]}.reshape(${dims.join(", ")})`;
};

const adaptive =
  (name: string): Expr =>
  (c, x) =>
    `F.${name}(${x[0]}, ${py(c.output.shape.slice(2))})`;

export const torchGlue: Record<string, Expr> = {
  add: infix("+"),
  sub: infix("-"),
  mul: infix("*"),
  div: infix("/"),
  mean: (c, x) => {
    // sum / count (ops/reduce.ts): torch.mean of the sum's input, so the count follows the batch.
    const summed = c.inputs[0] as Tensor;
    const node = summed.gradFn;
    if (node === null || node.name !== "sum" || c.nameOf === undefined) return infix("/")(c, x);
    const { axes, keep } = reducedAxes({ op: "sum", inputs: node.inputs, output: summed, node });
    return `torch.mean(${c.nameOf(node.inputs[0] as Tensor)}, dim=${py(axes)}, keepdim=${py(keep)})`;
  },
  maximum: fn("torch.maximum"),
  minimum: fn("torch.minimum"),
  pow: (c, x) => {
    if (c.inputs.length < 2)
      throw new NotExportable("x.pow(number) does not record its exponent; use x.pow(tensor(e))");
    return `torch.pow(${x[0]}, ${x[1]})`;
  },
  matmul: fn("torch.matmul"),
  relu: fn("torch.relu"),
  sigmoid: fn("torch.sigmoid"),
  tanh: fn("torch.tanh"),
  neg: (_c, x) => `(-${x[0]})`,
  exp: fn("torch.exp"),
  log: fn("torch.log"),
  sqrt: fn("torch.sqrt"),
  abs: fn("torch.abs"),
  sign: fn("torch.sign"),
  reciprocal: fn("torch.reciprocal"),
  floor: fn("torch.floor"),
  sin: fn("torch.sin"),
  cos: fn("torch.cos"),
  softplus: fn("F.softplus"),
  square: (_c, x) => `(${x[0]} * ${x[0]})`,
  rsqrt: fn("torch.rsqrt"),
  relu6: fn("F.relu6"),
  linear: (_c, x) => `F.linear(${x[0]}, ${x[1]}, ${x[2] || "None"})`,
  reshape: view,
  view,
  viewAs: view,
  flatten: view,
  squeeze: view,
  unsqueeze: view,
  repeat: view,
  clone: (_c, x) => x[0],
  cat: (c, x) => `torch.cat([${x.join(", ")}], dim=${catAxis(c)})`,
  expand: (c, x) =>
    `${x[0]}.expand(${c.output.shape.map((d, i) => (d === shape(c.inputs[0])[i] ? -1 : d)).join(", ")})`,
  permute: (c, x) => `${x[0]}.permute(${permutation(c).join(", ")})`,
  sum: (c, x) => {
    const { axes, keep } = reducedAxes(c);
    return `torch.sum(${x[0]}, dim=${py(axes)}, keepdim=${py(keep)})`;
  },
  adaptiveAvgPool2d: adaptive("adaptive_avg_pool2d"),
  adaptiveAvgPool1d: adaptive("adaptive_avg_pool1d"),
  adaptiveMaxPool2d: adaptive("adaptive_max_pool2d"),
};

/** The Python expression for an op, or the same NotExportable the ONNX writer gives. */
export function torchExpr(call: GlueCall, x: readonly string[]): string {
  const entry = torchGlue[call.op];
  if (entry === undefined) glueEntry(call.op); // throws NotExportable naming the layer to use
  if (entry === undefined) throw new NotExportable("this op has no PyTorch equivalent here");
  return entry(call, x);
}
