// Traces a module's eval-mode forward on sample inputs (walk.ts) and writes it as an ONNX graph.
// Layers the layer table knows (Conv2d, BatchNorm2d, ...) are written from their attributes; what
// the model's forward does between them (adds, flatten, cat...) comes from the autograd graph of
// the traced outputs (glue table). Then the graph's inputs and outputs get their names.

import { ReceptiveError } from "../../errors";
import type { Module } from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import { DataType, type IrGraph, type IrValueInfo } from "../format/ir";
import { GraphBuilder } from "./builder";
import { glueEntry } from "./glue";
import { layerEntry } from "./layers";
import { runTrace, type Trace, walk } from "./walk";

export interface TraceOptions {
  opset: number;
  dynamicBatch: boolean;
  inputNames?: readonly string[];
  outputNames?: readonly string[];
  /** The function name used in error messages. */
  op: string;
}

const elemType = (t: Tensor) =>
  t.dtype === "float32" ? DataType.FLOAT : t.dtype === "bool" ? DataType.BOOL : DataType.INT64;

/** Runs `model` in eval mode (restoring each module's mode after) on `samples` and returns its graph. */
export function traceGraph(model: Module, samples: readonly Tensor[], o: TraceOptions): IrGraph {
  const trace = runTrace(model, samples, (m) => layerEntry(m) !== undefined, o.op);
  return writeGraph(trace, o);
}

function writeGraph(trace: Trace, o: TraceOptions): IrGraph {
  const { model, inputs, outputs } = trace;
  const b = new GraphBuilder(o.opset, o.dynamicBatch);
  const names = new Map<Tensor, string>();
  const inputNames = o.inputNames ?? inputs.map((_, i) => (i === 0 ? "input" : `input_${i}`));
  const outputNames = o.outputNames ?? outputs.map((_, i) => (i === 0 ? "output" : `output_${i}`));
  for (const [what, given, count] of [
    ["inputNames", inputNames, inputs.length],
    ["outputNames", outputNames, outputs.length],
  ] as const)
    if (given.length !== count)
      throw new ReceptiveError(
        o.op,
        `${what} has ${given.length} names, but the model has ${count} ${what.slice(0, -5)}s`,
      );
  for (const n of [...inputNames, ...outputNames])
    if (!b.reserve(n))
      throw new ReceptiveError(o.op, `the name "${n}" is given twice in inputNames/outputNames`);
  for (const [i, t] of inputs.entries()) names.set(t, inputNames[i]);
  const produced = walk(
    trace,
    names,
    {
      layer: (call, x) => layerEntry(call.module)!(b, call, x),
      glue: (call, x) => glueEntry(call.op)(b, call, x),
      state: (name, t) => b.tensor(name, t),
      // NOTE: the engine computes in float32 whatever a constant's dtype label (x.mean's divisor is
      // an "int64" scalar), so constants are written as float32 to match the values they meet.
      constant: (t) => b.tensor("const", t.dtype === "float32" ? t : new Tensor(t.storage, t.shape)),
    },
    o.op,
  );
  // Give the graph outputs their names: rename the producing node's output, or add an Identity.
  produced.forEach((value, i) => {
    const producer = b.nodes.find((n) => n.outputs.includes(value));
    const isOutputElsewhere = produced.indexOf(value) !== i;
    if (producer === undefined || isOutputElsewhere || inputNames.includes(value)) {
      b.nodes.push({
        name: b.unique(`${outputNames[i]}.identity`),
        opType: "Identity",
        domain: "",
        inputs: [value],
        outputs: [outputNames[i]],
        attrs: {},
      });
      return;
    }
    producer.outputs[producer.outputs.indexOf(value)] = outputNames[i];
    for (const n of b.nodes) n.inputs = n.inputs.map((v) => (v === value ? outputNames[i] : v));
  });
  prune(b, outputNames);
  const batchOf = (t: Tensor) =>
    o.dynamicBatch && t.ndim > 0 && inputs.length > 0 && t.shape[0] === inputs[0].shape[0] ? "batch" : null;
  const info = (t: Tensor, name: string): IrValueInfo => ({
    name,
    elemType: elemType(t),
    shape: t.shape.map((d, i) => (i === 0 && batchOf(t) !== null ? "batch" : d)),
  });
  return {
    name: model.constructor.name,
    nodes: b.nodes,
    initializers: b.initializers,
    inputs: inputs.map((t, i) => info(t, inputNames[i])),
    outputs: outputs.map((t, i) => info(t, outputNames[i])),
  };
}

/**
 * Drops nodes none of whose outputs is used (values computed on the way to an op that did not
 * need them, like the product inside prelu, or pool indices nobody reads), then unused initializers.
 */
function prune(b: GraphBuilder, outputs: readonly string[]): void {
  for (;;) {
    const used = new Set([...outputs, ...b.nodes.flatMap((n) => n.inputs)]);
    const dead = b.nodes.findIndex((n) => !n.outputs.some((o) => used.has(o)));
    if (dead < 0) break;
    b.nodes.splice(dead, 1);
  }
  const used = new Set([...outputs, ...b.nodes.flatMap((n) => n.inputs)]);
  const kept = b.initializers.filter((t) => used.has(t.name));
  b.initializers.splice(0, b.initializers.length, ...kept);
}
