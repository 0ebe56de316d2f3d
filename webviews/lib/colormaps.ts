// Colour maps as 256-entry RGB lookup tables: viridis (non-negative values), grey (images) and a
// blue-white-red diverging map (signed values, white at zero). Pure: used by the canvas renderers
// and by their tests.

import { viridis } from "../../kernel/display/colormap";

export type ColormapName = "viridis" | "grey" | "diverging";

/** ColorBrewer RdBu, reversed so negative is blue: https://colorbrewer2.org/#type=diverging&scheme=RdBu */
const RD_BU: readonly [number, number, number][] = [
  [5, 48, 97],
  [33, 102, 172],
  [67, 147, 195],
  [146, 197, 222],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [244, 165, 130],
  [214, 96, 77],
  [178, 24, 43],
  [103, 0, 31],
];

function interpolate(stops: readonly [number, number, number][], t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Index 0..255 -> RGB, `lut[3 * i + k]`. */
export type Lut = Uint8Array;

const cache = new Map<ColormapName, Lut>();

export function colormapLut(name: ColormapName): Lut {
  let lut = cache.get(name);
  if (lut) return lut;
  lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const rgb = name === "viridis" ? viridis(t) : name === "grey" ? [i, i, i] : interpolate(RD_BU, t);
    lut.set(rgb, 3 * i);
  }
  cache.set(name, lut);
  return lut;
}

/** The colour a LUT gives to index `i` as [r, g, b]. */
export function lutColour(lut: Lut, i: number): [number, number, number] {
  return [lut[3 * i], lut[3 * i + 1], lut[3 * i + 2]];
}

/** Colour used for NaN and infinite values: magenta, absent from every map. */
export const NON_FINITE_RGB: readonly [number, number, number] = [255, 0, 255];
