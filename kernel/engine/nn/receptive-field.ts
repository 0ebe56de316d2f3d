// Receptive-field arithmetic for model summaries, per spatial dim, after "A guide to receptive
// field arithmetic for Convolutional Neural Networks" (Dang Ha The Hien, 2017,
// https://medium.com/mlreview/a-guide-to-receptive-field-arithmetic-for-convolutional-neural-networks-e0f514068807):
//   r_out = r_in + (k_eff - 1) * j_in,  j_out = j_in * s,  start_out = start_in + ((k_eff - 1) / 2 - p) * j_in
// with k_eff = d (k - 1) + 1. `size` is how many input pixels one output unit sees, `jump` the
// distance in input pixels between neighbouring units, `start` the centre of the first unit's field
// (the input's own pixels have size 1, jump 1, start 0.5: pixel i spans [i, i + 1)).
//
// NOTE: where a network branches (ResNet's shortcut, MobileNetV2's skip) and the branches meet in
// an elementwise op, the merged field is the largest of the branches' fields, i.e. the field of the
// deepest path (the branches of torchvision's models share jump and start, so this is their union).
// Once the spatial dims are gone (Flatten, Linear, global pooling to 1x1 followed by a flatten) every
// unit sees the whole input: "global". Transposed convs and unpooling have no field here (null).

import { Conv1d, Conv2d, Conv3d, ConvTranspose2d } from "./conv";
import type { Module } from "./module";
import {
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AvgPool2d,
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  MaxUnpool2d,
} from "./pooling";

export interface ReceptiveField {
  /** Input pixels seen by one output unit, per spatial dim. */
  size: number[];
  /** Input pixels between neighbouring output units, per spatial dim. */
  jump: number[];
  /** Centre of the first output unit's field, in input pixel coordinates, per spatial dim. */
  start: number[];
}

/** A tensor's field: per-dim arithmetic, "global" when each unit sees the whole input, null when undefined. */
export type Field = ReceptiveField | "global" | null;

/** One sliding window per spatial dim. */
export interface Window {
  kernelSize: number[];
  stride: number[];
  padding: number[];
  dilation: number[];
}

/** The field of the input itself (each unit is one pixel), for `dims` spatial dims. */
export function inputField(dims: number): ReceptiveField {
  return { size: Array(dims).fill(1), jump: Array(dims).fill(1), start: Array(dims).fill(0.5) };
}

/** The field after a sliding window (conv or pool), by the guide's recurrence. */
export function applyWindow(rf: ReceptiveField, w: Window): ReceptiveField {
  const keff = w.kernelSize.map((k, i) => w.dilation[i] * (k - 1) + 1);
  return {
    size: rf.size.map((r, i) => r + (keff[i] - 1) * rf.jump[i]),
    jump: rf.jump.map((j, i) => j * w.stride[i]),
    start: rf.start.map((s, i) => s + ((keff[i] - 1) / 2 - w.padding[i]) * rf.jump[i]),
  };
}

/** The field after a stack of windows applied to the raw input: e.g. how far n 3x3 convs see. */
export function stackField(
  windows: readonly Window[],
  dims = windows[0]?.kernelSize.length ?? 2,
): ReceptiveField {
  return windows.reduce(applyWindow, inputField(dims));
}

const spatial = (shape: readonly number[]) => shape.slice(2);
const perDim = (v: number | readonly number[], n: number): number[] =>
  typeof v === "number" ? Array(n).fill(v) : [...v];

