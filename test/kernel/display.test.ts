// Display building blocks without a kernel: the PNG encoder (decoded back with node:zlib), tensor
// MIME bundles (payload, number table, heatmap), self-rendering objects, the formatter registry
// and display handles.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { inflateSync } from "node:zlib";
import { display } from "../../kernel/display/display-api";
import { formatterFor, registerFormatter } from "../../kernel/display/formatters";
import { JUPYTER_DISPLAY, toMimeBundle } from "../../kernel/display/mime";
import { crc32, encodePng } from "../../kernel/display/png";
import { TENSOR_MIME, type TensorPayload } from "../../kernel/display/schema";
import { setDisplaySinkProvider } from "../../kernel/display/sink";
import { tensor } from "../../kernel/engine/index";
import { tensorBundle, tensorHeatmap, tensorTable } from "../../kernel/viz/tensor-display";

/** Splits a PNG into chunks, checking each CRC. */
function chunks(png: Buffer): { type: string; data: Buffer }[] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: { type: string; data: Buffer }[] = [];
  for (let o = 8; o < png.length; ) {
    const len = png.readUInt32BE(o);
    const type = png.subarray(o + 4, o + 8).toString("ascii");
    const data = png.subarray(o + 8, o + 8 + len);
    assert.equal(png.readUInt32BE(o + 8 + len), crc32(png.subarray(o + 4, o + 8 + len)), `CRC of ${type}`);
    out.push({ type, data });
    o += 12 + len;
  }
  return out;
}

describe("PNG encoder", () => {
  test("crc32 matches the PNG spec's check value", () => {
    assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
  });

  test("header, pixels and end chunk round-trip through zlib", () => {
    const px = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]); // 2x2 RGB
    const c = chunks(encodePng(2, 2, px, 3));
    assert.deepEqual(
      c.map((x) => x.type),
      ["IHDR", "IDAT", "IEND"],
    );
    assert.equal(c[0].data.readUInt32BE(0), 2);
    assert.equal(c[0].data.readUInt32BE(4), 2);
    assert.equal(c[0].data[9], 2); // colour type RGB
    const raw = inflateSync(c[1].data);
    assert.deepEqual([...raw], [0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 10, 20, 30]);
  });

  test("a wrong buffer size is explained", () => {
    assert.throws(() => encodePng(2, 2, new Uint8Array(5), 4), /expected 2x2x4 = 16 bytes, got 5/);
  });
});

