// Pooling ops (torch.nn.functional): max, average, adaptive average/max pooling in 1-D and 2-D,
// and max-unpooling, on batched (N, C, ...) or unbatched (C, ...) input. The 1-D ops run the 2-D
// kernels on planes of height 1. Output sizes come from pool-shape.ts (PyTorch's arithmetic).

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp, withArgs } from "../autograd/record";
import type { PoolGeometry, PoolPlanes } from "../backends/geometry";
import {
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool2dForward,
  adaptiveMaxPool2dForward,
  avgPool2dBackward,
  avgPool2dForward,
  maxPool2dBackward,
  maxPool2dForward,
  maxUnpool2dBackward,
  maxUnpool2dForward,
} from "../backends/ref/pool";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { Tensor } from "../tensor/tensor";
import { poolOutputSize, unpoolOutputSize } from "./pool-shape";
import { checkTensor } from "./tensor-args";

/** A size per spatial dim: one number for all of them, or one entry per dim ([h, w] in 2-D). */
export type PoolSize = number | readonly number[];

export interface MaxPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: PoolSize | null;
  /** Implicit -inf padding on both sides; at most half the kernel size. Default 0. */
  padding?: PoolSize;
  /** Spacing between the window's taps. Default 1. */
  dilation?: PoolSize;
  /** Round the output size up (a last partial window), not down. Default false. */
  ceilMode?: boolean;
  /** Also return the argmax of each window (flat h * W + w within its plane, int64). */
  returnIndices?: boolean;
}
export type MaxPool1dOptions = MaxPool2dOptions;

export interface AvgPool2dOptions {
  /** Defaults to kernelSize. */
  stride?: PoolSize | null;
  /** Implicit zero padding on both sides; at most half the kernel size. Default 0. */
  padding?: PoolSize;
  ceilMode?: boolean;
  /** Count padded zeros in the divisor. Default true. */
  countIncludePad?: boolean;
  /** Divide every window's sum by this instead of its size. */
  divisorOverride?: number | null;
}
export type AvgPool1dOptions = Omit<AvgPool2dOptions, "divisorOverride">;

export interface MaxUnpool2dOptions {
  /** Defaults to kernelSize. */
  stride?: PoolSize | null;
  padding?: PoolSize;
  /** The size to restore (e.g. the pooled input's shape), when the default (L - 1) s - 2p + k is ambiguous. */
  outputSize?: readonly number[] | null;
}
export type MaxUnpool1dOptions = MaxUnpool2dOptions;

/** Output size of an adaptive pool: one number, or [h, w] where null keeps the input's size. */
export type AdaptiveSize = number | readonly (number | null)[];

// ---- shared validation ----------------------------------------------------------------------

/** The input viewed as planes: (N, C, H, W), with H = 1 for 1-D ops. */
interface Planes {
  op: string;
  /** Spatial dims of the op: 1 (L) or 2 (H, W). */
  dims: 1 | 2;
  N: number;
  C: number;
  H: number;
  W: number;
  /** Leading dims of the result: [N, C], or [C] for unbatched input. */
  lead: number[];
}

function planes(input: Tensor, op: string, dims: 1 | 2): Planes {
  checkTensor(input, op, "input");
  const names = dims === 2 ? ["(N, C, H, W)", "(C, H, W)"] : ["(N, C, L)", "(C, L)"];
  const r = input.ndim;
  check(
    r === dims + 2 || r === dims + 1,
    op,
    () =>
      `input must be rank ${dims + 2} ${names[0]} or rank ${dims + 1} ${names[1]}, got rank ${r} with shape ${fmtShape(input.shape)}` +
      (r === dims
        ? `; add the channel dim with x.unsqueeze(0)`
        : r > dims + 2
          ? `; reshape it to ${dims + 2} dims first`
          : ""),
  );
  check(
    input.dtype === "float32",
    op,
    () => `expects a float tensor, got ${input.dtype} (shape ${fmtShape(input.shape)}); call .float() first`,
  );
  const s = r === dims + 2 ? input.shape : [1, ...input.shape];
  check(
    s.slice(1).every((v) => v > 0),
    op,
    () =>
      `input has an empty dim (shape ${fmtShape(input.shape)}); the channel and spatial dims must be non-zero`,
  );
  const [N, C] = s;
  const [H, W] = dims === 2 ? [s[2], s[3]] : [1, s[2]];
  return { op, dims, N, C, H, W, lead: r === dims + 2 ? [N, C] : [C] };
}

