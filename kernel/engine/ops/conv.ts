// Convolutions: F.conv1d, F.conv2d, F.conv3d and F.convTranspose2d with PyTorch's arguments,
// defaults and output sizes. All validate here (errors in the caller's terms: their op, their
// shapes) and run on the 2-D kernels of backends/ref/conv.ts (conv1d is conv2d with H = 1) or the
// 3-D ones of backends/ref/conv3d.ts; an unbatched input is a batch of one, the same memory
// layout, so no copies are made.

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp, needsGrad, withArgs } from "../autograd/record";
import type { ConvGeometry, ConvGeometry3d } from "../backends/geometry";
import {
  conv2dBackward,
  conv2dForward,
  convTranspose2dBackward,
  convTranspose2dForward,
} from "../backends/ref/conv";
import { conv3dBackward, conv3dForward } from "../backends/ref/conv3d";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { Tensor } from "../tensor/tensor";
import { convOutputSize, convTransposeOutputSize, expandSize, samePadding } from "./conv-shape";
import { checkTensor } from "./tensor-args";

/** An int-or-tuple size: `3` or `[3, 1]` (height, width). */
export type Size2d = number | readonly number[];

export interface Conv2dOptions {
  stride?: Size2d;
  /** Implicit zero padding on both sides of each dim, or 'valid' (none) or 'same' (stride 1 only). */
  padding?: Size2d | "same" | "valid";
  dilation?: Size2d;
  groups?: number;
}

export interface Conv3dOptions {
  stride?: number | readonly number[];
  /** Implicit zero padding on both sides of each dim ([d, h, w]), or 'valid' or 'same' (stride 1 only). */
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
}

export interface Conv1dOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
}

export interface ConvTranspose2dOptions {
  stride?: Size2d;
  /** Rows/columns removed from each side of the full output (dilation * (kernelSize - 1) - padding zeros added to the input). */
  padding?: Size2d;
  /** Extra rows/columns at the bottom/right, to pick among the input sizes a strided conv maps to one size. */
  outputPadding?: Size2d;
  groups?: number;
  dilation?: Size2d;
}

/**
 * 2-D convolution (cross-correlation) over an input (N, C, H, W) or (C, H, W) with weight
 * (OC, C/groups, KH, KW) and optional bias (OC). Output (N, OC, OH, OW) with
 * OH = floor((H + 2 * padding - dilation * (KH - 1) - 1) / stride) + 1, likewise OW.
 * The options may also come third, in place of the bias: `F.conv2d(x, w, {padding: 1})`.
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null | Conv2dOptions,
  options: Conv2dOptions = {},
): Tensor {
  [bias, options] = splitBias("conv2d", bias, options);
  return convNd("conv2d", 2, false, input, weight, bias, options);
}

/**
 * 1-D convolution over an input (N, C, L) or (C, L) with weight (OC, C/groups, K) and optional
 * bias (OC). Output (N, OC, OL), OL = floor((L + 2 * padding - dilation * (K - 1) - 1) / stride) + 1.
 */
export function conv1d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null | Conv1dOptions,
  options: Conv1dOptions = {},
): Tensor {
  [bias, options] = splitBias("conv1d", bias, options);
  return convNd("conv1d", 1, false, input, weight, bias, options);
}

/**
 * 3-D convolution over an input (N, C, D, H, W) or (C, D, H, W) (video: D frames; volumes) with
 * weight (OC, C/groups, KD, KH, KW) and optional bias (OC). Output (N, OC, OD, OH, OW) with
 * OD = floor((D + 2 * padding - dilation * (KD - 1) - 1) / stride) + 1, likewise OH and OW.
 */
export function conv3d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null | Conv3dOptions,
  options: Conv3dOptions = {},
): Tensor {
  [bias, options] = splitBias("conv3d", bias, options);
  return convNd("conv3d", 3, false, input, weight, bias, options);
}

/**
 * 2-D transposed convolution ("deconvolution", the gradient of conv2d with respect to its input)
 * over (N, C, H, W) or (C, H, W) with weight (C, OC/groups, KH, KW) and optional bias (OC).
 * Output (N, OC, OH, OW), OH = (H - 1) * stride - 2 * padding + dilation * (KH - 1) + outputPadding + 1.
 */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias?: Tensor | null | ConvTranspose2dOptions,
  options: ConvTranspose2dOptions = {},
): Tensor {
  [bias, options] = splitBias("convTranspose2d", bias, options);
  return convNd("convTranspose2d", 2, true, input, weight, bias, options);
}

