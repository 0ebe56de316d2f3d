// The image-grid renderer in real Chromium: feature maps the engine computed (the lecture's edge
// filters on the 6x6 image) give known colours at known canvas pixels; hover read-out, enlarge by
// click and keyboard, shared normalisation, samples with wrong predictions, 512 maps of 56x56,
// and tensors through the tensor MIME type. No request may leave the page.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ImageGridPayload } from "../../kernel/display/payloads-viz";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { tensorBundle } from "../../kernel/display/tensor-view";
import { F, manualSeed, randn, tensor } from "../../kernel/engine/index";
import { colormapLut, lutColour } from "../../webviews/lib/colormaps";
import { colourIndex, finiteRange } from "../../webviews/lib/normalize";
import {
  canvasPixel,
  type Harness,
  openHarness,
  outsideRequests,
  packFloat32,
  render,
  screenshot,
  text,
} from "./browser";

const lightToDark = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const checker = [
  [10, 10, 10, 0, 0, 0],
  [10, 10, 10, 0, 0, 0],
  [10, 10, 10, 0, 0, 0],
  [0, 0, 0, 10, 10, 10],
  [0, 0, 0, 10, 10, 10],
  [0, 0, 0, 10, 10, 10],
];

/** Two 4x4 edge maps: the vertical filter on the light-to-dark image, the horizontal one on the checkerboard. */
function edgeMaps(): ImageGridPayload {
  const vertical = tensor([
    [
      [
        [1, 0, -1],
        [1, 0, -1],
        [1, 0, -1],
      ],
    ],
  ]);
  const horizontal = tensor([
    [
      [
        [1, 1, 1],
        [0, 0, 0],
        [-1, -1, -1],
      ],
    ],
  ]);
  const a = F.conv2d(tensor([[lightToDark]]), vertical); // rows [0, 30, 30, 0]
  const b = F.conv2d(tensor([[checker]]), horizontal); // rows 0s, [30 10 -10 -30] x2, 0s
  const values = [...a.storage.subarray(0, 16), ...b.storage.subarray(0, 16)];
  return { version: 1, kind: "featureMaps", layer: "edges", shape: [2, 1, 4, 4], data: packFloat32(values) };
}

const activeIndex = (page: Harness["page"]) =>
  page.evaluate(
    () => (globalThis as any).document.activeElement?.getAttribute("data-index") as string | undefined,
  );

