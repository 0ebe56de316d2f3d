// Functional ops with arguments, as a model's own forward calls them (F.conv2d, F.maxPool2d,
// F.pad, x.clamp, F.leakyRelu, F.softmax, F.interpolate, x.slice...): glue-table entries that read
// the arguments the op recorded on its autograd node (GradNode.args, set by autograd's withArgs).
// Shapes come from the traced call, as in the layer table.

import type { Tensor } from "../../tensor/tensor";
import { float, int, ints, str } from "../format/ir";
import type { GraphBuilder } from "./builder";
import { type GlueCall, reducedAxes } from "./glue";
import { adaptivePool, circularPad, NotExportable } from "./layers";
import { avgPoolNode, maxPoolNodes, maxUnpoolNode } from "./pool";
import { clip } from "./shapes";

type Emit = (b: GraphBuilder, call: GlueCall, x: readonly string[]) => string;

/** The op's recorded arguments (GradNode.args). */
function args<T>(call: GlueCall): T {
  return (call.node?.args ?? {}) as T;
}

const input = (call: GlueCall): Tensor => call.inputs[0] as Tensor;
const present = (x: readonly string[]) => x.filter((n) => n !== "");

/** ONNX needs (N, C, ...spatial): an unbatched (C, ...spatial) call is refused with the fix. */
function batched(call: GlueCall, spatial: number): void {
  if (input(call).ndim !== spatial + 2)
    throw new NotExportable(
      `ONNX needs a batch dim: the input has shape [${input(call).shape}]; add one with x.unsqueeze(0)`,
    );
}

// ---- convolution ------------------------------------------------------------------------------

interface ConvArgs {
  stride: number[];
  dilation: number[];
  groups: number;
  padBegin: number[];
  padEnd: number[];
}

const conv: Emit = (b, call, x) => {
  const a = args<ConvArgs>(call);
  const kernel = (call.inputs[1] as Tensor).shape.slice(2);
  batched(call, kernel.length);
  return b.op(
    "Conv",
    present(x),
    {
      kernel_shape: ints(kernel),
      strides: ints(a.stride),
      pads: ints([...a.padBegin, ...a.padEnd]),
      dilations: ints(a.dilation),
      group: int(a.groups),
    },
    "Conv",
  );
};

const convTranspose: Emit = (b, call, x) => {
  const a = args<ConvArgs>(call);
  const kernel = (call.inputs[1] as Tensor).shape.slice(2);
  batched(call, kernel.length);
  const inShape = input(call).shape;
  const outShape = call.output.shape;
  // outputPadding as the call used it: what the output has beyond the smallest size.
  const outputPadding = kernel.map((k, i) => {
    const min = (inShape[2 + i] - 1) * a.stride[i] - 2 * a.padBegin[i] + a.dilation[i] * (k - 1) + 1;
    return outShape[2 + i] - min;
  });
  return b.op(
    "ConvTranspose",
    present(x),
    {
      kernel_shape: ints(kernel),
      strides: ints(a.stride),
      pads: ints([...a.padBegin, ...a.padEnd]),
      dilations: ints(a.dilation),
      output_padding: ints(outputPadding),
      group: int(a.groups),
    },
    "ConvTranspose",
  );
};

// ---- pooling ----------------------------------------------------------------------------------

interface PoolArgs {
  kernelSize: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
  countIncludePad?: boolean;
  divisorOverride?: number | null;
  indices?: Tensor | null;
}

const window = (a: PoolArgs) => ({
  kernel: a.kernelSize,
  stride: a.stride,
  padding: a.padding,
  dilation: a.dilation,
});

const maxPool: Emit = (b, call, x) => {
  const a = args<PoolArgs>(call);
  batched(call, a.kernelSize.length);
  const indices = a.indices ?? null;
  const [values, idx] = maxPoolNodes(
    b,
    x[0],
    input(call).shape,
    call.output.shape,
    window(a),
    indices !== null,
    "MaxPool",
  );
  if (indices !== null && idx !== undefined) call.define?.(indices, idx);
  return values;
};

const avgPool: Emit = (b, call, x) => {
  const a = args<PoolArgs>(call);
  batched(call, a.kernelSize.length);
  return avgPoolNode(
    b,
    x[0],
    input(call).shape,
    call.output.shape,
    window(a),
    a.countIncludePad ?? true,
    a.divisorOverride ?? null,
    "AveragePool",
  );
};

