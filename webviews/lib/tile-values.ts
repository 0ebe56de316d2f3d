// What an image tile says in words and numbers: small tiles (up to 16x16 per plane) print their
// values in bordered cells, like the matrices on the lecture slides; constant tiles are marked
// ("all 0, dead"); counts agree with their nouns ("1 map of 6x6"); the hover read-out names the
// row and column. Pure: the grid renderer and the Node tests share it.

import type { Range } from "./normalize";

/** Tiles up to this size per plane print their values... */
export const NUMBERS_MAX_SIDE = 16;
/** ...when the whole grid holds at most this many values (beyond, the picture reads better). */
export const NUMBERS_MAX_VALUES = 1024;

/** Whether a grid of N tiles of (C, H, W) prints its values in the tiles. */
export function showsNumbers(N: number, C: number, H: number, W: number): boolean {
  return C === 1 && H <= NUMBERS_MAX_SIDE && W <= NUMBERS_MAX_SIDE && N * H * W <= NUMBERS_MAX_VALUES;
}

/** A value as a cell shows it: integers exactly ("-30"), others with 3 significant digits ("0.125", "1.2e-5"). */
export function formatCell(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(1).replace(/\.0e/, "e").replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

/** Cell size in CSS pixels for labels like these (11 px monospace: about 7 px a character). */
export function cellSize(labels: readonly string[]): { width: number; height: number } {
  const longest = labels.reduce((n, s) => Math.max(n, s.length), 1);
  return { width: Math.max(26, 7 * longest + 10), height: 22 };
}

/** Black or white, whichever reads better on `rgb` (relative luminance, WCAG). */
export function textColourOn(rgb: ArrayLike<number>): "#000" | "#fff" {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const L = 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2]);
  // contrast with black (L + 0.05) / 0.05 versus with white 1.05 / (L + 0.05)
  return (L + 0.05) / 0.05 >= 1.05 / (L + 0.05) ? "#000" : "#fff";
}

/**
 * The mark of a tile whose values are all equal: "all 0, dead" for a feature map that is zero
 * everywhere (a ReLU channel that never fires), "all 3" otherwise; null when the tile varies.
 */
export function constantNote(range: Range, kind: string, finite: boolean): string | null {
  if (!finite || range.lo !== range.hi) return null;
  const v = formatCell(range.lo);
  return range.lo === 0 && kind === "featureMaps" ? `all ${v}, dead` : `all ${v}`;
}

/** "1 map", "6 maps". */
export function plural(n: number, noun: string, formatted = String(n)): string {
  return `${formatted} ${noun}${n === 1 ? "" : "s"}`;
}

/** The grid's heading: "1 map of 6x6", "16 filters of 5x5", "4 samples of 28x28 RGB". */
export function gridCountLabel(
  kind: string,
  N: number,
  C: number,
  H: number,
  W: number,
  count: string,
): string {
  const noun =
    kind === "samples" ? "sample" : kind === "filters" ? "filter" : kind === "tensor" ? "plane" : "map";
  return `${plural(N, noun, count)} of ${H}x${W}${C === 3 ? " RGB" : ""}`;
}

/** The hover read-out of one pixel: "ch 1 · row 1, column 3: -30". */
export function describePixel(caption: string, x: number, y: number, value: string): string {
  return `${caption ? `${caption} · ` : ""}row ${y}, column ${x}: ${value}`;
}
