// ONNX ops that map onto nn layers exactly: the imported node becomes that layer (Conv -> Conv2d,
// Gemm -> Linear, BatchNormalization -> BatchNorm...), holding the node's initializers as its
// Parameters, so summaries, feature maps and fine-tuning see ordinary layers.
// Each entry is keyed by the opset from which it applies (attribute changes across opsets).

import * as F from "../../nn/functional";
import * as nn from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import { type Built, generic, type OpEntry } from "./generic";
import { BatchNorm, type OnnxPads, PaddedConv2d, PaddedPool } from "./modules";
import { type NodeContext, NotImportable } from "./node-context";

/** A node that becomes `module`, fed with its first input at run time. */
const layer = (module: nn.Module): Built => ({ module, runtime: [0] });

/** The spatial window attributes of Conv/ConvTranspose/MaxPool/AveragePool. */
function window(n: NodeContext, kernel: number[]) {
  const k = kernel.length;
  const strides = n.ints("strides") ?? Array(k).fill(1);
  const dilations = n.ints("dilations") ?? Array(k).fill(1);
  const autoPad = n.string("auto_pad", "NOTSET");
  let pads: OnnxPads;
  if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") pads = { auto: autoPad };
  else if (autoPad === "VALID") pads = { pads: Array(2 * k).fill(0) };
  else if (autoPad === "NOTSET") pads = { pads: n.ints("pads") ?? Array(2 * k).fill(0) };
  else throw new NotImportable(`auto_pad "${autoPad}" is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID`);
  if ("pads" in pads && pads.pads.some((p) => p < 0))
    throw new NotImportable(`negative pads ${JSON.stringify(pads.pads)} (cropping) are not supported`);
  /** Symmetric padding per spatial dim, or null when it is uneven or automatic. */
  const fixed = "pads" in pads ? pads.pads : null;
  const symmetric = fixed?.slice(0, k).every((p, i) => p === fixed[k + i]) ? fixed.slice(0, k) : null;
  return { strides, dilations, pads, symmetric };
}

const conv = (n: NodeContext): Built => {
  if (!n.isWeight(1))
    throw new NotImportable("its weights are computed in the graph; only initializer weights are supported");
  const w = n.param(1);
  const [OC, ICg, ...kernel] = w.shape;
  const group = n.int("group", 1);
  const { strides, dilations, pads, symmetric } = window(n, n.ints("kernel_shape") ?? kernel);
  const options = { stride: strides, dilation: dilations, groups: group, bias: n.input(2) !== "" };
  let m: nn.Conv1d | nn.Conv2d;
  if (kernel.length === 1) {
    if (symmetric === null)
      throw new NotImportable("uneven or automatic padding of a 1-D convolution is not supported");
    m = new nn.Conv1d(ICg * group, OC, kernel, { ...options, padding: symmetric });
  } else if (kernel.length === 2) {
    m =
      symmetric !== null
        ? new nn.Conv2d(ICg * group, OC, kernel, { ...options, padding: symmetric })
        : new PaddedConv2d(ICg * group, OC, kernel, options, pads);
  } else throw new NotImportable(`${kernel.length}-D convolutions are not supported (1-D and 2-D are)`);
  m.weight = w;
  m.bias = n.input(2) === "" ? null : n.param(2);
  return layer(m);
};

const convTranspose = (n: NodeContext): Built => {
  if (!n.isWeight(1))
    throw new NotImportable("its weights are computed in the graph; only initializer weights are supported");
  const w = n.param(1);
  const [IC, OCg, ...kernel] = w.shape;
  if (kernel.length !== 2)
    throw new NotImportable(`${kernel.length}-D transposed convolutions are not supported (2-D are)`);
  if (n.has("output_shape"))
    throw new NotImportable("the output_shape attribute is not supported; export with output_padding");
  const group = n.int("group", 1);
  const { strides, dilations, symmetric } = window(n, kernel);
  if (symmetric === null)
    throw new NotImportable("uneven or automatic padding of a transposed convolution is not supported");
  const m = new nn.ConvTranspose2d(IC, OCg * group, kernel, {
    stride: strides,
    dilation: dilations,
    groups: group,
    padding: symmetric,
    outputPadding: n.ints("output_padding") ?? [0, 0],
    bias: n.input(2) !== "",
  });
  m.weight = w;
  m.bias = n.input(2) === "" ? null : n.param(2);
  return layer(m);
};

