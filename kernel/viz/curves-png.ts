// Training curves as a PNG: the image/png fallback of the curves payload, for front ends that drop
// the SVG in text/html (classic Jupyter strips it from untrusted notebooks, i.e. any notebook
// someone else ran). The same layout as curves-svg.ts (one plot per metric, train and validation
// lines, ranges, the last values), drawn at twice its CSS size with a 5x7 pixel font, dark on an
// opaque white background so it reads in light and dark themes alike.

import type { CurvesPayload } from "../display/payloads-viz";
import { encodePng } from "../display/png";
import { forEachTextPixel, GLYPH_HEIGHT, textWidth } from "./bitmap-font";
import { byMetric, colourOf, fmt, H, PAD, plotPoints, plotScales, W } from "./curves-svg";

/** Device pixels per CSS pixel. */
export const PNG_SCALE = 2;
const GAP = 8; // between plots, as curves-svg's flex gap
const TITLE_H = 16; // the title line above the plots, when there is a title
const PER_ROW = 2; // at most two plots side by side: 1296 device pixels wide
const INK: RGB = [0x33, 0x33, 0x33];
const FRAME: RGB = [0x99, 0x99, 0x99];

type RGB = readonly [number, number, number];

const rgb = (hex: string): RGB => {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
};

/** An RGBA image, white, drawn on in CSS pixels (multiplied by PNG_SCALE). */
class Raster {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  constructor(cssWidth: number, cssHeight: number) {
    this.width = Math.ceil(cssWidth * PNG_SCALE);
    this.height = Math.ceil(cssHeight * PNG_SCALE);
    this.pixels = new Uint8Array(this.width * this.height * 4).fill(255);
  }
  /** One device pixel. */
  private dot(x: number, y: number, c: RGB): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const o = (y * this.width + x) * 4;
    this.pixels[o] = c[0];
    this.pixels[o + 1] = c[1];
    this.pixels[o + 2] = c[2];
  }
  /** A filled disc of `radius` CSS pixels at (x, y). */
  disc(x: number, y: number, radius: number, c: RGB): void {
    const cx = x * PNG_SCALE;
    const cy = y * PNG_SCALE;
    const r = radius * PNG_SCALE;
    for (let py = Math.floor(cy - r); py <= Math.ceil(cy + r); py++)
      for (let px = Math.floor(cx - r); px <= Math.ceil(cx + r); px++)
        if ((px + 0.5 - cx) ** 2 + (py + 0.5 - cy) ** 2 <= r * r) this.dot(px, py, c);
  }
  /** A line `width` CSS pixels wide: discs stamped every half device pixel. */
  line(x0: number, y0: number, x1: number, y1: number, width: number, c: RGB): void {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * PNG_SCALE * 2));
    for (let k = 0; k <= steps; k++)
      this.disc(x0 + ((x1 - x0) * k) / steps, y0 + ((y1 - y0) * k) / steps, width / 2, c);
  }
  /** An axis-aligned rectangle's outline, one device pixel wide. */
  frame(x: number, y: number, w: number, h: number, c: RGB): void {
    const [l, t] = [Math.round(x * PNG_SCALE), Math.round(y * PNG_SCALE)];
    const [r, b] = [Math.round((x + w) * PNG_SCALE), Math.round((y + h) * PNG_SCALE)];
    for (let px = l; px <= r; px++) {
      this.dot(px, t, c);
      this.dot(px, b, c);
    }
    for (let py = t; py <= b; py++) {
      this.dot(l, py, c);
      this.dot(r, py, c);
    }
  }
  /** Text with its baseline at y (CSS pixels), anchored like SVG's text-anchor. */
  text(s: string, x: number, y: number, c: RGB, anchor: "start" | "middle" | "end" = "start"): void {
    const w = textWidth(s);
    const left =
      Math.round(x * PNG_SCALE) -
      (anchor === "end" ? w * PNG_SCALE : anchor === "middle" ? Math.round((w * PNG_SCALE) / 2) : 0);
    const top = Math.round(y * PNG_SCALE) - GLYPH_HEIGHT * PNG_SCALE;
    forEachTextPixel(s, (fx, fy) => {
      for (let dy = 0; dy < PNG_SCALE; dy++)
        for (let dx = 0; dx < PNG_SCALE; dx++)
          this.dot(left + fx * PNG_SCALE + dx, top + fy * PNG_SCALE + dy, c);
    });
  }
}

/** Where plot `i` sits in the image (CSS pixels). */
export function plotOrigin(i: number, hasTitle: boolean): { x: number; y: number } {
  return { x: (i % PER_ROW) * (W + GAP), y: (hasTitle ? TITLE_H : 0) + Math.floor(i / PER_ROW) * (H + GAP) };
}

/** The image's size in CSS pixels for `plots` plots. */
export function curvesPngCssSize(plots: number, hasTitle: boolean): { width: number; height: number } {
  const cols = Math.min(PER_ROW, Math.max(1, plots));
  const rows = Math.max(1, Math.ceil(plots / PER_ROW));
  return {
    width: cols * W + (cols - 1) * GAP,
    height: (hasTitle ? TITLE_H : 0) + rows * H + (rows - 1) * GAP,
  };
}

/** The curves as PNG bytes, PNG_SCALE device pixels per CSS pixel of the SVG layout. */
export function curvesPng(p: CurvesPayload): Buffer {
  const metrics = [...byMetric(p.series)];
  const hasTitle = Boolean(p.title);
  const size = curvesPngCssSize(metrics.length, hasTitle);
  const img = new Raster(size.width, size.height);
  if (p.title) img.text(p.title, 0, 11, INK);
  metrics.forEach(([metric, series], m) => {
    const o = plotOrigin(m, hasTitle);
    const { x0, x1, y0, y1, sx, sy } = plotScales(metric, series);
    img.frame(o.x + PAD.left, o.y + PAD.top, W - PAD.left - PAD.right, H - PAD.top - PAD.bottom, FRAME);
    img.text(metric, o.x + PAD.left, o.y + 14, INK);
    img.text(fmt(y1), o.x + PAD.left - 4, o.y + PAD.top + 8, INK, "end");
    img.text(fmt(y0), o.x + PAD.left - 4, o.y + H - PAD.bottom, INK, "end");
    img.text(fmt(x0), o.x + PAD.left, o.y + H - 16, INK);
    img.text(fmt(x1), o.x + W - PAD.right, o.y + H - 16, INK, "end");
    img.text(p.xLabel, o.x + (W + PAD.left) / 2, o.y + H - 4, INK, "middle");
    // the legend (last values) first, so the curves are drawn over it where they cross
    series.forEach((s, i) => {
      const last = [...s.y].reverse().find((v) => v !== null);
      const legend = `${s.split}${last != null ? ` ${fmt(last)}` : ""}`;
      img.text(legend, o.x + W - PAD.right, o.y + 14 + 11 * i, rgb(colourOf(s, i)), "end");
    });
    series.forEach((s, i) => {
      const colour = rgb(colourOf(s, i));
      const pts = plotPoints(s, sx, sy);
      for (let k = 1; k < pts.length; k++)
        img.line(o.x + pts[k - 1][0], o.y + pts[k - 1][1], o.x + pts[k][0], o.y + pts[k][1], 1.5, colour);
      if (pts.length === 1) img.disc(o.x + pts[0][0], o.y + pts[0][1], 2.5, colour);
    });
  });
  return encodePng(img.width, img.height, img.pixels, 4);
}
