// The op-table entry types, and `generic`: a node run as a function over engine ops (an OnnxOp
// module). Its float initializers become the module's Parameters (named after the input's role:
// "B" of an Add), other initializers and Constant outputs are held as constants, inputs listed as
// `constants` (axes, pads, shapes...) are read at import time by the entry, the rest come from
// the graph at run time.

import type * as nn from "../../nn/index";
import { type OpFn, onnxOp, type Slot } from "./modules";
import type { NodeContext } from "./node-context";

/** A built node: its module and which node inputs the graph feeds it at run time, in order. */
export interface Built {
  module: nn.Module;
  runtime: number[];
}

export type Build = (n: NodeContext) => Built;

/** { first opset of a definition: builder }: the entry for an opset is the newest one at or below it. */
export type OpEntry = Record<number, Build>;

export interface GenericOptions {
  /** Input indices the entry reads at import time (they are not fed at run time). */
  constants?: readonly number[];
  /** Names of the inputs by position, for Parameters ("A", "B"); default input0, input1... */
  roles?: readonly string[];
  /** The node's attributes as shown by the module's repr. */
  attributes?: string;
}

export function generic(n: NodeContext, fn: OpFn, o: GenericOptions = {}): Built {
  const slots: Slot[] = [];
  const params: Record<string, nn.Parameter> = {};
  const runtime: number[] = [];
  n.node.inputs.forEach((name, k) => {
    if (name === "" || o.constants?.includes(k)) slots.push({ kind: "absent" });
    else if (n.isWeight(k)) {
      const role = o.roles?.[k] ?? `input${k}`;
      params[role] = n.param(k);
      slots.push({ kind: "param", name: role });
    } else if (n.constant(k) !== null) slots.push({ kind: "const", value: n.constant(k)! });
    else {
      slots.push({ kind: "runtime" });
      runtime.push(k);
    }
  });
  return { module: onnxOp(n.node.opType, o.attributes ?? "", slots, params, fn), runtime };
}
