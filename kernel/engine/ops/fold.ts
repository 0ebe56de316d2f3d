// F.unfold (im2col) and F.fold (col2im), PyTorch 1.13. unfold lays every sliding window of an
// image batch out as a column, so a convolution is a matrix product:
//   conv2d(x, w) = (w.view(OC, -1) @ F.unfold(x, [KH, KW])).view(N, OC, OH, OW).
// fold is its adjoint: it sums columns back into an image (overlapping taps add up).
//
// Shapes: unfold (N, C, H, W) -> (N, C * KH * KW, L); fold (N, C * KH * KW, L) -> (N, C, H, W),
// L = OH * OW, OH = floor((H + 2 * padding - dilation * (KH - 1) - 1) / stride) + 1, likewise OW.
// Unbatched (C, H, W) and (C * KH * KW, L) work too.

import { gradBuffer, gradBufferUninit } from "../autograd/grad-buffers";
import { fromOp } from "../autograd/record";
import type { PoolGeometry } from "../backends/geometry";
import { col2im, im2col } from "../backends/ref/fold";
import { emptyStorage, newStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { checkTensor } from "./tensor-args";

/** An int or a (height, width) pair. */
export type FoldSize = number | readonly number[];

export interface UnfoldOptions {
  /** Spacing between a window's taps. Default 1. */
  dilation?: FoldSize;
  /** Implicit zeros on both sides of each spatial dim. Default 0. */
  padding?: FoldSize;
  /** Step between windows. Default 1. */
  stride?: FoldSize;
}

type FoldArg = FoldSize | UnfoldOptions | undefined;

/** The window's sizes as [height, width], each checked. */
function pair(op: string, name: string, v: unknown, min: number): [number, number] {
  const p = typeof v === "number" ? [v, v] : v;
  check(
    Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x) && x >= min),
    op,
    () => `${name} must be a whole number >= ${min} or two of them [height, width], got ${JSON.stringify(v)}`,
  );
  return p as [number, number];
}

interface Window {
  k: [number, number];
  dil: [number, number];
  pad: [number, number];
  s: [number, number];
}

function window(op: string, kernelSize: FoldSize, args: readonly FoldArg[]): Window {
  const o = namedArgs<UnfoldOptions>(op, ["dilation", "padding", "stride"], args);
  return {
    k: pair(op, "kernelSize", kernelSize, 1),
    dil: pair(op, "dilation", o.dilation ?? 1, 1),
    pad: pair(op, "padding", o.padding ?? 0, 0),
    s: pair(op, "stride", o.stride ?? 1, 1),
  };
}

/** The number of window positions along one dim (may be < 1: the caller reports it). */
function positions(size: number, k: number, dil: number, pad: number, s: number): number {
  return Math.floor((size + 2 * pad - dil * (k - 1) - 1) / s) + 1;
}

