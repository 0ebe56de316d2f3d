// `onnx.importModel(pathOrBytes)`: an ONNX file as an nn.Module (OnnxModel) whose initializers are
// trainable Parameters. Reads the file, builds each node from the op table at the file's opset,
// folds what is constant (Constant nodes, shape arithmetic on constants), and names every node it
// cannot import (op type, node name, opset) in one error.

import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { check, ReceptiveError } from "../../errors";
import type * as nn from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import { MAX_OPSET } from "../export/export";
import { DataType, type IrNode } from "../format/ir";
import { decodeModel } from "../format/read";
import { OnnxModel, Scope, type Step } from "./graph";
import { type GraphState, NodeContext, NotImportable, toEngine } from "./node-context";
import { entryFor, opTable, supportedOps } from "./op-table";

const OP = "onnx.importModel";

/**
 * Loads an ONNX model (file path or bytes) as a trainable nn.Module.
 * Example: `const net = await onnx.importModel("resnet18.onnx"); net.fc = new nn.Linear(512, 10);`
 */
export async function importModel(pathOrBytes: string | Uint8Array): Promise<OnnxModel> {
  let bytes: Uint8Array;
  let source: string;
  if (typeof pathOrBytes === "string") {
    const path = resolve(pathOrBytes);
    source = `"${pathOrBytes}"`;
    check(existsSync(path), OP, `no file ${source} (looked at ${path})`);
    check(statSync(path).isFile(), OP, `${source} is a folder, not an ONNX file`);
    bytes = readFileSync(path);
  } else {
    check(
      pathOrBytes instanceof Uint8Array,
      OP,
      `expected a file path or a Uint8Array of ONNX bytes, got ${typeof pathOrBytes}`,
    );
    bytes = pathOrBytes;
    source = "the model bytes";
  }
  const model = await decodeModel(
    bytes,
    source,
    OP,
    typeof pathOrBytes === "string" ? dirname(resolve(pathOrBytes)) : null,
  );
  const opset = model.opsets[""];
  check(
    opset !== undefined,
    OP,
    () => `${source} imports no opset of the default ONNX domain (it has ${JSON.stringify(model.opsets)})`,
  );
  check(
    opset <= MAX_OPSET,
    OP,
    () => `${source} uses opset ${opset}; the importer knows opsets up to ${MAX_OPSET}`,
  );

  const g = model.graph;
  const state: GraphState = {
    initializers: new Map(g.initializers.map((t) => [t.name, t])),
    constants: new Map(g.initializers.map((t) => [t.name, toEngine(t)])),
    params: new Map(),
    weights: new Set(g.initializers.filter((t) => floatTypes.has(t.dataType)).map((t) => t.name)),
    opset,
  };
  const inputs = g.inputs.filter((v) => !state.initializers.has(v.name));
  const steps: Step[] = [];
  const producer = [model.producerName, model.producerVersion].filter(Boolean).join(" ");
  const root = new OnnxModel({
    source,
    opset,
    producer,
    inputs,
    outputs: g.outputs.map((v) => v.name),
    steps,
    constants: state.constants,
  });
  const problems: string[] = [];
  // Values made by inputs and by earlier nodes (also failed ones, so one failure is reported once).
  const produced = new Set<string>(inputs.map((v) => v.name));
  const fail = (node: IrNode) => {
    for (const o of node.outputs) produced.add(o);
  };
  let unsupported = false;
  const where = (n: IrNode) =>
    `${n.name} (${n.domain ? `${n.domain}.` : ""}${n.opType}, opset ${n.domain ? model.opsets[n.domain] : opset})`;

  for (const node of g.nodes) {
    if (node.domain !== "") {
      problems.push(`${where(node)}: ops of domain "${node.domain}" are not supported`);
      continue;
    }
    if (node.opType === "Constant") {
      try {
        const value = constantValue(new NodeContext(node, state));
        state.constants.set(node.outputs[0], value);
        // NOTE: some exporters (Paddle2ONNX) store weights as Constant nodes, not initializers:
        // float tensors of more than one value are weights, scalars stay constants.
        if (value.dtype === "float32" && value.numel > 1) state.weights.add(node.outputs[0]);
      } catch (e) {
        if (!(e instanceof NotImportable)) throw e;
        problems.push(`${where(node)}: ${e.message}`);
      }
      continue;
    }
    const build = entryFor(node.opType, opset);
    if (build === undefined) {
      const since =
        opTable[node.opType] === undefined
          ? null
          : Math.min(...Object.keys(opTable[node.opType]).map(Number));
      problems.push(
        `${where(node)}: op ${node.opType} is not supported${since === null ? "" : ` before opset ${since}`}`,
      );
      unsupported = true;
      fail(node);
      continue;
    }
    let built: ReturnType<typeof build>;
    try {
      built = build(new NodeContext(node, state));
    } catch (e) {
      if (!(e instanceof NotImportable)) throw e;
      problems.push(`${where(node)}: ${e.message}`);
      fail(node);
      continue;
    }
    const runtimeInputs = built.runtime.map((k) => node.inputs[k]);
    const missing = runtimeInputs.filter((v) => v !== "" && !state.constants.has(v) && !produced.has(v));
    if (missing.length > 0)
      problems.push(
        `${where(node)}: uses ${missing.map((v) => `"${v}"`).join(", ")}, which no earlier node or input makes`,
      );
    // Fold nodes computed from constants alone (shape arithmetic) once, now; and the layout ops
    // that turn one weight into another (float16 weights cast to float32, a transposed matrix):
    // their result is the weight.
    const reshapesWeight = weightLayoutOps.has(node.opType) && node.inputs.some((v) => state.weights.has(v));
    if (
      (!hasParameters(built.module) || reshapesWeight) &&
      runtimeInputs.every((v) => v === "" || state.constants.has(v))
    ) {
      try {
        const out = built.module.forward(
          ...runtimeInputs.map((v) => (v === "" ? null : state.constants.get(v)!)),
        );
        for (const [k, t] of (Array.isArray(out) ? out : [out]).entries()) {
          state.constants.set(node.outputs[k], t as Tensor);
          if (reshapesWeight && (t as Tensor).dtype === "float32") state.weights.add(node.outputs[k]);
        }
        continue;
      } catch {
        // Not foldable here (an op that needs runtime values after all); run it in the graph.
      }
    }
    const path = place(root, node, built.module, state);
    steps.push({ path, inputs: runtimeInputs, outputs: node.outputs });
    for (const o of node.outputs) produced.add(o);
  }
  const undefinedOutputs = g.outputs.filter((v) => !produced.has(v.name) && !state.constants.has(v.name));
  for (const v of undefinedOutputs) problems.push(`graph output "${v.name}" is made by no node`);
  if (problems.length > 0)
    throw new ReceptiveError(
      OP,
      `cannot import ${problems.length} node${problems.length === 1 ? "" : "s"} of ${source} (opset ${opset}):\n  ${problems.join("\n  ")}` +
        (unsupported ? `\nSupported ops: ${supportedOps().join(", ")}.` : ""),
    );
  return root;
}

