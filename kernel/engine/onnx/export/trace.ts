// Traces a module's eval-mode forward on sample inputs and writes it as an ONNX graph. Layers the
// layer table knows (Conv2d, BatchNorm2d, ...) are recorded with forward hooks and written from
// their attributes; what the model's forward does between them (adds, flatten, cat...) is read
// from the autograd graph of the traced outputs (glue table). Every problem found is collected
// and reported together, each with the layer path or op and the input shape.

import { enableGrad } from "../../autograd/grad-mode";
import { fmtShape, ReceptiveError } from "../../errors";
import type { Module } from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import { DataType, type IrGraph, type IrValueInfo } from "../format/ir";
import { GraphBuilder } from "./builder";
import { glueEntry } from "./glue";
import { type LayerCall, layerEntry, NotExportable } from "./layers";

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
  const modes = model.modules().map((m) => [m, m.training] as const);
  const calls = new Map<Tensor, LayerCall>();
  const handles = model
    .namedModules()
    .filter(([, m]) => layerEntry(m) !== undefined)
    .map(([path, m]) =>
      m.registerForwardHook((module, inputs, output) => {
        if (output instanceof Tensor && output !== inputs[0])
          calls.set(output, { module, path, inputs, output });
        if (Array.isArray(output) && output[0] instanceof Tensor)
          calls.set(output[0], { module, path, inputs, output });
      }),
    );
  // Fresh leaves that require grad, so that every op downstream of an input is recorded.
  const inputs = samples.map((s) => {
    const t = new Tensor(s.storage.slice(), s.shape, s.dtype);
    if (t.dtype === "float32") t.requiresGrad = true;
    return t;
  });
  let result: unknown;
  try {
    model.eval();
    result = enableGrad(() => model.forward(...inputs));
  } finally {
    for (const h of handles) h.remove();
    for (const [m, training] of modes) m.training = training;
  }
  const outputs = Array.isArray(result) ? result : [result];
  outputs.forEach((t, i) => {
    if (!(t instanceof Tensor))
      throw new ReceptiveError(
        o.op,
        `forward must return a Tensor or an array of Tensors; output ${i} is ${typeof t}`,
      );
  });
  return writeGraph(model, inputs, outputs as Tensor[], calls, o);
}

function writeGraph(
  model: Module,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  calls: Map<Tensor, LayerCall>,
  o: TraceOptions,
): IrGraph {
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
  const stateNames = new Map<Tensor, string>(
    [...model.namedParameters(), ...model.namedBuffers()].map(([k, t]) => [t, k]),
  );
  const problems: string[] = [];

  // Depth-first from the outputs: a tensor's producers are written before it.
  const visit = (t: Tensor): string => {
    const known = names.get(t);
    if (known !== undefined) return known;
    let name: string;
    const call = calls.get(t);
    if (call !== undefined) {
      const x = call.inputs.filter((v): v is Tensor => v instanceof Tensor).map(visit);
      name = attempt(
        `${call.path || "the model"} (${call.module.constructor.name}, input ${inputShape(call.inputs)})`,
        () => layerEntry(call.module)!(b, call, x),
      );
    } else if (stateNames.has(t)) {
      name = b.tensor(stateNames.get(t)!, t);
    } else if (t.gradFn !== null) {
      const node = t.gradFn;
      const x = node.inputs.map((v) => (v === null ? "" : visit(v)));
      name = attempt(`${node.name} in the forward (input ${inputShape(node.inputs)})`, () =>
        glueEntry(node.name)(b, { op: node.name, inputs: node.inputs, output: t }, x),
      );
    } else {
      // NOTE: the engine computes in float32 whatever a constant's dtype label (x.mean's divisor is
      // an "int64" scalar), so constants are written as float32 to match the values they meet.
      name = b.tensor("const", t.dtype === "float32" ? t : new Tensor(t.storage, t.shape));
    }
    names.set(t, name);
    return name;
  };
  const attempt = (what: string, write: () => string): string => {
    try {
      return write();
    } catch (e) {
      if (!(e instanceof NotExportable)) throw e;
      problems.push(`${what}: ${e.message}`);
      return "";
    }
  };

  const produced = outputs.map(visit);
  if (problems.length > 0)
    throw new ReceptiveError(
      o.op,
      `cannot export ${problems.length} part${problems.length === 1 ? "" : "s"} of the model:\n  ${problems.join("\n  ")}`,
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

function inputShape(inputs: readonly unknown[]): string {
  const t = inputs.find((v): v is Tensor => v instanceof Tensor);
  return t === undefined ? "none" : fmtShape(t.shape);
}
