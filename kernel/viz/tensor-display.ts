// Tensors as a MIME bundle: the Receptive payload, the PyTorch-style text, a number table for small
// matrices (the lecture's 6x6 examples read like the slides) and a viridis heatmap PNG.

import { viridis } from "../display/colormap";
import { encodePng } from "../display/png";
import { type MimeBundle, TENSOR_MIME, type TensorPayload } from "../display/schema";
import type { Tensor } from "../engine/tensor/tensor";

const MAX_PAYLOAD_VALUES = 4096; // values sent to the renderer before truncating
const MAX_TABLE_ROWS = 32; // number tables only for matrices up to this size
const MAX_TABLE_COLS = 32;
const MAX_TILES = 64; // image tiles (channels x batch) drawn in the PNG grid
const TARGET_TILE_PX = 96; // small tiles are scaled up (nearest neighbour) to about this size

export function tensorBundle(t: Tensor): MimeBundle {
  const bundle: MimeBundle = { "text/plain": t.toString(), [TENSOR_MIME]: tensorPayload(t) };
  const html = tensorTable(t);
  if (html !== null) bundle["text/html"] = html;
  const png = tensorHeatmap(t);
  if (png !== null) bundle["image/png"] = png.toString("base64");
  return bundle;
}

export function tensorPayload(t: Tensor): TensorPayload {
  const v = t.storage.subarray(0, t.numel);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let finite = 0;
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    finite++;
  }
  const mean = finite > 0 ? sum / finite : Number.NaN;
  let sq = 0;
  for (const x of v) if (Number.isFinite(x)) sq += (x - mean) * (x - mean);
  const std = finite > 1 ? Math.sqrt(sq / (finite - 1)) : 0; // unbiased, like torch.std
  const truncated = t.numel > MAX_PAYLOAD_VALUES;
  const values = Array.from(v.subarray(0, MAX_PAYLOAD_VALUES), (x) => (Number.isFinite(x) ? x : null));
  return {
    version: 1,
    shape: [...t.shape],
    dtype: t.dtype,
    requiresGrad: t.requiresGrad,
    gradFn: t.gradFn ? t.gradFn.name : null,
    stats: finite > 0 ? { min, max, mean, std } : { min: Number.NaN, max: Number.NaN, mean, std },
    values,
    truncated,
  };
}

/** Shape with leading size-1 dims dropped: a (1, 1, 6, 6) batch of one image is read as 6x6. */
function squeezedShape(t: Tensor): number[] {
  const s = [...t.shape];
  while (s.length > 2 && s[0] === 1) s.shift();
  return s;
}

function formatter(values: ArrayLike<number>, dtype: string): (x: number) => string {
  if (dtype === "bool") return (x) => (x !== 0 ? "true" : "false");
  let allIntegers = true;
  for (let i = 0; i < values.length; i++) if (!Number.isInteger(values[i])) allIntegers = false;
  if (allIntegers) return (x) => String(x);
  return (x) => (Number.isFinite(x) ? String(Number(x.toFixed(4))) : String(x));
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** An HTML number table for 1-D and 2-D tensors up to 32x32, cells shaded by value; else null. */
export function tensorTable(t: Tensor): string | null {
  const s = squeezedShape(t);
  if (s.length === 0 || s.length > 2) return null;
  const rows = s.length === 2 ? s[0] : 1;
  const cols = s.length === 2 ? s[1] : s[0];
  if (rows > MAX_TABLE_ROWS || cols > MAX_TABLE_COLS || rows * cols === 0) return null;
  const v = t.storage.subarray(0, t.numel);
  const fmt = formatter(v, t.dtype);
  const { min, max } = tensorPayloadRange(v);
  const cell = (x: number) => {
    const shade = max > min ? (x - min) / (max - min) : 0.5;
    const light = Math.round(100 - 45 * shade); // light grey (low) to mid grey (high), text stays readable
    return `<td style="padding:2px 8px;text-align:right;font-family:monospace;background:hsl(220,30%,${light}%);color:#000">${escapeHtml(fmt(x))}</td>`;
  };
  const body: string[] = [];
  for (let r = 0; r < rows; r++) {
    const tds: string[] = [];
    for (let c = 0; c < cols; c++) tds.push(cell(v[r * cols + c]));
    body.push(`<tr>${tds.join("")}</tr>`);
  }
  const caption = `Tensor shape [${t.shape.join(", ")}]${t.dtype === "float32" ? "" : ` ${t.dtype}`}`;
  return `<table style="border-collapse:collapse;border:1px solid #999"><caption style="caption-side:bottom;font-size:smaller;color:#666">${escapeHtml(caption)}</caption>${body.join("")}</table>`;
}

function tensorPayloadRange(v: ArrayLike<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/**
 * A viridis heatmap of the last two dims; leading dims (channels, batch) become a grid of tiles.
 * One colour scale for the whole tensor, so tiles compare. Null for 0-D/1-D or empty tensors.
 */
export function tensorHeatmap(t: Tensor): Buffer | null {
  if (t.ndim < 2 || t.numel === 0) return null;
  const H = t.shape[t.ndim - 2];
  const W = t.shape[t.ndim - 1];
  const tiles = Math.min(MAX_TILES, t.numel / (H * W));
  const gridCols = Math.ceil(Math.sqrt(tiles));
  const gridRows = Math.ceil(tiles / gridCols);
  const scale = Math.max(1, Math.min(16, Math.floor(TARGET_TILE_PX / Math.max(H, W))));
  const gap = tiles > 1 ? 2 : 0;
  const tileW = W * scale;
  const tileH = H * scale;
  const width = gridCols * tileW + (gridCols - 1) * gap;
  const height = gridRows * tileH + (gridRows - 1) * gap;
  const px = new Uint8Array(width * height * 4); // (height, width, RGBA), transparent gaps
  const v = t.storage;
  const { min, max } = tensorPayloadRange(v.subarray(0, t.numel));
  const span = max > min ? max - min : 1;
  for (let k = 0; k < tiles; k++) {
    const ox = (k % gridCols) * (tileW + gap);
    const oy = Math.floor(k / gridCols) * (tileH + gap);
    for (let y = 0; y < tileH; y++) {
      for (let x = 0; x < tileW; x++) {
        const value = v[k * H * W + Math.floor(y / scale) * W + Math.floor(x / scale)];
        const [r, g, b] = Number.isFinite(value) ? viridis((value - min) / span) : [255, 0, 255];
        const o = ((oy + y) * width + ox + x) * 4;
        px[o] = r;
        px[o + 1] = g;
        px[o + 2] = b;
        px[o + 3] = 255;
      }
    }
  }
  return encodePng(width, height, px, 4);
}