// ---- shared validation and dispatch ------------------------------------------------------------

/** Spatial dims of a convolution, and their letters. */
type Dims = 1 | 2 | 3;
const SPATIAL = { 1: "L", 2: "H, W", 3: "D, H, W" } as const;

interface AnyConvOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
  outputPadding?: number | readonly number[];
}

function splitBias<O extends object>(
  op: string,
  bias: Tensor | null | undefined | O,
  options: O,
): [Tensor | null, O] {
  if (bias == null || bias instanceof Tensor) return [bias ?? null, options];
  // An options object in the bias's place; anything else meant to be the bias is reported as one.
  if (Array.isArray(bias) || ArrayBuffer.isView(bias) || typeof bias !== "object")
    checkTensor(bias, op, "bias");
  return [null, { ...bias, ...options }];
}

/** "3x3" for 2-D sizes, "3" for 1-D, "2x3x3" for 3-D. */
function fmtSize(v: readonly number[]): string {
  return v.join("x");
}

/** "[2, 1]" for 2-D and 3-D options, "2" for 1-D. */
function fmtOpt(v: readonly number[]): string {
  return v.length === 1 ? String(v[0]) : fmtShape(v);
}

function convNd(
  op: string,
  dims: Dims,
  transposed: boolean,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  options: AnyConvOptions,
): Tensor {
  checkTensor(input, op, "input");
  checkTensor(weight, op, "weight");
  const spatial = SPATIAL[dims];
  const sizeDims = ["K", "KH, KW", "KD, KH, KW"][dims - 1]; // the weight's spatial dims, as shapes name them

  // Ranks.
  const batched = input.ndim === dims + 2;
  check(
    batched || input.ndim === dims + 1,
    op,
    () =>
      `expects a ${dims + 1}-D (C, ${spatial}) or ${dims + 2}-D (N, C, ${spatial}) input, got rank ${input.ndim} with shape ${fmtShape(input.shape)}` +
      rankHint(input, dims),
  );
  const wLayout = transposed ? `(C, OC/groups, ${sizeDims})` : `(OC, C/groups, ${sizeDims})`;
  check(
    weight.ndim === dims + 2,
    op,
    () =>
      `weight must be ${dims + 2}-D ${wLayout}, got rank ${weight.ndim} with shape ${fmtShape(weight.shape)}`,
  );
  check(
    input.dtype === "float32" && weight.dtype === "float32",
    op,
    () => `expects float32 input and weight, got ${input.dtype} and ${weight.dtype}; convert with .float()`,
  );

  // Channels and groups.
  const { groups = 1 } = options;
  check(
    Number.isInteger(groups) && groups >= 1,
    op,
    () => `groups must be a positive integer, got ${groups}`,
  );
  const N = batched ? input.shape[0] : 1;
  const C = input.shape[batched ? 1 : 0];
  const spatialIn = input.shape.slice(-dims);
  const kernelSize = weight.shape.slice(2); // the weight's spatial size (PyTorch's kernel_size)
  let OC: number;
  if (transposed) {
    check(
      weight.shape[0] === C,
      op,
      () =>
        `weight expects ${weight.shape[0]} input channels (weight shape ${fmtShape(weight.shape)}, laid out ${wLayout}), but input has ${C} (shape ${fmtShape(input.shape)})` +
        channelHint(input, weight.shape[0], dims),
    );
    check(C % groups === 0, op, () => `groups = ${groups} must divide the input channels (${C})`);
    OC = weight.shape[1] * groups;
  } else {
    OC = weight.shape[0];
    check(
      C % groups === 0 && OC % groups === 0,
      op,
      () =>
        `groups = ${groups} must divide both the input channels (${C}) and the output channels (${OC}, weight shape ${fmtShape(weight.shape)})`,
    );
    const CG = weight.shape[1];
    check(
      CG * groups === C,
      op,
      () =>
        (groups === 1
          ? `weight expects ${CG} input channels (weight shape ${fmtShape(weight.shape)}), but input has ${C} (shape ${fmtShape(input.shape)})`
          : `weight expects ${CG} input channels per group x ${groups} groups = ${CG * groups} (weight shape ${fmtShape(weight.shape)}), but input has ${C} (shape ${fmtShape(input.shape)})`) +
        channelHint(input, CG * groups, dims),
    );
  }
  check(
    bias === null || (bias.ndim === 1 && bias.shape[0] === OC),
    op,
    () => `bias must have shape [${OC}] (one value per output channel), got ${fmtShape(bias!.shape)}`,
  );

  // Stride, dilation, padding.
  const stride = expandSize(options.stride ?? 1, dims, op, "stride", 1);
  const dilation = expandSize(options.dilation ?? 1, dims, op, "dilation", 1);
  const padding = options.padding ?? 0;
  let before: number[];
  let after: number[];
  if (typeof padding === "string") {
    check(!transposed && (padding === "same" || padding === "valid"), op, () =>
      transposed
        ? `padding must be a number or ${dims} numbers (transposed convolutions take no 'same' or 'valid'), got '${padding}'`
        : `padding must be a number, ${["[l]", "[h, w]", "[d, h, w]"][dims - 1]}, 'same' or 'valid', got '${padding}'` +
          ((padding as string) === "full"
            ? "; for a 'full' convolution pass padding = dilation * (kernel size - 1)"
            : ""),
    );
    if (padding === "valid") {
      before = new Array<number>(dims).fill(0);
      after = before;
    } else {
      check(
        stride.every((s) => s === 1),
        op,
        () =>
          `padding='same' is not supported for strided convolutions (stride ${fmtOpt(stride)}); use stride 1, or pass an explicit padding (e.g. padding=${Math.floor((kernelSize[dims - 1] - 1) / 2)})`,
      );
      const pairs = kernelSize.map((k, d) => samePadding(k, dilation[d]));
      before = pairs.map((p) => p[0]);
      after = pairs.map((p) => p[1]);
    }
  } else {
    before = expandSize(padding, dims, op, "padding", 0);
    after = before;
  }

  // Output size.
  let spatialOut: number[];
  if (transposed) {
    const outputPadding = expandSize(options.outputPadding ?? 0, dims, op, "outputPadding", 0);
    check(
      outputPadding.every((p, d) => p < stride[d] || p < dilation[d]),
      op,
      () =>
        `outputPadding must be smaller than either stride or dilation, got outputPadding ${fmtOpt(outputPadding)} with stride ${fmtOpt(stride)} and dilation ${fmtOpt(dilation)}`,
    );
    spatialOut = spatialIn.map((n, d) =>
      convTransposeOutputSize(n, kernelSize[d], {
        stride: stride[d],
        padding: before[d],
        dilation: dilation[d],
        outputPadding: outputPadding[d],
      }),
    );
    check(
      spatialOut.every((s) => s > 0),
      op,
      () =>
        `the output would be empty (${fmtSize(spatialOut)}) for input size ${fmtSize(spatialIn)}, kernel size ${fmtSize(kernelSize)}, stride ${fmtOpt(stride)}, padding ${fmtOpt(before)}, dilation ${fmtOpt(dilation)}; use less padding`,
    );
  } else {
    const span = kernelSize.map((k, d) => dilation[d] * (k - 1) + 1);
    const padded = spatialIn.map((n, d) => n + before[d] + after[d]);
    check(
      span.every((s, d) => s <= padded[d]),
      op,
      () =>
        `the kernel size (${fmtSize(kernelSize)}${dilation.some((d) => d > 1) ? `, dilation ${fmtOpt(dilation)}, spanning ${fmtSize(span)}` : ""}) is larger than the padded input (${fmtSize(padded)}: input ${fmtSize(spatialIn)} of shape ${fmtShape(input.shape)} plus padding); use a smaller kernel size${dilation.some((d) => d > 1) ? " or dilation" : ""}, more padding, or a larger input`,
    );
    // With 'same' (stride 1) the sum before + after is what counts; convOutputSize takes one side.
    spatialOut = spatialIn.map((n, d) =>
      convOutputSize(n + before[d] + after[d], kernelSize[d], { stride: stride[d], dilation: dilation[d] }),
    );
  }

  const outShape = batched ? [N, OC, ...spatialOut] : [OC, ...spatialOut];
  if (dims === 3) {
    const g3: ConvGeometry3d = {
      N,
      C,
      D: spatialIn[0],
      H: spatialIn[1],
      W: spatialIn[2],
      OC,
      KD: kernelSize[0],
      KH: kernelSize[1],
      KW: kernelSize[2],
      OD: spatialOut[0],
      OH: spatialOut[1],
      OW: spatialOut[2],
      strideD: stride[0],
      strideH: stride[1],
      strideW: stride[2],
      padFront: before[0],
      padTop: before[1],
      padLeft: before[2],
      dilationD: dilation[0],
      dilationH: dilation[1],
      dilationW: dilation[2],
      groups,
    };
    const out3d = runConv3d(op, input, weight, bias, g3, outShape);
    return withArgs(out3d, { stride, dilation, groups, padBegin: before, padEnd: after });
  }
  // The kernels' sizes (../backends/geometry.ts); conv1d's spatial dims are H = 1, W = L.
  const g: ConvGeometry = {
    N,
    C,
    H: dims === 2 ? spatialIn[0] : 1,
    W: spatialIn[dims - 1],
    OC,
    KH: dims === 2 ? kernelSize[0] : 1,
    KW: kernelSize[dims - 1],
    OH: dims === 2 ? spatialOut[0] : 1,
    OW: spatialOut[dims - 1],
    strideH: dims === 2 ? stride[0] : 1,
    strideW: stride[dims - 1],
    padTop: dims === 2 ? before[0] : 0,
    padLeft: before[dims - 1],
    dilationH: dims === 2 ? dilation[0] : 1,
    dilationW: dilation[dims - 1],
    groups,
  };
  const out = runConv(op, transposed, input, weight, bias, g, outShape);
  return withArgs(out, { stride, dilation, groups, padBegin: before, padEnd: after });
}

