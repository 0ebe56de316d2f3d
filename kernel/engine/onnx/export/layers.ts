// How each nn layer is written in ONNX: a table from layer class to the nodes it becomes. The
// tracer (trace.ts) calls an entry with the layer's traced call (module, inputs, output) and the
// ONNX names of its tensor inputs; the entry returns the name of the layer's output.
// Shapes come from the traced call, so every attribute is the one the engine actually used.

import type { Module } from "../../nn/index";
import * as nn from "../../nn/index";
import type { Tensor } from "../../tensor/tensor";
import { float, int, ints, str } from "../format/ir";
import type { GraphBuilder } from "./builder";
import { avgPoolNode, maxPoolNodes, maxUnpoolNode, type Window } from "./pool";
import { clip, reshape, symmetricPads, tuple } from "./shapes";

/** One call of a layer during the traced forward. */
export interface LayerCall {
  module: Module;
  /** The layer's dotted path in the model ("layer1.0.conv1"), which names its nodes. */
  path: string;
  inputs: readonly unknown[];
  output: unknown;
  /** For a layer returning several tensors: which one this call entry stands for. */
  index?: number;
}

/** Thrown by an entry for a layer configuration ONNX (or this exporter) cannot express. */
export class NotExportable extends Error {}

type Emit = (b: GraphBuilder, call: LayerCall, x: readonly string[]) => string;

const shapeOf = (t: unknown): readonly number[] => (t as Tensor).shape;

/** The state-dict name of a layer's parameter or buffer ("features.0.weight"). */
const key = (call: LayerCall, name: string) => (call.path ? `${call.path}.${name}` : name);

