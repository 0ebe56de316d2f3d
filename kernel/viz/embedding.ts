// `viz.embedding(features, labels, { method })`: high-dimensional feature vectors (a network's
// penultimate layer, a metric-learning embedding) as a 2-D scatter plot coloured by class, by PCA
// (default) or t-SNE (embedding-math.ts). The figure is an SVG in text/html and a PNG, with a
// text summary; `.points` holds the 2-D coordinates.

import { encodePng } from "../display/png";
import type { MimeBundle } from "../display/schema";
import { defaultGenerator, type Generator } from "../engine/tensor/random";
import { Tensor } from "../engine/tensor/tensor";
import { pca2, tsne2 } from "./embedding-math";
import { VizFigure } from "./figure";
import { escapeHtml } from "./html";

export interface EmbeddingOptions {
  /** "pca" (default) or "tsne". */
  method?: "pca" | "tsne";
  /** t-SNE: the effective number of neighbours (default 30, at most (N - 1) / 3). */
  perplexity?: number;
  /** t-SNE: gradient steps (default 500). */
  iterations?: number;
  classNames?: string[];
  title?: string;
  generator?: Generator;
}

/** What the figure draws: points and their classes. */
export interface EmbeddingPayload {
  version: 1;
  title: string;
  method: "pca" | "tsne";
  /** (N, 2) as [x, y] pairs. */
  points: [number, number][];
  labels: number[];
  classNames: string[];
}

const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];
const SIZE = 360;
const MARGIN = 12;

function scaled(p: EmbeddingPayload): [number, number][] {
  const xs = p.points.map((q) => q[0]);
  const ys = p.points.map((q) => q[1]);
  // NOTE: reduce, not Math.min(...xs): spreading 100k+ points overflows the call stack.
  const min = (v: number[]) => v.reduce((m, q) => Math.min(m, q), Infinity);
  const max = (v: number[]) => v.reduce((m, q) => Math.max(m, q), -Infinity);
  const [x0, x1, y0, y1] = [min(xs), max(xs), min(ys), max(ys)];
  const span = Math.max(x1 - x0, y1 - y0) || 1;
  const inner = SIZE - 2 * MARGIN;
  return p.points.map(([x, y]) => [
    MARGIN + ((x - x0) / span) * inner + (inner - ((x1 - x0) / span) * inner) / 2,
    MARGIN + inner - ((y - y0) / span) * inner - (inner - ((y1 - y0) / span) * inner) / 2,
  ]);
}

function svg(p: EmbeddingPayload): string {
  const pts = scaled(p);
  const dots = pts
    .map(
      ([x, y], i) =>
        `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${PALETTE[p.labels[i] % PALETTE.length]}" fill-opacity="0.75"/>`,
    )
    .join("");
  const classes = [...new Set(p.labels)].sort((a, b) => a - b);
  const legend = classes
    .map(
      (c, k) =>
        `<text x="${SIZE + 8}" y="${16 + 14 * k}" font-size="11" fill="${PALETTE[c % PALETTE.length]}">● ${escapeHtml(p.classNames[c] ?? String(c))}</text>`,
    )
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE + 110}" height="${SIZE}" role="img" aria-label="${escapeHtml(p.title)}"><rect width="${SIZE}" height="${SIZE}" fill="#fff" stroke="#999"/>${dots}${legend}</svg>`;
}

function png(p: EmbeddingPayload): Buffer {
  const S = 2; // device pixels per CSS pixel
  const w = SIZE * S;
  const px = new Uint8Array(w * w * 4).fill(255);
  const hex = (h: string) => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
  scaled(p).forEach(([x, y], i) => {
    const c = hex(PALETTE[p.labels[i] % PALETTE.length]);
    const [cx, cy, r] = [x * S, y * S, 2.5 * S];
    for (let yy = Math.floor(cy - r); yy <= Math.ceil(cy + r); yy++)
      for (let xx = Math.floor(cx - r); xx <= Math.ceil(cx + r); xx++)
        if (xx >= 0 && yy >= 0 && xx < w && yy < w && (xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= r * r)
          px.set([c[0], c[1], c[2], 255], (yy * w + xx) * 4);
  });
  return encodePng(w, w, px, 4);
}

function text(p: EmbeddingPayload): string {
  const counts = new Map<number, number>();
  for (const l of p.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const per = [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, n]) => `${p.classNames[c] ?? c}: ${n}`);
  return `${p.title}: ${p.points.length} points (${per.join(", ")})`;
}

