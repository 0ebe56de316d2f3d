// `onnx.toPyTorch(module, dir)`: the module as PyTorch code and weights that Debian's (or any)
// torch loads: `model.py` rebuilds the module tree with torch.nn layers under the same names (so
// the same state-dict keys) and spells out the eval-mode forward as traced on a sample input;
// `weights.safetensors` is `save(module)` (PyTorch's key names). model.py reads it without the
// safetensors package: `from model import load; net = load()`.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { noGrad } from "../../autograd/grad-mode";
import { check } from "../../errors";
import { save, writeAtomic } from "../../nn/checkpoint";
import * as nn from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import type { LayerCall } from "../export/layers";
import { NotExportable } from "../export/layers";
import { runTrace, walk } from "../export/walk";
import { torchExpr } from "./glue";
import { torchLayer } from "./layers";
import { isIdentifier, py, snake } from "./python";
import { guessInput } from "./sample";

const OP = "onnx.toPyTorch";

export interface ToPyTorchOptions {
  /** An input to trace the forward with (any batch size). Default: guessed from the first layer. */
  sampleInput?: Tensor;
}

/** Writes `dir/model.py` and `dir/weights.safetensors`; returns their paths. */
export async function toPyTorch(
  module: nn.Module,
  dir: string,
  options: ToPyTorchOptions = {},
): Promise<{ model: string; weights: string }> {
  check(module instanceof nn.Module, OP, `expected an nn.Module, got ${typeof module}`);
  check(typeof dir === "string" && dir.length > 0, OP, 'expected a folder name such as "export/"');
  const sample = options.sampleInput ?? guessInput(module, OP);
  const source = pythonSource(module, sample);
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const model = join(out, "model.py");
  const weights = join(out, "weights.safetensors");
  noGrad(() => save(module, weights));
  writeAtomic(model, [new TextEncoder().encode(source)]);
  return { model, weights };
}

/** model.py for `module`, its forward traced on `sample`. */
export function pythonSource(module: nn.Module, sample: Tensor): string {
  const access = new Map<nn.Module, string>();
  const init = treeInit(module, access);
  const forward = forwardBody(module, sample, access);
  return `"""${module.constructor.name} exported from Receptive by onnx.toPyTorch.

Model() has the module tree of the original under the same names (so the same state-dict keys) and
its eval-mode forward as traced on an input of shape ${py([...sample.shape])} (the batch size may vary).
load() builds it and reads weights.safetensors from this folder (no safetensors package needed):

    from model import load
    net = load().eval()
"""

import json
import os
import struct

import torch
import torch.nn.functional as F
from torch import nn


def _scope(name, children=(), params=(), buffers=()):
    """A module named like the original class that holds children, parameters and buffers (the
    forward of Model uses them)."""
    m = type(name, (nn.Module,), {})()
    for name, child in children:
        m.add_module(name, child)
    for name, shape in params:
        m.register_parameter(name, nn.Parameter(torch.empty(shape)))
    for name, shape, dtype in buffers:
        m.register_buffer(name, torch.empty(shape, dtype=dtype))
    return m


class Model(nn.Module):
    def __init__(self):
        super().__init__()
${init}

    def forward(${forward.args}):
${forward.body}


_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}


def read_safetensors(path):
    """The tensors of a safetensors file, by name."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = bytearray(data[8 + n + start : 8 + n + end])
        t = torch.frombuffer(raw, dtype=_DTYPES[info["dtype"]]) if raw else torch.empty(0, dtype=_DTYPES[info["dtype"]])
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors


def load(path=os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights.safetensors")):
    """Model() with the weights from \`path\` (weights.safetensors next to this file by default)."""
    model = Model()
    model.load_state_dict(read_safetensors(path))
    return model
`;
}

const pyName = (k: string) => snake(k);

/** `self.<name> = ...` lines building the root's children, parameters and buffers; fills `access`. */
function treeInit(root: nn.Module, access: Map<nn.Module, string>): string {
  access.set(root, "self");
  const lines: string[] = [];
  for (const [k, child] of root.namedChildren()) {
    const value = expr(child, childAccess("self", k, false), access, 2);
    lines.push(isIdentifier(k) ? `self.${k} = ${value}` : `self.add_module(${py(k)}, ${value})`);
  }
  for (const [k, p] of root.namedParameters({ recurse: false }))
    lines.push(`self.${pyName(k)} = nn.Parameter(torch.empty(${py([...p.shape])}))`);
  for (const [k, b] of root.namedBuffers({ recurse: false }))
    lines.push(
      `self.register_buffer(${py(pyName(k))}, torch.empty(${py([...b.shape])}, dtype=${torchDtype(b)}))`,
    );
  if (lines.length === 0) lines.push("pass");
  return lines.map((l) => `        ${l}`).join("\n");
}

const torchDtype = (t: Tensor) =>
  t.dtype === "float32" ? "torch.float32" : t.dtype === "bool" ? "torch.bool" : "torch.int64";

function childAccess(parent: string, key: string, indexed: boolean): string {
  if (indexed && /^\d+$/.test(key)) return `${parent}[${key}]`;
  return isIdentifier(key) ? `${parent}.${key}` : `getattr(${parent}, ${py(key)})`;
}

