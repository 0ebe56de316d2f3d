// Colormaps and normalisation of the image-grid renderer: LUT end points, the diverging map's white
// zero, per-tile versus shared ranges, and painting a tile into RGBA bytes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colormapLut, lutColour, NON_FINITE_RGB } from "../../webviews/lib/colormaps";
import {
  chooseColormap,
  colourIndex,
  finiteRange,
  legendEnds,
  paintRgbTile,
  paintScalarTile,
  tileRanges,
} from "../../webviews/lib/normalize";

describe("colormaps", () => {
  it("viridis runs from dark purple to yellow, grey from black to white", () => {
    const v = colormapLut("viridis");
    assert.deepEqual(lutColour(v, 0), [68, 1, 84]);
    assert.deepEqual(lutColour(v, 255), [253, 231, 37]);
    const g = colormapLut("grey");
    assert.deepEqual(lutColour(g, 0), [0, 0, 0]);
    assert.deepEqual(lutColour(g, 200), [200, 200, 200]);
  });

  it("diverging runs from dark blue through near-white to dark red", () => {
    const d = colormapLut("diverging");
    assert.deepEqual(lutColour(d, 0), [5, 48, 97]);
    assert.deepEqual(lutColour(d, 255), [103, 0, 31]);
    const [r, g, b] = lutColour(d, 128);
    assert.ok(r > 240 && g > 240 && b > 240, `middle colour ${[r, g, b]} should be near white`);
    const [r1, , b1] = lutColour(d, 64);
    assert.ok(b1 > r1, "the negative half is blue");
    const [r2, , b2] = lutColour(d, 192);
    assert.ok(r2 > b2, "the positive half is red");
  });
});

describe("normalisation", () => {
  it("diverging maps are symmetric about zero", () => {
    const range = { lo: -10, hi: 30 };
    assert.equal(colourIndex(0, range, "diverging"), 128);
    assert.equal(colourIndex(30, range, "diverging"), 255);
    assert.equal(colourIndex(-30, range, "diverging"), 0);
    assert.equal(colourIndex(-10, range, "diverging"), Math.round((0.5 - 10 / 60) * 255));
  });

  it("sequential maps stretch [lo, hi] over the map; a constant range gives the low end; NaN gets -1", () => {
    assert.equal(colourIndex(2, { lo: 2, hi: 6 }, "viridis"), 0);
    assert.equal(colourIndex(6, { lo: 2, hi: 6 }, "viridis"), 255);
    assert.equal(colourIndex(4, { lo: 2, hi: 6 }, "grey"), 128);
    assert.equal(colourIndex(7, { lo: 7, hi: 7 }, "viridis"), 0, "a constant map carries no signal");
    assert.equal(colourIndex(Number.NaN, { lo: 0, hi: 1 }, "viridis"), -1);
  });

  it("ranges per tile or shared, ignoring NaN and infinities", () => {
    const v = [0, 1, 2, 3, 10, Number.NaN, 20, Number.POSITIVE_INFINITY];
    assert.deepEqual(tileRanges(v, 2, 4, "perChannel"), [
      { lo: 0, hi: 3 },
      { lo: 10, hi: 20 },
    ]);
    assert.deepEqual(tileRanges(v, 2, 4, "shared"), [
      { lo: 0, hi: 20 },
      { lo: 0, hi: 20 },
    ]);
    assert.deepEqual(finiteRange([Number.NaN, Number.NEGATIVE_INFINITY]), { lo: 0, hi: 0 });
  });

  it("the colour bar's ends: symmetric for diverging maps, the range otherwise", () => {
    assert.deepEqual(legendEnds({ lo: -10, hi: 30 }, "diverging"), [-30, 30]);
    assert.deepEqual(legendEnds({ lo: 2, hi: 6 }, "viridis"), [2, 6]);
  });

  it("auto colormap: diverging for signed values, grey for samples, viridis otherwise", () => {
    assert.equal(chooseColormap("auto", "featureMaps", { lo: -1, hi: 2 }), "diverging");
    assert.equal(chooseColormap("auto", "featureMaps", { lo: 0, hi: 2 }), "viridis");
    assert.equal(chooseColormap(undefined, "samples", { lo: 0, hi: 255 }), "grey");
    assert.equal(chooseColormap("grey", "featureMaps", { lo: -1, hi: 2 }), "grey");
  });

  it("painting a scalar tile writes the LUT colour of each value, magenta for NaN, opaque", () => {
    const values = new Float32Array([99, 0, 30, -30, Number.NaN]); // tile starts at offset 1
    const rgba = new Uint8ClampedArray(4 * 4);
    paintScalarTile(rgba, values, 1, 4, { lo: -30, hi: 30 }, "diverging");
    const lut = colormapLut("diverging");
    const px = (p: number) => [...rgba.subarray(4 * p, 4 * p + 4)];
    assert.deepEqual(px(0), [...lutColour(lut, 128), 255]);
    assert.deepEqual(px(1), [103, 0, 31, 255]);
    assert.deepEqual(px(2), [5, 48, 97, 255]);
    assert.deepEqual(px(3), [...NON_FINITE_RGB, 255]);
  });

  it("painting an RGB tile uses byte values as they are and stretches [0, 1] floats", () => {
    const rgba = new Uint8ClampedArray(2 * 4);
    // (3, 1, 2): R = [255, 0], G = [128, 0], B = [0, 64]
    paintRgbTile(rgba, [255, 0, 128, 0, 0, 64], 0, 2, { lo: 0, hi: 255 });
    assert.deepEqual([...rgba], [255, 128, 0, 255, 0, 0, 64, 255]);
    paintRgbTile(rgba, [1, 0, 0.5, 0, 0, 0.25], 0, 2, { lo: 0, hi: 1 });
    assert.deepEqual([...rgba], [255, 128, 0, 255, 0, 0, 64, 255]);
  });
});