export class EmbeddingFigure extends VizFigure<EmbeddingPayload> {
  constructor(
    payload: EmbeddingPayload,
    /** The 2-D coordinates (N, 2). */
    readonly points: Tensor,
  ) {
    super(
      payload,
      (): MimeBundle => {
        const image = png(payload).toString("base64");
        return {
          "image/png": image,
          "text/html": `<figure style="margin:0">${svg(payload)}<figcaption style="font-size:smaller">${escapeHtml(text(payload))}</figcaption></figure>`,
          "text/plain": text(payload),
        };
      },
      text(payload),
    );
  }
}

export function embedding(
  features: Tensor | number[][],
  labels: Tensor | number[],
  options: EmbeddingOptions = {},
): EmbeddingFigure {
  const fn = "viz.embedding";
  const { method = "pca", iterations = 500, generator = defaultGenerator } = options;
  let x: Float64Array;
  let N: number;
  let D: number;
  if (features instanceof Tensor) {
    if (features.ndim < 2)
      throw new Error(`${fn}: features must be (N, D), got shape [${features.shape.join(", ")}]`);
    [N, D] = [features.shape[0], features.numel / features.shape[0]];
    x = Float64Array.from(features.contiguous().storage);
  } else if (
    Array.isArray(features) &&
    features.every((r) => Array.isArray(r) && r.length === features[0].length)
  ) {
    [N, D] = [features.length, features[0]?.length ?? 0];
    x = Float64Array.from(features.flat());
  } else
    throw new TypeError(`${fn}: features must be a tensor (N, D) or a list of equal-length number lists`);
  const y = labels instanceof Tensor ? Array.from(labels.data) : labels;
  if (!Array.isArray(y) || y.length !== N)
    throw new Error(`${fn}: got ${N} feature vectors but ${Array.isArray(y) ? y.length : "no"} labels`);
  if (!y.every((l) => Number.isInteger(l) && l >= 0))
    throw new Error(`${fn}: labels must be class indices (whole numbers >= 0)`);
  if (N < 2 || D < 1)
    throw new Error(`${fn}: needs at least 2 points with at least 1 feature, got ${N} x ${D}`);
  if (!x.every(Number.isFinite)) throw new Error(`${fn}: features contain NaN or infinity`);
  let pts: Float64Array;
  if (method === "pca") pts = pca2(x, N, D);
  else if (method === "tsne") {
    const perplexity = options.perplexity ?? Math.min(30, (N - 1) / 3);
    if (!(perplexity > 0 && perplexity <= (N - 1) / 3 + 1e-9))
      throw new Error(
        `${fn}: perplexity must be in (0, ${((N - 1) / 3).toFixed(1)}] for ${N} points (at most (N - 1) / 3), got ${perplexity}`,
      );
    pts = tsne2(x, N, D, { perplexity, iterations, generator });
  } else throw new Error(`${fn}: method must be "pca" or "tsne", got ${JSON.stringify(method)}`);
  const maxLabel = y.reduce((m, q) => Math.max(m, q), -Infinity);
  const payload: EmbeddingPayload = {
    version: 1,
    title: options.title ?? (method === "pca" ? "PCA of the features" : "t-SNE of the features"),
    method,
    points: Array.from({ length: N }, (_, i) => [pts[2 * i], pts[2 * i + 1] ?? 0]),
    labels: y,
    classNames: options.classNames ?? Array.from({ length: maxLabel + 1 }, (_, c) => String(c)),
  };
  return new EmbeddingFigure(payload, new Tensor(Float32Array.from(pts), [N, 2]));
}