function outShape(p: Planes, OH: number, OW: number): number[] {
  return p.dims === 2 ? [...p.lead, OH, OW] : [...p.lead, OW];
}

/** A user's argument as messages show it: `[1, 0]`, `[4, null]`, `3`. */
function fmtArg(v: unknown): string {
  return Array.isArray(v) ? `[${v.map(String).join(", ")}]` : String(v);
}

/** How messages show a per-dim pair: `[h, w]` for 2-D ops, the single value for 1-D ones. */
function show(p: Planes, v: readonly number[]): string {
  return p.dims === 2 ? `[${v[0]}, ${v[1]}]` : `${v[1]}`;
}

/**
 * A size argument as an [h, w] pair. 2-D ops take a number or [h, w] (or [k]); 1-D ops a number or
 * [k], which becomes [fill, k] (the height of a 1-D op's plane is 1).
 */
function sizes(p: Planes, v: PoolSize, name: string, fill: number, min: number): [number, number] {
  let pair: [number, number];
  if (typeof v === "number") pair = p.dims === 2 ? [v, v] : [fill, v];
  else {
    check(
      Array.isArray(v) && (v.length === 1 || v.length === p.dims),
      p.op,
      () => `${name} must be a number${p.dims === 2 ? " or [h, w]" : " or [k]"}, got ${fmtArg(v)}`,
    );
    pair = p.dims === 2 ? (v.length === 1 ? [v[0], v[0]] : [v[0], v[1]]) : [fill, v[0]];
  }
  const what = min === 0 ? "non-negative integers" : "positive integers";
  check(
    pair.every((x) => Number.isInteger(x) && x >= min),
    p.op,
    () =>
      `${name} must be ${what}, got ${fmtArg(v)}` +
      (name === "stride" && pair.includes(0) ? "; a stride of 0 would never move the window" : ""),
  );
  return pair;
}

/** A sliding window's [h, w] parameters after validation. */
interface Window {
  k: [number, number];
  s: [number, number];
  pad: [number, number];
  dil: [number, number];
  ceilMode: boolean;
}

function slidingWindow(
  p: Planes,
  kernelSize: PoolSize,
  o: { stride?: PoolSize | null; padding?: PoolSize; dilation?: PoolSize; ceilMode?: boolean },
): Window {
  const k = sizes(p, kernelSize, "kernelSize", 1, 1);
  const noStride = o.stride == null || (Array.isArray(o.stride) && o.stride.length === 0);
  const s = noStride ? k : sizes(p, o.stride as PoolSize, "stride", 1, 1);
  const pad = sizes(p, o.padding ?? 0, "padding", 0, 0);
  const dil = sizes(p, o.dilation ?? 1, "dilation", 1, 1);
  check(
    pad[0] <= Math.floor(k[0] / 2) && pad[1] <= Math.floor(k[1] / 2),
    p.op,
    () =>
      `padding ${show(p, pad)} is more than half of kernelSize ${show(p, k)}; pooling needs padding <= floor(kernelSize / 2), so use less padding or a larger kernel`,
  );
  return { k, s, pad, dil, ceilMode: o.ceilMode ?? false };
}

/** A window as its op's autograd node records it for exporters: one entry per spatial dim. */
function windowArgs(p: Planes, w: Window) {
  const perDim = (v: [number, number]) => (p.dims === 2 ? [...v] : [v[1]]);
  return {
    kernelSize: perDim(w.k),
    stride: perDim(w.s),
    padding: perDim(w.pad),
    dilation: perDim(w.dil),
    ceilMode: w.ceilMode,
  };
}