function geometry(N: number, C: number, H: number, W: number, w: Window): PoolGeometry {
  return {
    N,
    C,
    H,
    W,
    OH: positions(H, w.k[0], w.dil[0], w.pad[0], w.s[0]),
    OW: positions(W, w.k[1], w.dil[1], w.pad[1], w.s[1]),
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

function checkFloat(op: string, input: Tensor): void {
  check(
    input.dtype === "float32",
    op,
    () => `expects a float tensor, got ${input.dtype} (shape ${fmtShape(input.shape)}). Fix: input.float()`,
  );
}

function checkPositions(op: string, g: PoolGeometry, w: Window): void {
  check(g.OH >= 1 && g.OW >= 1, op, () => {
    const span = [0, 1].map((d) => w.dil[d] * (w.k[d] - 1) + 1);
    return (
      `kernelSize ${w.k.join("x")} (spanning ${span.join("x")} with dilation ${w.dil.join("x")}) is larger than ` +
      `the padded input ${g.H + 2 * w.pad[0]}x${g.W + 2 * w.pad[1]} (input ${g.H}x${g.W}, padding ${w.pad.join("x")}), ` +
      `so there would be ${g.OH}x${g.OW} windows; use a smaller kernelSize or dilation, more padding, or a larger input`
    );
  });
}

/**
 * Every sliding window of `input` (N, C, H, W) as a column: (N, C * KH * KW, L). Options come
 * positionally in PyTorch's order (dilation, padding, stride) or by name:
 * `F.unfold(x, 3, { padding: 1 })`, `F.unfold(x, [2, 3], 1, 0, 2)`.
 */
export function unfold(input: Tensor, kernelSize: FoldSize, ...args: FoldArg[]): Tensor {
  const op = "unfold";
  checkTensor(input, op, "input");
  const r = input.ndim;
  check(
    r === 4 || r === 3,
    op,
    () =>
      `input must be rank 4 (N, C, H, W) or rank 3 (C, H, W), got rank ${r} with shape ${fmtShape(input.shape)}` +
      (r === 2 ? "; add the channel dim with x.unsqueeze(0)" : ""),
  );
  checkFloat(op, input);
  const [N, C, H, W] = r === 4 ? input.shape : [1, ...input.shape];
  const w = window(op, kernelSize, args);
  const g = geometry(N, C, H, W, w);
  checkPositions(op, g, w);
  const K = C * g.KH * g.KW;
  const L = g.OH * g.OW;
  const cols = emptyStorage(N * K * L); // (N, C * KH * KW, L)
  im2col(cols, input.storage, g);
  const shape = r === 4 ? [N, K, L] : [K, L];
  return fromOp(op, cols, shape, [input], [], (dcols) => {
    const dinp = gradBuffer(input.numel); // (N, C, H, W), zeros
    col2im(dinp, dcols, g);
    return [dinp];
  });
}

/**
 * Sums columns (N, C * KH * KW, L) back into images (N, C, outputSize): the adjoint of unfold, so
 * taps of overlapping windows add up (fold(unfold(x)) is x times how many windows cover each pixel).
 */
export function fold(input: Tensor, outputSize: FoldSize, kernelSize: FoldSize, ...args: FoldArg[]): Tensor {
  const op = "fold";
  checkTensor(input, op, "input");
  const r = input.ndim;
  check(
    r === 3 || r === 2,
    op,
    () =>
      `input must be rank 3 (N, C * KH * KW, L) or rank 2 (C * KH * KW, L): the columns F.unfold makes, got rank ${r} with shape ${fmtShape(input.shape)}`,
  );
  checkFloat(op, input);
  const [N, K, L] = r === 3 ? input.shape : [1, ...input.shape];
  const [H, W] = pair(op, "outputSize", outputSize, 1);
  const w = window(op, kernelSize, args);
  const taps = w.k[0] * w.k[1];
  check(
    K % taps === 0 && K > 0,
    op,
    () =>
      `input's dim ${r - 2} (${K}, shape ${fmtShape(input.shape)}) must be C * KH * KW, a non-zero multiple of kernelSize ${w.k.join("x")} = ${taps}`,
  );
  const g = geometry(N, K / taps, H, W, w);
  checkPositions(op, g, w);
  check(
    L === g.OH * g.OW,
    op,
    () =>
      `input's last dim must be the number of windows, ${g.OH} * ${g.OW} = ${g.OH * g.OW} for outputSize ${H}x${W}, ` +
      `kernelSize ${w.k.join("x")}, dilation ${w.dil.join("x")}, padding ${w.pad.join("x")}, stride ${w.s.join("x")}; got ${L} (shape ${fmtShape(input.shape)})`,
  );
  const out = newStorage(N * g.C * H * W); // (N, C, H, W), zeros
  col2im(out, input.storage, g);
  const shape = r === 3 ? [N, g.C, H, W] : [g.C, H, W];
  return fromOp(op, out, shape, [input], [], (dout) => {
    const dcols = gradBufferUninit(input.numel); // (N, C * KH * KW, L)
    im2col(dcols, dout, g);
    return [dcols];
  });
}