describe("image-grid renderer (Chromium)", () => {
  let h: Harness;
  before(async () => {
    h = await openHarness({ messaging: false });
  });
  after(async () => {
    await h?.close();
  });

  it("colours the engine's edge maps: diverging map, dark red at +30, dark blue at -30, near-white at 0", async () => {
    await render(h.page, "edges", [{ mime: VIZ_MIME.imageGrid, data: edgeMaps() }]);
    const page = h.page;
    assert.equal(await page.locator("#edges .rcp-tile").count(), 2);
    assert.equal(await page.getAttribute("#edges .rcp-grid", "data-colormap"), "diverging");
    // tile 0 = [0, 30, 30, 0] per row; per-tile range [0, 30] -> symmetric +-30
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='0']", 1, 0), [103, 0, 31, 255]);
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='0']", 2, 3), [103, 0, 31, 255]);
    const white = [...lutColour(colormapLut("diverging"), 128), 255];
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='0']", 0, 0), white);
    // tile 1 row 1 = [30, 10, -10, -30]
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='1']", 0, 1), [103, 0, 31, 255]);
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='1']", 3, 1), [5, 48, 97, 255]);
    const [r, , b] = await canvasPixel(page, "#edges canvas[data-index='1']", 2, 1);
    assert.ok(b > r, "-10 is bluish");
    await screenshot(page, "image-grid-edges", "#edges");
  });

  it("reads out the tile, x, y and value under the pointer", async () => {
    const canvas = h.page.locator("#edges canvas[data-index='1']");
    const box = await canvas.boundingBox();
    assert.ok(box, "tile 1 is visible");
    // 4x4 maps are drawn 16x: pixel (3, 1) is around (56, 24)
    await h.page.mouse.move(box.x + 3.5 * (box.width / 4), box.y + 1.5 * (box.height / 4));
    assert.match(await text(h.page, "#edges .rcp-readout"), /^ch 1 · x 3, y 1 · -30/);
    await h.page.mouse.move(box.x + 0.5 * (box.width / 4), box.y + 0.5 * (box.height / 4));
    assert.match(await text(h.page, "#edges .rcp-readout"), /^ch 1 · x 0, y 0 · 0 /);
  });

  it("enlarges a tile on click and on Enter, closes on Escape, moves between tiles with arrows", async () => {
    const page = h.page;
    await page.click("#edges figure[data-index='0']");
    assert.equal(await page.locator("#edges .rcp-enlarged").isVisible(), true);
    assert.equal(await page.getAttribute("#edges .rcp-enlarged canvas", "data-index"), "0");
    assert.deepEqual(await canvasPixel(page, "#edges .rcp-enlarged canvas", 1, 0), [103, 0, 31, 255]);
    const big = await page.locator("#edges .rcp-enlarged canvas").boundingBox();
    assert.ok(big && big.width >= 300, "the enlarged tile is drawn about 320 px wide");
    await page.mouse.move(big.x + 2.5 * (big.width / 4), big.y + 3.5 * (big.height / 4));
    assert.match(await text(page, "#edges .rcp-readout"), /^ch 0 · x 2, y 3 · 30/);
    await page.focus("#edges .rcp-close");
    await page.keyboard.press("Escape");
    assert.equal(await page.locator("#edges .rcp-enlarged").isVisible(), false);
    assert.equal(await activeIndex(page), "0");
    await page.keyboard.press("ArrowRight");
    assert.equal(await activeIndex(page), "1");
    await page.keyboard.press("Enter");
    assert.equal(await page.getAttribute("#edges .rcp-enlarged canvas", "data-index"), "1");
    await page.keyboard.press("Escape");
  });

  it("one shared range recolours the tiles against each other", async () => {
    const page = h.page;
    await page.selectOption("#edges .rcp-normalize", "shared");
    assert.equal(await page.getAttribute("#edges .rcp-grid", "data-normalize"), "shared");
    assert.match(await text(page, "#edges .rcp-range"), /range \[-30, 30\]/);
    assert.deepEqual(
      [await text(page, "#edges .rcp-legend-lo"), await text(page, "#edges .rcp-legend-hi")],
      ["-30", "30"],
    );
    assert.deepEqual(await canvasPixel(page, "#edges .rcp-legend-bar", 0, 0), [5, 48, 97, 255]);
    assert.deepEqual(await canvasPixel(page, "#edges .rcp-legend-bar", 255, 0), [103, 0, 31, 255]);
    // the grey map on the shared range [-30, 30]: 30 is white, -30 black, 10 two thirds up
    await page.selectOption("#edges .rcp-colormap", "grey");
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='0']", 1, 0), [255, 255, 255, 255]);
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='1']", 3, 1), [0, 0, 0, 255]);
    const g = colourIndex(10, { lo: -30, hi: 30 }, "grey");
    assert.deepEqual(await canvasPixel(page, "#edges canvas[data-index='1']", 1, 1), [g, g, g, 255]);
  });

  it("labels samples and highlights the wrong predictions", async () => {
    const pixels = new Uint8Array(4 * 8 * 8);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
    pixels[0] = 255; // sample 0, pixel (0, 0)
    pixels[1] = 0;
    const payload: ImageGridPayload = {
      version: 1,
      kind: "samples",
      shape: [4, 1, 8, 8],
      data: { dtype: "uint8", base64: Buffer.from(pixels).toString("base64") },
      labels: [0, 1, 9, 3],
      predictions: [0, 6, 9, 3],
      classNames: [
        "T-shirt",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
      ],
    };
    await render(h.page, "samples", [{ mime: VIZ_MIME.imageGrid, data: payload }]);
    const captions = await h.page.locator("#samples figcaption").allInnerTexts();
    assert.deepEqual(captions, ["T-shirt", "Shirt (true Trouser)", "Ankle boot", "Dress"]);
    const wrong = await h.page.locator("#samples .rcp-wrong figcaption").allInnerTexts();
    assert.deepEqual(wrong, ["Shirt (true Trouser)"]);
    assert.equal(await h.page.getAttribute("#samples .rcp-grid", "data-colormap"), "grey");
    assert.deepEqual(
      await canvasPixel(h.page, "#samples canvas[data-index='0']", 0, 0),
      [255, 255, 255, 255],
    );
    assert.deepEqual(await canvasPixel(h.page, "#samples canvas[data-index='0']", 1, 0), [0, 0, 0, 255]);
    await screenshot(h.page, "image-grid-samples", "#samples");
  });

  it("draws RGB samples from their bytes and reads out all three channels", async () => {
    // two 2x2 RGB images, (N, C, H, W): sample 0 has a pure red, green, blue and grey pixel
    const planes = [
      [255, 0, 0, 128], // R
      [0, 255, 0, 128], // G
      [0, 0, 255, 128], // B
    ];
    const bytes = Uint8Array.from([...planes.flat(), ...planes.flat().map((v) => 255 - v)]);
    const payload: ImageGridPayload = {
      version: 1,
      kind: "samples",
      shape: [2, 3, 2, 2],
      data: { dtype: "uint8", base64: Buffer.from(bytes).toString("base64") },
      labels: [3, 5],
      classNames: ["airplane", "automobile", "bird", "cat", "deer", "dog"],
    };
    await render(h.page, "rgb", [{ mime: VIZ_MIME.imageGrid, data: payload }]);
    assert.equal(await h.page.getAttribute("#rgb .rcp-grid", "data-colormap"), "rgb");
    const px = (k: number, x: number, y: number) =>
      canvasPixel(h.page, `#rgb canvas[data-index='${k}']`, x, y);
    assert.deepEqual(await px(0, 0, 0), [255, 0, 0, 255]);
    assert.deepEqual(await px(0, 1, 0), [0, 255, 0, 255]);
    assert.deepEqual(await px(0, 0, 1), [0, 0, 255, 255]);
    assert.deepEqual(await px(1, 1, 1), [127, 127, 127, 255]);
    assert.deepEqual(await h.page.locator("#rgb figcaption").allTextContents(), ["cat", "dog"]);
    const box = await h.page.locator("#rgb canvas[data-index='0']").boundingBox();
    assert.ok(box);
    await h.page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.25);
    assert.equal(await text(h.page, "#rgb .rcp-readout"), "cat · x 1, y 0 · rgb(0, 255, 0)");
  });

  it("draws 512 feature maps of 56x56, each with its own range", async () => {
    manualSeed(7);
    const maps = F.relu(randn([1, 512, 56, 56]));
    const values = maps.storage.subarray(0, maps.numel);
    const payload: ImageGridPayload = {
      version: 1,
      kind: "featureMaps",
      shape: [512, 1, 56, 56],
      data: packFloat32(values),
    };
    const started = Date.now();
    await render(h.page, "big", [{ mime: VIZ_MIME.imageGrid, data: payload }]);
    console.log(
      `# 512x56x56 feature maps rendered in ${Date.now() - started} ms (payload ${(payload.data as { base64: string }).base64.length >> 20} MiB of base64)`,
    );
    assert.equal(await h.page.locator("#big .rcp-tile canvas").count(), 512);
    assert.equal(await h.page.getAttribute("#big .rcp-grid", "data-colormap"), "viridis");
    const lut = colormapLut("viridis");
    for (const [k, x, y] of [
      [0, 0, 0],
      [300, 17, 40],
      [511, 55, 55],
    ]) {
      const base = k * 56 * 56;
      const range = finiteRange(values, base, base + 56 * 56);
      const expected = [...lutColour(lut, colourIndex(values[base + y * 56 + x], range, "viridis")), 255];
      assert.deepEqual(
        await canvasPixel(h.page, `#big canvas[data-index='${k}']`, x, y),
        expected,
        `map ${k} pixel (${x}, ${y})`,
      );
    }
    await h.page.evaluate(() => (globalThis as any).document.getElementById("big")?.remove());
  });

  it("shows a tensor payload as tiles of its last two dims with its statistics", async () => {
    const t = F.conv2d(
      tensor([[lightToDark]]),
      tensor([
        [
          [
            [1, 0, -1],
            [1, 0, -1],
            [1, 0, -1],
          ],
        ],
      ]),
    );
    const values = Array.from(t.storage.subarray(0, t.numel));
    const payload = {
      version: 1,
      shape: [...t.shape],
      dtype: "float32",
      requiresGrad: false,
      gradFn: null,
      stats: { min: 0, max: 30, mean: 15, std: 15.49 },
      values,
      truncated: false,
    };
    await render(h.page, "tensor", [{ mime: VIZ_MIME.tensor, data: payload }]);
    assert.match(await text(h.page, "#tensor .rcp-title"), /Tensor \[1, 1, 4, 4\] float32/);
    assert.equal(await h.page.locator("#tensor .rcp-tile canvas").count(), 1);
    // shared range [0, 30], viridis (nothing negative): 0 -> first colour, 30 -> last
    assert.deepEqual(await canvasPixel(h.page, "#tensor .rcp-tile canvas", 0, 0), [68, 1, 84, 255]);
    assert.deepEqual(await canvasPixel(h.page, "#tensor .rcp-tile canvas", 1, 0), [253, 231, 37, 255]);
  });

  it("a truncated tensor payload shows the whole maps it holds and says how many", async () => {
    manualSeed(5);
    const bundle = tensorBundle(randn([1, 8, 28, 28])); // 6272 values: the kernel sends the first 4096
    const payload = bundle[VIZ_MIME.tensor] as { truncated: boolean; values: unknown[] };
    assert.equal(payload.truncated, true);
    await render(h.page, "truncated", [{ mime: VIZ_MIME.tensor, data: payload }]);
    assert.equal(await h.page.locator("#truncated .rcp-tile canvas").count(), 5); // floor(4096 / 784)
    assert.match(
      await text(h.page, "#truncated .rcp-tensor > .rcp-muted:nth-of-type(3)"),
      /Showing 5 of 8 maps: the payload holds the first 4,096 of 6,272 values/,
    );
    assert.deepEqual(await h.page.locator("#truncated figcaption").allTextContents(), [
      "[0, 0]",
      "[0, 1]",
      "[0, 2]",
      "[0, 3]",
      "[0, 4]",
    ]);
  });

  it("a 1-D tensor is a row of numbers, a scalar a single number", async () => {
    await render(h.page, "vector", [
      { mime: VIZ_MIME.tensor, data: tensorBundle(tensor([1.5, -2, 3]))[VIZ_MIME.tensor] },
    ]);
    assert.equal(await text(h.page, "#vector .rcp-values"), "[1.5, -2, 3]");
    assert.match(await text(h.page, "#vector .rcp-title"), /Tensor \[3\] float32/);
    await render(h.page, "scalar", [
      { mime: VIZ_MIME.tensor, data: tensorBundle(tensor(0.25))[VIZ_MIME.tensor] },
    ]);
    assert.equal(await text(h.page, "#scalar .rcp-values"), "0.25");
  });

  it("made no request outside the test server and logged no page error", () => {
    assert.deepEqual(outsideRequests(h), []);
    assert.deepEqual(h.pageErrors, []);
  });
});
