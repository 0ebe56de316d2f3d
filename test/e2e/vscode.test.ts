// End-to-end in a real VS Code: code-server 4.139.1 (scripts/e2e/install-code-server.mjs) with the
// packaged extension (.vsix from `npm run package`) installed, driven from Debian's Chromium. A
// student's path: open course notebooks 1, 5 and 9, pick "Receptive (TypeScript)", Run All, and
// every cell must run and every check pass (notebook 5's live fit curves and notebook 9's pictures
// are checked on screen too); a fixture with a failing check must be reported by its cell and
// message; then a small fixture notebook whose feature map and live training curves must be drawn
// (checked in pixels), whose training cell the Stop button must interrupt with its variables kept,
// and whose kernel Restart must replace. Screenshots and code-server's log go to test/artifacts/e2e/.

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Frame, Page } from "playwright-core";
import { PNG } from "pngjs";
import {
  ARTIFACTS,
  type CodeServer,
  installCodeServer,
  packagedVsix,
  ROOT,
  startCodeServer,
} from "./code-server";
import {
  cellIndex,
  checksNotPrinted,
  finishRunAll,
  mimeData,
  readCells,
  runAllAndCheck,
  type SavedCell,
  startRunAll,
  streamText,
  waitUntilIdle,
} from "./notebook-run";
import {
  canvasOnScreen,
  cellRow,
  frameWith,
  launchBrowser,
  openNotebook,
  openWorkbench,
  outputFrame,
  pngStats,
  receptiveStatus,
  revealCell,
  revealElement,
  runCell,
  runCommand,
  screenshot,
  selectKernel,
  waitForCellState,
} from "./workbench";

const KERNEL = "Receptive (TypeScript)";
const COURSE = "01-convolution.ipynb";
const LENET = "05-lenet-fashion-mnist.ipynb";
const LOOKING = "09-looking-inside.ipynb";
const FIXTURE = "e2e-training.ipynb";
const FAILING = "e2e-failing-check.ipynb";
const TENSOR = "application/vnd.receptive.tensor+json";
const GRID = "application/vnd.receptive.image-grid+json";
const CURVES = "application/vnd.receptive.curves+json";
const SUMMARY = "application/vnd.receptive.model-summary+json";
const CONFUSION = "application/vnd.receptive.confusion-matrix+json";
// Viridis at 0 and 1 (kernel/display/colormap.ts): the two colours of the fixture's edge map.
const VIRIDIS_LO = [68, 1, 84];
const VIRIDIS_HI = [253, 231, 37];

/** Text of the stream output matching `pattern` in the output webview (waits for it). */
async function outputText(frame: Frame, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const out = frame.locator(".output-stream", { hasText: pattern }).first();
  await out.waitFor({ state: "attached", timeout: timeoutMs });
  return (await out.textContent()) ?? "";
}

const near = (px: number[], rgb: number[], tol = 40) => rgb.every((v, i) => Math.abs(px[i] - v) <= tol);

/** Pixels of a decoded screenshot near `rgb`, in `region` (the whole image by default). */
function countNear(
  img: PNG,
  rgb: number[],
  region = { x: 0, y: 0, width: img.width, height: img.height },
  tol = 40,
): number {
  let n = 0;
  const x1 = Math.min(img.width, Math.ceil(region.x + region.width));
  const y1 = Math.min(img.height, Math.ceil(region.y + region.height));
  for (let y = Math.max(0, Math.floor(region.y)); y < y1; y++) {
    for (let x = Math.max(0, Math.floor(region.x)); x < x1; x++) {
      const i = (y * img.width + x) * 4;
      if (near([img.data[i], img.data[i + 1], img.data[i + 2]], rgb, tol)) n++;
    }
  }
  return n;
}

/** A pattern matching exactly `text`. */
const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

/** Index of the first code cell of the notebook at `path`. */
const firstCodeCell = (path: string) => readCells(path).findIndex((c) => c.cell_type === "code");

