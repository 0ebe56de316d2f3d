// viz.augmentations: one image under n random augmentations as an image grid, the original
// first, every tile exactly what the transform gave, with PNG / HTML / text fallbacks; datasets,
// tensors and RawImages as sources; clear errors for what cannot be tiled.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toMimeBundle } from "../../kernel/display/mime";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { data, Generator, rand, type Tensor } from "../../kernel/engine/index";
import { unpackNumeric } from "../../kernel/viz/image-grid";
import { augmentations } from "../../kernel/viz/index";
import { expectClose } from "../helpers";

const { transforms } = data;

describe("viz.augmentations", () => {
  it("a dataset sample: the original, then n tiles, each the transform's output for that draw", () => {
    const ds = new data.Shapes({ count: 5, size: 20, channels: 3, seed: 2 });
    const rotate = () => transforms.randomRotation(40, { generator: new Generator(11) });
    const fig = augmentations(ds, rotate(), 6, { index: 3 });
    const p = fig.payload;
    assert.deepEqual(p.shape, [7, 3, 20, 20]);
    assert.equal(p.kind, "samples");
    const tiles = unpackNumeric(p.data);
    const image = ds.get(3)[0];
    const per = 3 * 20 * 20;
    expectClose(tiles.subarray(0, per), image.storage, "the original");
    const again = rotate(); // the same draws, in order
    for (let k = 1; k <= 6; k++)
      expectClose(tiles.subarray(k * per, (k + 1) * per), (again(image) as Tensor).storage, `tile ${k}`);
    assert.notDeepEqual(
      [...tiles.subarray(per, 2 * per)],
      [...tiles.subarray(2 * per, 3 * per)],
      "tiles differ",
    );
    const b = toMimeBundle(fig);
    assert.ok(b[VIZ_MIME.imageGrid]);
    assert.equal(typeof b["image/png"], "string");
    assert.match(b["text/html"] as string, /original · #1 · #2/);
    assert.match(
      b["text/plain"] as string,
      /^6 random augmentations \(the original first\): 7 images of 20x20 RGB/,
    );
  });

  it("a resizing transform leaves the original out; RawImages and grey tensors work", () => {
    const raw: data.RawImage = {
      data: new Uint8Array(30 * 40).fill(200),
      height: 30,
      width: 40,
      channels: 1,
    };
    const fig = augmentations(raw, transforms.randomResizedCrop(16, { generator: new Generator(1) }), 4);
    assert.deepEqual(fig.payload.shape, [4, 1, 16, 16]);
    assert.match(fig.payload.title ?? "", /4 random augmentations of a 30x40 image/);
    expectClose(unpackNumeric(fig.payload.data), Array(4 * 256).fill(200 / 255), "bytes as [0, 1]");
    const grey = augmentations(rand([9, 9]), transforms.gaussianBlur(3), 2);
    assert.deepEqual(grey.payload.shape, [3, 1, 9, 9]);
  });

  it("refuses outputs of different sizes, bad n and non-images, naming the fix", () => {
    const img = rand([3, 12, 12]);
    assert.throws(
      () =>
        augmentations(img, transforms.randomRotation(30, { expand: true, generator: new Generator(0) }), 3),
      /^Error: viz\.augmentations: the transform's output \d has shape \[3, \d+, \d+\] but output 0 has .*end the transform with a fixed size/,
    );
    assert.throws(
      () => augmentations(img, transforms.gaussianBlur(3), 0),
      /n must be a positive integer, got 0/,
    );
    assert.throws(
      () => augmentations(rand([2, 3, 4, 4]), (x) => x),
      /the image must be an image.*shape \[2, 3, 4, 4\]/,
    );
    assert.throws(
      () => augmentations(new data.Shapes({ count: 2 }), (x) => x, 2, { index: 2 }),
      /index 2 is out of range/,
    );
  });
});
