// Questions the extension asks the kernel by running small cells of its own (the protocol has no
// request for them): the backend in use, the nn.Module variables and their layers, the datasets,
// and one layer's filters and feature maps for the activation explorer. Each snippet wraps its body
// in a function (so it defines no names in the user's scope) and writes its JSON answer to stdout
// between two marks; its output never reaches a notebook cell.

import type {
  ExploreRequest,
  ExploreResult,
  InputSourceInfo,
  ModelInfo,
} from "../../webviews/panel/messages";
import type { KernelClient } from "./kernel-client";

const MARK = "\u0001receptive-query\u0001";

/** Runs `body` (statements ending in `return value;`, may await) in the kernel; resolves with the value. */
export async function queryJson<T>(client: Pick<KernelClient, "execute">, body: string): Promise<T> {
  const code = [
    // NOTE: not `await (async () => ...)()`: the converter reads `await (` as a call of a function named await.
    "await Promise.resolve().then(async () => {",
    "  const __receptiveValue = await (async (): Promise<any> => {",
    body,
    "  })();",
    `  process.stdout.write(${JSON.stringify(MARK)} + JSON.stringify(__receptiveValue) + ${JSON.stringify(MARK)});`,
    "});",
  ].join("\n");
  let out = "";
  const reply = await client.execute(
    code,
    {
      onStream: (m) => {
        if (m.name === "stdout") out += m.text;
      },
    },
    { silent: true },
  );
  if (reply.status !== "ok") {
    throw new Error(`${reply.error?.ename ?? "Error"}: ${reply.error?.evalue ?? "the kernel query failed"}`);
  }
  const start = out.indexOf(MARK);
  const end = out.lastIndexOf(MARK);
  if (start < 0 || end <= start)
    throw new Error(`Receptive: a kernel query printed no answer (got ${out.slice(0, 200)})`);
  return JSON.parse(out.slice(start + MARK.length, end)) as T;
}

export interface BackendInfo {
  name: string;
  description: string;
  /** ONNX Runtime in the kernel (absent from kernels older than onnx.runtimeInfo). */
  onnxRuntime?: OnnxRuntimeInfo;
}

/** What `onnx.runtimeInfo()` answers (kernel/engine/onnx/runtime-info.ts). */
export interface OnnxRuntimeInfo {
  available: boolean;
  version: string | null;
  /** "cpu" or "cuda"; null when not available. */
  provider: string | null;
  /** "CPU", "CUDA" or "not available". */
  description: string;
  /** Why it is not available, or why CUDA cannot run here. */
  notes: string[];
}

/**
 * The engine's active backend and ONNX Runtime's provider, e.g. { name: "wasm", description:
 * "WebAssembly SIMD (relaxed), 2 threads", onnxRuntime: { description: "CPU", ... } }.
 */
export function queryBackend(client: Pick<KernelClient, "execute">): Promise<BackendInfo> {
  return queryJson(
    client,
    `const R = require("receptive");
  const info = R.backendInfo();
  const onnxRuntime = typeof R.onnx?.runtimeInfo === "function" ? await R.onnx.runtimeInfo() : undefined;
  return { name: info.name, description: info.description, onnxRuntime };`,
  );
}

/** The notebook's nn.Module variables with their layers, and what can feed them. */
export function queryVariables(
  client: Pick<KernelClient, "execute">,
): Promise<{ models: ModelInfo[]; inputs: InputSourceInfo[] }> {
  return queryJson(
    client,
    `const R = require("receptive");
  const models: any[] = [];
  const inputs: any[] = [];
  for (const [name, v] of Object.entries(exports as Record<string, any>)) {
    if (v instanceof R.nn.Module) {
      // A model has parameters: a loss (nn.CrossEntropyLoss) or a bare activation is not one.
      if (v.parameters().length === 0) continue;
      const layers = v.namedModules().filter(([n]: [string]) => n !== "").map(([n, m]: [string, any]) => ({
        name: n, type: m.constructor.name, filters: m.weight instanceof R.Tensor && m.weight.ndim === 4,
      }));
      models.push({ name, type: v.constructor.name, layers });
    } else if (v instanceof R.data.Dataset) inputs.push({ name, kind: "dataset", length: v.length });
    else if (v instanceof R.Tensor && v.ndim === 4) inputs.push({ name, kind: "tensor", length: v.shape[0] });
  }
  return { models, inputs };`,
  );
}

/**
 * Runs the model on one input (eval mode, no gradients) and returns the layer's feature maps, its
 * filters and the input, as image-grid payloads. Errors name what is missing and how to fix it.
 */