/** [OH, OW] of a sliding window over the planes, checked to be at least 1. */
function windowOutput(p: Planes, w: Window): [number, number] {
  const size = (d: number, L: number) =>
    poolOutputSize(L, w.k[d], {
      stride: w.s[d],
      padding: w.pad[d],
      dilation: w.dil[d],
      ceilMode: w.ceilMode,
    });
  const out: [number, number] = [size(0, p.H), size(1, p.W)];
  check(out[0] >= 1 && out[1] >= 1, p.op, () => {
    const span = [0, 1].map((d) => w.dil[d] * (w.k[d] - 1) + 1);
    const padded = [p.H + 2 * w.pad[0], p.W + 2 * w.pad[1]];
    const isDilated = w.dil.some((d) => d > 1);
    const dilated = isDilated ? ` (spanning ${show(p, span)} with dilation ${show(p, w.dil)})` : "";
    return (
      `kernelSize ${show(p, w.k)}${dilated} is larger than the padded input ${show(p, padded)} ` +
      `(input ${show(p, [p.H, p.W])}, padding ${show(p, w.pad)}), so the output size would be ${show(p, out)}; ` +
      `use a smaller kernelSize${isDilated ? " or dilation" : ""}, more padding, or a larger input`
    );
  });
  return out;
}

/** The kernels' sizes (../backends/geometry.ts) for planes pooled to OH x OW. */
function poolPlanes(p: Planes, OH: number, OW: number): PoolPlanes {
  return { N: p.N, C: p.C, H: p.H, W: p.W, OH, OW };
}

/** The kernels' sizes for a sliding window over the planes. */
function poolGeometry(p: Planes, w: Window, OH: number, OW: number): PoolGeometry {
  return {
    ...poolPlanes(p, OH, OW),
    KH: w.k[0],
    KW: w.k[1],
    strideH: w.s[0],
    strideW: w.s[1],
    padTop: w.pad[0],
    padLeft: w.pad[1],
    dilationH: w.dil[0],
    dilationW: w.dil[1],
  };
}

// ---- max pooling ------------------------------------------------------------------------------

function maxPool(
  op: string,
  dims: 1 | 2,
  input: Tensor,
  kernelSize: PoolSize,
  options: MaxPool2dOptions,
): Tensor | [Tensor, Tensor] {
  const p = planes(input, op, dims);
  const w = slidingWindow(p, kernelSize, options);
  const [OH, OW] = windowOutput(p, w);
  const g = poolGeometry(p, w, OH, OW);
  const out = emptyStorage(p.N * p.C * OH * OW); // (N, C, OH, OW)
  const idx = emptyStorage(p.N * p.C * OH * OW); // (N, C, OH, OW)
  maxPool2dForward(out, idx, input.storage, g);
  const shape = outShape(p, OH, OW);
  const indices = new Tensor(idx, shape, "int64"); // returned to the caller with returnIndices
  const output = fromOp(op, out, shape, [input], [indices], (dout, acc) => {
    const zeroed = !acc?.[0];
    const dinp = acc?.[0] ?? gradBuffer(input.numel); // (N, C, H, W), += onto it
    maxPool2dBackward(dinp, dout, idx, g, zeroed);
    return [dinp];
  });
  // The indices are the op's second output (recorded for exporters only when returned).
  withArgs(output, { ...windowArgs(p, w), indices: options.returnIndices ? indices : null });
  return options.returnIndices ? [output, indices] : output;
}

/**
 * 2-D max pooling over (N, C, H, W) or (C, H, W): each output is the largest input in its window.
 * Output size per dim: floor((L + 2 padding - dilation (kernelSize - 1) - 1) / stride) + 1 (ceil
 * with ceilMode). With `returnIndices: true` returns `[output, indices]`.
 */
