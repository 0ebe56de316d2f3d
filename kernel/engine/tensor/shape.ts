// Shape arithmetic shared by ops: sizes, contiguous strides, broadcasting, dim normalisation.

import { check, fmtShape } from "../errors";

export type Shape = readonly number[];

export function numelOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major (C-contiguous) strides: the last dim moves fastest. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Normalises a possibly negative dim (-1 is the last) and checks its range. */
export function normDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  check(
    Number.isInteger(dim) && dim >= -r && dim < r,
    op,
    () => `dim ${dim} is out of range for a tensor of rank ${rank} (expected ${-r}..${r - 1})`,
  );
  return dim < 0 ? dim + r : dim;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy/PyTorch broadcasting: align from the right, sizes must match or be 1. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    check(
      da === db || da === 1 || db === 1,
      op,
      () =>
        `shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast: dim ${i - n} has sizes ${da} and ${db} (each must be equal or 1)`,
    );
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides of `shape` read as if expanded to `target` (0 on broadcast dims). */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 ? 0 : own[i];
  return out;
}

/** Resolves one -1 in a requested shape and checks the element count. */
export function inferShape(requested: Shape, numel: number, op: string, from: Shape): number[] {
  const out = [...requested];
  const unknown = out.indexOf(-1);
  check(out.lastIndexOf(-1) === unknown, op, "only one dimension can be -1");
  if (unknown >= 0) {
    const known = numelOf(out.filter((_, i) => i !== unknown));
    check(
      known > 0 && numel % known === 0,
      op,
      () => `shape ${fmtShape(requested)} is invalid for input of size ${numel} (shape ${fmtShape(from)})`,
    );
    out[unknown] = numel / known;
  }
  for (const s of out)
    check(Number.isInteger(s) && s >= 0, op, () => `invalid size ${s} in shape ${fmtShape(requested)}`);
  check(
    numelOf(out) === numel,
    op,
    () =>
      `shape ${fmtShape(requested)} is invalid for input of size ${numel} (shape ${fmtShape(from)}); the element counts must match`,
  );
  return out;
}

/** A size argument given as `k` or `[h, w]` (PyTorch's `_pair`). */
export function pair(v: number | readonly number[], op: string, name: string): [number, number] {
  if (typeof v === "number") return [v, v];
  check(v.length === 2, op, () => `${name} must be a number or [h, w], got [${v.join(", ")}]`);
  return [v[0], v[1]];
}
