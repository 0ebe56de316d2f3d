// Value -> colour for image tiles: colour ranges per tile ("perChannel") or shared by all tiles,
// the automatic choice of colormap (diverging for signed values), and painting one tile into RGBA
// bytes (what ImageData holds). Pure and allocation-free per pixel: 512 maps of 56x56 paint fast.

import { type ColormapName, colormapLut, NON_FINITE_RGB } from "./colormaps";

export interface Range {
  lo: number;
  hi: number;
}

/** Finite min/max of values[start, end); {lo: 0, hi: 0} when none is finite. */
export function finiteRange(values: ArrayLike<number>, start = 0, end = values.length): Range {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo > hi ? { lo: 0, hi: 0 } : { lo, hi };
}

/** One range per tile of `tileSize` values, or the same shared range repeated. */
export function tileRanges(
  values: ArrayLike<number>,
  tiles: number,
  tileSize: number,
  mode: "perChannel" | "shared",
): Range[] {
  if (mode === "shared") {
    const r = finiteRange(values, 0, tiles * tileSize);
    return Array.from({ length: tiles }, () => r);
  }
  return Array.from({ length: tiles }, (_, k) => finiteRange(values, k * tileSize, (k + 1) * tileSize));
}

/** "auto" -> diverging when any value is negative, grey for samples, viridis otherwise. */
export function chooseColormap(
  setting: "auto" | ColormapName | undefined,
  kind: string,
  overall: Range,
): ColormapName {
  if (setting && setting !== "auto") return setting;
  if (overall.lo < 0) return "diverging";
  return kind === "samples" ? "grey" : "viridis";
}

/**
 * LUT index 0..255 of value v, or -1 for NaN/inf. Diverging maps are symmetric about zero
 * (0 is always the middle colour); sequential maps stretch [lo, hi] over the whole map.
 */
export function colourIndex(v: number, range: Range, map: ColormapName): number {
  if (!Number.isFinite(v)) return -1;
  let t: number;
  if (map === "diverging") {
    const m = Math.max(Math.abs(range.lo), Math.abs(range.hi));
    t = m > 0 ? 0.5 + v / (2 * m) : 0.5;
  } else {
    const span = range.hi - range.lo;
    t = span > 0 ? (v - range.lo) / span : 0; // constant: the low end, not a mid-map "signal"
  }
  return Math.round(Math.min(1, Math.max(0, t)) * 255);
}

/** The values at the two ends of the colour bar: ±max|v| for diverging maps, [lo, hi] otherwise. */
export function legendEnds(range: Range, map: ColormapName): [number, number] {
  if (map !== "diverging") return [range.lo, range.hi];
  const m = Math.max(Math.abs(range.lo), Math.abs(range.hi));
  return [-m, m];
}

/**
 * Paints one (H, W) scalar tile starting at values[offset] into `rgba` (H * W * 4 bytes).
 * NOTE: this loop is the hot path (1.6M pixels for 512x56x56): the range maths is hoisted.
 */
export function paintScalarTile(
  rgba: Uint8ClampedArray,
  values: ArrayLike<number>,
  offset: number,
  pixels: number,
  range: Range,
  map: ColormapName,
): void {
  const lut = colormapLut(map);
  let a: number;
  let b: number; // index = round(clamp(a * v + b, 0, 1) * 255)
  if (map === "diverging") {
    const m = Math.max(Math.abs(range.lo), Math.abs(range.hi));
    a = m > 0 ? 1 / (2 * m) : 0;
    b = 0.5;
  } else {
    const span = range.hi - range.lo;
    a = span > 0 ? 1 / span : 0;
    b = span > 0 ? -range.lo / span : 0;
  }
  for (let p = 0; p < pixels; p++) {
    const v = values[offset + p];
    const o = 4 * p;
    if (Number.isFinite(v)) {
      let t = a * v + b;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const i = 3 * Math.round(t * 255);
      rgba[o] = lut[i];
      rgba[o + 1] = lut[i + 1];
      rgba[o + 2] = lut[i + 2];
    } else {
      rgba[o] = NON_FINITE_RGB[0];
      rgba[o + 1] = NON_FINITE_RGB[1];
      rgba[o + 2] = NON_FINITE_RGB[2];
    }
    rgba[o + 3] = 255;
  }
}

/**
 * Paints one RGB tile (3, H, W) starting at values[offset] into `rgba`: values already in 0..255
 * (hi > 1) are used as bytes, otherwise [lo, hi] is stretched to 0..255.
 */
export function paintRgbTile(
  rgba: Uint8ClampedArray,
  values: ArrayLike<number>,
  offset: number,
  pixels: number,
  range: Range,
): void {
  const bytes = range.lo >= 0 && range.hi > 1;
  const span = range.hi - range.lo;
  const scale = bytes ? 1 : span > 0 ? 255 / span : 0;
  const shift = bytes ? 0 : range.lo;
  for (let p = 0; p < pixels; p++) {
    const o = 4 * p;
    for (let c = 0; c < 3; c++) {
      const v = values[offset + c * pixels + p];
      rgba[o + c] = Number.isFinite(v) ? (v - shift) * scale : NON_FINITE_RGB[c];
    }
    rgba[o + 3] = 255;
  }
}