/** Gemm as a Linear layer when it is one (constant B, 1-D C, no transA, alpha = beta = 1). */
const gemm = (n: NodeContext): Built => {
  const transA = n.int("transA", 0);
  const transB = n.int("transB", 0);
  const alpha = n.float("alpha", 1);
  const beta = n.float("beta", 1);
  const c = n.input(2) === "" ? null : n.constant(2);
  const linearLike =
    transA === 0 &&
    alpha === 1 &&
    n.isWeight(1) &&
    (c === null ? n.input(2) === "" : n.isWeight(2) && c.ndim === 1 && beta === 1);
  if (!linearLike || (transB === 0 && n.shared(1)))
    return generic(
      n,
      ([a, b, cc]) => {
        let y = (transA ? a!.t() : a!).matmul(transB ? b!.t() : b!);
        if (alpha !== 1) y = y.mul(alpha);
        return cc == null ? y : y.add(beta === 1 ? cc : cc.mul(beta));
      },
      {
        roles: ["A", "B", "C"],
        attributes: `transA=${transA}, transB=${transB}, alpha=${alpha}, beta=${beta}`,
      },
    );
  const b = transB ? n.param(1) : new nn.Parameter(n.param(1).t().contiguous());
  const [out, inp] = b.shape;
  const m = new nn.Linear(inp, out, { bias: c !== null });
  m.weight = b;
  m.bias = c === null ? null : n.param(2);
  return layer(m);
};

const batchNorm = (n: NodeContext): Built => {
  if (n.opset < 9 && n.int("spatial", 1) !== 1)
    throw new NotImportable("spatial=0 (statistics per element, not per channel) is not supported");
  if (n.int("training_mode", 0) !== 0)
    throw new NotImportable(
      "training_mode=1 (a graph exported in training mode) is not supported; export in eval mode",
    );
  if (n.node.outputs.filter((o) => o !== "").length > 1)
    throw new NotImportable(
      "its running-statistics outputs are used; only inference batch norm is supported",
    );
  for (const k of [1, 2, 3, 4])
    if (n.constant(k) === null)
      throw new NotImportable(`input ${k} ("${n.input(k)}") must be an initializer`);
  const C = n.constant(1)!.numel;
  // ONNX momentum weights the old statistics, PyTorch's the new batch.
  const momentum = Number((1 - n.float("momentum", 0.9)).toPrecision(7));
  const m = new BatchNorm(C, { eps: n.float("epsilon", 1e-5), momentum });
  m.weight = n.param(1);
  m.bias = n.param(2);
  m.runningMean!.storage.set(n.constant(3)!.storage);
  m.runningVar!.storage.set(n.constant(4)!.storage);
  return layer(m);
};

