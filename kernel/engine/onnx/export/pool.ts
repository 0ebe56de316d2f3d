// Pooling nodes shared by the layer table (nn.MaxPool2d... from their attributes) and the glue table
// (F.maxPool2d... from their autograd nodes' arguments): max pools with PyTorch's indices, average
// pools with PyTorch's divisors, and MaxUnpool. A window is given per spatial dim.
//
// Indices: PyTorch numbers a max's position within its plane (h * W + w); ONNX's MaxPool and
// MaxUnpool number it within the whole tensor (((n * C + c) * H + h) * W + w). MaxPool's indices are
// therefore taken modulo the plane size, and MaxUnpool's get each plane's offset added back.

import { int, ints } from "../format/ir";
import type { GraphBuilder } from "./builder";
import { NotExportable } from "./layers";

export interface Window {
  kernel: readonly number[];
  stride: readonly number[];
  padding: readonly number[];
  dilation?: readonly number[];
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * The window's pads as ONNX writes them without ceil_mode: PyTorch's ceil mode (a last, partial
 * window that starts inside the input or its left padding) becomes extra padding at the end,
 * worked out from the traced output size. NOTE: ONNX changed ceil_mode's rule to PyTorch's in 2024,
 * so older checkers and runtimes disagree on ceil_mode outputs; explicit padding means the same
 * everywhere.
 */
export function windowPads(inShape: readonly number[], outShape: readonly number[], w: Window) {
  const n = inShape.length - 2;
  const dilations = w.dilation ?? Array<number>(n).fill(1);
  const begin = [...w.padding];
  const end = w.kernel.map((k, i) => {
    const span = dilations[i] * (k - 1) + 1;
    return Math.max(begin[i], (outShape[2 + i] - 1) * w.stride[i] + span - inShape[2 + i] - begin[i]);
  });
  return { n, dilations, begin, end, extra: end.map((e, i) => e - begin[i]) };
}

/** MaxPool; with `indices`, also its second output as PyTorch's indices (position in the plane). */
export function maxPoolNodes(
  b: GraphBuilder,
  x: string,
  inShape: readonly number[],
  outShape: readonly number[],
  w: Window,
  indices: boolean,
  name: string,
): [string, string?] {
  const g = windowPads(inShape, outShape, w);
  const attrs = {
    kernel_shape: ints(w.kernel),
    strides: ints(w.stride),
    pads: ints([...g.begin, ...g.end]),
    dilations: ints(g.dilations),
  };
  if (!indices) return [b.op("MaxPool", [x], attrs, name)];
  const [values, flat] = b.node("MaxPool", [x], attrs, name, 2);
  const plane = b.int64s([prod(inShape.slice(2))], [], `${name}.plane`);
  return [values, b.op("Mod", [flat, plane], {}, `${name}.indices`)];
}

/** AveragePool with PyTorch's divisor (countIncludePad, divisorOverride, ceil mode overhangs). */
export function avgPoolNode(
  b: GraphBuilder,
  x: string,
  inShape: readonly number[],
  outShape: readonly number[],
  w: Window,
  countIncludePad: boolean,
  divisor: number | null,
  name: string,
): string {
  const g = windowPads(inShape, outShape, w);
  const padded = g.begin.some((p) => p > 0);
  const overhang = g.extra.some((e) => e > 0);
  if (divisor !== null && overhang)
    throw new NotExportable("divisorOverride with a ceilMode overhang is not exported");
  let input = x;
  let pads = [...g.begin, ...g.end];
  let countPad = countIncludePad || divisor !== null;
  if (countPad && padded && overhang) {
    // PyTorch divides by the window clipped to the padded input: pad with real zeros, then count
    // only those (not the ceil-mode overhang).
    const lead = inShape.length - g.n;
    const zeros = Array<number>(lead).fill(0);
    const all = [...zeros, ...g.begin, ...zeros, ...g.begin];
    input = b.op("Pad", [x, b.int64s(all, [all.length], `${name}.pads`)], {}, `${name}.pad`);
    pads = [...Array<number>(g.n).fill(0), ...g.extra];
    countPad = false;
  } else if (countPad && overhang) countPad = false;
  const y = b.op(
    "AveragePool",
    [input],
    {
      kernel_shape: ints(w.kernel),
      strides: ints(w.stride),
      pads: ints(pads),
      count_include_pad: int(countPad ? 1 : 0),
    },
    divisor === null ? name : `${name}.mean`,
  );
  if (divisor === null) return y;
  return b.op("Mul", [y, b.floats([prod(w.kernel) / divisor], [], `${name}.rescale`)], {}, name);
}

/**
 * MaxUnpool of values `x` at PyTorch's `indices` (positions in the output plane) into `outShape`.
 * Each plane's offset ((n * C + c) * plane) is an exclusive running count of ones over the
 * (N, C) planes, so the batch stays dynamic.
 */
export function maxUnpoolNode(
  b: GraphBuilder,
  x: string,
  indices: string,
  inShape: readonly number[],
  outShape: readonly number[],
  w: Window,
  name: string,
): string {
  const n = inShape.length - 2;
  const spatial = outShape.slice(2);
  const zeros = Array<number>(n).fill(0);
  const ones = Array<number>(n).fill(1);
  const axes = Array.from({ length: n }, (_, i) => 2 + i);
  const corner = b.op(
    "Slice",
    [
      indices,
      b.int64s(zeros, [n], `${name}.starts`),
      b.int64s(ones, [n], `${name}.ends`),
      b.int64s(axes, [n], `${name}.axes`),
    ],
    {},
    `${name}.corner`,
  ); // (N, C, 1...)
  const one = b.op(
    "Add",
    [
      b.op("Mul", [corner, b.int64s([0], [], `${name}.zero`)], {}, `${name}.zeros`),
      b.int64s([1], [], `${name}.one`),
    ],
    {},
    `${name}.ones`,
  );
  const count = b.op(
    "CumSum",
    [
      b.op("Reshape", [one, b.int64s([-1], [1], `${name}.flat`)], {}, `${name}.flat`),
      b.int64s([0], [], `${name}.axis`),
    ],
    { exclusive: int(1) },
    `${name}.planes`,
  ); // 0, 1, ..., N*C - 1
  const planes = b.op(
    "Reshape",
    [count, b.op("Shape", [one], {}, `${name}.shape`)],
    {},
    `${name}.plane_index`,
  );
  const offset = b.op("Mul", [planes, b.int64s([prod(spatial)], [], `${name}.plane`)], {}, `${name}.offset`);
  const flat = b.op("Add", [indices, offset], {}, `${name}.indices`);
  // The full output shape (batch and channels from x), also where it is the default size:
  // NOTE: the ONNX checker of onnx 1.12 (Debian's) crashes inferring MaxUnpool's shape without it.
  const lead = b.op(
    "Slice",
    [
      b.op("Shape", [x], {}, `${name}.input_shape`),
      b.int64s([0], [1], `${name}.lead_start`),
      b.int64s([2], [1], `${name}.lead_end`),
    ],
    {},
    `${name}.lead`,
  );
  const size = b.op(
    "Concat",
    [lead, b.int64s(spatial, [n], `${name}.size`)],
    { axis: int(0) },
    `${name}.output_shape`,
  );
  const inputs = [x, flat, size];
  return b.op(
    "MaxUnpool",
    inputs,
    {
      kernel_shape: ints(w.kernel),
      strides: ints(w.stride),
      pads: ints([...w.padding, ...w.padding]),
    },
    name,
  );
}
