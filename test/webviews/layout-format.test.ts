// Pure helpers of the renderers: tile zoom and hit testing, arrow-key moves between tiles, number
// formatting, packed payload numbers, image-grid payload checks and captions.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatBytes,
  formatCompact,
  formatInt,
  formatPercent,
  formatShape,
  formatValue,
} from "../../webviews/lib/format";
import { gridModel } from "../../webviews/lib/grid-payload";
import { decodeNumeric } from "../../webviews/lib/packed";
import {
  columnsThatFit,
  enlargedZoom,
  neighbourTile,
  pixelUnder,
  tileZoom,
} from "../../webviews/lib/tile-layout";

const f32 = (values: number[]) => ({
  dtype: "float32" as const,
  base64: Buffer.from(new Float32Array(values).buffer).toString("base64"),
});

describe("tile layout", () => {
  it("zooms small maps up by whole pixels and leaves large ones alone", () => {
    assert.equal(tileZoom(56, 56), 1);
    assert.equal(tileZoom(28, 28), 2);
    assert.equal(tileZoom(5, 5), 12);
    assert.equal(tileZoom(1, 1), 16);
    assert.equal(tileZoom(224, 224), 1);
    assert.equal(enlargedZoom(6, 6), 53);
    assert.equal(columnsThatFit(300, 56, 4), 5);
    assert.equal(columnsThatFit(10, 56, 4), 1);
  });

  it("finds the map pixel under the pointer", () => {
    assert.deepEqual(pixelUnder(0, 0, 64, 64, 4, 4), { x: 0, y: 0 });
    assert.deepEqual(pixelUnder(24, 40, 64, 64, 4, 4), { x: 1, y: 2 });
    assert.deepEqual(pixelUnder(63.9, 63.9, 64, 64, 4, 4), { x: 3, y: 3 });
    assert.equal(pixelUnder(64, 10, 64, 64, 4, 4), null);
    assert.equal(pixelUnder(-1, 10, 64, 64, 4, 4), null);
  });

  it("moves between tiles with the arrow keys, Home and End, and stays put at the edges", () => {
    // 10 tiles, 4 per row
    assert.equal(neighbourTile(0, "ArrowRight", 4, 10), 1);
    assert.equal(neighbourTile(5, "ArrowDown", 4, 10), 9);
    assert.equal(neighbourTile(7, "ArrowDown", 4, 10), 7);
    assert.equal(neighbourTile(5, "ArrowUp", 4, 10), 1);
    assert.equal(neighbourTile(0, "ArrowLeft", 4, 10), 0);
    assert.equal(neighbourTile(4, "End", 4, 10), 9);
    assert.equal(neighbourTile(4, "Home", 4, 10), 0);
    assert.equal(neighbourTile(4, "a", 4, 10), null);
  });
});

describe("formatting", () => {
  it("writes counts, sizes, shapes and values the way the tables show them", () => {
    assert.equal(formatInt(61706), "61,706");
    assert.equal(formatInt(156), "156");
    assert.equal(formatCompact(416520), "417k");
    assert.equal(formatCompact(1234567), "1.23M");
    assert.equal(formatCompact(999), "999");
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(4096), "4 KiB");
    assert.equal(formatBytes(18816), "18.4 KiB");
    assert.equal(formatShape([1, 6, 28, 28]), "[1, 6, 28, 28]");
    assert.equal(formatValue(30), "30");
    assert.equal(formatValue(-1), "-1");
    assert.equal(formatValue(0.123456), "0.1235");
    assert.equal(formatValue(0.00001234), "1.234e-5");
    assert.equal(formatValue(Number.NaN), "NaN");
    assert.equal(formatValue(Number.NEGATIVE_INFINITY), "-inf");
    assert.equal(formatPercent(0.9134), "91.3%");
  });
});

describe("payload numbers", () => {
  it("decodes base64 float32 (NaN included), uint8 bytes and JSON lists with null", () => {
    const v = decodeNumeric(f32([1.5, -2, Number.NaN]), 3, "t");
    assert.deepEqual([v[0], v[1]], [1.5, -2]);
    assert.ok(Number.isNaN(v[2]));
    assert.deepEqual(
      [...decodeNumeric({ dtype: "uint8", base64: Buffer.from([0, 7, 255]).toString("base64") }, 3, "t")],
      [0, 7, 255],
    );
    const list = decodeNumeric([1, null, 3], 3, "t");
    assert.ok(Number.isNaN(list[1]));
  });

  it("rejects data whose length does not match the shape, naming what it expected", () => {
    assert.throws(
      () => decodeNumeric(f32([1, 2]), 3, "image grid"),
      /image grid: the shape needs 3 values, the data has 2/,
    );
    assert.throws(() => decodeNumeric({ dtype: "float32", base64: "AAA=" }, 1, "g"), /not a multiple of 4/);
    assert.throws(() => decodeNumeric("nope" as never, 1, "g"), /expected a number list/);
  });
});

describe("image-grid payloads", () => {
  it("captions samples with class names and flags wrong predictions", () => {
    const m = gridModel({
      version: 1,
      kind: "samples",
      shape: [3, 1, 1, 1],
      data: [0, 1, 2],
      labels: [0, 1, 2],
      predictions: [0, 2, 2],
      classNames: ["cat", "dog", "bird"],
    });
    assert.deepEqual(m.captions, ["cat", "bird (true dog)", "bird"]);
    assert.deepEqual(m.wrong, [false, true, false]);
  });

  it("names feature maps and filters by index when no labels are given", () => {
    const maps = gridModel({ version: 1, kind: "featureMaps", shape: [2, 1, 1, 1], data: [0, 1] });
    assert.deepEqual(maps.captions, ["ch 0", "ch 1"]);
    const filters = gridModel({ version: 1, kind: "filters", shape: [1, 1, 1, 1], data: [0] });
    assert.deepEqual(filters.captions, ["filter 0"]);
  });

  it("rejects malformed payloads with a message that says what is wrong", () => {
    assert.throws(() => gridModel({ version: 2 }), /unsupported version 2/);
    assert.throws(
      () => gridModel({ version: 1, kind: "tensor", shape: [1, 2, 3], data: [] }),
      /shape must be \(N, C, H, W\)/,
    );
    assert.throws(
      () => gridModel({ version: 1, kind: "tensor", shape: [1, 2, 1, 1], data: [0, 0] }),
      /C must be 1 \(maps\) or 3/,
    );
    assert.throws(
      () => gridModel({ version: 1, kind: "samples", shape: [2, 1, 1, 1], data: [0, 0], labels: [1] }),
      /labels must have one entry per tile \(2\), got 1/,
    );
  });
});
