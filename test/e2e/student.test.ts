// A student's day one in a real VS Code (code-server + the packaged extension + Chromium), the
// points of issue 14 other than Stop (stop.test.ts): a 2x2 tensor prints its numbers; a model
// summary made before any input offers to run a sample and then draws its feature maps; a 2-epoch
// curve has whole-epoch ticks; an engine error names the cell by its execution count, hides the
// engine's frames and wraps its message; parameter hints show after "("; and the outputs follow a
// switch to the dark theme. Screenshots in light and dark go to test/artifacts/e2e/.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Frame, Page } from "playwright-core";
import { ARTIFACTS, type CodeServer, installCodeServer, packagedVsix, startCodeServer } from "./code-server";
import {
  cellRow,
  frameWith,
  insertCodeCellBelow,
  isBusy,
  launchBrowser,
  openNotebook,
  openWorkbench,
  pickColorTheme,
  revealCell,
  runCommand,
  screenshot,
  selectKernel,
  waitForCellState,
} from "./workbench";

const KERNEL = "Receptive (TypeScript)";
const NOTEBOOK = "day-one.ipynb";
const CELLS = [
  'import { F, nn, randn, summary, tensor, viz } from "receptive";\ntensor([[9, 6], [9, 8]])',
  "const net = new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.ReLU());\nsummary(net, [1, 1, 8, 8])",
  'viz.curves({ loss: [0.9, 0.5], valLoss: [1.0, 0.7] }, { title: "two epochs" })',
  "const x = randn([1, 1, 2, 2]);\nF.conv2d(x, randn([1, 1, 3, 3]));",
];

function notebookJson(): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "receptive", display_name: KERNEL, language: "typescript" },
      language_info: { name: "typescript" },
    },
    cells: [
      { cell_type: "markdown", source: "# Day one", metadata: {} },
      ...CELLS.map((source) => ({
        cell_type: "code",
        source,
        metadata: {},
        outputs: [],
        execution_count: null,
      })),
    ],
  });
}

