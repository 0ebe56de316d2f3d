// Tracing a module's eval-mode forward and walking what it computed, shared by the ONNX writer
// (trace.ts) and the PyTorch writer (../pytorch/). Layers a writer knows are recorded with forward
// hooks and kept whole; everything between them is read from the autograd graph of the outputs.

import { enableGrad } from "../../autograd/grad-mode";
import { fmtShape, ReceptiveError } from "../../errors";
import type { Module } from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import type { GlueCall } from "./glue";
import { type LayerCall, NotExportable } from "./layers";

export interface Trace {
  model: Module;
  /** The traced inputs (fresh leaves that require grad) and outputs. */
  inputs: Tensor[];
  outputs: Tensor[];
  /** Output tensor of each recorded layer call -> the call. */
  calls: Map<Tensor, LayerCall>;
  /** Parameters and buffers -> their state-dict names. */
  stateNames: Map<Tensor, string>;
}

/** Runs `model.forward(...samples)` in eval mode with hooks on the modules `isLayer` accepts. */
export function runTrace(
  model: Module,
  samples: readonly Tensor[],
  isLayer: (m: Module) => boolean,
  op: string,
): Trace {
  const modes = model.modules().map((m) => [m, m.training] as const);
  const calls = new Map<Tensor, LayerCall>();
  // NOTE: a layer that returns its input (Identity, Dropout in eval mode) is given a clone of it,
  // so that its output is a tensor of its own: writers can then keep the call (PyTorch's Dropout
  // must stay in the forward for training) or drop it (ONNX).
  const originals = new Map<Tensor, Tensor>();
  const handles = model
    .namedModules()
    .filter(([, m]) => isLayer(m))
    .flatMap(([path, m]) => [
      m.registerForwardPreHook((_module, inputs) => {
        const x = inputs[0];
        if (!(x instanceof Tensor) || !x.requiresGrad) return undefined;
        const c = x.clone();
        originals.set(c, x);
        return [c, ...inputs.slice(1)];
      }),
      m.registerForwardHook((module, given, output) => {
        const first = given[0] instanceof Tensor ? (originals.get(given[0]) ?? given[0]) : given[0];
        const inputs = [first, ...given.slice(1)];
        if (output instanceof Tensor) calls.set(output, { module, path, inputs, output });
        // Several outputs (a pool's values and indices): each maps to the call and its position.
        if (Array.isArray(output))
          for (const [index, t] of output.entries())
            if (t instanceof Tensor) calls.set(t, { module, path, inputs, output, index });
      }),
    ]);
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
        op,
        `forward must return a Tensor or an array of Tensors; output ${i} is ${typeof t}`,
      );
  });
  const stateNames = new Map<Tensor, string>(
    [...model.namedParameters(), ...model.namedBuffers()].map(([k, t]) => [t, k]),
  );
  return { model, inputs, outputs: outputs as Tensor[], calls, stateNames };
}

/** How a writer writes each kind of value; each returns the written value's name. */
export interface Visitor {
  layer(call: LayerCall, x: readonly string[]): string;
  glue(call: GlueCall, x: readonly string[]): string;
  state(name: string, t: Tensor): string;
  constant(t: Tensor): string;
}

/**
 * Ops that return a second tensor besides their output, and the key of their autograd node's
 * arguments (GradNode.args) that holds it: a max pool's indices. The second tensor has no autograd
 * node of its own, so the walk finds its producer here (and would otherwise take it for a constant).
 */
const SECOND_OUTPUTS: Record<string, string> = {
  maxPool1d: "indices",
  maxPool2d: "indices",
  adaptiveMaxPool1d: "indices",
  adaptiveMaxPool2d: "indices",
};

/** Second outputs (pool indices) reachable from `outputs` -> the first output of their op. */
function secondOutputs(outputs: readonly Tensor[]): Map<Tensor, Tensor> {
  const found = new Map<Tensor, Tensor>();
  const seen = new Set<Tensor>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || t.gradFn === null) continue;
    seen.add(t);
    const key = SECOND_OUTPUTS[t.gradFn.name];
    const second = key === undefined ? undefined : t.gradFn.args[key];
    if (second instanceof Tensor) found.set(second, t);
    for (const i of t.gradFn.inputs) if (i !== null) stack.push(i);
    for (const a of Object.values(t.gradFn.args)) if (a instanceof Tensor) stack.push(a);
  }
  return found;
}

/**
 * Writes everything the outputs depend on, producers first (depth-first from the outputs), and
 * returns the outputs' names. `names` holds the inputs' names and collects the rest. Every
 * NotExportable is collected and thrown together, naming the layer path or op and its input shape.
 */
export function walk(trace: Trace, names: Map<Tensor, string>, v: Visitor, op: string): string[] {
  const problems: string[] = [];
  const seconds = secondOutputs(trace.outputs);
  const attempt = (what: string, write: () => string): string => {
    try {
      return write();
    } catch (e) {
      if (!(e instanceof NotExportable)) throw e;
      problems.push(`${what}: ${e.message}`);
      return "";
    }
  };
  const visit = (t: Tensor): string => {
    const known = names.get(t);
    if (known !== undefined) return known;
    let name: string;
    const call = trace.calls.get(t);
    if (call !== undefined) {
      const x = call.inputs.filter((i): i is Tensor => i instanceof Tensor).map(visit);
      name = attempt(
        `${call.path || "the model"} (${call.module.constructor.name}, input ${inputShape(call.inputs)})`,
        () => v.layer(call, x),
      );
    } else if (trace.stateNames.has(t)) {
      name = v.state(trace.stateNames.get(t)!, t);
    } else if (t.gradFn !== null) {
      const node = t.gradFn;
      const x = node.inputs.map((i) => (i === null ? "" : visit(i)));
      const define = (other: Tensor, value: string) => void names.set(other, value);
      name = attempt(`${node.name} in the forward (input ${inputShape(node.inputs)})`, () =>
        v.glue({ op: node.name, inputs: node.inputs, output: t, node, nameOf: visit, define }, x),
      );
    } else if (seconds.has(t)) {
      // Writing the op's first output names this one (GlueCall.define).
      visit(seconds.get(t)!);
      name = names.get(t) ?? "";
      if (name === "")
        problems.push(
          `${trace.outputs.includes(t) ? "an output" : "a tensor"}: the op that made it wrote no second output`,
        );
    } else name = v.constant(t);
    names.set(t, name);
    return name;
  };
  const out = trace.outputs.map(visit);
  if (problems.length > 0)
    throw new ReceptiveError(
      op,
      `cannot export ${problems.length} part${problems.length === 1 ? "" : "s"} of the model:\n  ${problems.join("\n  ")}`,
    );
  return out;
}

function inputShape(inputs: readonly unknown[]): string {
  const t = inputs.find((i): i is Tensor => i instanceof Tensor);
  return t === undefined ? "none" : fmtShape(t.shape);
}

export { NotExportable };
