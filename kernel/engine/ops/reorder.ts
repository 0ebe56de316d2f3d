// Reordering entries along dims (PyTorch 1.13): flip (and fliplr, flipud) reverses them, roll
// shifts them cyclically. Both are permutations, so each gradient goes back to where its value
// came from. Both copy, as in PyTorch (no negative-stride views here).

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp } from "../autograd/record";
import { remapDims } from "../backends/ref/reorder";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { normDim } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { checkTensor } from "./tensor-args";

/** The identity map of every dim of `shape`. */
function identityMaps(shape: readonly number[]): Int32Array[] {
  return shape.map((s) => Int32Array.from({ length: s }, (_, i) => i));
}

export interface RollOptions {
  /** How far to shift: one number, or one per dim of `dims`. */
  shifts?: number | readonly number[];
  /** The dims to roll; none (the default) rolls the flattened tensor. */
  dims?: number | readonly number[] | null;
}

/** `dims` as distinct non-negative dims of `x`. */
function distinctDims(op: string, x: Tensor, dims: readonly number[]): number[] {
  const out = dims.map((d) => normDim(d, x.ndim, op));
  const seen = new Set<number>();
  for (const [k, d] of out.entries()) {
    check(!seen.has(d), op, () => `dim ${dims[k]} appears more than once in dims [${dims.join(", ")}]`);
    seen.add(d);
  }
  return out;
}

function remapped(op: string, x: Tensor, maps: Int32Array[]): Tensor {
  const shape = x.ndim === 0 ? [] : x.shape;
  const out = emptyStorage(x.numel); // (x shape)
  remapDims(out, x.storage, shape, maps);
  return fromOp(
    op,
    out,
    x.shape,
    [x],
    [],
    (dout) => {
      const dx = gradBuffer(x.numel); // (x shape), zeros
      remapDims(dout, dx, shape, maps, true);
      return [dx];
    },
    x.dtype,
  );
}

/** dims given as a list or as separate numbers (x.flip(0, 1) or x.flip([0, 1])). */
function dimList(op: string, dims: (number | readonly number[])[]): number[] {
  const list = dims.length === 1 && Array.isArray(dims[0]) ? [...dims[0]] : dims;
  for (const d of list)
    check(
      typeof d === "number",
      op,
      () => `dims must be numbers or one list of numbers, got ${JSON.stringify(dims)}. Fix: ${op}(x, [0, 1])`,
    );
  return list as number[];
}

/** Reverses the order of entries along each of `dims`: torch.flip(input, dims). */
export function flip(input: Tensor, ...dims: (number | readonly number[])[]): Tensor {
  checkTensor(input, "flip", "input");
  const ds = distinctDims("flip", input, dimList("flip", dims));
  const maps = identityMaps(input.shape);
  for (const d of ds) maps[d].reverse();
  return remapped("flip", input, maps);
}

/** Flips left-right: dim 1 (the columns of a matrix; W of an (H, W) image). Needs 2 or more dims. */
export function fliplr(input: Tensor): Tensor {
  checkTensor(input, "fliplr", "input");
  check(
    input.ndim >= 2,
    "fliplr",
    () =>
      `input must have at least 2 dims, got shape ${fmtShape(input.shape)}. Fix: flip(input, [0]) for 1 dim`,
  );
  return flip(input, [1]);
}

/** Flips up-down: dim 0. Needs 1 or more dims. */
export function flipud(input: Tensor): Tensor {
  checkTensor(input, "flipud", "input");
  check(input.ndim >= 1, "flipud", "input must have at least 1 dim, got a 0-d tensor");
  return flip(input, [0]);
}

/**
 * Shifts entries cyclically by `shifts` along `dims` (entries pushed off the end come back at the
 * start): torch.roll(input, shifts, dims). Without dims, the tensor is rolled as if flattened.
 */
export function roll(
  input: Tensor,
  ...args: (number | readonly number[] | RollOptions | null | undefined)[]
): Tensor {
  const op = "roll";
  checkTensor(input, op, "input");
  const { shifts, dims } = namedArgs<RollOptions>(op, ["shifts", "dims"], args);
  check(
    shifts !== undefined && shifts !== null,
    op,
    "needs shifts: roll(x, 2) rolls the flattened tensor, roll(x, [1, 2], [0, 1]) rolls dims 0 and 1",
  );
  check(
    typeof shifts === "number" || Array.isArray(shifts),
    op,
    () => `shifts must be a number or a list of numbers, got ${JSON.stringify(shifts)}`,
  );
  const s = typeof shifts === "number" ? [shifts] : [...shifts];
  for (const v of s)
    check(Number.isInteger(v), op, () => `shifts must be whole numbers, got ${JSON.stringify(shifts)}`);
  if (dims === undefined || dims === null || (Array.isArray(dims) && dims.length === 0)) {
    check(
      s.length === 1,
      op,
      () =>
        `without dims, shifts must be one number (the tensor rolls as if flattened), got ${JSON.stringify(shifts)}. Fix: give one dim per shift, roll(x, [${s.join(", ")}], [${s.map((_, i) => i).join(", ")}])`,
    );
    const n = input.numel;
    if (n === 0) return remapped(op, input, identityMaps(input.shape));
    const flat = input.reshape([n]);
    return remapped(op, flat, [rolledMap(n, s[0])]).reshape(input.shape);
  }
  const d = typeof dims === "number" ? [dims] : [...dims];
  check(
    s.length === d.length,
    op,
    () =>
      `shifts and dims must have the same length, got shifts ${JSON.stringify(shifts)} and dims ${JSON.stringify(dims)}`,
  );
  const maps = identityMaps(input.shape);
  for (const [k, dim] of d.entries()) {
    const dd = normDim(dim, input.ndim, op);
    maps[dd] = rolledMap(input.shape[dd], s[k], maps[dd]);
  }
  return remapped(op, input, maps);
}

/** out position i reads (i - shift) mod n, composed with a previous map of the same dim. */
function rolledMap(n: number, shift: number, before?: Int32Array): Int32Array {
  const m = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = (((i - shift) % n) + n) % n;
    m[i] = before ? before[j] : j;
  }
  return m;
}