const maxUnpool: Emit = (b, call, x) => {
  const a = args<PoolArgs>(call);
  batched(call, a.kernelSize.length);
  if (!a.indices || call.nameOf === undefined) throw new NotExportable("its indices were not recorded");
  const indices = call.nameOf(a.indices);
  return maxUnpoolNode(b, x[0], indices, input(call).shape, call.output.shape, window(a), "MaxUnpool");
};

const adaptiveMax: Emit = (b, call, x) => {
  if (args<PoolArgs>(call).indices)
    throw new NotExportable("returnIndices of adaptive max pools is not exported; use nn.MaxPool2d");
  return adaptivePool(b, "Max", input(call).shape, call.output.shape, x[0], "GlobalMaxPool");
};

// ---- padding, slicing -------------------------------------------------------------------------

interface PadArgs {
  padBegin: number[];
  padEnd: number[];
  mode: "constant" | "reflect" | "replicate" | "circular";
  value: number;
}

const pad: Emit = (b, call, x) => {
  const a = args<PadArgs>(call);
  const shape = input(call).shape;
  if (a.mode === "circular" && b.opset < 19) {
    const first = a.padBegin.findIndex((p, d) => p !== 0 || a.padEnd[d] !== 0);
    const lr = a.padBegin.map((p, d) => [p, a.padEnd[d]] as [number, number]).slice(first);
    if (lr.some(([l, r]) => l < 0 || r < 0))
      throw new NotExportable("circular padding that crops is written from opset 19 (Pad's 'wrap' mode)");
    return circularPad(b, x[0], shape, lr, "Pad");
  }
  const pads = [...a.padBegin, ...a.padEnd];
  const mode = { constant: "constant", reflect: "reflect", replicate: "edge", circular: "wrap" }[a.mode];
  const inputs = [x[0], b.int64s(pads, [pads.length], "Pad.pads")];
  if (a.mode === "constant" && a.value !== 0) inputs.push(b.floats([a.value], [], "Pad.value"));
  return b.op("Pad", inputs, { mode: str(mode) }, "Pad");
};

interface SliceArgs {
  dim: number;
  start: number | null;
  end: number | null;
  step: number;
}

const slice: Emit = (b, call, x) => {
  const a = args<SliceArgs>(call);
  const size = input(call).shape[a.dim];
  // Python's bounds (negative from the end, clamped), which ONNX's Slice shares.
  return b.op(
    "Slice",
    [
      x[0],
      b.int64s([a.start ?? 0], [1], "Slice.starts"),
      b.int64s([a.end ?? size], [1], "Slice.ends"),
      b.int64s([a.dim], [1], "Slice.axes"),
      b.int64s([a.step], [1], "Slice.steps"),
    ],
    {},
    "Slice",
  );
};

// ---- activations ------------------------------------------------------------------------------

/** x * f(x) for the activations ONNX writes as a product (SiLU, Mish before opset 18). */
const times = (b: GraphBuilder, x: string, fx: string, name: string) => b.op("Mul", [x, fx], {}, name);

const gelu: Emit = (b, call, x) => {
  const { approximate } = args<{ approximate: "none" | "tanh" }>(call);
  if (b.opset >= 20) return b.op("Gelu", [x[0]], { approximate: str(approximate) }, "Gelu");
  const half = b.op("Mul", [x[0], b.floats([0.5], [], "Gelu.half")], {}, "Gelu.half_x");
  let inner: string;
  if (approximate === "tanh") {
    // tanh(sqrt(2 / pi) * (x + 0.044715 x^3))
    const cube = b.op("Mul", [b.op("Mul", [x[0], x[0]], {}, "Gelu.square"), x[0]], {}, "Gelu.cube");
    const sum = b.op(
      "Add",
      [x[0], b.op("Mul", [cube, b.floats([0.044715], [], "Gelu.c")], {}, "Gelu.cx3")],
      {},
      "Gelu.sum",
    );
    inner = b.op(
      "Tanh",
      [b.op("Mul", [sum, b.floats([Math.sqrt(2 / Math.PI)], [], "Gelu.k")], {}, "Gelu.arg")],
      {},
      "Gelu.tanh",
    );
  } else {
    // erf(x / sqrt(2))
    inner = b.op(
      "Erf",
      [b.op("Mul", [x[0], b.floats([Math.SQRT1_2], [], "Gelu.k")], {}, "Gelu.arg")],
      {},
      "Gelu.erf",
    );
  }
  return b.op("Mul", [half, b.op("Add", [inner, b.floats([1], [], "Gelu.one")], {}, "Gelu.1p")], {}, "Gelu");
};