/** The Python expression constructing `m` (at indent level `depth`). */
function expr(m: nn.Module, self: string, access: Map<nn.Module, string>, depth: number): string {
  access.set(m, self);
  const layer = torchLayer(m);
  if (layer !== undefined) return layer;
  const pad = "    ".repeat(depth);
  const children = m.namedChildren();
  const params = m.namedParameters({ recurse: false });
  const buffers = m.namedBuffers({ recurse: false });
  const ordered = children.every(([k], i) => k === String(i));
  if (
    (m instanceof nn.Sequential || m instanceof nn.ModuleList) &&
    ordered &&
    params.length === 0 &&
    buffers.length === 0
  ) {
    const items = children.map(
      ([k, c]) => `${pad}    ${expr(c, childAccess(self, k, true), access, depth + 1)},`,
    );
    const open = m instanceof nn.Sequential ? "nn.Sequential(" : "nn.ModuleList([";
    const close = m instanceof nn.Sequential ? ")" : "])";
    return children.length === 0 ? `${open}${close}` : `${open}\n${items.join("\n")}\n${pad}${close}`;
  }
  const parts: string[] = [py(m.constructor.name)];
  if (children.length > 0)
    parts.push(
      `children=[\n${children.map(([k, c]) => `${pad}    (${py(k)}, ${expr(c, childAccess(self, k, false), access, depth + 1)}),`).join("\n")}\n${pad}]`,
    );
  if (params.length > 0)
    parts.push(`params=[${params.map(([k, p]) => `(${py(pyName(k))}, ${py([...p.shape])})`).join(", ")}]`);
  if (buffers.length > 0)
    parts.push(
      `buffers=[${buffers.map(([k, b]) => `(${py(pyName(k))}, ${py([...b.shape])}, ${torchDtype(b)})`).join(", ")}]`,
    );
  return `_scope(${parts.join(", ")})`;
}

/** The forward's arguments and body: one line per layer call or op, in the traced order. */
function forwardBody(
  module: nn.Module,
  sample: Tensor,
  access: Map<nn.Module, string>,
): { args: string; body: string } {
  const trace = runTrace(module, [sample], (m) => torchLayer(m) !== undefined, OP);
  const lines: string[] = [];
  const used = new Set<string>(["self", "x", "torch", "nn", "F"]);
  const fresh = (base: string) => {
    const b = base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^(\d)/, "_$1") || "v";
    let name = b;
    for (let i = 1; used.has(name); i++) name = `${b}_${i}`;
    used.add(name);
    return name;
  };
  const names = new Map<Tensor, string>([[trace.inputs[0], "x"]]);
  const tuples = new Map<unknown, string>();
  const stateExpr = (key: string) => {
    const cut = key.lastIndexOf(".");
    const owner = cut < 0 ? module : module.getSubmodule(key.slice(0, cut));
    return `${access.get(owner) ?? "self"}.${pyName(key.slice(cut + 1))}`;
  };
  const layerCall = (call: LayerCall, x: readonly string[]) => {
    const self = access.get(call.module);
    if (self === undefined) throw new NotExportable("this layer is not part of the module tree");
    const args = [...x];
    const outShape = (t: unknown) => (t as Tensor).shape.slice(2);
    const extra = call.inputs.length > call.inputs.filter((v) => v instanceof Tensor).length;
    if (extra && (call.module instanceof nn.ConvTranspose2d || call.module instanceof nn.MaxUnpool2d))
      args.push(`output_size=${py(outShape(Array.isArray(call.output) ? call.output[0] : call.output))}`);
    return `${self}(${args.join(", ")})`;
  };
  const results = walk(
    trace,
    names,
    {
      layer: (call, x) => {
        if (call.index === undefined) {
          const v = fresh(call.path || "out");
          lines.push(`${v} = ${layerCall(call, x)}`);
          return v;
        }
        let tuple = tuples.get(call.output);
        if (tuple === undefined) {
          tuple = fresh(call.path || "out");
          tuples.set(call.output, tuple);
          lines.push(`${tuple} = ${layerCall(call, x)}`);
        }
        return `${tuple}[${call.index}]`;
      },
      glue: (call, x) => {
        const e = torchExpr(call, x);
        if (x.includes(e)) return e; // clone: the same value
        const v = fresh(call.op);
        lines.push(`${v} = ${e}`);
        return v;
      },
      state: (key) => stateExpr(key),
      constant: (t) => {
        if (t.numel > 64)
          throw new NotExportable(
            `a constant tensor of ${t.numel} values is used in the forward; register it as a buffer`,
          );
        const values = Array.from(t.storage);
        return t.ndim === 0
          ? `x.new_tensor(${py(values[0])})`
          : `x.new_tensor([${values.map(py).join(", ")}]).reshape(${py([...t.shape])})`;
      },
    },
    OP,
  );
  lines.push(`return ${results.length === 1 ? results[0] : `(${results.join(", ")})`}`);
  return { args: "self, x", body: lines.map((l) => `        ${l}`).join("\n") };
}
