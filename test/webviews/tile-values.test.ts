// What image tiles say in words and numbers (webviews/lib/tile-values.ts): which grids print their
// values, how a cell shows a value, the text colour that reads on a cell, constant tiles marked,
// plurals, and the hover read-out.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { colormapLut, lutColour } from "../../webviews/lib/colormaps";
import {
  constantNote,
  describePixel,
  formatCell,
  gridCountLabel,
  showsNumbers,
  textColourOn,
} from "../../webviews/lib/tile-values";

describe("tile values", () => {
  it("grids of small planes print their values; big planes, RGB and very many tiles do not", () => {
    assert.equal(showsNumbers(1, 1, 2, 2), true);
    assert.equal(showsNumbers(6, 1, 6, 6), true);
    assert.equal(showsNumbers(4, 1, 16, 16), true);
    assert.equal(showsNumbers(1, 1, 17, 4), false);
    assert.equal(showsNumbers(1, 1, 28, 28), false);
    assert.equal(showsNumbers(2, 3, 2, 2), false);
    assert.equal(showsNumbers(96, 1, 5, 5), false);
  });

  it("cells show integers exactly and other values with 3 significant digits", () => {
    assert.deepEqual(
      [30, -30, 0, 0.125, -0.33333, 12.3456, 1.2e-5, 2.5e7, Number.NaN, -Infinity].map(formatCell),
      ["30", "-30", "0", "0.125", "-0.333", "12.3", "1.2e-5", "2.5e7", "NaN", "-inf"],
    );
  });

  it("black text on light cells, white on dark ones", () => {
    const v = colormapLut("viridis");
    const d = colormapLut("diverging");
    assert.equal(textColourOn(lutColour(v, 0)), "#fff");
    assert.equal(textColourOn(lutColour(v, 255)), "#000");
    assert.equal(textColourOn(lutColour(d, 128)), "#000");
    assert.equal(textColourOn(lutColour(d, 0)), "#fff");
    assert.equal(textColourOn(lutColour(d, 255)), "#fff");
  });

  it("constant tiles are marked; a zero feature map is dead", () => {
    assert.equal(constantNote({ lo: 0, hi: 0 }, "featureMaps", true), "all 0, dead");
    assert.equal(constantNote({ lo: 0, hi: 0 }, "tensor", true), "all 0");
    assert.equal(constantNote({ lo: 3, hi: 3 }, "featureMaps", true), "all 3");
    assert.equal(constantNote({ lo: 0, hi: 30 }, "featureMaps", true), null);
    assert.equal(constantNote({ lo: 0, hi: 0 }, "featureMaps", false), null, "NaN is not 'all 0'");
  });

  it("counts agree with their nouns", () => {
    assert.equal(gridCountLabel("featureMaps", 1, 1, 6, 6, "1"), "1 map of 6x6");
    assert.equal(gridCountLabel("featureMaps", 16, 1, 10, 10, "16"), "16 maps of 10x10");
    assert.equal(gridCountLabel("filters", 1, 1, 3, 3, "1"), "1 filter of 3x3");
    assert.equal(gridCountLabel("samples", 4, 3, 32, 32, "4"), "4 samples of 32x32 RGB");
    assert.equal(gridCountLabel("tensor", 2, 1, 2, 2, "2"), "2 planes of 2x2");
  });

  it("the hover read-out names the row and the column", () => {
    assert.equal(describePixel("ch 1", 4, 1, "0"), "ch 1 · row 1, column 4: 0");
    assert.equal(describePixel("", 0, 2, "-3"), "row 2, column 0: -3");
  });
});
