// Drives VS Code's workbench (as code-server serves it) from Debian's Chromium with playwright-core,
// the way a person would: the command palette, quick open, the kernel picker, cells and their status
// icons, and the notebook's output webview (an iframe inside an iframe) where renderers draw.
// Selectors are VS Code's own DOM classes (monaco list rows carry data-index = cell index).

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Frame, type Locator, type Page } from "playwright-core";
import { PNG } from "pngjs";

const CHROMIUM = "/usr/bin/chromium";

export async function launchBrowser(): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
    ],
  });
  // Tall enough that a short notebook's cells and outputs are all laid out (the cell list is virtual).
  const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  return { browser, page };
}

/** Opens the workbench on `folder` and waits until the status bar is there. */
export async function openWorkbench(page: Page, url: string, folder: string): Promise<void> {
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator(".monaco-workbench .part.statusbar").waitFor({ timeout: 90_000 });
}

type Box = { x: number; y: number; width: number; height: number };

const quickInput = (page: Page) => page.locator(".quick-input-widget");

/** The notebook editor on screen (other open notebooks keep hidden editors in the DOM). */
const NOTEBOOK = ".notebook-editor:visible";

/** Picks the quick-input row whose label is exactly `label` (waiting for it to appear). */
async function pickRow(page: Page, label: string, timeout = 30_000): Promise<void> {
  const row = quickInput(page)
    .locator(".quick-input-list .monaco-list-row")
    .filter({ has: page.locator(".label-name", { hasText: label }) })
    .first();
  await row.waitFor({ timeout });
  await row.click();
}

/** Runs a command from the command palette by its title, e.g. "Notebook: Run All". */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press("Escape");
  await page.keyboard.press("F1");
  const input = quickInput(page).locator(".quick-input-box input");
  await input.waitFor();
  await input.fill(`>${title}`);
  await pickRow(page, title);
}

/** Opens a workspace file through quick open (Ctrl+P) and waits for its notebook's cells. */
export async function openNotebook(page: Page, name: string): Promise<void> {
  await page.keyboard.press("Escape");
  await page.keyboard.press("Control+P");
  const input = quickInput(page).locator(".quick-input-box input");
  await input.waitFor();
  await input.fill(name);
  await pickRow(page, name);
  await page.locator(`${NOTEBOOK} .code-cell-row`).first().waitFor({ timeout: 90_000 });
}

/** "Notebook: Select Notebook Kernel", then the controller labelled `label`; waits for the toolbar to show it. */
export async function selectKernel(page: Page, label: string): Promise<void> {
  await runCommand(page, "Notebook: Select Notebook Kernel");
  await pickRow(page, label, 60_000);
  await page.locator(`${NOTEBOOK} .kernel-label`, { hasText: label }).waitFor({ timeout: 30_000 });
}

/** The row of cell `index` (0-based over all cells, markdown included). */
export function cellRow(page: Page, index: number): Locator {
  return page.locator(`${NOTEBOOK} .cell-list-container .monaco-list-row[data-index="${index}"]`);
}

/** The rendered rows of the cell list and their tops: changes whenever the list scrolls. */
const rowTops = (page: Page) =>
  page
    .locator(`${NOTEBOOK} .cell-list-container .monaco-list-row[data-index]`)
    .evaluateAll((rows) =>
      rows.map((r) => `${(r as any).dataset.index}:${Math.round(r.getBoundingClientRect().top)}`).join(" "),
    );

/**
 * Scrolls the notebook (mouse wheel over its cell list, which is virtual: rows far from the view
 * are not in the DOM) until cell `index`'s row is rendered with its top inside the list. Fails
 * when the list stops moving (the row cannot get there).
 */
export async function revealCell(page: Page, index: number): Promise<void> {
  const list = page.locator(`${NOTEBOOK} .cell-list-container`).first();
  let still = 0; // wheel turns that moved nothing, in a row
  for (let turn = 0; turn < 200 && still < 5; turn++) {
    const view = await list.boundingBox();
    if (!view) throw new Error("revealCell: no notebook editor is open");
    const row = cellRow(page, index);
    const box = (await row.count()) > 0 ? await row.boundingBox() : null;
    if (box && box.y >= view.y && box.y + Math.min(box.height, view.height / 2) <= view.y + view.height)
      return;
    let dy: number;
    if (box)
      dy = box.y - view.y - 20; // its top just below the list's top
    else {
      const shown = await page
        .locator(`${NOTEBOOK} .cell-list-container .monaco-list-row[data-index]`)
        .evaluateAll((rows) => rows.map((r) => Number((r as any).dataset.index)));
      dy = shown.length === 0 || index > Math.min(...shown) ? view.height : -view.height;
    }
    const before = await rowTops(page);
    await wheelOverList(page, view, dy);
    still = (await rowTops(page)) === before ? still + 1 : 0;
  }
  throw new Error(
    `revealCell: could not scroll cell ${index} into view (the list stopped moving, or 200 turns)`,
  );
}

