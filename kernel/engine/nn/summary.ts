// `summary(model, inputShape)`: what torchinfo prints, plus receptive fields. Runs the model once
// on zeros with forward hooks on every module and records, per call: name, type, output shape,
// parameters (trainable / frozen), receptive field (size, jump, start; see receptive-field.ts),
// mult-adds and activation memory, with torchinfo's totals.
//
// NOTE: the pass is shape-only: for its duration every kernel is replaced by a no-op (a backend
// named "shapes" whose kernels do nothing), so the ops still validate their inputs and compute
// their output shapes with the layers' own output-size arithmetic, but skip the math. VGG-16 at
// 224x224 costs ~30 s of real convolution on the ref backend and well under a second this way.
// The model runs in eval mode (batch norm statistics untouched) and is put back as it was.
//
// Totals follow torchinfo 1.8: mult-adds of a conv = (weight + bias elements) * N * OH * OW, of
// other layers with parameters N * params; "Forward/backward pass size" = 2 x the output bytes of
// the leaf layers that have parameters; MB are 1e6 bytes.

import { enableGrad } from "../autograd/grad-mode";
import { getBackend, hasBackend, registerBackend, setBackend } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { zeros } from "../tensor/create";
import { type DType, Tensor } from "../tensor/tensor";
import type { Module, RemovableHandle } from "./module";
import { type Field, inputField, layerField, opField, type ReceptiveField } from "./receptive-field";

export interface SummaryOptions {
  /** Rows deeper than this are folded into their ancestor (torchinfo's default: 3). */
  depth?: number;
  /** One dtype per input (default float32). */
  dtypes?: DType[];
}

export interface LayerSummary {
  /** Dotted path in the model ("features.0"); "" for the model itself. */
  name: string;
  /** Class name ("Conv2d"). */
  type: string;
  /** Call depth: 0 for the model, 1 for its children... */
  depth: number;
  /** No child module ran inside this call. */
  isLeaf: boolean;
  /** A later call of a module already listed (e.g. ResNet's shared ReLU); its parameters count once. */
  isRecursive: boolean;
  /** Shape of the output (of each output when the module returns several). */
  outputShape: number[] | number[][];
  /** Parameters of this module and its descendants (each parameter once). */
  params: number;
  trainableParams: number;
  frozenParams: number;
  /** Elements of the parameters named "weight" in this subtree: the lecture's "weights" (no biases). */
  weights: number;
  /** Receptive field of one output unit (per spatial dim), "global", or null where undefined. */
  receptiveField: Field;
  /** Multiply-accumulates of this call (summed over the subtree for containers), as torchinfo counts them. */
  multAdds: number;
  /** Elements of the output (all outputs), at this batch size. */
  activations: number;
  /** Bytes of the output. */
  memoryBytes: number;
}

const BYTES: Record<DType, number> = { float32: 4, int64: 8, bool: 1 };
const SHAPES_BACKEND = "shapes";

/** Registers, once, the backend whose kernels do nothing (see the NOTE at the top). */
function ensureShapesBackend(): void {
  if (hasBackend(SHAPES_BACKEND)) return;
  const noop = () => {};
  registerBackend({
    name: SHAPES_BACKEND,
    priority: -1,
    hidden: true,
    kernels: new Proxy({}, { get: () => noop, has: () => true }),
    describe: () => "shape-only: every kernel is skipped (used by summary; results are zeros)",
  });
}