/** Ops that only change a weight's type or layout; applied to a weight, they are folded into it. */
const weightLayoutOps = new Set([
  "Cast",
  "Identity",
  "Reshape",
  "Transpose",
  "Squeeze",
  "Unsqueeze",
  "Flatten",
]);
const floatTypes = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16]);

function hasParameters(m: nn.Module): boolean {
  return m.parameters().length > 0;
}

/** A Constant node's value (value, value_float(s), value_int(s)). */
function constantValue(n: NodeContext): Tensor {
  const t = n.tensorAttr("value");
  if (t !== undefined) return toEngine(t);
  if (n.has("value_float")) return new Tensor(Float32Array.of(n.float("value_float", 0)), []);
  if (n.has("value_int")) return new Tensor(Float32Array.of(n.int("value_int", 0)), [], "int64");
  const fs = n.node.attrs.value_floats;
  if (fs?.kind === "floats") return new Tensor(Float32Array.from(fs.value), [fs.value.length]);
  const is = n.node.attrs.value_ints;
  if (is?.kind === "ints") return new Tensor(Float32Array.from(is.value), [is.value.length], "int64");
  throw new NotImportable(
    `its value is of a kind the engine cannot hold (${Object.keys(n.node.attrs).join(", ")})`,
  );
}

const suffixes = [".weight", ".bias", ".running_mean", ".running_var", ".runningMean", ".runningVar"];
const segment = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_").replace(/^_+|_+$/g, "") || "node";

/**
 * Adds `module` under a name for `node` and returns its path: the dotted prefix of its weights
 * ("layer1.0.conv1" for "layer1.0.conv1.weight") as nested scopes, else the node's name.
 */
function place(root: OnnxModel, node: IrNode, module: nn.Module, state: GraphState): string {
  const fromWeights = node.inputs
    .filter((name) => state.initializers.has(name))
    .map(
      (name) =>
        suffixes.find((s) => name.endsWith(s)) &&
        name.slice(0, name.length - suffixes.find((s) => name.endsWith(s))!.length),
    )
    .find((p): p is string => typeof p === "string" && p.length > 0);
  if (fromWeights !== undefined) {
    const parts = fromWeights.split(".").map(segment);
    const path = nest(root, parts, module);
    if (path !== null) return path;
  }
  // Node names that are dotted paths (the exporter names nodes after layer paths) nest too, but
  // not names made of the op type and a counter ("p2o.Conv.0", Paddle2ONNX's).
  const parts = node.name.split(".");
  if (/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/.test(node.name) && !parts.includes(node.opType)) {
    const path = nest(root, node.name.split("."), module);
    if (path !== null) return path;
  }
  return nest(root, [segment(fromWeights?.replace(/\./g, "_") ?? node.name)], module)!;
}

/** Puts `module` at `parts` (creating scopes), renaming the last part if taken; null when a scope clashes. */
function nest(root: OnnxModel, parts: string[], module: nn.Module): string | null {
  let parent: nn.Module = root;
  for (const p of parts.slice(0, -1)) {
    const next = (parent as unknown as Record<string, unknown>)[p];
    if (next === undefined) {
      const scope = new Scope();
      parent.addModule(p, scope);
      parent = scope;
    } else if (next instanceof Scope) parent = next;
    else return null;
  }
  const base = parts[parts.length - 1];
  let name = base;
  for (let i = 1; name in parent; i++) name = `${base}_${i}`;
  parent.addModule(name, module);
  return [...parts.slice(0, -1), name].join(".");
}