export function maxPool2d(
  input: Tensor,
  kernelSize: PoolSize,
  options?: MaxPool2dOptions & { returnIndices?: false },
): Tensor;
export function maxPool2d(
  input: Tensor,
  kernelSize: PoolSize,
  options: MaxPool2dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool2d(
  input: Tensor,
  kernelSize: PoolSize,
  options?: MaxPool2dOptions,
): Tensor | [Tensor, Tensor];
export function maxPool2d(
  input: Tensor,
  kernelSize: PoolSize,
  options: MaxPool2dOptions = {},
): Tensor | [Tensor, Tensor] {
  return maxPool("maxPool2d", 2, input, kernelSize, options);
}

/** 1-D max pooling over (N, C, L) or (C, L); see maxPool2d. Indices are positions along L. */
export function maxPool1d(
  input: Tensor,
  kernelSize: PoolSize,
  options?: MaxPool1dOptions & { returnIndices?: false },
): Tensor;
export function maxPool1d(
  input: Tensor,
  kernelSize: PoolSize,
  options: MaxPool1dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool1d(
  input: Tensor,
  kernelSize: PoolSize,
  options?: MaxPool1dOptions,
): Tensor | [Tensor, Tensor];
export function maxPool1d(
  input: Tensor,
  kernelSize: PoolSize,
  options: MaxPool1dOptions = {},
): Tensor | [Tensor, Tensor] {
  return maxPool("maxPool1d", 1, input, kernelSize, options);
}

// ---- average pooling ----------------------------------------------------------------------------

function avgPool(
  op: string,
  dims: 1 | 2,
  input: Tensor,
  kernelSize: PoolSize,
  options: AvgPool2dOptions,
): Tensor {
  const p = planes(input, op, dims);
  const w = slidingWindow(p, kernelSize, { ...options, dilation: 1 });
  const divisor = options.divisorOverride ?? 0;
  check(
    options.divisorOverride == null || (Number.isInteger(divisor) && divisor !== 0),
    op,
    () =>
      `divisorOverride must be a non-zero integer, got ${options.divisorOverride}; omit it to divide by the window size`,
  );
  const countIncludePad = options.countIncludePad ?? true;
  const [OH, OW] = windowOutput(p, w);
  const g = poolGeometry(p, w, OH, OW);
  const out = emptyStorage(p.N * p.C * OH * OW); // (N, C, OH, OW)
  avgPool2dForward(out, input.storage, g, countIncludePad, divisor);
  const output = fromOp(op, out, outShape(p, OH, OW), [input], [], (dout) => {
    const dinp = new Float32Array(input.numel); // (N, C, H, W)
    avgPool2dBackward(dinp, dout, g, countIncludePad, divisor);
    return [dinp];
  });
  return withArgs(output, {
    ...windowArgs(p, w),
    countIncludePad,
    divisorOverride: options.divisorOverride ?? null,
  });
}

/**
 * 2-D average pooling over (N, C, H, W) or (C, H, W). Each window's sum is divided by its size
 * clipped to the padded input (countIncludePad, the default) or to the input itself, or by
 * divisorOverride. Output size as maxPool2d with dilation 1.
 */
export function avgPool2d(input: Tensor, kernelSize: PoolSize, options: AvgPool2dOptions = {}): Tensor {
  return avgPool("avgPool2d", 2, input, kernelSize, options);
}

/** 1-D average pooling over (N, C, L) or (C, L); see avgPool2d. */
export function avgPool1d(input: Tensor, kernelSize: PoolSize, options: AvgPool1dOptions = {}): Tensor {
  return avgPool("avgPool1d", 1, input, kernelSize, { ...options, divisorOverride: null });
}

// ---- adaptive pooling ---------------------------------------------------------------------------

/** [OH, OW] of an adaptive pool; null entries keep the input's size. */
function adaptiveOutput(p: Planes, outputSize: AdaptiveSize): [number, number] {
  const form = p.dims === 2 ? "a number or [h, w] (null keeps the input size)" : "a number";
  let pair: (number | null)[];
  if (typeof outputSize === "number") pair = p.dims === 2 ? [outputSize, outputSize] : [1, outputSize];
  else {
    check(
      Array.isArray(outputSize) &&
        (outputSize.length === p.dims || (p.dims === 2 && outputSize.length === 1)),
      p.op,
      () => `outputSize must be ${form}, got ${fmtArg(outputSize)}`,
    );
    pair = p.dims === 2 ? [outputSize[0], outputSize[outputSize.length - 1]] : [1, outputSize[0]];
  }
  const out: [number, number] = [pair[0] ?? p.H, pair[1] ?? p.W];
  check(
    out.every((v) => Number.isInteger(v) && v >= 1),
    p.op,
    () => `outputSize must be positive integers, got ${fmtArg(outputSize)}`,
  );
  return out;
}

function adaptiveAvgPool(op: string, dims: 1 | 2, input: Tensor, outputSize: AdaptiveSize): Tensor {
  const p = planes(input, op, dims);
  const [OH, OW] = adaptiveOutput(p, outputSize);
  const g = poolPlanes(p, OH, OW);
  const out = emptyStorage(p.N * p.C * OH * OW); // (N, C, OH, OW)
  adaptiveAvgPool2dForward(out, input.storage, g);
  return fromOp(op, out, outShape(p, OH, OW), [input], [], (dout) => {
    const dinp = new Float32Array(input.numel); // (N, C, H, W)
    adaptiveAvgPool2dBackward(dinp, dout, g);
    return [dinp];
  });
}

function adaptiveMaxPool(
  op: string,
  dims: 1 | 2,
  input: Tensor,
  outputSize: AdaptiveSize,
  returnIndices: boolean,
): Tensor | [Tensor, Tensor] {
  const p = planes(input, op, dims);
  const [OH, OW] = adaptiveOutput(p, outputSize);
  const g = poolPlanes(p, OH, OW);
  const out = emptyStorage(p.N * p.C * OH * OW); // (N, C, OH, OW)
  const idx = emptyStorage(p.N * p.C * OH * OW); // (N, C, OH, OW)
  adaptiveMaxPool2dForward(out, idx, input.storage, g);
  const shape = outShape(p, OH, OW);
  const indices = new Tensor(idx, shape, "int64"); // returned to the caller with returnIndices
  const output = fromOp(op, out, shape, [input], [indices], (dout, acc) => {
    const zeroed = !acc?.[0];
    const dinp = acc?.[0] ?? gradBuffer(input.numel); // (N, C, H, W), += onto it
    maxPool2dBackward(dinp, dout, idx, g, zeroed);
    return [dinp];
  });
  withArgs(output, { indices: returnIndices ? indices : null });
  return returnIndices ? [output, indices] : output;
}

/**
 * Adaptive 2-D average pooling to a fixed output size, whatever the input size: output (i, j)
 * averages rows floor(i H / OH) .. ceil((i + 1) H / OH) - 1 and the matching columns.
 * `adaptiveAvgPool2d(x, 1)` is global average pooling.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  return adaptiveAvgPool("adaptiveAvgPool2d", 2, input, outputSize);
}

/** Adaptive 1-D average pooling of (N, C, L) or (C, L) to length outputSize; see adaptiveAvgPool2d. */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly number[]): Tensor {
  return adaptiveAvgPool("adaptiveAvgPool1d", 1, input, outputSize);
}

/** Adaptive 2-D max pooling (windows as adaptiveAvgPool2d); `returnIndices` as maxPool2d. */
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: AdaptiveSize,
  options?: { returnIndices?: false },
): Tensor;
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: AdaptiveSize,
  options: { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: AdaptiveSize,
  options?: { returnIndices?: boolean },
): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: AdaptiveSize,
  options: { returnIndices?: boolean } = {},
): Tensor | [Tensor, Tensor] {
  return adaptiveMaxPool("adaptiveMaxPool2d", 2, input, outputSize, options.returnIndices ?? false);
}