const pool =
  (kind: "max" | "avg") =>
  (n: NodeContext): Built => {
    const kernel = n.ints("kernel_shape");
    if (kernel === undefined) throw new NotImportable("kernel_shape is missing");
    if (kernel.length > 2)
      throw new NotImportable(`${kernel.length}-D pooling is not supported (1-D and 2-D are)`);
    const { strides, dilations, pads, symmetric } = window(n, kernel);
    const ceilMode = n.int("ceil_mode", 0) === 1;
    const countIncludePad = n.int("count_include_pad", 0) === 1;
    // PyTorch's pools take at most half the kernel as padding.
    const torchPadding = symmetric?.every((p, i) => p <= Math.floor(kernel[i] / 2)) ? symmetric : null;
    if (kind === "max" && n.node.outputs.length > 1 && n.node.outputs[1] !== "") {
      // Indices: ONNX numbers a position in the whole tensor, PyTorch within the plane.
      if (torchPadding === null || n.int("storage_order", 0) !== 0)
        throw new NotImportable(
          "its Indices output is supported with symmetric pads and storage_order 0 only",
        );
      const options = {
        stride: strides,
        padding: torchPadding,
        dilation: dilations,
        ceilMode,
        returnIndices: true as const,
      };
      return generic(
        n,
        ([x]) => {
          const [values, indices] =
            kernel.length === 1 ? F.maxPool1d(x!, kernel, options) : F.maxPool2d(x!, kernel, options);
          const plane = x!.shape.slice(2).reduce((a, b) => a * b, 1);
          const per = indices.numel / (x!.shape[0] * x!.shape[1]);
          const flat = Float32Array.from(indices.storage, (v, i) => v + Math.floor(i / per) * plane);
          return [values, new Tensor(flat, indices.shape, "int64")];
        },
        { attributes: `kernel_shape=${kernel}, strides=${strides}, pads=${pads}` },
      );
    }
    const make = (padding: number[]) =>
      kind === "max"
        ? new (kernel.length === 1 ? nn.MaxPool1d : nn.MaxPool2d)(kernel, {
            stride: strides,
            padding,
            dilation: dilations,
            ceilMode,
          })
        : new (kernel.length === 1 ? nn.AvgPool1d : nn.AvgPool2d)(kernel, {
            stride: strides,
            padding,
            ceilMode,
            countIncludePad,
          });
    if (kind === "avg" && dilations.some((d) => d !== 1))
      throw new NotImportable("dilated average pooling is not supported");
    if (torchPadding !== null) return layer(make(torchPadding));
    if (kind === "avg" && !countIncludePad)
      throw new NotImportable("uneven or automatic padding with count_include_pad=0 is not supported");
    return layer(
      new PaddedPool(
        make(Array(kernel.length).fill(0)),
        pads,
        kernel,
        strides,
        dilations,
        kind === "max" ? Number.NEGATIVE_INFINITY : 0,
      ),
    );
  };

const softmax13 = (Layer: typeof nn.Softmax | typeof nn.LogSoftmax) => (n: NodeContext) =>
  layer(new Layer(n.int("axis", -1)));

const clip = (n: NodeContext): Built => {
  const bound = (k: number, attr: string, fallback: number) => {
    if (n.opset < 11) return n.float(attr, fallback);
    const v = n.constInts(k, attr);
    return v === null ? fallback : v[0];
  };
  const min = bound(1, "min", Number.NEGATIVE_INFINITY);
  const max = bound(2, "max", Number.POSITIVE_INFINITY);
  if (min === 0 && max === 6) return layer(new nn.ReLU6());
  if (Number.isFinite(min) && Number.isFinite(max) && min > -3.4e38 && max < 3.4e38)
    return layer(new nn.Hardtanh(min, max));
  if (min === 0 && !(max < 3.4e38)) return layer(new nn.ReLU());
  return generic(n, ([x]) => x!.clamp(min > -3.4e38 ? min : null, max < 3.4e38 ? max : null), {
    constants: [1, 2],
    attributes: `min=${min}, max=${max}`,
  });
};

const dropout = (n: NodeContext): Built => {
  if (n.node.outputs.length > 1 && n.node.outputs[1] !== "")
    throw new NotImportable("its mask output is not supported");
  const ratio = n.opset < 12 ? n.float("ratio", 0.5) : (n.constInts(1, "ratio") ?? [0.5])[0];
  return layer(new nn.Dropout(ratio));
};

const hardSigmoid = (n: NodeContext) => {
  const alpha = n.float("alpha", 0.2);
  const beta = n.float("beta", 0.5);
  // PyTorch's hardsigmoid, relu6(x + 3) / 6 (alpha 1/6 as float32).
  if (Math.abs(alpha - 1 / 6) < 1e-7 && beta === 0.5) return layer(new nn.Hardsigmoid());
  return generic(n, ([x]) => x!.mul(alpha).add(beta).clamp(0, 1), {
    attributes: `alpha=${alpha}, beta=${beta}`,
  });
};

