// Each nn layer as PyTorch constructs it: a table from layer class to the `torch.nn` expression
// with the same arguments (so the same state-dict keys and the same forward).

import type { Module } from "../../nn/index";
import * as nn from "../../nn/index";
import { kwargs, py } from "./python";

type Ctor = (m: any) => string;

const call = (name: string, positional: unknown[], named: [string, unknown, unknown][] = []) =>
  `nn.${name}(${[...positional.map(py), ...kwargs(named)].join(", ")})`;

const conv =
  (name: string): Ctor =>
  (m: nn.Conv2d) =>
    call(
      name,
      [m.inChannels, m.outChannels, m.kernelSize],
      [
        ["stride", m.stride, m.kernelSize.map(() => 1)],
        ["padding", m.padding, m.kernelSize.map(() => 0)],
        ["dilation", m.dilation, m.kernelSize.map(() => 1)],
        ["groups", m.groups, 1],
        ["bias", m.bias !== null, true],
        ["padding_mode", m.paddingMode, "zeros"],
      ],
    );

const batchNorm =
  (name: string): Ctor =>
  (m: nn.BatchNorm2d) =>
    call(
      name,
      [m.numFeatures],
      [
        ["eps", m.eps, 1e-5],
        ["momentum", m.momentum, 0.1],
        ["affine", m.affine, true],
        ["track_running_stats", m.trackRunningStats, true],
      ],
    );

const maxPool =
  (name: string): Ctor =>
  (m: nn.MaxPool2d) =>
    call(
      name,
      [m.kernelSize],
      [
        ["stride", m.stride, m.kernelSize],
        ["padding", m.padding, 0],
        ["dilation", m.dilation, 1],
        ["return_indices", m.returnIndices, false],
        ["ceil_mode", m.ceilMode, false],
      ],
    );

const avgPool =
  (name: string): Ctor =>
  (m: nn.AvgPool2d) =>
    call(
      name,
      [m.kernelSize],
      [
        ["stride", m.stride, m.kernelSize],
        ["padding", m.padding, 0],
        ["ceil_mode", m.ceilMode, false],
        ["count_include_pad", m.countIncludePad, true],
        ["divisor_override", (m as { divisorOverride?: number | null }).divisorOverride ?? null, null],
      ],
    );

/** Layer class -> its torch.nn constructor expression. */
// biome-ignore lint/complexity/noBannedTypes: keys are layer classes (constructors)
export const torchLayers = new Map<Function, Ctor>([
  [nn.Conv1d, conv("Conv1d")],
  [nn.Conv2d, conv("Conv2d")],
  [
    nn.ConvTranspose2d,
    (m: nn.ConvTranspose2d) =>
      call(
        "ConvTranspose2d",
        [m.inChannels, m.outChannels, m.kernelSize],
        [
          ["stride", m.stride, [1, 1]],
          ["padding", m.padding, [0, 0]],
          ["output_padding", m.outputPadding, [0, 0]],
          ["groups", m.groups, 1],
          ["bias", m.bias !== null, true],
          ["dilation", m.dilation, [1, 1]],
        ],
      ),
  ],
  [
    nn.Linear,
    (m: nn.Linear) => call("Linear", [m.inFeatures, m.outFeatures], [["bias", m.bias !== null, true]]),
  ],
  [nn.BatchNorm1d, batchNorm("BatchNorm1d")],
  [nn.BatchNorm2d, batchNorm("BatchNorm2d")],
  [nn.MaxPool1d, maxPool("MaxPool1d")],
  [nn.MaxPool2d, maxPool("MaxPool2d")],
  [nn.AvgPool1d, avgPool("AvgPool1d")],
  [nn.AvgPool2d, avgPool("AvgPool2d")],
  [nn.AdaptiveAvgPool1d, (m: nn.AdaptiveAvgPool1d) => call("AdaptiveAvgPool1d", [m.outputSize])],
  [nn.AdaptiveAvgPool2d, (m: nn.AdaptiveAvgPool2d) => call("AdaptiveAvgPool2d", [m.outputSize])],
  [
    nn.AdaptiveMaxPool2d,
    (m: nn.AdaptiveMaxPool2d) =>
      call("AdaptiveMaxPool2d", [m.outputSize], [["return_indices", m.returnIndices, false]]),
  ],
  [
    nn.MaxUnpool2d,
    (m: nn.MaxUnpool2d) =>
      call(
        "MaxUnpool2d",
        [m.kernelSize],
        [
          ["stride", m.stride, m.kernelSize],
          ["padding", m.padding, 0],
        ],
      ),
  ],
  [nn.ReLU, () => "nn.ReLU()"],
  [nn.ReLU6, () => "nn.ReLU6()"],
  [nn.Sigmoid, () => "nn.Sigmoid()"],
  [nn.Tanh, () => "nn.Tanh()"],
  [nn.LeakyReLU, (m: nn.LeakyReLU) => call("LeakyReLU", [], [["negative_slope", m.negativeSlope, 0.01]])],
  [nn.ELU, (m: nn.ELU) => call("ELU", [], [["alpha", m.alpha, 1]])],
  [
    nn.Hardtanh,
    (m: nn.Hardtanh) =>
      call(
        "Hardtanh",
        [],
        [
          ["min_val", m.minVal, -1],
          ["max_val", m.maxVal, 1],
        ],
      ),
  ],
  [nn.Softmax, (m: nn.Softmax) => call("Softmax", [], [["dim", m.dim, null]])],
  [nn.LogSoftmax, (m: nn.LogSoftmax) => call("LogSoftmax", [], [["dim", m.dim, null]])],
  [
    nn.Flatten,
    (m: nn.Flatten) =>
      call(
        "Flatten",
        [],
        [
          ["start_dim", m.startDim, 1],
          ["end_dim", m.endDim, -1],
        ],
      ),
  ],
  [nn.Unflatten, (m: nn.Unflatten) => call("Unflatten", [m.dim, m.unflattenedSize])],
  [nn.Identity, () => "nn.Identity()"],
  [nn.Dropout, (m: nn.Dropout) => call("Dropout", [], [["p", m.p, 0.5]])],
  [nn.Dropout2d, (m: nn.Dropout2d) => call("Dropout2d", [], [["p", m.p, 0.5]])],
]);

/** The constructor expression for `m` when it is a table layer whose forward is the layer's own. */
export function torchLayer(m: Module): string | undefined {
  for (let proto = Object.getPrototypeOf(m); proto !== null; proto = Object.getPrototypeOf(proto)) {
    const ctor = torchLayers.get(proto.constructor);
    if (ctor !== undefined) return Object.getPrototypeOf(m).forward === proto.forward ? ctor(m) : undefined;
  }
  return undefined;
}
