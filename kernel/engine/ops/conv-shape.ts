// Output-size arithmetic of convolutions, shared by the conv ops, layers and model summaries
// (shapes, parameter counts, receptive fields). Formulas as in the PyTorch docs:
// https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html (Shape section).

import { check, fmtShape } from "../errors";

export interface ConvSizeOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
}

export interface ConvTransposeSizeOptions extends ConvSizeOptions {
  outputPadding?: number;
}

/**
 * Output length of a convolution along one dim: floor((n + 2p - d(k - 1) - 1) / s) + 1.
 * May be <= 0 when the kernel size does not fit; the ops reject that with a clear error.
 */
export function convOutputSize(
  n: number,
  k: number,
  { stride = 1, padding = 0, dilation = 1 }: ConvSizeOptions = {},
): number {
  return Math.floor((n + 2 * padding - dilation * (k - 1) - 1) / stride) + 1;
}

/** Output length of a transposed convolution: (n - 1)s - 2p + d(k - 1) + outputPadding + 1. */
export function convTransposeOutputSize(
  n: number,
  k: number,
  { stride = 1, padding = 0, dilation = 1, outputPadding = 0 }: ConvTransposeSizeOptions = {},
): number {
  return (n - 1) * stride - 2 * padding + dilation * (k - 1) + outputPadding + 1;
}

/**
 * PyTorch's padding='same' for stride 1: the total d(k - 1) split as [before, after], with the
 * odd one out after (right/bottom). An even kernel size therefore pads asymmetrically.
 */
export function samePadding(k: number, dilation = 1): [number, number] {
  const total = dilation * (k - 1);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** Learnable parameters of a conv layer: OC * (C/groups * prod(kernelSize)) weights + OC biases. */
export function convParameterCount(
  inChannels: number,
  outChannels: number,
  kernelSize: number | readonly number[],
  { groups = 1, bias = true }: { groups?: number; bias?: boolean } = {},
): number {
  const ks = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
  const perFilter = (inChannels / groups) * ks.reduce((a, b) => a * b, 1);
  return outChannels * perFilter + (bias ? outChannels : 0);
}

/**
 * Expands an int-or-tuple argument (`stride: 2` or `stride: [2, 1]`) to `dims` values and checks
 * each is an integer >= `min`. `name` is the option as the user spelled it, for messages.
 */
export function expandSize(
  value: number | readonly number[],
  dims: number,
  op: string,
  name: string,
  min: number,
): number[] {
  const v = typeof value === "number" ? new Array<number>(dims).fill(value) : [...value];
  check(
    v.length === dims,
    op,
    () => `${name} must be a number${dims > 1 ? ` or ${dims} numbers` : ""}, got ${fmtShape(v)}`,
  );
  check(
    v.every((x) => Number.isInteger(x) && x >= min),
    op,
    () =>
      `${name} must be ${min === 0 ? "a non-negative" : "a positive"} integer${dims > 1 ? ` or ${dims} of them` : ""}, got ${typeof value === "number" ? value : fmtShape(v)}`,
  );
  return v;
}
