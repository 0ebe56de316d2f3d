// Image-grid payloads (kernel/display/payloads-viz.ts) from tensors: the values as base64 float32,
// a PNG of the same tiles (per-tile or shared colour range, viridis / grey / blue-white-red) for
// front ends without our renderer, and the MIME bundle that carries both.

import { viridis } from "../display/colormap";
import { type ImageGridPayload, type NumericData, VIZ_MIME } from "../display/payloads-viz";
import { encodePng } from "../display/png";
import type { MimeBundle } from "../display/schema";
import { escapeHtml } from "./html";

const TARGET_TILE_PX = 64; // small tiles are scaled up (nearest neighbour) to about this size
const MAX_PNG_TILES = 64;

/** Little-endian float32 bytes as base64 (a quarter the size of a JSON number list). */
export function packFloat32(values: Float32Array): NumericData {
  const copy = new Float32Array(values); // own buffer: subarrays of wasm memory are not byte-aligned views
  return { dtype: "float32", base64: Buffer.from(copy.buffer, 0, copy.byteLength).toString("base64") };
}

/** The values of a NumericData (the inverse of packFloat32, or a JSON list with null for NaN). */
export function unpackNumeric(data: NumericData): Float32Array {
  if (Array.isArray(data)) return Float32Array.from(data, (v) => (v === null ? Number.NaN : v));
  const bytes = Buffer.from(data.base64, "base64");
  if (data.dtype === "uint8") return Float32Array.from(bytes);
  return new Float32Array(new Uint8Array(bytes).buffer);
}

export type GridOptions = Omit<ImageGridPayload, "version" | "shape" | "data">;

/** An ImageGridPayload of `values` (N, C, H, W) row-major, C = 1 (maps) or 3 (RGB). */
export function imageGridPayload(
  values: Float32Array,
  shape: [number, number, number, number],
  options: GridOptions,
): ImageGridPayload {
  const [N, C, H, W] = shape;
  if (values.length !== N * C * H * W)
    throw new Error(`image grid: shape [${shape}] needs ${N * C * H * W} values, got ${values.length}`);
  if (C !== 1 && C !== 3) throw new Error(`image grid: C must be 1 (maps) or 3 (RGB), got ${C}`);
  return { version: 1, ...options, shape, data: packFloat32(values) };
}

const RD_BU: readonly [number, number, number][] = [
  [5, 48, 97],
  [67, 147, 195],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [214, 96, 77],
  [103, 0, 31],
];

function diverging(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (RD_BU.length - 1);
  const i = Math.min(RD_BU.length - 2, Math.floor(x));
  const f = x - i;
  const a = RD_BU[i];
  const b = RD_BU[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

function range(v: Float32Array, from: number, to: number): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** The colour map "auto" stands for: grey for samples, blue-white-red for signed values, else viridis. */
export function resolveColormap(p: ImageGridPayload, lo: number): "grey" | "diverging" | "viridis" {
  const c = p.colormap ?? "auto";
  if (c !== "auto") return c;
  if (p.kind === "samples") return "grey";
  return lo < 0 ? "diverging" : "viridis";
}

/**
 * The tiles as one PNG (up to 64 tiles, a near-square grid, 2 px gaps), each tile scaled up to
 * about 64 px; misclassified samples get a red frame.
 */
export function imageGridPng(p: ImageGridPayload): Buffer {
  const [N, C, H, W] = p.shape;
  const v = unpackNumeric(p.data);
  const tiles = Math.max(1, Math.min(MAX_PNG_TILES, N));
  const cols = Math.ceil(Math.sqrt(tiles));
  const rows = Math.ceil(tiles / cols);
  const scale = Math.max(1, Math.min(16, Math.floor(TARGET_TILE_PX / Math.max(H, W, 1))));
  const gap = 2;
  const tw = W * scale;
  const th = H * scale;
  const width = Math.max(1, cols * tw + (cols - 1) * gap);
  const height = Math.max(1, rows * th + (rows - 1) * gap);
  const px = new Uint8Array(width * height * 4); // (height, width, RGBA), transparent gaps
  const tileSize = C * H * W;
  const shared = p.normalize === "shared" || C === 3 ? range(v, 0, N * tileSize) : null;
  const map = resolveColormap(p, range(v, 0, N * tileSize)[0]);
  for (let k = 0; k < Math.min(N, tiles); k++) {
    let [lo, hi] = shared ?? range(v, k * tileSize, (k + 1) * tileSize);
    if (map === "diverging") {
      const m = Math.max(Math.abs(lo), Math.abs(hi)); // white at zero
      [lo, hi] = [-m, m];
    }
    const span = hi > lo ? hi - lo : 1;
    const wrong = p.labels !== undefined && p.predictions !== undefined && p.labels[k] !== p.predictions[k];
    const ox = (k % cols) * (tw + gap);
    const oy = Math.floor(k / cols) * (th + gap);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const base = k * tileSize + Math.floor(y / scale) * W + Math.floor(x / scale);
        const o = ((oy + y) * width + ox + x) * 4;
        let rgb: [number, number, number];
        if (wrong && (x < 2 || y < 2 || x >= tw - 2 || y >= th - 2)) rgb = [220, 30, 30];
        else if (C === 3) {
          rgb = [0, 1, 2].map((c) => {
            const t = (v[base + c * H * W] - lo) / span;
            return Number.isFinite(t) ? Math.round(255 * Math.min(1, Math.max(0, t))) : 255;
          }) as [number, number, number];
        } else {
          const t = (v[base] - lo) / span;
          if (!Number.isFinite(t)) rgb = [255, 0, 255];
          else if (map === "grey") {
            const g = Math.round(255 * Math.min(1, Math.max(0, t)));
            rgb = [g, g, g];
          } else rgb = map === "diverging" ? diverging(t) : viridis(t);
        }
        px[o] = rgb[0];
        px[o + 1] = rgb[1];
        px[o + 2] = rgb[2];
        px[o + 3] = 255;
      }
    }
  }
  return encodePng(width, height, px, 4);
}

/** One line describing the grid: "featureMaps of features.0: 6 maps of 28x28". */
export function gridText(p: ImageGridPayload): string {
  const [N, C, H, W] = p.shape;
  const what = { featureMaps: "maps", filters: "filters", samples: "images", tensor: "tiles" }[p.kind];
  const head = p.title ?? (p.layer ? `${p.kind} of ${p.layer}` : p.kind);
  return `${head}: ${N} ${what} of ${H}x${W}${C === 3 ? " RGB" : ""}`;
}

/** The payload, a PNG of the tiles, an HTML figure with the PNG and captions, and a text line. */
export function imageGridBundle(p: ImageGridPayload, captions?: string[]): MimeBundle {
  const png = imageGridPng(p).toString("base64");
  const text = gridText(p);
  const caps = captions && captions.length > 0 ? `<br>${escapeHtml(captions.join(" · "))}` : "";
  return {
    [VIZ_MIME.imageGrid]: p,
    "image/png": png,
    "text/html": `<figure style="margin:0"><img alt="${escapeHtml(text)}" src="data:image/png;base64,${png}"><figcaption style="font-size:smaller">${escapeHtml(text)}${caps}</figcaption></figure>`,
    "text/plain": text + (captions && captions.length > 0 ? `\n${captions.join(", ")}` : ""),
  };
}