/**
 * Turns the mouse wheel over the cell list's left gutter (run buttons, execution counts) to scroll
 * about `dy` pixels. Over a cell's code the editor may take the wheel. VS Code scrolls the list
 * about 50 px per wheel event whatever its delta, so this sends one event per 50 px (at most 40).
 */
async function wheelOverList(page: Page, view: Box, dy: number): Promise<void> {
  await page.mouse.move(view.x + 12, view.y + view.height / 2);
  const events = Math.max(1, Math.min(40, Math.round(Math.abs(dy) / 50)));
  for (let i = 0; i < events; i++) await page.mouse.wheel(0, Math.sign(dy) * 50);
  await page.waitForTimeout(150);
}

export type CellState = "success" | "error" | "executing" | "pending" | "none";

/** The execution state VS Code shows in the cell's status bar. */
export async function cellState(page: Page, index: number): Promise<CellState> {
  const bar = cellRow(page, index).locator(".cell-statusbar-container");
  for (const state of ["success", "error", "executing", "pending"] as const) {
    if ((await bar.locator(`.codicon-notebook-state-${state}`).count()) > 0) return state;
  }
  return "none";
}

/** Waits until cell `index` shows one of `states`; throws with what it showed instead. */
export async function waitForCellState(
  page: Page,
  index: number,
  states: CellState[],
  timeoutMs: number,
): Promise<CellState> {
  const deadline = Date.now() + timeoutMs;
  let last: CellState = "none";
  for (;;) {
    // A row scrolled far out of the (virtual) list is not in the DOM: bring it back first.
    if ((await cellRow(page, index).count()) === 0) await revealCell(page, index).catch(() => {});
    await cellRow(page, index)
      .scrollIntoViewIfNeeded({ timeout: 2000 })
      .catch(() => {});
    last = await cellState(page, index).catch(() => "none" as const);
    if (states.includes(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(
        `cell ${index}: expected state ${states.join(" or ")} within ${timeoutMs} ms, it shows "${last}"`,
      );
    }
    await page.waitForTimeout(250);
  }
}

/**
 * Runs cell `index` the way a person does: hover its code and click its Execute Cell button.
 * (The keyboard is no way: code-server binds Execute Cell to Super+Enter, and Ctrl+Enter in the
 * editor inserts a line.)
 */
export async function runCell(page: Page, index: number): Promise<void> {
  const row = cellRow(page, index);
  await revealCell(page, index);
  await row.locator(".monaco-editor").first().hover();
  await row.locator(".run-button-container .action-label.codicon-notebook-execute").click();
}

/** True while the notebook toolbar offers "Interrupt" (some cell is running or queued). */
export async function isBusy(page: Page): Promise<boolean> {
  return (
    (await page
      .locator('.notebook-toolbar-container:visible .action-label[aria-label^="Interrupt"]')
      .count()) > 0
  );
}

/**
 * The frame of the notebook's output webview that holds `selector`: VS Code puts outputs in an
 * `iframe.webview` whose document hosts the real content in a nested `iframe#active-frame`.
 */
export async function outputFrame(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no output webview shows ${selector} within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/** Decodes a PNG screenshot: colour statistics to tell a drawn picture from an empty box. */
export function pngStats(png: Buffer): { width: number; height: number; colours: number; inked: number } {
  const img = PNG.sync.read(png);
  const counts = new Map<number, number>();
  for (let i = 0; i < img.data.length; i += 4) {
    // 4 bits per channel: anti-aliasing noise does not count as a colour of its own
    const key = ((img.data[i] >> 4) << 8) | ((img.data[i + 1] >> 4) << 4) | (img.data[i + 2] >> 4);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const background = Math.max(...counts.values());
  const total = img.width * img.height;
  return { width: img.width, height: img.height, colours: counts.size, inked: (total - background) / total };
}

export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * The way a person grows a notebook: focus cell `after`, "Notebook: Insert Code Cell Below", type
 * `code` into the new cell. Returns the new cell's index.
 */
export async function insertCodeCellBelow(page: Page, after: number, code: string): Promise<number> {
  await revealCell(page, after);
  await cellRow(page, after).locator(".monaco-editor .view-lines").first().click();
  await runCommand(page, "Notebook: Insert Code Cell Below");
  const index = after + 1;
  const editor = cellRow(page, index).locator(".monaco-editor").first();
  await editor.waitFor({ timeout: 30_000 });
  await editor.locator(".view-lines").click();
  await page.keyboard.type(code);
  // The editor renders what was typed a moment later.
  let typed = "";
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await page.waitForTimeout(100)) {
    typed = await cellText(page, index);
    if (typed === code) return index;
  }
  throw new Error(`typing into cell ${index} gave\n${typed}\ninstead of\n${code}`);
}

/** The code of cell `index` as its editor shows it (one line per view line). */
export async function cellText(page: Page, index: number): Promise<string> {
  const lines = await cellRow(page, index)
    .locator(".monaco-editor .view-lines .view-line")
    .evaluateAll((ls) =>
      ls
        .map((l) => [Number.parseFloat((l as any).style.top), (l as any).textContent as string] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, t]) => t.replace(/\u00a0/g, " ")),
    );
  return lines.join("\n").trimEnd();
}