describe("tensor bundles", () => {
  const edge = tensor([
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
    [10, 10, 10, 0, 0, 0],
  ]);

  test("the payload has shape, stats and values", () => {
    const p = tensorBundle(edge)[TENSOR_MIME] as TensorPayload;
    assert.deepEqual(p.shape, [6, 6]);
    assert.equal(p.stats.min, 0);
    assert.equal(p.stats.max, 10);
    assert.equal(p.stats.mean, 5);
    assert.equal(p.values.length, 36);
    assert.equal(p.truncated, false);
  });

  test("the lecture's 6x6 image is a 6x6 number table with integers as written", () => {
    const html = tensorTable(edge.reshape([1, 1, 6, 6]))!;
    assert.equal((html.match(/<tr>/g) ?? []).length, 6);
    const cells = [...html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
    assert.deepEqual(cells.slice(0, 6), ["10", "10", "10", "0", "0", "0"]);
    assert.match(html, /shape \[1, 1, 6, 6\]/);
    assert.match(tensorTable(tensor([[0.5, 0.25]])) ?? "", />0\.25</);
    assert.equal(tensorTable(tensor([[[1, 2]], [[3, 4]]])), null); // 3-D: no table
  });

  test("the heatmap is bright where values are high", () => {
    const png = tensorHeatmap(edge)!;
    const c = chunks(png);
    const width = c[0].data.readUInt32BE(0);
    const raw = inflateSync(c.find((x) => x.type === "IDAT")!.data);
    const pixel = (x: number, y: number) =>
      raw.subarray(y * (width * 4 + 1) + 1 + x * 4, y * (width * 4 + 1) + 1 + x * 4 + 3);
    const [lr, lg] = pixel(0, 0); // value 10 (left)
    const [dr, dg] = pixel(width - 1, 0); // value 0 (right)
    assert.ok(lr + lg > dr + dg, "high values should be brighter in viridis");
    assert.equal(tensorHeatmap(tensor([1, 2, 3])), null);
  });

  test("channels become a grid of tiles", () => {
    const c = chunks(
      tensorHeatmap(
        tensor([
          [
            [1, 2],
            [3, 4],
          ],
          [
            [5, 6],
            [7, 8],
          ],
          [
            [0, 0],
            [0, 0],
          ],
          [
            [1, 1],
            [1, 1],
          ],
        ]),
      )!,
    );
    const [w, h] = [c[0].data.readUInt32BE(0), c[0].data.readUInt32BE(4)];
    assert.equal(w, h); // 4 tiles in a 2x2 grid
    assert.ok(w > 2 * 2 * 2, "tiles are scaled up");
  });
});

describe("display", () => {
  test("objects with Symbol.for('Jupyter.display') render themselves; text/plain is added", () => {
    const obj = { [JUPYTER_DISPLAY]: () => ({ "text/html": "<i>me</i>" }) };
    const b = toMimeBundle(obj);
    assert.equal(b["text/html"], "<i>me</i>");
    assert.equal(typeof b["text/plain"], "string");
    assert.throws(
      () => toMimeBundle({ [JUPYTER_DISPLAY]: () => "html" }),
      /must return a MIME bundle object/,
    );
  });

  test("formatters are found along the prototype chain, nearest class first", () => {
    class Shape {}
    class Square extends Shape {}
    class Tiny extends Square {}
    class Circle extends Shape {}
    registerFormatter(Shape, () => ({ "text/html": "a shape" }));
    registerFormatter(Square, (sq) => ({ "text/html": `a square (${sq instanceof Square})` }));
    assert.equal(toMimeBundle(new Circle())["text/html"], "a shape");
    assert.equal(toMimeBundle(new Square())["text/html"], "a square (true)");
    assert.equal(toMimeBundle(new Tiny())["text/html"], "a square (true)");
    assert.equal(typeof toMimeBundle(new Tiny())["text/plain"], "string", "text/plain is added");
    registerFormatter(Square, () => ({ "text/html": "replaced", "text/plain": "sq" }));
    assert.deepEqual(toMimeBundle(new Tiny()), { "text/html": "replaced", "text/plain": "sq" });
    assert.equal(formatterFor(Object.create(null)), undefined);
    assert.deepEqual(toMimeBundle({ plain: 1 }), { "text/plain": "{ plain: 1 }" });
  });

  test("an object's own Symbol.for('Jupyter.display') method wins over its class's formatter", () => {
    class Card {}
    class OwnCard extends Card {
      [JUPYTER_DISPLAY]() {
        return { "text/markdown": "mine" };
      }
    }
    registerFormatter(Card, () => ({ "text/markdown": "registered" }));
    assert.equal(toMimeBundle(new OwnCard())["text/markdown"], "mine");
    assert.equal(toMimeBundle(new Card())["text/markdown"], "registered");
  });

  test("a formatter that returns no bundle, or a non-class, is explained", () => {
    class Broken {}
    registerFormatter(Broken, () => "html" as never);
    assert.throws(
      () => toMimeBundle(new Broken()),
      /display: the formatter must return a MIME bundle object/,
    );
    assert.throws(
      () => registerFormatter({ prototype: {} }, () => ({})),
      /registerFormatter: expected a class/,
    );
  });

  test("plain values are inspected like the Node REPL", () => {
    assert.deepEqual(toMimeBundle("hi"), { "text/plain": "'hi'" });
    assert.deepEqual(toMimeBundle([1, 2]), { "text/plain": "[ 1, 2 ]" });
  });

  test("handles update the output they created", () => {
    const events: [string, unknown, string][] = [];
    setDisplaySinkProvider(() => ({
      display: (b, _m, id) => events.push(["display", b["text/plain"], id]),
      update: (b, _m, id) => events.push(["update", b["text/plain"], id]),
    }));
    try {
      const h = display(1);
      h.update(2);
      display.markdown("**b**");
      assert.deepEqual(events[0], ["display", "1", h.displayId]);
      assert.deepEqual(events[1], ["update", "2", h.displayId]);
      assert.equal(events[2][1], "**b**");
      assert.notEqual(events[2][2], h.displayId);
    } finally {
      setDisplaySinkProvider(() => undefined);
    }
    assert.throws(() => display(1), /no notebook cell to show this in/);
  });
});