function tensorsOf(v: unknown): Tensor[] {
  if (v instanceof Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(tensorsOf);
  return [];
}

export class ModelSummary {
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  readonly totalMultAdds: number;
  readonly inputBytes: number;
  readonly forwardBackwardBytes: number;
  readonly paramsBytes: number;
  /** The summarised model (set by summary()); in a notebook its layers' feature maps are a click away. */
  declare readonly model?: Module;
  constructor(
    readonly modelName: string,
    readonly inputShapes: number[][],
    /** Every module call in call order (parents before children), at every depth. */
    readonly allLayers: LayerSummary[],
    readonly depth: number,
    params: { total: number; trainable: number; bytes: number },
    inputBytes: number,
  ) {
    this.totalParams = params.total;
    this.trainableParams = params.trainable;
    this.nonTrainableParams = params.total - params.trainable;
    this.paramsBytes = params.bytes;
    this.inputBytes = inputBytes;
    const leaves = allLayers.filter((l) => l.isLeaf);
    this.totalMultAdds = leaves.reduce((a, l) => a + l.multAdds, 0);
    this.forwardBackwardBytes = leaves.filter((l) => l.params > 0).reduce((a, l) => a + 2 * l.memoryBytes, 0);
  }
  /** The rows shown at this summary's depth. */
  get layers(): LayerSummary[] {
    return this.allLayers.filter((l) => l.depth <= this.depth);
  }
  get totalBytes(): number {
    return this.inputBytes + this.forwardBackwardBytes + this.paramsBytes;
  }
  toString(): string {
    return formatSummary(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * Summarises `model` for an input of `inputShape` (with the batch dim, e.g. [1, 3, 224, 224]; an
 * array of shapes for several inputs). Returns a ModelSummary whose toString is the table.
 */
export function summary(
  model: Module,
  inputShape: readonly number[] | readonly (readonly number[])[],
  { depth = 3, dtypes }: SummaryOptions = {},
): ModelSummary {
  check(
    model !== null && typeof model === "object" && typeof model.forward === "function",
    "summary",
    "expects an nn.Module as its first argument",
  );
  const shapes: number[][] = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as number[][];
  check(shapes.length > 0, "summary", "expects an input shape such as [1, 3, 224, 224]");
  for (const s of shapes)
    check(
      Array.isArray(s) && s.length > 0 && s.every((d) => Number.isInteger(d) && d > 0),
      "summary",
      () =>
        `input shape must be positive integers with the batch dim first, e.g. [1, 3, 224, 224]; got ${JSON.stringify(s)}`,
    );
  check(
    dtypes === undefined || dtypes.length === shapes.length,
    "summary",
    () => `got ${dtypes?.length} dtypes for ${shapes.length} inputs; give one per input`,
  );
  check(
    Number.isInteger(depth) && depth >= 0,
    "summary",
    () => `depth must be a non-negative integer, got ${depth}`,
  );

  const names = new Map<Module, string>();
  for (const [n, m] of model.namedModules()) if (!names.has(m)) names.set(m, n);
  const fields = new Map<Tensor, Field>();
  const fieldOf = (t: Tensor): Field => {
    const known = fields.get(t);
    if (known !== undefined) return known;
    // Made by an op outside any module: merge the fields of the op's inputs (memoised).
    const node = t.gradFn;
    const f =
      node === null
        ? null
        : opField(
            node.inputs
              .filter((x): x is Tensor => x instanceof Tensor)
              .map((x) => ({ field: fieldOf(x), shape: x.shape })),
            t.shape,
          );
    fields.set(t, f);
    return f;
  };

  interface Open {
    row: LayerSummary;
    module: Module;
    inputs: Tensor[];
    childMultAdds: number;
    hadChild: boolean;
  }
  const rows: LayerSummary[] = [];
  const stack: Open[] = [];
  const seen = new Set<Module>();
  const handles: RemovableHandle[] = [];
  for (const m of names.keys()) {
    handles.push(
      m.registerForwardPreHook((mod, inputs) => {
        const parent = stack[stack.length - 1];
        if (parent) parent.hadChild = true;
        const ps = mod.parameters();
        const row: LayerSummary = {
          name: names.get(mod) ?? "",
          type: mod.constructor.name,
          depth: stack.length,
          isLeaf: true,
          isRecursive: seen.has(mod),
          outputShape: [],
          params: ps.reduce((a, p) => a + p.numel, 0),
          trainableParams: ps.filter((p) => p.requiresGrad).reduce((a, p) => a + p.numel, 0),
          frozenParams: ps.filter((p) => !p.requiresGrad).reduce((a, p) => a + p.numel, 0),
          weights: mod
            .namedParameters()
            .filter(([k]) => k === "weight" || k.endsWith(".weight"))
            .reduce((a, [, p]) => a + p.numel, 0),
          receptiveField: null,
          multAdds: 0,
          activations: 0,
          memoryBytes: 0,
        };
        seen.add(mod);
        rows.push(row);
        stack.push({ row, module: mod, inputs: tensorsOf(inputs), childMultAdds: 0, hadChild: false });
      }),
    );
    handles.push(
      m.registerForwardHook((mod, _inputs, output) => {
        const open = stack.pop();
        if (open === undefined || open.module !== mod) return;
        const { row } = open;
        const outs = tensorsOf(output);
        row.isLeaf = !open.hadChild;
        row.outputShape = outs.length === 1 ? [...outs[0].shape] : outs.map((o) => [...o.shape]);
        row.activations = outs.reduce((a, o) => a + o.numel, 0);
        row.memoryBytes = outs.reduce((a, o) => a + o.numel * BYTES[o.dtype], 0);
        const first = open.inputs[0];
        const out = outs[0];
        if (out !== undefined) {
          const known = fields.get(out);
          const f = row.isLeaf
            ? first === undefined
              ? null
              : layerField(mod, fieldOf(first), first.shape, out.shape)
            : (known ?? fieldOf(out));
          fields.set(out, f);
          row.receptiveField = f;
        }
        row.multAdds = row.isLeaf ? leafMultAdds(mod, out) : open.childMultAdds;
        const parent = stack[stack.length - 1];
        if (parent) parent.childMultAdds += row.multAdds;
      }),
    );
  }

  const inputs = shapes.map((s, i) => {
    const dtype = dtypes?.[i] ?? "float32";
    return zeros(s, { dtype, requiresGrad: dtype === "float32" });
  });
  for (const x of inputs) fields.set(x, x.ndim >= 3 ? inputField(x.ndim - 2) : null);

  const wasTraining = model.modules().map((m) => m.training);
  const backend = getBackend();
  ensureShapesBackend();
  try {
    model.eval();
    setBackend(SHAPES_BACKEND);
    // Gradients are recorded (never computed) so that ops outside modules can be traced back.
    enableGrad(() => model.forward(...inputs));
  } finally {
    setBackend(backend);
    model.modules().forEach((m, i) => {
      m.training = wasTraining[i];
    });
    for (const h of handles) h.remove();
  }

  const params = model.parameters();
  const result = new ModelSummary(
    model.constructor.name,
    shapes,
    rows,
    depth,
    {
      total: params.reduce((a, p) => a + p.numel, 0),
      trainable: params.filter((p) => p.requiresGrad).reduce((a, p) => a + p.numel, 0),
      bytes: params.reduce((a, p) => a + p.numel * BYTES[p.dtype], 0),
    },
    inputs.reduce((a, x) => a + x.numel * BYTES[x.dtype], 0),
  );
  Object.defineProperty(result, "model", { value: model, enumerable: false });
  return result;
}

/** torchinfo's count: conv params x N x output positions; other layers' params x N. */
function leafMultAdds(m: Module, out: Tensor | undefined): number {
  if (out === undefined) return 0;
  const own = m.namedParameters({ recurse: false });
  if (own.length === 0) return 0;
  const n = out.ndim > 0 ? out.shape[0] : 1;
  const positions = out.shape.slice(2).reduce((a, b) => a * b, 1);
  const isConv = m.constructor.name.includes("Conv");
  let total = 0;
  for (const [, p] of own) total += isConv ? p.numel * n * positions : p.numel * n;
  return total;
}

// ---- printing ---------------------------------------------------------------------------------

const int = (n: number) => n.toLocaleString("en-US");
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);
const memory = (bytes: number) => (bytes >= 1e5 ? `${mb(bytes)} MB` : `${(bytes / 1e3).toFixed(2)} kB`);

function fmtDims(v: readonly number[]): string {
  const r = (x: number) => String(Math.round(x * 1000) / 1000);
  return v.every((x) => x === v[0]) ? r(v[0]) : v.map(r).join("x");
}

/** "212, j 32, start 0.5" (or "5x3, j 2x1, ..." when the dims differ), "global", or "--". */
export function fmtField(f: Field): string {
  if (f === null) return "--";
  if (f === "global") return "global";
  const rf = f as ReceptiveField;
  return `${fmtDims(rf.size)}, j ${fmtDims(rf.jump)}, start ${fmtDims(rf.start)}`;
}

function fmtParams(l: LayerSummary, folded: boolean): string {
  if (l.isRecursive && l.params > 0) return "(recursive)";
  // Like torchinfo: a row whose children are listed shows "--"; a folded one shows its subtree.
  if (!l.isLeaf && !folded) return "--";
  if (l.params === 0) return "--";
  if (l.frozenParams === 0) return int(l.params);
  if (l.trainableParams === 0) return `(${int(l.params)})`;
  return `${int(l.trainableParams)} + (${int(l.frozenParams)})`;
}

function multAddsUnit(n: number): [string, number] {
  if (n >= 1e12) return ["T", n / 1e12];
  if (n >= 1e9) return ["G", n / 1e9];
  return ["M", n / 1e6];
}

function formatSummary(s: ModelSummary): string {
  const shown = s.layers;
  const header = ["Layer (type (name))", "Output Shape", "Param #", "Receptive field", "Mult-Adds", "Memory"];
  const body = shown.map((l) => {
    const folded = !l.isLeaf && l.depth >= s.depth;
    // Tree prefix: "│    " per ancestor level, "├─" for the row itself.
    const prefix = l.depth === 0 ? "" : `${"│    ".repeat(l.depth - 1)}├─`;
    const last = l.name.split(".").pop();
    const label = `${prefix}${l.type}${l.depth > 0 && last ? ` (${last})` : ""}`;
    const shape = Array.isArray(l.outputShape[0])
      ? (l.outputShape as number[][]).map(fmtShape).join(", ")
      : fmtShape(l.outputShape as number[]);
    return [
      label,
      shape,
      fmtParams(l, folded),
      fmtField(l.receptiveField),
      l.multAdds > 0 && (l.isLeaf || folded) ? int(l.multAdds) : "--",
      l.memoryBytes > 0 ? memory(l.memoryBytes) : "--",
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)) + 2);
  const line = (cells: string[]) =>
    cells
      .map((x, c) => x.padEnd(widths[c]))
      .join("")
      .trimEnd();
  const rule = "=".repeat(widths.reduce((a, b) => a + b, 0));
  const [unit, macs] = multAddsUnit(s.totalMultAdds);
  return [
    rule,
    line(header),
    rule,
    ...body.map(line),
    rule,
    `Total params: ${int(s.totalParams)}`,
    `Trainable params: ${int(s.trainableParams)}`,
    `Non-trainable params: ${int(s.nonTrainableParams)}`,
    `Total mult-adds (${unit}): ${macs.toFixed(2)}`,
    rule,
    `Input size (MB): ${mb(s.inputBytes)}`,
    `Forward/backward pass size (MB): ${mb(s.forwardBackwardBytes)}`,
    `Params size (MB): ${mb(s.paramsBytes)}`,
    `Estimated Total Size (MB): ${mb(s.totalBytes)}`,
    rule,
    "Receptive field: size, jump and start (centre of the first unit) in input pixels.",
  ].join("\n");
}