function runConv(
  op: string,
  transposed: boolean,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
  outShape: number[],
): Tensor {
  const forward = transposed ? convTranspose2dForward : conv2dForward;
  const backward = transposed ? convTranspose2dBackward : conv2dBackward;
  const out = emptyStorage(g.N * g.OC * g.OH * g.OW); // (N, OC, OH, OW)
  forward(out, input.storage, weight.storage, bias?.storage ?? null, g);
  return fromOp(op, out, outShape, [input, weight, bias], [input, weight], (dout, acc) => {
    const dinp = needsGrad(input) ? (acc?.[0] ?? gradBuffer(input.numel)) : null; // (N, C, H, W), += onto it
    const dweight = needsGrad(weight) ? gradBuffer(weight.numel) : null; // weight's layout
    const dbias = needsGrad(bias) ? gradBuffer(g.OC) : null; // (OC)
    backward(dinp, dweight, dbias, dout, input.storage, weight.storage, g);
    return [dinp, dweight, dbias];
  });
}

function runConv3d(
  op: string,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry3d,
  outShape: number[],
): Tensor {
  const out = emptyStorage(g.N * g.OC * g.OD * g.OH * g.OW); // (N, OC, OD, OH, OW)
  conv3dForward(out, input.storage, weight.storage, bias?.storage ?? null, g);
  return fromOp(op, out, outShape, [input, weight, bias], [input, weight], (dout) => {
    const dinp = needsGrad(input) ? gradBuffer(input.numel) : null; // (N, C, D, H, W)
    const dweight = needsGrad(weight) ? gradBuffer(weight.numel) : null; // (OC, C/G, KD, KH, KW)
    const dbias = needsGrad(bias) ? gradBuffer(g.OC) : null; // (OC)
    conv3dBackward(dinp, dweight, dbias, dout, input.storage, weight.storage, g);
    return [dinp, dweight, dbias];
  });
}