export function queryExplore(
  client: Pick<KernelClient, "execute">,
  request: ExploreRequest,
): Promise<ExploreResult> {
  return queryJson(
    client,
    `const R = require("receptive");
  const p: any = ${JSON.stringify(request)};
  const scope = exports as Record<string, any>;
  const model = scope[p.model];
  if (!(model instanceof R.nn.Module)) throw new Error("activation explorer: '" + p.model + "' is not an nn.Module variable; run the cell that defines it, then Refresh");
  const entry = model.namedModules().find(([n]: [string]) => n === p.layer);
  if (!entry) throw new Error("activation explorer: " + p.model + " has no layer '" + p.layer + "'; pick one of " + model.namedModules().map(([n]: [string]) => n).filter((n: string) => n).join(", "));
  const layer = entry[1];
  const b64 = (t: any) => Buffer.from(new Float32Array(t.contiguous().data).buffer).toString("base64");
  const firstConv = model.modules().find((m: any) => m instanceof R.nn.Conv2d);
  let x: any;
  let caption = "";
  if (p.input.kind === "file") {
    caption = require("node:path").basename(p.input.path) + " at " + p.input.size + "x" + p.input.size;
    const channels = firstConv && firstConv.inChannels === 1 ? 1 : 3;
    const img = R.data.decodeImage(require("node:fs").readFileSync(p.input.path), p.input.path, channels);
    const t = R.data.transforms.toTensor()(img);
    x = R.F.adaptiveAvgPool2d(t.unsqueeze(0), [p.input.size, p.input.size]);
  } else {
    const source = scope[p.input.name];
    if (source === undefined) throw new Error("activation explorer: no variable '" + p.input.name + "'; run the cell that defines it, then Refresh");
    let sample = source.get(p.input.index);
    // The caption: which sample, and its class when the dataset gives a label ("sample 7 · Sneaker").
    let label: any = undefined;
    if (Array.isArray(sample)) { label = sample[1]; sample = sample[0]; }
    if (label instanceof R.Tensor && label.numel === 1) label = label.item();
    const classes = source.classes ?? source.dataset?.classes;
    caption = "sample " + p.input.index + (typeof label === "number" ? " · " + (classes?.[label] ?? "class " + label) : "");
    if (R.data.transforms.isRawImage?.(sample) || (sample && sample.data instanceof Uint8Array)) sample = R.data.transforms.toTensor()(sample);
    if (!(sample instanceof R.Tensor)) throw new Error("activation explorer: sample " + p.input.index + " of '" + p.input.name + "' is not an image tensor (got " + typeof sample + ")");
    x = sample.ndim === 2 ? sample.reshape([1, 1, ...sample.shape]) : sample.ndim === 3 ? sample.unsqueeze(0) : sample;
  }
  let out: any;
  const handle = layer.registerForwardHook((_m: any, _i: any, o: any) => { out = o; });
  const modes = model.modules().map((m: any) => [m, m.training]);
  model.eval();
  try { R.noGrad(() => model.forward(x)); } finally { handle.remove(); for (const [m, t] of modes) m.training = t; }
  if (!(out instanceof R.Tensor)) throw new Error("activation explorer: layer '" + p.layer + "' returned no tensor");
  const maps = out.ndim === 4 ? out.get(0) : out.ndim === 2 ? out.reshape([out.shape[1], 1, 1]) : out.reshape([1, ...out.shape.slice(-2)]);
  const [C, H, W] = maps.shape;
  // "layer 3 (Conv2d)", not "3 feature maps": a Sequential's layers are named by number.
  const named = (/^[0-9]/.test(p.layer) ? "layer " : "") + p.layer + " (" + layer.constructor.name + ")";
  const result: any = {
    input: { version: 1, kind: "samples", title: "input", shape: [1, x.shape[1], x.shape[2], x.shape[3]], data: { dtype: "float32", base64: b64(x) }, normalize: "shared", tileLabels: [caption], ...(x.shape[1] === 3 ? {} : { colormap: "grey" }) },
    featureMaps: { version: 1, kind: "featureMaps", title: named + ": feature maps", layer: p.layer, shape: [C, 1, H, W], data: { dtype: "float32", base64: b64(maps) } },
  };
  const w = layer.weight;
  if (w instanceof R.Tensor && w.ndim === 4) {
    const [OC, IC, KH, KW] = w.shape;
    result.filters = { version: 1, kind: "filters", title: named + ": filters", layer: p.layer, shape: [OC * IC, 1, KH, KW], data: { dtype: "float32", base64: b64(w.detach()) }, normalize: "shared", colormap: "diverging", tileLabels: Array.from({ length: OC * IC }, (_, i) => Math.floor(i / IC) + "/" + (i % IC)) };
    result.filterShape = [OC, IC];
  }
  return result;`,
  );
}