/** Clicks cell `index`'s Stop button (it replaces the run button while the cell runs). */
export async function stopCell(page: Page, index: number): Promise<void> {
  const row = cellRow(page, index);
  await revealCell(page, index);
  await row.locator(".monaco-editor").first().hover();
  await row.locator('.run-button-container .action-label[aria-label="Stop Cell Execution"]').click();
}

/** The text of the Receptive status bar item ("Receptive: busy", "Receptive: WebAssembly ..."). */
export async function receptiveStatus(page: Page): Promise<string> {
  const item = page.locator(".part.statusbar .statusbar-item", { hasText: "Receptive:" }).first();
  return ((await item.textContent().catch(() => "")) ?? "").trim();
}

/** "Preferences: Color Theme", then the theme labelled `label` (e.g. "Dark Modern"). */
export async function pickColorTheme(page: Page, label: string): Promise<void> {
  await runCommand(page, "Preferences: Color Theme");
  const input = quickInput(page).locator(".quick-input-box input");
  await input.fill(label);
  await pickRow(page, label);
  await page.waitForTimeout(500);
}

/** The frame (of any output webview) holding an element that matches `selector` with `text`. */
export async function frameWith(
  page: Page,
  selector: string,
  text: RegExp,
  timeoutMs = 60_000,
): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      const n = await frame
        .locator(selector, { hasText: text })
        .count()
        .catch(() => 0);
      if (n > 0) return frame;
    }
    if (Date.now() > deadline)
      throw new Error(`no output webview shows ${selector} with ${text} within ${timeoutMs} ms`);
    await page.waitForTimeout(250);
  }
}

/**
 * Scrolls the notebook (mouse wheel over its cell list) until `target`, an element of the page or
 * of an output webview, lies wholly inside the list's visible part. Returns its box.
 */
export async function revealElement(page: Page, target: Pick<Locator, "boundingBox">): Promise<Box> {
  const list = page.locator(`${NOTEBOOK} .cell-list-container`).first();
  let still = 0; // wheel turns that moved nothing, in a row
  for (let turn = 0; turn < 200 && still < 5; turn++) {
    const view = await list.boundingBox();
    const box = await target.boundingBox();
    if (!view || !box) throw new Error("revealElement: the element or the notebook is not laid out");
    const below = box.y + box.height - (view.y + view.height);
    const above = view.y - box.y;
    if (below <= 0 && above <= 0) return box;
    const before = await rowTops(page);
    await wheelOverList(page, view, below > 0 ? below + 20 : -(above + 20));
    still = (await rowTops(page)) === before ? still + 1 : 0;
  }
  throw new Error(
    "revealElement: could not scroll the element into view (the list stopped moving, or 200 turns)",
  );
}

/**
 * A canvas of an output as the renderer painted it (its ImageData) and as it shows on screen: a
 * screenshot of the page over the canvas's box, sampled at the middle of each painted pixel's
 * square. `onScreen` is the share of painted pixels the screen shows within `tol` per channel.
 * (A page screenshot, not an element one: element shots inside the output webview came out blank.)
 */
export async function canvasOnScreen(
  page: Page,
  canvas: Locator,
  tol = 24,
): Promise<{ width: number; height: number; rgba: number[]; onScreen: number; shot: Buffer }> {
  const painted = await canvas.evaluate((c: any) => {
    const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    return { width: c.width as number, height: c.height as number, rgba: Array.from(d) as number[] };
  });
  const box = await revealElement(page, canvas);
  // Whole screen pixels around the (fractional) box; samples at the middle of each painted square.
  const clip = { x: Math.floor(box.x), y: Math.floor(box.y), width: 0, height: 0 };
  clip.width = Math.ceil(box.x + box.width) - clip.x;
  clip.height = Math.ceil(box.y + box.height) - clip.y;
  const shot = await page.screenshot({ clip });
  const img = PNG.sync.read(shot);
  let same = 0;
  for (let y = 0; y < painted.height; y++) {
    for (let x = 0; x < painted.width; x++) {
      const sx = Math.floor(box.x - clip.x + ((x + 0.5) * box.width) / painted.width);
      const sy = Math.floor(box.y - clip.y + ((y + 0.5) * box.height) / painted.height);
      const p = (y * painted.width + x) * 4;
      const s = (Math.min(img.height - 1, sy) * img.width + Math.min(img.width - 1, sx)) * 4;
      if ([0, 1, 2].every((k) => Math.abs(painted.rgba[p + k] - img.data[s + k]) <= tol)) same++;
    }
  }
  return { ...painted, onScreen: same / (painted.width * painted.height), shot };
}