/** How to reshape an input of the wrong rank. */
function rankHint(input: Tensor, dims: Dims): string {
  const layout = `(N, C, ${SPATIAL[dims]})`;
  if (input.ndim === dims) {
    const missing = new Array<number>(dims + 2 - input.ndim).fill(1);
    return `; add batch and channel dims: x.reshape([${[...missing, ...input.shape].join(", ")}])`;
  }
  if (input.ndim < dims)
    return `; reshape it to ${layout}, e.g. x.reshape([1, 1, ...]) for one single-channel sample`;
  return `; reshape it to ${layout}${input.shape.includes(1) ? ", e.g. drop size-1 dims with x.squeeze(dim)" : ""}`;
}

/** Suggests a permute when the input looks channels-last. */
function channelHint(input: Tensor, expected: number, dims: Dims): string {
  const last = input.shape[input.ndim - 1];
  if (input.ndim === dims + 2 && last === expected && dims === 2)
    return "; the input looks channels-last (N, H, W, C): convert with x.permute([0, 3, 1, 2])";
  if (input.ndim === dims + 2 && last === expected && dims === 3)
    return "; the input looks channels-last (N, D, H, W, C): convert with x.permute([0, 4, 1, 2, 3])";
  return `; the channel dim comes right after the batch dim (N, C, ${SPATIAL[dims]}): make the layer's inChannels match it`;
}
