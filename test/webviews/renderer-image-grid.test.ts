// The image-grid renderer in real Chromium: feature maps the engine computed (the lecture's edge
// filters on the 6x6 image) give known colours at known canvas pixels; hover read-out, enlarge by
// click and keyboard, shared normalisation, samples with wrong predictions, 512 maps of 56x56,
// and tensors through the tensor MIME type. No request may leave the page.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PNG } from "pngjs";
import type { ImageGridPayload } from "../../kernel/display/payloads-viz";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { F, manualSeed, randn, tensor } from "../../kernel/engine/index";
import { tensorBundle } from "../../kernel/viz/tensor-display";
import { colormapLut, lutColour } from "../../webviews/lib/colormaps";
import { formatValue } from "../../webviews/lib/format";
import { colourIndex, finiteRange } from "../../webviews/lib/normalize";
import {
  canvasPixel,
  type Harness,
  openHarness,
  outsideRequests,
  packFloat32,
  render,
  screenshot,
  setTheme,
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

  it("reads out the tile, row, column and value under the pointer", async () => {
    const canvas = h.page.locator("#edges canvas[data-index='1']");
    const box = await canvas.boundingBox();
    assert.ok(box, "tile 1 is visible");
    await h.page.mouse.move(box.x + 3.5 * (box.width / 4), box.y + 1.5 * (box.height / 4));
    assert.match(await text(h.page, "#edges .rcp-readout"), /^ch 1 · row 1, column 3: -30 · tile range/);
    await h.page.mouse.move(box.x + 0.5 * (box.width / 4), box.y + 0.5 * (box.height / 4));
    assert.match(await text(h.page, "#edges .rcp-readout"), /^ch 1 · row 0, column 0: 0 /);
  });

  it("small maps print their values in bordered cells, in a colour that reads on the cell", async () => {
    const page = h.page;
    assert.equal(await text(page, "#edges .rcp-toolbar .rcp-muted"), "2 maps of 4x4 · edges");
    const cells = (k: number) =>
      page.locator(`#edges figure[data-index='${k}'] .rcp-numbers span`).allTextContents();
    assert.deepEqual(await cells(0), [
      "0",
      "30",
      "30",
      "0",
      "0",
      "30",
      "30",
      "0",
      "0",
      "30",
      "30",
      "0",
      "0",
      "30",
      "30",
      "0",
    ]);
    assert.deepEqual((await cells(1)).slice(0, 8), ["0", "0", "0", "0", "30", "10", "-10", "-30"]);
    const colour = (k: number, i: number) =>
      page.$eval(
        `#edges figure[data-index='${k}'] .rcp-numbers span:nth-child(${i + 1})`,
        (e: any) => (globalThis as any).getComputedStyle(e).color as string,
      );
    assert.equal(await colour(0, 1), "rgb(255, 255, 255)", "white on the dark red of 30");
    assert.equal(await colour(0, 0), "rgb(0, 0, 0)", "black on the near-white of 0");
    // The zeros' row of the horizontal-edge map is near-white: its grid lines keep it visible.
    for (const theme of ["light", "dark"] as const) {
      await setTheme(page, theme);
      const tile = page.locator("#edges figure[data-index='1'] .rcp-cells");
      const box = await tile.boundingBox();
      assert.ok(box, "tile 1 is on screen");
      const shot = PNG.sync.read(await page.screenshot({ clip: { ...box, height: box.height / 4 } }));
      let lines = 0;
      for (let i = 0; i < shot.data.length; i += 4) {
        const [r, g, b] = [shot.data[i], shot.data[i + 1], shot.data[i + 2]];
        if (Math.max(r, g, b) - Math.min(r, g, b) < 20 && r > 60 && r < 200) lines++;
      }
      assert.ok(lines > 2 * box.width, `${theme}: the zeros' row shows ${lines} grid-line pixels`);
      await screenshot(page, `image-grid-edges-numbers-${theme}`, "#edges");
    }
    await setTheme(page, "light");
    // The numbers can be hidden (and shown again) from the toolbar.
    await page.click("#edges .rcp-numbers-toggle");
    assert.equal(await page.locator("#edges .rcp-numbers").first().isVisible(), false);
    await page.click("#edges .rcp-numbers-toggle");
    assert.equal(await page.locator("#edges .rcp-numbers").first().isVisible(), true);
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
    assert.match(await text(page, "#edges .rcp-readout"), /^ch 0 · row 3, column 2: 30/);
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
    assert.equal(await text(h.page, "#rgb .rcp-readout"), "cat · row 0, column 1: rgb(0, 255, 0)");
  });

  it("marks a dead map 'all 0, dead' and paints it with the grid's low end, not mid-map; plurals agree", async () => {
    // After a ReLU: channel 0 never fired, channel 1 did. One map alone is "1 map".
    const values = [...Array(36).fill(0), ...Array.from({ length: 36 }, (_, i) => i % 7)];
    await render(h.page, "dead", [
      {
        mime: VIZ_MIME.imageGrid,
        data: { version: 1, kind: "featureMaps", shape: [2, 1, 6, 6], data: packFloat32(values) },
      },
    ]);
    assert.deepEqual(await h.page.locator("#dead .rcp-note:visible").allTextContents(), ["all 0, dead"]);
    assert.equal(await h.page.locator("#dead figure[data-index='1'] .rcp-note").isVisible(), false);
    const low = [...lutColour(colormapLut("viridis"), 0), 255];
    assert.deepEqual(await canvasPixel(h.page, "#dead canvas[data-index='0']", 3, 3), low);
    await screenshot(h.page, "image-grid-dead-map", "#dead");
    await render(h.page, "one", [
      {
        mime: VIZ_MIME.imageGrid,
        data: { version: 1, kind: "featureMaps", shape: [1, 1, 6, 6], data: packFloat32(values.slice(36)) },
      },
    ]);
    assert.equal(await text(h.page, "#one .rcp-toolbar .rcp-muted"), "1 map of 6x6");
    await render(h.page, "filter", [
      {
        mime: VIZ_MIME.imageGrid,
        data: {
          version: 1,
          kind: "filters",
          shape: [1, 1, 3, 3],
          data: packFloat32([1, 0, -1, 1, 0, -1, 1, 0, -1]),
        },
      },
    ]);
    assert.equal(await text(h.page, "#filter .rcp-toolbar .rcp-muted"), "1 filter of 3x3");
    assert.deepEqual(await h.page.locator("#filter .rcp-numbers span").allTextContents(), [
      "1",
      "0",
      "-1",
      "1",
      "0",
      "-1",
      "1",
      "0",
      "-1",
    ]);
    for (const id of ["dead", "one", "filter"])
      await h.page.evaluate((i) => (globalThis as any).document.getElementById(i)?.remove(), id);
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
    assert.equal(await h.page.locator("#big .rcp-numbers").count(), 0, "56x56 maps are pictures");
    await h.page.locator("#big canvas[data-index='300']").scrollIntoViewIfNeeded();
    const at = await h.page.locator("#big canvas[data-index='300']").boundingBox();
    assert.ok(at);
    await h.page.mouse.move(at.x + (17.5 * at.width) / 56, at.y + (40.5 * at.height) / 56);
    // Readable hover: the map, its row and column, the value there (1 px per pixel: read where it landed).
    const said = await text(h.page, "#big .rcp-readout");
    const m = said.match(/^ch 300 · row (\d+), column (\d+): (\S+) · tile range \[/);
    assert.ok(m, said);
    const [row, col] = [Number(m[1]), Number(m[2])];
    assert.ok(Math.abs(row - 40) <= 1 && Math.abs(col - 17) <= 1, said);
    assert.equal(m[3], formatValue(values[300 * 56 * 56 + row * 56 + col]));
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