/** The window of a conv or pool layer, or null for a layer that is not a sliding window. */
function windowOf(m: Module, inShape: readonly number[], outShape: readonly number[]): Window | null {
  const n = spatial(inShape).length;
  if (m instanceof Conv1d || m instanceof Conv2d || m instanceof Conv3d) {
    const padding =
      m.padding === "valid"
        ? Array(n).fill(0)
        : m.padding === "same"
          ? m.kernelSize.map((k, i) => Math.floor((m.dilation[i] * (k - 1)) / 2))
          : m.padding;
    return { kernelSize: m.kernelSize, stride: m.stride, padding, dilation: m.dilation };
  }
  if (m instanceof MaxPool1d || m instanceof MaxPool2d || m instanceof MaxPool3d)
    return {
      kernelSize: perDim(m.kernelSize, n),
      stride: perDim(m.stride, n),
      padding: perDim(m.padding, n),
      dilation: perDim(m.dilation, n),
    };
  if (m instanceof AvgPool2d)
    return {
      kernelSize: perDim(m.kernelSize, n),
      stride: perDim(m.stride, n),
      padding: perDim(m.padding, n),
      dilation: Array(n).fill(1),
    };
  if (m instanceof AdaptiveAvgPool2d || m instanceof AdaptiveAvgPool3d)
    return adaptiveWindow(spatial(inShape), spatial(outShape));
  return null;
}

/**
 * Adaptive pooling as a window: exact when each input size is a multiple of the output size
 * (kernelSize = stride = L / O, e.g. global pooling). Otherwise the windows differ in size and the
 * largest one (and the mean stride L / O) is used.
 */
export function adaptiveWindow(inSize: readonly number[], outSize: readonly number[]): Window {
  const kernelSize = inSize.map((L, i) => {
    const O = outSize[i];
    let k = 0;
    for (let o = 0; o < O; o++) k = Math.max(k, Math.ceil(((o + 1) * L) / O) - Math.floor((o * L) / O));
    return k;
  });
  return {
    kernelSize,
    stride: inSize.map((L, i) => L / outSize[i]),
    padding: inSize.map(() => 0),
    dilation: inSize.map(() => 1),
  };
}

/**
 * The field of a module's output given its input's field: windows apply the recurrence; layers
 * that keep the spatial shape (activations, batch norm, dropout, padding-free 1x1 maps) keep it;
 * losing the spatial dims makes it global.
 */
export function layerField(
  m: Module,
  input: Field,
  inShape: readonly number[],
  outShape: readonly number[],
): Field {
  if (input === null) return null;
  if (m instanceof ConvTranspose2d || m instanceof MaxUnpool2d) return null;
  return mergeField(input === "global" ? "global" : input, inShape, outShape, windowOf(m, inShape, outShape));
}

function mergeField(
  input: Field,
  inShape: readonly number[],
  outShape: readonly number[],
  w: Window | null,
): Field {
  if (input === null) return null;
  const outDims = spatial(outShape);
  if (outDims.length === 0) return "global";
  if (input === "global") return "global";
  if (outDims.length !== input.size.length) return null;
  if (w !== null) return applyWindow(input, w);
  const inDims = spatial(inShape);
  if (inDims.length === outDims.length && inDims.every((d, i) => d === outDims[i])) return input;
  // Anything else that maps a map to 1x1 (functional global pooling) sees all of its input.
  if (outDims.every((d) => d === 1)) return applyWindow(input, adaptiveWindow(inDims, outDims));
  return null;
}

/**
 * The field of a tensor made by ops outside any module (`out.add(identity)`, a functional pool,
 * `flatten`): merges its inputs' fields. Branches meeting keep the largest field (see NOTE above).
 */
export function opField(
  inputs: readonly { field: Field; shape: readonly number[] }[],
  outShape: readonly number[],
): Field {
  const known = inputs.filter((x) => x.field !== null);
  if (known.length === 0) return null;
  if (known.some((x) => x.field === "global")) return "global";
  let best = known[0];
  for (const x of known) {
    const a = x.field as ReceptiveField;
    const b = best.field as ReceptiveField;
    if (a.size.reduce((p, q) => p * q, 1) > b.size.reduce((p, q) => p * q, 1)) best = x;
  }
  return mergeField(best.field, best.shape, outShape, null);
}
