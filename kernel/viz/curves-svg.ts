// Training curves as a small SVG (one plot per metric, train and validation as two lines, the last
// values in the legend): the text/html fallback of the curves payload for front ends without our
// plotly renderer (JupyterLab, GitHub, nbconvert).

import type { CurveSeries, CurvesPayload } from "../display/payloads-viz";
import { escapeHtml } from "./html";

// One plot's size and margins (CSS pixels); curves-png.ts draws the same layout.
export const W = 320;
export const H = 200;
export const PAD = { left: 48, right: 10, top: 22, bottom: 30 };
const COLOURS: Record<string, string> = { train: "#1f77b4", validation: "#ff7f0e", test: "#2ca02c" };
const OTHER = ["#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

/** The line colour of series `i` of a plot: by split, else from a fixed cycle. */
export const colourOf = (s: CurveSeries, i: number): string => COLOURS[s.split] ?? OTHER[i % OTHER.length];

export const fmt = (v: number) =>
  String(Math.abs(v) >= 100 ? Math.round(v * 100) / 100 : Number(v.toPrecision(3)));

/** [min, max] of a non-empty list (a loop: Math.min(...xs) overflows the stack on long runs). */
function range(xs: readonly number[]): [number, number] {
  let lo = xs[0];
  let hi = xs[0];
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/** One plot's ranges and the maps from data to plot coordinates. */
export function plotScales(metric: string, series: CurveSeries[]) {
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => s.y.filter((v): v is number => v !== null && Number.isFinite(v)));
  let [y0, y1] = ys.length ? range(ys) : [0, 1];
  if (isAccuracy(metric) && y0 >= 0 && y1 <= 1) [y0, y1] = [0, 1];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const [x0, x1] = xs.length ? range(xs) : [0, 1];
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const sy = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  return { x0, x1, y0, y1, sx, sy };
}

/** A series' drawable points in plot coordinates (missing and non-finite values skipped). */
export function plotPoints(
  s: CurveSeries,
  sx: (x: number) => number,
  sy: (y: number) => number,
): [number, number][] {
  return s.x
    .map((x, k) => [x, s.y[k]] as const)
    .filter((p): p is readonly [number, number] => p[1] !== null && Number.isFinite(p[1]))
    .map(([x, y]) => [sx(x), sy(y)]);
}

/** The series grouped by metric, in first-seen order. */
export function byMetric(series: CurveSeries[]): Map<string, CurveSeries[]> {
  const out = new Map<string, CurveSeries[]>();
  for (const s of series) out.set(s.metric, [...(out.get(s.metric) ?? []), s]);
  return out;
}

export const isAccuracy = (metric: string) => /^(acc|accuracy)$|accuracy/i.test(metric);

function plot(metric: string, series: CurveSeries[], xLabel: string): string {
  const { x0, x1, y0, y1, sx, sy } = plotScales(metric, series);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="10">`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#ccc"/>`,
    `<text x="${PAD.left}" y="14" font-size="11" font-weight="bold">${escapeHtml(metric)}</text>`,
    `<text x="${PAD.left - 4}" y="${PAD.top + 8}" text-anchor="end">${fmt(y1)}</text>`,
    `<text x="${PAD.left - 4}" y="${H - PAD.bottom}" text-anchor="end">${fmt(y0)}</text>`,
    `<text x="${PAD.left}" y="${H - 16}">${fmt(x0)}</text>`,
    `<text x="${W - PAD.right}" y="${H - 16}" text-anchor="end">${fmt(x1)}</text>`,
    `<text x="${(W + PAD.left) / 2}" y="${H - 4}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
  ];
  series.forEach((s, i) => {
    const colour = colourOf(s, i);
    const pts = plotPoints(s, sx, sy).map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`);
    if (pts.length > 1)
      parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.join(" ")}"/>`);
    if (pts.length === 1) {
      const [cx, cy] = pts[0].split(",");
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${colour}"/>`);
    }
    const last = [...s.y].reverse().find((v) => v !== null);
    parts.push(
      `<text x="${W - PAD.right}" y="${14 + 11 * i}" text-anchor="end" fill="${colour}">${escapeHtml(s.split)}${last != null ? ` ${fmt(last)}` : ""}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}

/** One SVG plot per metric, side by side. */
export function curvesHtml(p: CurvesPayload): string {
  const plots = [...byMetric(p.series)].map(([metric, s]) => plot(metric, s, p.xLabel));
  const title = p.title ? `<div style="font-weight:bold">${escapeHtml(p.title)}</div>` : "";
  return `<div>${title}<div style="display:flex;flex-wrap:wrap;gap:8px">${plots.join("")}</div></div>`;
}

/** "loss: train 0.412, validation 0.455 (epoch 3)" per metric: the last value of each series. */
export function curvesText(p: CurvesPayload): string {
  const lines = [...byMetric(p.series)].map(([metric, ss]) => {
    const parts = ss.map((s) => {
      const k = s.y.length - 1;
      return k >= 0
        ? `${s.split} ${s.y[k] === null ? "nan" : fmt(s.y[k] as number)} (${p.xLabel} ${s.x[k]})`
        : `${s.split} -`;
    });
    return `${metric}: ${parts.join(", ")}`;
  });
  return [p.title ?? "Curves", ...lines].join("\n");
}