describe("a student's day one in VS Code: numbers, samples, curves, errors, hints, themes", () => {
  let work = "";
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let failed = false;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "receptive-e2e-student-"));
    const vsix = packagedVsix(work);
    const install = installCodeServer();
    const workspace = join(work, "workspace");
    mkdirSync(workspace);
    writeFileSync(join(workspace, NOTEBOOK), notebookJson());
    server = await startCodeServer(install, vsix);
    ({ browser, page } = await launchBrowser());
    await openWorkbench(page, server.url, workspace);
  });

  after(async () => {
    if (failed && page) await screenshot(page, ARTIFACTS, "student-failure").catch(() => {});
    await browser?.close();
    await server?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const step = (name: string, timeoutMs: number, fn: () => Promise<void>) =>
    test(name, { timeout: timeoutMs }, async (t) => {
      if (failed)
        return t.skip("an earlier step failed (its screenshot: test/artifacts/e2e/student-failure.png)");
      try {
        await fn();
      } catch (e) {
        failed = true;
        throw e;
      }
    });

  step("Run All runs the notebook; only the conv2d cell fails", 600_000, async () => {
    await openNotebook(page, NOTEBOOK);
    await selectKernel(page, KERNEL);
    await runCommand(page, "Notebook: Run All");
    await waitForCellState(page, 1, ["executing", "success", "error"], 120_000);
    for (const i of [1, 2, 3]) {
      await revealCell(page, i);
      assert.equal(await waitForCellState(page, i, ["success", "error"], 180_000), "success");
    }
    await revealCell(page, 4);
    assert.equal(await waitForCellState(page, 4, ["success", "error"], 60_000), "error");
    for (let t = 0; (await isBusy(page)) && t < 60; t++) await page.waitForTimeout(500);
    await screenshot(page, ARTIFACTS, "student-light");
  });

  step("a 2x2 tensor prints its numbers in the tile", 120_000, async () => {
    const frame = await frameWith(page, ".rcp-tensor .rcp-numbers span", /9/);
    const numbers = await frame.locator(".rcp-tensor .rcp-numbers span").allTextContents();
    assert.deepEqual(numbers, ["9", "6", "9", "8"]);
    await revealCell(page, 1);
    await cellRow(page, 1).screenshot({ path: join(ARTIFACTS, "student-tensor-light.png") });
  });

  step("a summary made before any input offers a sample, then draws its feature maps", 180_000, async () => {
    const frame = await frameWith(page, ".rcp-summary button.rcp-layer", /Conv2d/);
    await frame.locator(".rcp-summary button.rcp-layer[data-layer='0']").click();
    const offer = frame.locator(".rcp-status button.rcp-sample");
    await offer.waitFor({ timeout: 60_000 });
    await offer.click();
    await frame.locator(".rcp-maps .rcp-tile canvas").first().waitFor({ timeout: 60_000 });
    assert.equal(await frame.locator(".rcp-maps .rcp-tile canvas").count(), 4);
    assert.match((await frame.locator(".rcp-status").textContent()) ?? "", /for a sample image/);
    await frame
      .locator(".rcp-model-summary, .rcp-summary")
      .first()
      .screenshot({ path: join(ARTIFACTS, "student-summary-sample.png") })
      .catch(() => {});
  });

  let curves: Frame;
  step("a 2-epoch curve has whole-epoch ticks", 120_000, async () => {
    curves = await frameWith(page, ".rcp-curves .gtitle", /two epochs/);
    const ticks = await curves.locator(".rcp-curves .xaxislayer-above text").allTextContents();
    assert.ok(ticks.length >= 2 && ticks.every((t) => /^\d+$/.test(t)), `x ticks: ${ticks.join(", ")}`);
  });

  step(
    "an engine error names the cell by its execution count, hides engine frames, and wraps",
    120_000,
    async () => {
      await revealCell(page, 4);
      const count = ((await cellRow(page, 4).locator(".execution-count-label").textContent()) ?? "").trim();
      assert.match(count, /^\[\d+\]$/);
      const n = count.slice(1, -1);
      const frame = await frameWith(page, ".output", /ReceptiveError/);
      const out = frame.locator(".output", { hasText: /ReceptiveError/ }).first();
      const shown = ((await out.textContent()) ?? "").replace(/\u00a0/g, " ");
      assert.match(shown, new RegExp(`at cell\\[${n}\\] line 2`), shown);
      assert.match(shown, /frames? inside receptive hidden/);
      assert.doesNotMatch(shown, /kernel\/engine\//, "no engine frame with an install path");
      assert.match(shown.replace(/\s+/g, " "), /use a smaller kernel size, more padding, or a larger input/);
      // Nothing is cut off at the right: the error's text fits its box.
      const clipped = await out.evaluate((e: any) =>
        [...e.querySelectorAll("*")].some((c: any) => c.scrollWidth > c.clientWidth + 2 && c.clientWidth > 0),
      );
      assert.equal(clipped, false, "part of the error is scrolled out of view");
      await cellRow(page, 4).screenshot({ path: join(ARTIFACTS, "student-error.png") });
    },
  );

  step("parameter hints show after typing F.conv2d(", 120_000, async () => {
    await insertCodeCellBelow(page, 4, "F.conv2d(");
    const hints = page.locator(".parameter-hints-widget");
    await hints.waitFor({ state: "visible", timeout: 30_000 });
    assert.match((await hints.textContent()) ?? "", /conv2d\(input: Tensor, weight: Tensor/);
    await screenshot(page, ARTIFACTS, "student-parameter-hints");
    await page.keyboard.press("Escape");
  });

  step("the outputs follow a switch to the dark theme, and back", 180_000, async () => {
    const titleFill = () =>
      curves
        .locator(".rcp-curves .gtitle")
        .first()
        .evaluate((e: any) => (globalThis as any).getComputedStyle(e).fill as string);
    const brightness = (rgb: string) =>
      (rgb.match(/\d+/g) ?? [])
        .slice(0, 3)
        .map(Number)
        .reduce((a, b) => a + b, 0) / 3;
    const light = brightness(await titleFill());
    await pickColorTheme(page, "Dark Modern");
    let dark = light;
    for (let t = 0; t < 40 && dark < 128; t++) {
      await page.waitForTimeout(250);
      dark = brightness(await titleFill());
    }
    assert.ok(light < 128 && dark >= 128, `curve title brightness ${light} in light, ${dark} in dark`);
    await screenshot(page, ARTIFACTS, "student-dark");
    await revealCell(page, 1);
    await page.waitForTimeout(500);
    await cellRow(page, 1).screenshot({ path: join(ARTIFACTS, "student-tensor-dark.png") });
    await pickColorTheme(page, "Light Modern");
  });
});