/** Fails naming the check cells that did not print their "✓" line. */
function assertChecksPrinted(name: string, cells: SavedCell[]): void {
  assert.deepEqual(checksNotPrinted(cells), [], `${name}: check cells that did not reach their ✓ line`);
}

/** The part of the curves payload (kernel/display/payloads-viz.ts) the test reads. */
interface CurvesPayload {
  series: { metric: string; split: string; x: number[]; y: number[] }[];
}

describe("VS Code end to end (code-server + the packaged extension + Chromium)", () => {
  let work = "";
  let workspace = "";
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let failed = false;

  before(async () => {
    rmSync(join(ARTIFACTS, "failure.png"), { force: true }); // a stale one would mislead
    work = mkdtempSync(join(tmpdir(), "receptive-e2e-"));
    const vsix = packagedVsix(work);
    const install = installCodeServer();
    workspace = join(work, "workspace");
    mkdirSync(workspace);
    for (const name of [COURSE, LENET, LOOKING])
      copyFileSync(join(ROOT, "notebooks", name), join(workspace, name));
    for (const name of [FIXTURE, FAILING])
      copyFileSync(join(ROOT, "test", "e2e", "fixtures", name), join(workspace, name));
    server = await startCodeServer(install, vsix);
    ({ browser, page } = await launchBrowser());
    await openWorkbench(page, server.url, workspace);
  });

  after(async () => {
    if (failed && page) await screenshot(page, ARTIFACTS, "failure").catch(() => {});
    await browser?.close();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Runs a step; on failure keeps a screenshot of the workbench as it was. */
  const step = (name: string, timeoutMs: number, fn: () => Promise<void>) =>
    test(name, { timeout: timeoutMs }, async (t) => {
      if (failed) return t.skip("an earlier step failed (its screenshot: test/artifacts/e2e/failure.png)");
      try {
        await fn();
      } catch (e) {
        failed = true;
        throw e;
      }
    });

  step(
    `Run All on the course notebook ${COURSE} in the Receptive kernel runs every cell`,
    600_000,
    async () => {
      const path = join(workspace, COURSE);
      await openNotebook(page, COURSE);
      await selectKernel(page, KERNEL);
      const cells = await runAllAndCheck(page, path, firstCodeCell(path), 480_000);
      await screenshot(page, ARTIFACTS, "course-run-all");
      const code = cells.filter((c) => c.cell_type === "code");
      const withOutput = code.filter((c) => (c.outputs ?? []).length > 0).length;
      assert.ok(withOutput >= code.length - 1, `${withOutput} of ${code.length} code cells have outputs`);
      const tensors = code.flatMap((c) => mimeData(c, TENSOR));
      assert.ok(tensors.length >= 3, `expected tensor outputs (the edge maps), got ${tensors.length}`);
      assertChecksPrinted(COURSE, cells);

      // The renderer drew the 6x6 image: its tile canvas holds both 10s (bright) and 0s (dark).
      const frame = await outputFrame(page, ".rcp-grid canvas[data-index]");
      const canvas = frame.locator(".rcp-grid canvas[data-index]").first();
      const pixels = await canvas.evaluate((c: any) => {
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        return { width: c.width, height: c.height, rgba: Array.from(d) as number[] };
      });
      assert.ok(pixels.width >= 4 && pixels.height >= 4, `canvas ${pixels.width}x${pixels.height}`);
      const shades = new Set<string>();
      for (let i = 0; i < pixels.rgba.length; i += 4) shades.add(pixels.rgba.slice(i, i + 3).join(","));
      assert.ok(shades.size >= 2, `the first tensor tile is one flat colour: ${[...shades]}`);

      // The status bar: the engine backend, then ONNX Runtime's provider (the .vsix carries this
      // platform's binary; no GPU here), and on hover why CUDA cannot run.
      let status = "";
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(250)) {
        status = await receptiveStatus(page);
        if (/ONNX Runtime/.test(status)) break;
      }
      assert.match(status, /Receptive: WebAssembly .* · ONNX Runtime: CPU$/);
      await page.locator(".part.statusbar .statusbar-item", { hasText: "Receptive:" }).first().hover();
      const hover = page.locator(".monaco-hover, .workbench-hover", { hasText: "ONNX Runtime" }).first();
      await hover.waitFor({ timeout: 10_000 });
      assert.match((await hover.textContent()) ?? "", /ONNX Runtime \d+\.\d+\.\d+: CPU\s*CUDA: /);
      await screenshot(page, ARTIFACTS, "status-bar");
      await page.mouse.move(0, 0);
    },
  );

  step(
    `Run All on ${LENET}: every check passes; fit's curves are drawn live, loss and accuracy`,
    1_200_000,
    async () => {
      const path = join(workspace, LENET);
      const fitCell = cellIndex(readCells(path), "await fit(net, loader");
      await runCommand(page, "View: Close All Editors");
      await openNotebook(page, LENET);
      await selectKernel(page, KERNEL);
      const started = await startRunAll(page, firstCodeCell(path));

      // Live: while fit trains (about a minute), its loss curve is redrawn.
      await revealCell(page, fitCell);
      const state = await waitForCellState(page, fitCell, ["executing", "success", "error"], 600_000);
      assert.equal(state, "executing", `fit's cell ${fitCell} ended before the test saw it train`);
      const frame = await outputFrame(page, ".rcp-curves .js-plotly-plot path.js-line", 120_000);
      const curves = await frame.locator(".rcp-curves").first().elementHandle(); // the notebook's first curves: fit's
      assert.ok(curves, "fit's curves are gone");
      const lossLine = async () => (await curves.$("path.js-line"))?.getAttribute("d");
      const first = await lossLine();
      let redrawn = false;
      for (const deadline = Date.now() + 120_000; !redrawn && Date.now() < deadline; ) {
        await page.waitForTimeout(500);
        redrawn = (await lossLine()) !== first;
      }
      assert.ok(redrawn, "fit's loss curve was not redrawn while the cell trained");

      // When fit is done: a loss and an accuracy plot, and the accuracy lines (train and
      // validation, one point per epoch) in their own colours on screen.
      if ((await waitForCellState(page, fitCell, ["success", "error"], 900_000)) === "success") {
        assert.equal(await curves.getAttribute("data-metrics"), "loss,accuracy");
        const plot = await curves.$(".js-plotly-plot");
        assert.ok(plot);
        const box = await revealElement(page, plot);
        const shot = await page.screenshot({ path: join(ARTIFACTS, "course-05-fit-curves.png"), clip: box });
        const img = PNG.sync.read(shot);
        const lines = await curves.$$(".subplot.x2y2 .scatterlayer .trace path.js-line");
        assert.equal(lines.length, 2, "the accuracy plot has a train and a validation line");
        for (const line of lines) {
          const stroke = await line.evaluate(
            (p: any) => (globalThis as any).getComputedStyle(p).stroke as string,
          );
          const rgb = (stroke.match(/\d+/g) ?? []).slice(0, 3).map(Number);
          const at = await line.boundingBox();
          assert.ok(at && rgb.length === 3, `accuracy line: stroke ${stroke}, box ${JSON.stringify(at)}`);
          const inked = countNear(img, rgb, {
            x: at.x - box.x - 4,
            y: at.y - box.y - 4,
            width: at.width + 8,
            height: at.height + 8,
          });
          assert.ok(inked > 20, `only ${inked} pixels of the accuracy line's colour rgb(${rgb}) on screen`);
        }
      }

      const cells = await finishRunAll(page, path, started, 900_000);
      await screenshot(page, ARTIFACTS, "course-05-run-all");
      assertChecksPrinted(LENET, cells);
      // The saved fit output is its last live update: both epochs, the accuracy the cell printed.
      const printed = streamText(cells[fitCell]).match(/test accuracy after (\d+) epochs: (\d\.\d{4})/);
      assert.ok(printed, `fit's cell printed: ${streamText(cells[fitCell])}`);
      const epochs = Number(printed[1]);
      const [payload] = mimeData<CurvesPayload>(cells[fitCell], CURVES);
      assert.ok(payload, "fit's cell saved no curves");
      const valAccuracy = payload.series.find((s) => s.metric === "accuracy" && s.split === "validation");
      assert.deepEqual(
        valAccuracy?.x,
        Array.from({ length: epochs }, (_, i) => i + 1),
      );
      assert.equal(valAccuracy?.y.at(-1)?.toFixed(4), printed[2]);
      const bar = mimeData<string | string[]>(cells[fitCell], "text/html").map((h) => [h].flat().join(""));
      assert.ok(
        bar.some((h) => h.includes(`epoch ${epochs}/${epochs} · done`)),
        `fit's progress bar did not end at epoch ${epochs}/${epochs}: ${bar.join(" | ").slice(0, 400)}`,
      );
      const source = readCells(join(ROOT, "notebooks", LENET));
      // The other pictures: the summary, the confusion matrix, and the "Looking inside" cell's
      // curves and three grids (wrong predictions, feature maps, filters).
      for (const [code, mime, n] of [
        ["summary(net, [1, 1, 28, 28]);", SUMMARY, 1],
        ["viz.confusionMatrix(", CONFUSION, 1],
        ["viz.filters(net.getSubmodule", CURVES, 1],
        ["viz.filters(net.getSubmodule", GRID, 3],
      ] as const) {
        const got = mimeData(cells[cellIndex(source, code)], mime).length;
        assert.equal(got, n, `the cell with ${code}: ${got} ${mime} outputs, expected ${n}`);
      }
    },
  );

  step(
    `Run All on ${LOOKING}: every check passes and the renderer draws every picture`,
    900_000,
    async () => {
      const path = join(workspace, LOOKING);
      await runCommand(page, "View: Close All Editors");
      await openNotebook(page, LOOKING);
      await selectKernel(page, KERNEL);
      const cells = await runAllAndCheck(page, path, firstCodeCell(path), 600_000);
      assertChecksPrinted(LOOKING, cells);
      // In the saved notebook: the pictures, in order, each with a PNG for viewers without the renderer.
      const pictures = cells.flatMap((c, cell) =>
        (c.outputs ?? []).flatMap((o) => {
          const g = o.data?.[GRID] as { kind: string; title: string } | undefined;
          return g ? [{ cell, kind: g.kind, title: g.title, png: o.data?.["image/png"] !== undefined }] : [];
        }),
      );
      const expected = [
        /^Conv2d filters \[8, 1, 3, 3\]$/,
        /^ReLU 0\.1$/,
        /^ReLU 0\.4$/,
        /^ReLU 0\.7$/,
        /^images exciting 0\.7 channel \d+ most/,
        /^saliency/,
        /^SmoothGrad/,
        /^occlusion/,
        /^Grad-CAM/,
        /^feature visualisation of 0\.7 channel \d+/,
      ];
      const titles = pictures.map((p) => p.title);
      assert.equal(titles.length, expected.length, `pictures saved: ${titles.join("; ")}`);
      for (const [k, re] of expected.entries()) assert.match(titles[k], re);
      assert.deepEqual(
        pictures.filter((p) => !p.png).map((p) => p.title),
        [],
        "pictures saved without a PNG",
      );

      // On screen: the renderer drew each one (a canvas with more than one colour), and the screen
      // shows what it painted.
      const notDrawn: string[] = [];
      for (const p of pictures) {
        await revealCell(page, p.cell);
        const frame = await frameWith(page, `.rcp-grid[data-kind="${p.kind}"] .rcp-title`, exactly(p.title));
        const grid = frame
          .locator(`.rcp-grid[data-kind="${p.kind}"]`)
          .filter({ has: frame.locator(".rcp-title", { hasText: exactly(p.title) }) })
          .first();
        await grid.waitFor({ state: "attached", timeout: 60_000 });
        const colours = await grid.locator("canvas[data-index]").evaluateAll((cs) =>
          cs.map((c: any) => {
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
            const seen = new Set<number>();
            for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
            return seen.size;
          }),
        );
        const best = colours.indexOf(Math.max(0, ...colours));
        if (best < 0 || colours[best] < 2) {
          notDrawn.push(`${p.title} (cell ${p.cell}): ${colours.length} canvases, colours ${colours}`);
          continue;
        }
        const tile = grid.locator("figure.rcp-tile").nth(best);
        if ((await tile.locator(".rcp-numbers").count()) > 0) continue; // values printed over the colours
        const seen = await canvasOnScreen(page, tile.locator("canvas"));
        console.log(
          `e2e: ${p.title}: tile ${best} ${seen.width}x${seen.height}, ${(seen.onScreen * 100).toFixed(0)}% on screen`,
        );
        if (seen.onScreen < 0.7)
          notDrawn.push(
            `${p.title} (cell ${p.cell}): only ${(seen.onScreen * 100).toFixed(0)}% of tile ${best} on screen`,
          );
        if (p.title === "ReLU 0.1") {
          // A ReLU map on its own range: its zeros at viridis' dark end, its maximum at the bright end.
          writeFileSync(join(ARTIFACTS, "course-09-feature-map.png"), seen.shot);
          await screenshot(page, ARTIFACTS, "course-09-feature-maps");
          const px = (i: number) => seen.rgba.slice(i * 4, i * 4 + 3);
          const n = seen.width * seen.height;
          assert.ok(
            Array.from({ length: n }, (_, i) => px(i)).some((c) => near(c, VIRIDIS_LO)),
            "no dark end",
          );
          assert.ok(
            Array.from({ length: n }, (_, i) => px(i)).some((c) => near(c, VIRIDIS_HI)),
            "no bright end",
          );
          const shot = PNG.sync.read(seen.shot);
          const total = shot.width * shot.height;
          const dark = countNear(shot, VIRIDIS_LO);
          const bright = countNear(shot, VIRIDIS_HI);
          assert.ok(
            dark > 0 && bright > 0,
            `on screen: ${dark} dark and ${bright} bright of ${total} pixels`,
          );
        }
      }
      await screenshot(page, ARTIFACTS, "course-09-run-all"); // at the last picture
      assert.deepEqual(notDrawn, [], "pictures the renderer did not draw in VS Code");
    },
  );

  step(
    "a cell that does not finish and a failing check are reported with their cell and message",
    300_000,
    async () => {
      const path = join(workspace, FAILING);
      await runCommand(page, "View: Close All Editors");
      await openNotebook(page, FAILING);
      await selectKernel(page, KERNEL);
      const started = await startRunAll(page, 1);
      // Past the run's deadline, while cell 4 sleeps: that cell is named, with what it printed.
      await revealCell(page, 4);
      assert.equal(await waitForCellState(page, 4, ["executing", "success", "error"], 120_000), "executing");
      await assert.rejects(finishRunAll(page, path, Date.now(), 1000), (e: Error) => {
        assert.match(
          e.message,
          /^e2e-failing-check\.ipynb was still running after \d+ ms: cell 4 `console\.log\("sleeping 20 s"\);` has not finished; it printed: sleeping 20 s$/,
        );
        console.log(`e2e: the slow cell is reported as: ${e.message}`);
        return true;
      });
      // When the run ends: the failed check, by its cell and message; the other cells ran.
      await assert.rejects(finishRunAll(page, path, started, 180_000), (e: Error) => {
        assert.match(
          e.message,
          /^e2e-failing-check\.ipynb in VS Code: 1 problem\(s\) in 4 code cells:\n {2}cell 2 \[2\] `assert\.equal\(answer, 41, .*`: AssertionError[^:]*: a deliberately wrong check: the answer is 42, not 41/,
        );
        console.log(`e2e: the failing check is reported as: ${e.message}`);
        return true;
      });
      await screenshot(page, ARTIFACTS, "failing-check");
    },
  );

  step("the fixture's feature map is drawn with the colours of its values", 300_000, async () => {
    await runCommand(page, "View: Close All Editors");
    await openNotebook(page, FIXTURE);
    await selectKernel(page, KERNEL);
    await runCommand(page, "Notebook: Run All");
    assert.equal(await waitForCellState(page, 1, ["success", "error"], 180_000), "success");
    const frame = await outputFrame(page, '.rcp-grid[data-kind="featureMaps"] canvas[data-index="0"]');
    const tile = frame.locator('.rcp-grid[data-kind="featureMaps"] figure.rcp-tile').first();
    // In the canvas: the 4x4 map [0, 30, 30, 0] per row, on viridis: dark, bright, bright, dark.
    const rgba: number[] = await tile
      .locator("canvas")
      .evaluate((c: any) => Array.from(c.getContext("2d").getImageData(0, 0, 4, 4).data));
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const px = rgba.slice((y * 4 + x) * 4, (y * 4 + x) * 4 + 3);
        const want = x === 0 || x === 3 ? VIRIDIS_LO : VIRIDIS_HI;
        assert.ok(
          near(px, want),
          `feature map pixel (${x}, ${y}) is rgb(${px}), expected about rgb(${want})`,
        );
      }
    }
    // On screen: the tile as the user sees it has both colours, half and half.
    const shot = await tile.locator("canvas").screenshot();
    const img = PNG.sync.read(shot);
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      const px = [img.data[i], img.data[i + 1], img.data[i + 2]];
      if (near(px, VIRIDIS_LO)) lo++;
      else if (near(px, VIRIDIS_HI)) hi++;
    }
    const total = img.width * img.height;
    // (the printed values and the cells' grid lines take a few pixels of each half)
    assert.ok(lo > 0.3 * total && hi > 0.3 * total, `on screen: ${lo} dark, ${hi} bright of ${total} pixels`);
    // The 4x4 map is small: its values are printed in the tile, like the lecture's matrix.
    const printed = await tile.locator(".rcp-numbers span").allTextContents();
    assert.deepEqual(printed, Array.from({ length: 4 }, () => ["0", "30", "30", "0"]).flat());
    await tile.screenshot({ path: join(ARTIFACTS, "feature-map.png") });
  });

  let curveFrame: Frame;
  step("the live training curves are drawn and grow while the cell trains", 300_000, async () => {
    assert.equal(await waitForCellState(page, 2, ["executing"], 120_000), "executing");
    curveFrame = await outputFrame(page, ".rcp-curves .js-plotly-plot path.js-line");
    const plot = curveFrame.locator(".rcp-curves .js-plotly-plot").first();
    const line = plot.locator(".scatterlayer path.js-line").first();
    const first = await line.getAttribute("d");
    let later = first;
    const deadline = Date.now() + 60_000;
    while (later === first && Date.now() < deadline) {
      await page.waitForTimeout(500);
      later = await line.getAttribute("d");
    }
    assert.notEqual(later, first, "the loss curve was not redrawn while the cell trained");
    // Pixels: the line's own colour (as the DOM styles it) is on screen in the plot.
    const stroke = await line.evaluate((p: any) => (globalThis as any).getComputedStyle(p).stroke as string);
    const rgb = (stroke.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    assert.equal(rgb.length, 3, `unexpected stroke ${stroke}`);
    const shot = await plot.screenshot({ path: join(ARTIFACTS, "live-curves.png") });
    const img = PNG.sync.read(shot);
    let onLine = 0;
    for (let i = 0; i < img.data.length; i += 4) {
      if (near([img.data[i], img.data[i + 1], img.data[i + 2]], rgb, 30)) onLine++;
    }
    assert.ok(onLine > 100, `only ${onLine} pixels of the curve's colour rgb(${rgb}) on screen`);
    const stats = pngStats(shot);
    assert.ok(stats.inked > 0.01, `the plot is nearly empty (${(stats.inked * 100).toFixed(2)}% inked)`);
  });

  step("Stop interrupts the training cell and keeps its variables and model", 300_000, async () => {
    const stop = cellRow(page, 2).locator(
      '.run-button-container .action-label[aria-label="Stop Cell Execution"]',
    );
    await revealCell(page, 2);
    await cellRow(page, 2).locator(".monaco-editor").first().hover(); // its run/stop button shows on hover
    await stop.click();
    const t0 = Date.now();
    // A deadline, not a timing assertion: the machine may be shared (the kernel alone stops an awaiting cell at once).
    await waitForCellState(page, 2, ["error", "success"], 90_000);
    console.log(`e2e: Stop -> the cell shows it ended after ${Date.now() - t0} ms`);
    await waitUntilIdle(page, 120_000);
    await screenshot(page, ARTIFACTS, "after-stop");
    await runCell(page, 3);
    assert.equal(await waitForCellState(page, 3, ["success", "error"], 60_000), "success");
    const text = await outputText(curveFrame, /trained \d+ steps/);
    const m = text.match(/trained (\d+) steps, loss now ([\d.]+)/);
    assert.ok(m, `unexpected output: ${text}`);
    assert.ok(
      Number(m[1]) > 0 && Number(m[1]) < 10_000_000,
      `steps ${m[1]}: the loop neither ran nor stopped`,
    );
    assert.ok(Number.isFinite(Number(m[2])), `loss ${m[2]}`);
  });

  // After Stop (an error output appended, VS Code re-lays out the outputs) the curves plot keeps its
  // height: it once collapsed to 0 px when plotly resized it to its container (see curves.ts).
  test("the curves stay drawn after Stop", async (t) => {
    if (failed) return t.skip("an earlier step failed");
    const [height, drawn] = await curveFrame
      .locator(".rcp-curves .js-plotly-plot")
      .first()
      .evaluate(
        (p: any) => [p.offsetHeight, p.querySelector(".svg-container")?.offsetHeight ?? 0] as number[],
      );
    console.log(`e2e: after Stop the loss plot is ${height} px high, plotly's drawing ${drawn} px`);
    assert.ok(height >= 100, `the loss plot is ${height} px high after Stop`);
    assert.ok(drawn >= 100, `plotly's drawing in it is ${drawn} px high after Stop`);
  });

  step(
    "Restart Kernel starts a new kernel process that runs cells, numbered from 1 again",
    300_000,
    async () => {
      const frame = curveFrame;
      await runCell(page, 4);
      assert.equal(await waitForCellState(page, 4, ["success", "error"], 60_000), "success");
      const pidBefore = Number((await outputText(frame, /kernel pid \d+/)).match(/kernel pid (\d+)/)?.[1]);
      assert.ok(pidBefore > 0);
      await runCommand(page, "Receptive: Restart Kernel");
      await page.waitForTimeout(1000);
      await runCell(page, 4);
      assert.equal(await waitForCellState(page, 4, ["success", "error"], 120_000), "success");
      const pattern = new RegExp(`kernel pid (?!${pidBefore}\\b)\\d+`);
      const pidAfter = Number((await outputText(frame, pattern)).match(/kernel pid (\d+)/)?.[1]);
      assert.ok(pidAfter > 0 && pidAfter !== pidBefore, `pid before ${pidBefore}, after ${pidAfter}`);
      const order = await cellRow(page, 4).locator(".execution-count-label").textContent();
      assert.equal(order?.trim(), "[1]", "after a restart the execution order starts again at 1");
      // The new kernel has none of the old one's variables: cell 3 cannot find `steps` any more.
      await runCell(page, 3);
      assert.equal(await waitForCellState(page, 3, ["success", "error"], 60_000), "error");
      await frame
        .locator(".output", { hasText: "Cannot find name 'steps'" })
        .first()
        .waitFor({ state: "attached" });
      await screenshot(page, ARTIFACTS, "after-restart");
    },
  );
});