const softplus: Emit = (b, call, x) => {
  const { beta, threshold } = args<{ beta: number; threshold: number }>(call);
  // NOTE: with beta 1 and threshold 20, PyTorch's switch to x is below float32 resolution.
  if (beta === 1 && threshold >= 20) return b.op("Softplus", [x[0]], {}, "Softplus");
  const bx =
    beta === 1 ? x[0] : b.op("Mul", [x[0], b.floats([beta], [], "Softplus.beta")], {}, "Softplus.bx");
  const soft = b.op("Softplus", [bx], {}, "Softplus.soft");
  const y =
    beta === 1 ? soft : b.op("Div", [soft, b.floats([beta], [], "Softplus.beta")], {}, "Softplus.scaled");
  const above = b.op("Greater", [bx, b.floats([threshold], [], "Softplus.threshold")], {}, "Softplus.linear");
  return b.op("Where", [above, x[0], y], {}, "Softplus");
};

const prelu: Emit = (b, call, x) => {
  const { weight } = args<{ weight: Tensor }>(call);
  if (call.nameOf === undefined) throw new NotExportable("its weight was not recorded");
  const slope = call.nameOf(weight);
  const rank = (call.inputs[1] as Tensor).ndim;
  // ONNX broadcasts from the right: one slope per channel (dim 1) is shaped (C, 1, ...). The
  // initializer named after the weight's state-dict key is written in that shape; other uses of
  // the weight get the original shape under another name.
  const init = b.initializers.find((t) => t.name === slope);
  if (weight.numel > 1 && rank > 2) {
    if (init === undefined || call.define === undefined)
      throw new NotExportable("its weight must be a parameter or a constant");
    const flat = b.unique(`${slope}.flat`);
    for (const node of b.nodes) node.inputs = node.inputs.map((v) => (v === slope ? flat : v));
    b.initializers.push({ ...init, dims: [weight.numel, ...Array<number>(rank - 2).fill(1)] });
    init.name = flat;
    call.define(weight, flat);
  }
  return b.op("PRelu", [x[1], slope], {}, "PRelu");
};

const withAlpha =
  (opType: string, key: string): Emit =>
  (b, call, x) =>
    b.op(opType, [x[0]], { alpha: float(args<Record<string, number>>(call)[key]) }, opType);

// ---- resizing ---------------------------------------------------------------------------------

interface InterpolateArgs {
  mode: string;
  size: number[];
  scales: (number | null)[];
  alignCorners: boolean;
  antialias: boolean;
}

/**
 * F.interpolate / nn.Upsample as Resize. The coordinate mapping per mode is PyTorch's:
 * 'nearest' floors x_out / scale (asymmetric + floor), 'nearest-exact' rounds half-pixel centres
 * (half_pixel + round_prefer_ceil), the linear modes and 'bicubic' map pixel centres (half_pixel;
 * PyTorch's own exporter writes pytorch_half_pixel, which differs for an output of size 1) or
 * corners (align_corners); bicubic's a is -0.75. Scale factors are written as
 * Resize's scales (the same source coordinates), output sizes as sizes after the input's (N, C).
 * 'area' is adaptive average pooling.
 */
const interpolate: Emit = (b, call, x) => {
  const a = args<InterpolateArgs>(call);
  const inShape = input(call).shape;
  if (a.mode === "area") return adaptivePool(b, "Average", inShape, call.output.shape, x[0], "Resize");
  if (a.antialias)
    throw new NotExportable("antialias is not exported (ONNX Resize's antialias filter is not PyTorch's)");
  const nearest = a.mode === "nearest" || a.mode === "nearest-exact";
  const attrs = {
    mode: str(nearest ? "nearest" : a.mode === "bicubic" ? "cubic" : "linear"),
    coordinate_transformation_mode: str(
      a.mode === "nearest" ? "asymmetric" : a.alignCorners ? "align_corners" : "half_pixel",
    ),
    ...(nearest ? { nearest_mode: str(a.mode === "nearest" ? "floor" : "round_prefer_ceil") } : {}),
    ...(a.mode === "bicubic" ? { cubic_coeff_a: float(-0.75) } : {}),
  };
  const scales = a.scales.every((s) => s !== null) ? (a.scales as number[]) : null;
  if (scales !== null)
    return b.op(
      "Resize",
      [x[0], "", b.floats([1, 1, ...scales], [inShape.length], "Resize.scales")],
      attrs,
      "Resize",
    );
  const lead = b.op(
    "Slice",
    [
      b.op("Shape", [x[0]], {}, "Resize.input_shape"),
      b.int64s([0], [1], "Resize.lead_start"),
      b.int64s([2], [1], "Resize.lead_end"),
    ],
    {},
    "Resize.lead",
  );
  const sizes = b.op(
    "Concat",
    [lead, b.int64s(a.size, [a.size.length], "Resize.size")],
    { axis: int(0) },
    "Resize.sizes",
  );
  return b.op("Resize", [x[0], "", "", sizes], attrs, "Resize");
};