/** Adaptive 1-D max pooling of (N, C, L) or (C, L); see adaptiveMaxPool2d. */
export function adaptiveMaxPool1d(
  input: Tensor,
  outputSize: number | readonly number[],
  options?: { returnIndices?: false },
): Tensor;
export function adaptiveMaxPool1d(
  input: Tensor,
  outputSize: number | readonly number[],
  options: { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool1d(
  input: Tensor,
  outputSize: number | readonly number[],
  options?: { returnIndices?: boolean },
): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool1d(
  input: Tensor,
  outputSize: number | readonly number[],
  options: { returnIndices?: boolean } = {},
): Tensor | [Tensor, Tensor] {
  return adaptiveMaxPool("adaptiveMaxPool1d", 1, input, outputSize, options.returnIndices ?? false);
}

// ---- max unpooling ------------------------------------------------------------------------------

function maxUnpool(
  op: string,
  dims: 1 | 2,
  input: Tensor,
  indices: Tensor,
  kernelSize: PoolSize,
  options: MaxUnpool2dOptions,
): Tensor {
  const p = planes(input, op, dims);
  const pool = dims === 2 ? "maxPool2d" : "maxPool1d";
  checkTensor(indices, op, "indices");
  check(
    indices.dtype === "int64",
    op,
    () => `indices must be int64, as ${pool}(x, k, {returnIndices: true}) returns them; got ${indices.dtype}`,
  );
  check(
    indices.ndim === input.ndim && indices.shape.every((v, i) => v === input.shape[i]),
    op,
    () =>
      `indices must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(indices.shape)}; pass the indices ${pool} returned with this input`,
  );
  const k = sizes(p, kernelSize, "kernelSize", 1, 1);
  const noStride = options.stride == null || (Array.isArray(options.stride) && options.stride.length === 0);
  const s = noStride ? k : sizes(p, options.stride as PoolSize, "stride", 1, 1);
  const pad = sizes(p, options.padding ?? 0, "padding", 0, 0);
  const def = [0, 1].map((d) => unpoolOutputSize(d === 0 ? p.H : p.W, k[d], s[d], pad[d]));
  let out = def;
  if (options.outputSize != null) {
    const given = options.outputSize;
    check(
      given.length === dims || given.length === dims + 2,
      op,
      () =>
        `outputSize must have ${dims} or ${dims + 2} entries (the spatial size, or the full shape), got ${fmtArg(given)}`,
    );
    const spatial = given.slice(given.length - dims);
    out = dims === 2 ? [spatial[0], spatial[1]] : [1, spatial[0]];
    for (let d = 2 - dims; d < 2; d++)
      check(
        Number.isInteger(out[d]) && out[d] > def[d] - s[d] && out[d] < def[d] + s[d],
        op,
        () =>
          `outputSize ${fmtArg(given)} is not reachable: dim ${d - 2 + dims} must be between ${def[d] - s[d] + 1} and ${def[d] + s[d] - 1} for input ${fmtShape(input.shape)} with kernelSize ${show(p, k)}, stride ${show(p, s)}, padding ${show(p, pad)}`,
      );
  }
  const [OH, OW] = out;
  check(
    OH >= 1 && OW >= 1,
    op,
    () =>
      `output size would be ${show(p, out)} ((L - 1) * stride - 2 * padding + kernelSize); use less padding`,
  );
  const g = poolPlanes(p, OH, OW); // H, W: the pooled input; OH, OW: the restored size
  const idx = indices.storage; // (N, C, H, W)
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i];
    check(
      v >= 0 && v < OH * OW,
      op,
      () =>
        `index ${v} at flat position ${i} of indices is outside the output plane of ${show(p, out)} (${OH * OW} positions); were the indices made by a pool with this kernelSize, stride and padding?`,
    );
  }
  const res = new Float32Array(p.N * p.C * OH * OW); // (N, C, OH, OW)
  maxUnpool2dForward(res, input.storage, idx, g);
  const saved = idx.slice(); // indices as they were at the call
  const output = fromOp(op, res, outShape(p, OH, OW), [input], [], (dout) => {
    const dinp = new Float32Array(input.numel); // (N, C, H, W)
    maxUnpool2dBackward(dinp, dout, saved, g);
    return [dinp];
  });
  const perDim = (v: [number, number]) => (dims === 2 ? [...v] : [v[1]]);
  return withArgs(output, { kernelSize: perDim(k), stride: perDim(s), padding: perDim(pad), indices });
}

/**
 * The partial inverse of maxPool2d: puts each input value at its index (as returned by
 * maxPool2d with returnIndices) in a zero output plane of size (H - 1) stride - 2 padding +
 * kernelSize, or outputSize.
 */
export function maxUnpool2d(
  input: Tensor,
  indices: Tensor,
  kernelSize: PoolSize,
  options: MaxUnpool2dOptions = {},
): Tensor {
  return maxUnpool("maxUnpool2d", 2, input, indices, kernelSize, options);
}

/** The partial inverse of maxPool1d over (N, C, L) or (C, L); see maxUnpool2d. */
export function maxUnpool1d(
  input: Tensor,
  indices: Tensor,
  kernelSize: PoolSize,
  options: MaxUnpool1dOptions = {},
): Tensor {
  return maxUnpool("maxUnpool1d", 1, input, indices, kernelSize, options);
}
