// PyTorch-style text for tensors: `tensor([[ 0., 30.], ...], requiresGrad=true)`, with summarised
// edges for big tensors so printing a feature map never floods a notebook.
//
// NOTE: as in PyTorch, a summarised tensor's number format (integer, fixed or scientific, and the
// column width) comes from the values shown only, and every statistic is a plain loop: spreading
// a tensor's values into Math.max(...) overflows the call stack past ~100k elements.

import type { Tensor } from "./tensor";

const EDGE = 3; // items kept at each end of a summarised dim
const THRESHOLD = 1000; // summarise tensors with more elements than this

export function formatTensor(t: Tensor): string {
  const summarise = t.numel > THRESHOLD;
  const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
  /** The indices shown along dim d: all, or EDGE at each end with null for the "...". */
  const shown = (d: number): (number | null)[] => {
    const n = t.shape[d];
    if (!summarise || n <= 2 * EDGE) return Array.from({ length: n }, (_, i) => i);
    const head = Array.from({ length: EDGE }, (_, i) => i);
    const tail = Array.from({ length: EDGE }, (_, i) => n - EDGE + i);
    return [...head, null, ...tail];
  };
  const values: number[] = [];
  const collect = (d: number, off: number): void => {
    if (d === t.ndim) {
      values.push(t.storage[off]);
      return;
    }
    for (const i of shown(d)) if (i !== null) collect(d + 1, off + i * strides[d]);
  };
  if (t.numel > 0) collect(0, 0);
  const fmt = valueFormatter(t, values);

  const body = (d: number, off: number, indent: string): string => {
    if (d === t.ndim) return fmt(t.storage[off]);
    const parts = shown(d).map((i) => (i === null ? "..." : body(d + 1, off + i * strides[d], `${indent} `)));
    if (d === t.ndim - 1) return `[${parts.join(", ")}]`;
    const sep = `,${"\n".repeat(t.ndim - d - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  const extras: string[] = [];
  if (t.numel === 0) extras.push(`size=[${t.shape.join(", ")}]`);
  if (t.dtype !== "float32") extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  const content = t.ndim === 0 ? fmt(t.storage[0]) : body(0, 0, "       ");
  return `tensor(${content}${extras.map((e) => `, ${e}`).join("")})`;
}

/** How to print each value, chosen from the values shown (integers, fixed point or scientific). */
function valueFormatter(t: Tensor, values: readonly number[]): (v: number) => string {
  if (t.dtype === "bool") return (v) => (v !== 0 ? " true" : "false");
  let allIntegers = true;
  let maxAbs = 0;
  let minAbs = Number.POSITIVE_INFINITY; // smallest non-zero magnitude
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allIntegers = false;
    const a = Math.abs(v);
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  // PyTorch's rules (torch/_tensor_str.py): integers print as `3.` unless their range calls for
  // scientific notation; other floats take 4 decimals, or scientific for tiny, huge or wide ranges.
  const wide = maxAbs / minAbs > 1e3 || maxAbs > 1e8;
  let str: (v: number) => string;
  if (t.dtype === "int64") str = (v) => String(v);
  else if (allIntegers && !wide) str = (v) => (Number.isFinite(v) ? `${v}.` : nonFinite(v));
  else {
    const sci = wide || minAbs < 1e-4;
    str = (v) => (!Number.isFinite(v) ? nonFinite(v) : sci ? exponential(v) : v.toFixed(4));
  }
  // As in PyTorch, the column width comes from the finite values (nan and inf are padded to it).
  let width = 1;
  const anyFinite = values.some(Number.isFinite);
  for (const v of values) if (Number.isFinite(v) || !anyFinite) width = Math.max(width, str(v).length);
  return (v) => str(v).padStart(width);
}

/** `1.0612e+00` (PyTorch's two-digit exponent; JS writes `1.0612e+0`). */
function exponential(v: number): string {
  return v.toExponential(4).replace(/e([+-])(\d)$/, (_, sign, d) => `e${sign}0${d}`);
}

/** nan, inf, -inf as PyTorch prints them. */
function nonFinite(v: number): string {
  return Number.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
}