/** Autograd op name -> how it is written, from its recorded arguments. */
export const functionalTable: Record<string, Emit> = {
  conv1d: conv,
  conv2d: conv,
  convTranspose2d: convTranspose,
  maxPool1d: maxPool,
  maxPool2d: maxPool,
  avgPool1d: avgPool,
  avgPool2d: avgPool,
  maxUnpool1d: maxUnpool,
  maxUnpool2d: maxUnpool,
  adaptiveMaxPool1d: adaptiveMax,
  adaptiveMaxPool2d: adaptiveMax,
  pad,
  slice,
  select: slice,
  narrow: slice,
  split: slice,
  pow: (b, call, x) => {
    const { exponent } = args<{ exponent?: number }>(call);
    if (call.inputs.length >= 2 || exponent === undefined) return b.op("Pow", x, {}, "Pow");
    return b.op("Pow", [x[0], b.floats([exponent], [], "Pow.exponent")], {}, "Pow");
  },
  clamp: (b, call, x) => {
    const { min, max } = args<{ min: number | null; max: number | null }>(call);
    return clip(b, x[0], min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY, "Clip");
  },
  hardtanh: (b, call, x) => {
    const { minVal, maxVal } = args<{ minVal: number; maxVal: number }>(call);
    return clip(b, x[0], minVal, maxVal, "Clip");
  },
  leakyRelu: withAlpha("LeakyRelu", "negativeSlope"),
  elu: withAlpha("Elu", "alpha"),
  celu: withAlpha("Celu", "alpha"),
  selu: (b, _call, x) => b.op("Selu", [x[0]], {}, "Selu"),
  softplus,
  silu: (b, _call, x) => times(b, x[0], b.op("Sigmoid", [x[0]], {}, "SiLU.sigmoid"), "SiLU"),
  hardsigmoid: (b, _call, x) =>
    b.op("HardSigmoid", [x[0]], { alpha: float(1 / 6), beta: float(0.5) }, "HardSigmoid"),
  hardswish: (b, _call, x) =>
    b.opset >= 14
      ? b.op("HardSwish", [x[0]], {}, "HardSwish")
      : times(
          b,
          x[0],
          b.op("HardSigmoid", [x[0]], { alpha: float(1 / 6), beta: float(0.5) }, "HardSwish.gate"),
          "HardSwish",
        ),
  mish: (b, _call, x) =>
    b.opset >= 18
      ? b.op("Mish", [x[0]], {}, "Mish")
      : times(
          b,
          x[0],
          b.op("Tanh", [b.op("Softplus", [x[0]], {}, "Mish.softplus")], {}, "Mish.tanh"),
          "Mish",
        ),
  gelu,
  prelu,
  softmax: (b, call, x) => b.op("Softmax", [x[0]], { axis: int(args<{ dim: number }>(call).dim) }, "Softmax"),
  logSoftmax: (b, call, x) =>
    b.op("LogSoftmax", [x[0]], { axis: int(args<{ dim: number }>(call).dim) }, "LogSoftmax"),
  mean: (b, call, x) => {
    // mean = sum / count: written as ReduceMean of the sum's input, so the count follows the batch.
    const summed = call.inputs[0] as Tensor;
    const node = summed.gradFn;
    if (node === null || node.name !== "sum" || call.nameOf === undefined) return b.op("Div", x, {}, "Div");
    const { axes, keep } = reducedAxes({ op: "sum", inputs: node.inputs, output: summed, node });
    const source = call.nameOf(node.inputs[0] as Tensor);
    const keepdims = int(keep ? 1 : 0);
    if (b.opset >= 18)
      return b.op(
        "ReduceMean",
        [source, b.int64s(axes, [axes.length], "ReduceMean.axes")],
        { keepdims },
        "ReduceMean",
      );
    return b.op("ReduceMean", [source], { axes: ints(axes), keepdims }, "ReduceMean");
  },
  interpolate,
  upsample: interpolate,
  upsampleNearest: interpolate,
  upsampleBilinear: interpolate,
};
