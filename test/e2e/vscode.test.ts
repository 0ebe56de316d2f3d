// End-to-end in a real VS Code: code-server 4.139.1 (scripts/e2e/install-code-server.mjs) with the
// packaged extension (.vsix from `npm run package`) installed, driven from Debian's Chromium. A
// student's path: open a course notebook, pick "Receptive (TypeScript)", Run All; then a small
// fixture notebook whose feature map and live training curves must be drawn (checked in pixels),
// whose training cell the Stop button must interrupt with its variables kept, and whose kernel
// Restart must replace. Screenshots and code-server's log go to test/artifacts/e2e/.

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
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
  cellRow,
  isBusy,
  launchBrowser,
  openNotebook,
  openWorkbench,
  outputFrame,
  pngStats,
  receptiveStatus,
  revealCell,
  runCell,
  runCommand,
  screenshot,
  selectKernel,
  waitForCellState,
} from "./workbench";

const KERNEL = "Receptive (TypeScript)";
const COURSE = "01-convolution.ipynb";
const FIXTURE = "e2e-training.ipynb";
// Viridis at 0 and 1 (kernel/display/colormap.ts): the two colours of the fixture's edge map.
const VIRIDIS_LO = [68, 1, 84];
const VIRIDIS_HI = [253, 231, 37];

interface SavedCell {
  cell_type: string;
  source: string | string[];
  outputs?: { output_type: string; data?: Record<string, unknown>; ename?: string; evalue?: string }[];
}

/** Saves the active notebook ("File: Save") and reads it back once the file has changed. */
async function saveAndRead(page: Page, path: string): Promise<SavedCell[]> {
  const before = statSync(path).mtimeMs;
  await runCommand(page, "File: Save");
  const deadline = Date.now() + 30_000;
  while (statSync(path).mtimeMs === before) {
    if (Date.now() > deadline) throw new Error(`File: Save did not write ${path} within 30 s`);
    await page.waitForTimeout(200);
  }
  await page.waitForTimeout(300); // VS Code writes in one go, but let the rename/flush land
  return JSON.parse(readFileSync(path, "utf8")).cells as SavedCell[];
}

/** Waits for the toolbar to offer Interrupt (something runs), then for it to go back to Run All. */
async function waitUntilIdle(page: Page, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await isBusy(page)) {
    if (Date.now() > deadline) throw new Error(`the notebook was still running after ${timeoutMs} ms`);
    await page.waitForTimeout(500);
  }
}

/** Text of the stream output matching `pattern` in the output webview (waits for it). */
async function outputText(frame: Frame, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const out = frame.locator(".output-stream", { hasText: pattern }).first();
  await out.waitFor({ state: "attached", timeout: timeoutMs });
  return (await out.textContent()) ?? "";
}

const near = (px: number[], rgb: number[], tol = 40) => rgb.every((v, i) => Math.abs(px[i] - v) <= tol);

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
    copyFileSync(join(ROOT, "notebooks", COURSE), join(workspace, COURSE));
    copyFileSync(join(ROOT, "test", "e2e", "fixtures", FIXTURE), join(workspace, FIXTURE));
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
      await openNotebook(page, COURSE);
      await selectKernel(page, KERNEL);
      await runCommand(page, "Notebook: Run All");
      await waitForCellState(page, 1, ["executing", "success", "error"], 120_000); // the first code cell
      await waitUntilIdle(page, 480_000);
      await screenshot(page, ARTIFACTS, "course-run-all");
      const cells = await saveAndRead(page, join(workspace, COURSE));
      const code = cells.filter((c) => c.cell_type === "code");
      const errors = code.flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === "error"));
      assert.deepEqual(
        errors.map((e) => `${e.ename}: ${e.evalue}`),
        [],
        "cells of the course notebook failed in VS Code",
      );
      const withOutput = code.filter((c) => (c.outputs ?? []).length > 0).length;
      assert.ok(withOutput >= code.length - 1, `${withOutput} of ${code.length} code cells have outputs`);
      const tensors = code
        .flatMap((c) => c.outputs ?? [])
        .filter((o) => o.data?.["application/vnd.receptive.tensor+json"]);
      assert.ok(tensors.length >= 3, `expected tensor outputs (the edge maps), got ${tensors.length}`);

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
  test("the curves stay drawn after Stop", async () => {
    if (failed) return;
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