function conv(b: GraphBuilder, call: LayerCall, x: readonly string[]): string {
  const m = call.module as nn.Conv1d | nn.Conv2d | nn.Conv3d;
  const n = m.kernelSize.length;
  const inShape = shapeOf(call.inputs[0]);
  // [begin, end] padding per spatial dim, as the layer computes it (padding "same" may be uneven).
  const lr: [number, number][] = m.kernelSize.map((k, i) => {
    if (m.padding === "valid") return [0, 0];
    if (m.padding === "same") {
      const total = m.dilation[i] * (k - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    }
    return [m.padding[i], m.padding[i]];
  });
  let input = x[0];
  let pads = [...lr.map(([l]) => l), ...lr.map(([, r]) => r)];
  if (m.paddingMode !== "zeros") {
    input = padNode(b, input, inShape, lr, m.paddingMode, `${call.path}.pad`);
    pads = Array(2 * n).fill(0);
  }
  const inputs = [input, b.tensor(key(call, "weight"), m.weight)];
  if (m.bias !== null) inputs.push(b.tensor(key(call, "bias"), m.bias));
  return b.op(
    "Conv",
    inputs,
    {
      kernel_shape: ints(m.kernelSize),
      strides: ints(m.stride),
      pads: ints(pads),
      dilations: ints(m.dilation),
      group: int(m.groups),
    },
    call.path,
  );
}

/**
 * Pads the spatial dims of `x` ((N, C, ...spatial)) by [begin, end] each in `mode` ("reflect",
 * "replicate", "circular" or "constant" zeros).
 */
export function padNode(
  b: GraphBuilder,
  x: string,
  shape: readonly number[],
  lr: readonly [number, number][],
  mode: string,
  name: string,
): string {
  const lead = shape.length - lr.length;
  if (mode === "circular" && b.opset < 19) return circularPad(b, x, shape, lr, name);
  const pads = [
    ...Array(lead).fill(0),
    ...lr.map(([l]) => l),
    ...Array(lead).fill(0),
    ...lr.map(([, r]) => r),
  ];
  const onnxMode = {
    zeros: "constant",
    constant: "constant",
    reflect: "reflect",
    replicate: "edge",
    circular: "wrap",
  }[mode];
  if (onnxMode === undefined) throw new NotExportable(`padding mode "${mode}" has no ONNX equivalent`);
  return b.op("Pad", [x, b.int64s(pads, [pads.length], `${name}.pads`)], { mode: str(onnxMode) }, name);
}

/** Circular padding before opset 19 (no "wrap" mode): concatenate slices from the other side. */
export function circularPad(
  b: GraphBuilder,
  x: string,
  shape: readonly number[],
  lr: readonly [number, number][],
  name: string,
): string {
  const lead = shape.length - lr.length;
  let out = x;
  lr.forEach(([l, r], i) => {
    const axis = lead + i;
    const size = shape[axis];
    const parts: string[] = [];
    const slice = (start: number, end: number) =>
      b.op(
        "Slice",
        [
          out,
          b.int64s([start], [1], `${name}.starts`),
          b.int64s([end], [1], `${name}.ends`),
          b.int64s([axis], [1], `${name}.axes`),
        ],
        {},
        `${name}.slice`,
      );
    if (l > 0) parts.push(slice(size - l, size));
    parts.push(out);
    if (r > 0) parts.push(slice(0, r));
    if (parts.length > 1) out = b.op("Concat", parts, { axis: int(axis) }, name);
  });
  return out;
}

function convTranspose(b: GraphBuilder, call: LayerCall, x: readonly string[]): string {
  const m = call.module as nn.ConvTranspose2d;
  const inShape = shapeOf(call.inputs[0]);
  const outShape = shapeOf(call.output);
  const padding = m.padding as number[];
  const spatial = inShape.length - 2;
  // outputPadding as this call used it (forward(x, outputSize) chooses it from the requested size).
  const outputPadding = m.kernelSize.map((k, i) => {
    const min = (inShape[2 + i] - 1) * m.stride[i] - 2 * padding[i] + m.dilation[i] * (k - 1) + 1;
    return outShape[2 + i] - min;
  });
  const inputs = [x[0], b.tensor(key(call, "weight"), m.weight)];
  if (m.bias !== null) inputs.push(b.tensor(key(call, "bias"), m.bias));
  return b.op(
    "ConvTranspose",
    inputs,
    {
      kernel_shape: ints(m.kernelSize),
      strides: ints(m.stride),
      pads: ints(symmetricPads(padding.slice(0, spatial))),
      dilations: ints(m.dilation),
      output_padding: ints(outputPadding),
      group: int(m.groups),
    },
    call.path,
  );
}

function linear(b: GraphBuilder, call: LayerCall, x: readonly string[]): string {
  const m = call.module as nn.Linear;
  const w = b.tensor(key(call, "weight"), m.weight);
  const bias = m.bias === null ? null : b.tensor(key(call, "bias"), m.bias);
  if (shapeOf(call.inputs[0]).length === 2)
    return b.op("Gemm", bias === null ? [x[0], w] : [x[0], w, bias], { transB: int(1) }, call.path);
  // (..., in) inputs: MatMul by the transposed weight (kept in PyTorch's (out, in) layout).
  const wt = b.op("Transpose", [w], { perm: ints([1, 0]) }, `${call.path}.weight_t`);
  const y = b.op("MatMul", [x[0], wt], {}, bias === null ? call.path : `${call.path}.matmul`);
  return bias === null ? y : b.op("Add", [y, bias], {}, call.path);
}

function batchNorm(b: GraphBuilder, call: LayerCall, x: readonly string[]): string {
  const m = call.module as nn.BatchNorm2d;
  if (m.runningMean === null || m.runningVar === null)
    throw new NotExportable(
      "it has no running statistics (trackRunningStats: false), so it normalises with each batch's " +
        "statistics even in eval mode; ONNX BatchNormalization needs running statistics",
    );
  const C = m.numFeatures;
  const scale =
    m.weight === null
      ? b.floats(Array(C).fill(1), [C], `${call.path}.ones`)
      : b.tensor(key(call, "weight"), m.weight);
  const shift =
    m.bias === null
      ? b.floats(Array(C).fill(0), [C], `${call.path}.zeros`)
      : b.tensor(key(call, "bias"), m.bias);
  return b.op(
    "BatchNormalization",
    [
      x[0],
      scale,
      shift,
      b.tensor(key(call, "runningMean"), m.runningMean),
      b.tensor(key(call, "runningVar"), m.runningVar),
    ],
    { epsilon: float(m.eps), momentum: float(1 - (m.momentum ?? 0.1)) },
    call.path,
  );
}

/** A pooling layer's window, per spatial dim, from its int-or-tuple attributes. */
function layerWindow(call: LayerCall, m: { kernelSize: unknown; stride: unknown; padding: unknown }): Window {
  const n = shapeOf(call.inputs[0]).length - 2;
  const dilation = (m as { dilation?: number | number[] }).dilation ?? 1;
  return {
    kernel: tuple(m.kernelSize as number | number[], n),
    stride: tuple(m.stride as number | number[], n),
    padding: tuple(m.padding as number | number[], n),
    dilation: tuple(dilation, n),
  };
}

/** The output of a layer call, or its `index`-th output for a layer returning several. */
const outputOf = (call: LayerCall) => (Array.isArray(call.output) ? call.output[0] : call.output) as Tensor;

function maxPool(b: GraphBuilder, call: LayerCall, x: readonly string[]): string {
  const m = call.module as nn.MaxPool2d;
  // With returnIndices the layer returns [values, indices]: one MaxPool node writes both.
  const outs = b.memo(call.output, () =>
    maxPoolNodes(
      b,
      x[0],
      shapeOf(call.inputs[0]),
      shapeOf(outputOf(call)),
      layerWindow(call, m),
      m.returnIndices,
      call.path,
    ),
  );
  return outs[call.index ?? 0] as string;
}

function avgPool(b: GraphBuilder, call: LayerCall, x: readonly string[]): string {
  const m = call.module as nn.AvgPool2d;
  const divisor = (m as { divisorOverride?: number | null }).divisorOverride ?? null;
  return avgPoolNode(
    b,
    x[0],
    shapeOf(call.inputs[0]),
    shapeOf(call.output),
    layerWindow(call, m),
    m.countIncludePad,
    divisor,
    call.path,
  );
}

function maxUnpool(b: GraphBuilder, call: LayerCall, x: readonly string[]): string {
  const m = call.module as nn.MaxUnpool2d;
  const w = layerWindow(call, m);
  return maxUnpoolNode(b, x[0], x[1], shapeOf(call.inputs[0]), shapeOf(call.output), w, call.path);
}

/** Adaptive pooling as a global pool or a fixed pool (PyTorch's exporter has the same limits). */
export function adaptivePool(
  b: GraphBuilder,
  kind: "Average" | "Max",
  inShape: readonly number[],
  outShape: readonly number[],
  x: string,
  name: string,
): string {
  const inSize = inShape.slice(2);
  const outSize = outShape.slice(2);
  if (outSize.every((s) => s === 1)) return b.op(`Global${kind}Pool`, [x], {}, name);
  if (inSize.every((s, i) => s % outSize[i] === 0)) {
    const k = inSize.map((s, i) => s / outSize[i]);
    return b.op(`${kind}Pool`, [x], { kernel_shape: ints(k), strides: ints(k) }, name);
  }
  if (inSize.every((s, i) => outSize[i] % s === 0)) return replicate(b, x, inShape, outShape, name);
  throw new NotExportable(
    `its output size [${outSize}] and input size [${inSize}] are not multiples of each other: ONNX has no ` +
      "adaptive pooling; use an input size that is",
  );
}

/**
 * Adaptive pooling to a multiple of the input size repeats each cell (VGG's 7x7 pool on a 1x1
 * map): (N, C, H, W) -> (N, C, H, 1, W, 1) -> expand to (N, C, H, r, W, s) -> (N, C, H*r, W*s).
 */
function replicate(
  b: GraphBuilder,
  x: string,
  inShape: readonly number[],
  outShape: readonly number[],
  name: string,
): string {
  const [N, C, ...spatial] = inShape;
  const factors = spatial.map((s, i) => outShape[2 + i] / s);
  const lead = b.dynamicBatch ? 0 : N;
  const split = b.op(
    "Reshape",
    [x, b.int64s([lead, C, ...spatial.flatMap((s) => [s, 1])], undefined, `${name}.split`)],
    {},
    `${name}.split`,
  );
  const target = [1, C, ...spatial.flatMap((s, i) => [s, factors[i]])];
  const grown = b.op("Expand", [split, b.int64s(target, undefined, `${name}.repeat`)], {}, `${name}.repeat`);
  return b.op(
    "Reshape",
    [grown, b.int64s([lead, C, ...outShape.slice(2)], undefined, `${name}.shape`)],
    {},
    name,
  );
}

const adaptive =
  (kind: "Average" | "Max"): Emit =>
  (b, call, x) => {
    if ((call.module as { returnIndices?: boolean }).returnIndices)
      throw new NotExportable("returnIndices: true is not exported");
    return adaptivePool(b, kind, shapeOf(call.inputs[0]), shapeOf(call.output), x[0], call.path);
  };

const simple =
  (opType: string): Emit =>
  (b, call, x) =>
    b.op(opType, [x[0]], {}, call.path);

/** Layers whose output is their input in eval mode. */
const passThrough: Emit = (_b, _call, x) => x[0];

const reshapeLayer: Emit = (b, call, x) =>
  reshape(b, x[0], shapeOf(call.inputs[0]), shapeOf(call.output), call.path);

/** Layer class -> how it is written. A subclass is written the same way unless it overrides forward. */
// biome-ignore lint/complexity/noBannedTypes: keys are layer classes (constructors)
export const layerTable = new Map<Function, Emit>([
  [nn.Conv1d, conv],
  [nn.Conv2d, conv],
  [nn.Conv3d, conv],
  [nn.ConvTranspose2d, convTranspose],
  [nn.Linear, linear],
  [nn.BatchNorm1d, batchNorm],
  [nn.BatchNorm2d, batchNorm],
  [nn.BatchNorm3d, batchNorm],
  [nn.MaxPool1d, maxPool],
  [nn.MaxPool2d, maxPool],
  [nn.MaxPool3d, maxPool],
  [nn.AvgPool1d, avgPool],
  [nn.AvgPool2d, avgPool],
  [nn.AdaptiveAvgPool1d, adaptive("Average")],
  [nn.AdaptiveAvgPool2d, adaptive("Average")],
  [nn.AdaptiveMaxPool2d, adaptive("Max")],
  [nn.AdaptiveAvgPool3d, adaptive("Average")],
  [nn.AdaptiveMaxPool3d, adaptive("Max")],
  [nn.ReLU, simple("Relu")],
  [nn.Sigmoid, simple("Sigmoid")],
  [nn.Tanh, simple("Tanh")],
  [nn.ReLU6, (b, call, x) => clip(b, x[0], 0, 6, call.path)],
  [
    nn.Hardtanh,
    (b, call, x) =>
      clip(b, x[0], (call.module as nn.Hardtanh).minVal, (call.module as nn.Hardtanh).maxVal, call.path),
  ],
  [
    nn.LeakyReLU,
    (b, call, x) =>
      b.op("LeakyRelu", [x[0]], { alpha: float((call.module as nn.LeakyReLU).negativeSlope) }, call.path),
  ],
  [nn.ELU, (b, call, x) => b.op("Elu", [x[0]], { alpha: float((call.module as nn.ELU).alpha) }, call.path)],
  [
    nn.Softmax,
    (b, call, x) => b.op("Softmax", [x[0]], { axis: int((call.module as nn.Softmax).dim) }, call.path),
  ],
  [
    nn.LogSoftmax,
    (b, call, x) => b.op("LogSoftmax", [x[0]], { axis: int((call.module as nn.LogSoftmax).dim) }, call.path),
  ],
  [nn.Flatten, reshapeLayer],
  [nn.Unflatten, reshapeLayer],
  [nn.Identity, passThrough],
  [nn.Dropout, passThrough],
  [nn.Dropout2d, passThrough],
  [nn.MaxUnpool2d, maxUnpool],
]);

/** The table entry for `m`, or undefined when the exporter traces inside it. */
export function layerEntry(m: Module): Emit | undefined {
  for (let proto = Object.getPrototypeOf(m); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const entry = layerTable.get(proto.constructor);
    if (entry !== undefined) return Object.getPrototypeOf(m).forward === proto.forward ? entry : undefined;
  }
  return undefined;
}