/** MaxUnpool: values at ONNX's indices (positions in the whole output) into output_shape or the default size. */
const maxUnpool = (n: NodeContext): Built => {
  const kernel = n.ints("kernel_shape");
  if (kernel === undefined || kernel.length > 2)
    throw new NotImportable("kernel_shape must be given for 1-D or 2-D unpooling");
  const strides = n.ints("strides") ?? kernel.map(() => 1);
  const pads = n.ints("pads") ?? kernel.map(() => 0).concat(kernel.map(() => 0));
  const begin = pads.slice(0, kernel.length);
  if (begin.some((p, i) => p !== pads[kernel.length + i]))
    throw new NotImportable(`uneven pads ${JSON.stringify(pads)} are not supported`);
  return generic(
    n,
    ([x, indices, shape]) => {
      const size = shape ? Array.from(shape.storage).slice(2) : undefined;
      const spatial =
        size ?? x!.shape.slice(2).map((s, i) => (s - 1) * strides[i] - 2 * begin[i] + kernel[i]);
      const plane = spatial.reduce((a, b) => a * b, 1);
      const local = new Tensor(
        Float32Array.from(indices!.storage, (v) => v % plane),
        indices!.shape,
        "int64",
      );
      const options = { stride: strides, padding: begin, outputSize: spatial };
      return kernel.length === 1
        ? F.maxUnpool1d(x!, local, kernel, options)
        : F.maxUnpool2d(x!, local, kernel, options);
    },
    { attributes: `kernel_shape=${kernel}, strides=${strides}, pads=${pads}` },
  );
};

/** Selu: nn.SELU for PyTorch's constants (ONNX's defaults), else scale * elu(x, alpha). */
const selu = (n: NodeContext): Built => {
  const alpha = n.float("alpha", 1.6732631921768188);
  const gamma = n.float("gamma", 1.0507010221481323);
  if (Math.abs(alpha - 1.6732632423543772) < 1e-6 && Math.abs(gamma - 1.0507009873554805) < 1e-6)
    return layer(new nn.SELU());
  return generic(n, ([x]) => F.elu(x!, alpha).mul(gamma), { attributes: `alpha=${alpha}, gamma=${gamma}` });
};

/** ONNX op type -> { first opset of a definition: how to build it }. */
export const layerOps: Record<string, OpEntry> = {
  Conv: { 1: conv },
  ConvTranspose: { 1: convTranspose },
  Gemm: { 1: gemm },
  BatchNormalization: { 1: batchNorm },
  MaxPool: { 1: pool("max") },
  AveragePool: { 1: pool("avg") },
  MaxUnpool: { 9: maxUnpool },
  Relu: { 1: () => layer(new nn.ReLU()) },
  Sigmoid: { 1: () => layer(new nn.Sigmoid()) },
  Tanh: { 1: () => layer(new nn.Tanh()) },
  LeakyRelu: { 1: (n) => layer(new nn.LeakyReLU(n.float("alpha", 0.01))) },
  Elu: { 1: (n) => layer(new nn.ELU(n.float("alpha", 1))) },
  Celu: { 12: (n) => layer(new nn.CELU(n.float("alpha", 1))) },
  Selu: { 1: selu },
  Softplus: { 1: () => layer(new nn.Softplus()) },
  HardSigmoid: { 1: hardSigmoid },
  HardSwish: { 14: () => layer(new nn.Hardswish()) },
  Mish: { 18: () => layer(new nn.Mish()) },
  Gelu: {
    20: (n) =>
      layer(new nn.GELU({ approximate: n.string("approximate", "none") === "tanh" ? "tanh" : "none" })),
  },
  Softmax: { 13: softmax13(nn.Softmax) },
  LogSoftmax: { 13: softmax13(nn.LogSoftmax) },
  Clip: { 1: clip },
  Dropout: { 1: dropout },
  Identity: { 1: () => layer(new nn.Identity()) },
};

export { Tensor };
