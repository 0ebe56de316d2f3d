// PyTorch-style text for tensors: `tensor([[ 0., 30.], ...], requiresGrad=true)`, with summarised
// edges for big tensors so printing a feature map never floods a notebook.

import type { Tensor } from "./tensor";

const EDGE = 3; // items kept at each end of a summarised dim
const THRESHOLD = 1000; // summarise tensors with more elements than this

export function formatTensor(t: Tensor): string {
  const summarise = t.numel > THRESHOLD;
  const fmt = valueFormatter(t);
  const body = (d: number, off: number, indent: string): string => {
    if (d === t.ndim) return fmt(t.storage[off]);
    const n = t.shape[d];
    const stride = t.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const idx: (number | null)[] = [];
    if (summarise && n > 2 * EDGE) {
      for (let i = 0; i < EDGE; i++) idx.push(i);
      idx.push(null);
      for (let i = n - EDGE; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    const parts = idx.map((i) => (i === null ? "..." : body(d + 1, off + i * stride, `${indent} `)));
    if (d === t.ndim - 1) return `[${parts.join(", ")}]`;
    const sep = `,${"\n".repeat(t.ndim - d - 1)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  const extras: string[] = [];
  if (t.ndim === 0 || t.numel === 0) {
    if (t.numel === 0) extras.push(`size=[${t.shape.join(", ")}]`);
  }
  if (t.dtype !== "float32") extras.push(`dtype=${t.dtype}`);
  if (t.gradFn) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push("requiresGrad=true");
  const content = t.ndim === 0 ? fmt(t.storage[0]) : body(0, 0, "       ");
  return `tensor(${content}${extras.map((e) => `, ${e}`).join("")})`;
}

function valueFormatter(t: Tensor): (v: number) => string {
  if (t.dtype === "bool") return (v) => (v !== 0 ? " true" : "false");
  const vals = t.storage;
  if (t.dtype === "int64" || vals.every((v) => Number.isInteger(v) || !Number.isFinite(v))) {
    const dot = t.dtype === "float32" ? "." : "";
    const width = Math.max(1, ...Array.from(vals, (v) => `${v}${dot}`.length));
    return (v) => `${v}${Number.isFinite(v) ? dot : ""}`.padStart(width);
  }
  const finite = Array.from(vals).filter(Number.isFinite);
  const maxAbs = Math.max(0, ...finite.map(Math.abs));
  const minAbs = Math.min(...finite.filter((v) => v !== 0).map(Math.abs));
  const sci = maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs > 0) || maxAbs / minAbs > 1e3;
  const str = (v: number) => (!Number.isFinite(v) ? String(v) : sci ? v.toExponential(4) : v.toFixed(4));
  const width = Math.max(...Array.from(vals, (v) => str(v).length));
  return (v) => str(v).padStart(width);
}
