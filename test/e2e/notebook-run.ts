// Run All on a notebook in VS Code, and what the saved .ipynb says about the run: every code cell
// ran (has an execution count) and none has an error output. A failed check is reported by its
// cell (index over all cells, execution count, first line) and its message; a cell that does not
// finish is reported by its index and first line, with the output it printed so far.

import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { Page } from "playwright-core";
import { isBusy, revealCell, runCommand, waitForCellState } from "./workbench";

export interface SavedOutput {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  name?: string;
  ename?: string;
  evalue?: string;
}

export interface SavedCell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: SavedOutput[];
}

const joined = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join("") : (s ?? ""));

/** "cell 15 [9] `const floor = …`": the cell's index over all cells, its execution count, its first line. */
export function describeCell(cells: SavedCell[], index: number): string {
  const cell = cells[index];
  const first = joined(cell.source).split("\n")[0];
  const count = typeof cell.execution_count === "number" ? ` [${cell.execution_count}]` : "";
  return `cell ${index}${count} \`${first.length > 70 ? `${first.slice(0, 70)}…` : first}\``;
}

/** Everything a cell printed (stdout and stderr streams, joined). */
export function streamText(cell: SavedCell): string {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === "stream")
    .map((o) => joined(o.text))
    .join("");
}

/** The `mime` payloads of a cell's outputs, in order. */
export function mimeData<T = unknown>(cell: SavedCell, mime: string): T[] {
  return (cell.outputs ?? []).flatMap((o) => (o.data?.[mime] !== undefined ? [o.data[mime] as T] : []));
}

/**
 * What went wrong in a run, one line per code cell: an error output ("cell 15 [9] `…`:
 * AssertionError: test accuracy 0.83 is below 0.84"), no execution count (it did not run) or one
 * not above the previous cell's (a fresh kernel numbers a Run All 1, 2, 3, ... in cell order).
 * Empty when every code cell ran and none failed.
 */
export function runProblems(cells: SavedCell[]): string[] {
  const problems: string[] = [];
  let last = 0;
  cells.forEach((cell, i) => {
    if (cell.cell_type !== "code") return;
    for (const o of cell.outputs ?? []) {
      if (o.output_type === "error") problems.push(`${describeCell(cells, i)}: ${o.ename}: ${o.evalue}`);
    }
    const count = cell.execution_count;
    if (typeof count !== "number") problems.push(`${describeCell(cells, i)} did not run`);
    else if (count <= last) problems.push(`${describeCell(cells, i)} ran out of order (after [${last}])`);
    if (typeof count === "number") last = count;
  });
  return problems;
}

/** Saves the active notebook ("File: Save") and reads it back once the file has changed. */
export async function saveAndRead(page: Page, path: string): Promise<SavedCell[]> {
  const before = statSync(path).mtimeMs;
  await runCommand(page, "File: Save");
  const deadline = Date.now() + 30_000;
  while (statSync(path).mtimeMs === before) {
    if (Date.now() > deadline) throw new Error(`File: Save did not write ${path} within 30 s`);
    await page.waitForTimeout(200);
  }
  // VS Code writes the file in one go; parse until it reads whole (a write may still be landing).
  for (;;) {
    try {
      return JSON.parse(readFileSync(path, "utf8")).cells as SavedCell[];
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await page.waitForTimeout(200);
    }
  }
}

/**
 * Waits while the toolbar offers Interrupt (some cell runs or is queued). Past `timeoutMs` it saves
 * the notebook and throws, naming the first code cell that has not finished and what it printed.
 */
export async function waitUntilIdle(page: Page, timeoutMs: number, path?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await isBusy(page)) {
    if (Date.now() > deadline) {
      let where = "";
      if (path) {
        const cells = await saveAndRead(page, path).catch(() => undefined);
        const stuck = cells?.findIndex(
          (c) => c.cell_type === "code" && typeof c.execution_count !== "number",
        );
        if (cells && stuck !== undefined && stuck >= 0) {
          const printed = streamText(cells[stuck]).trim().split("\n").slice(-3).join(" | ");
          where = `: ${describeCell(cells, stuck)} has not finished${printed ? `; it printed: ${printed}` : ""}`;
        }
      }
      throw new Error(
        `${path ? basename(path) : "the notebook"} was still running after ${timeoutMs} ms${where}`,
      );
    }
    await page.waitForTimeout(500);
  }
}

/** "Notebook: Run All" on the open notebook; returns once its first code cell `firstCode` has started. */
export async function startRunAll(page: Page, firstCode: number): Promise<number> {
  const started = Date.now();
  await runCommand(page, "Notebook: Run All");
  await revealCell(page, firstCode);
  await waitForCellState(page, firstCode, ["executing", "success", "error"], 120_000);
  return started;
}

/**
 * Waits for a Run All begun at `started` to end (the toolbar goes idle; a deadline of `timeoutMs`
 * from the start), saves the notebook at `path` and returns its cells. Throws with every failed or
 * unrun cell and its message (see runProblems).
 */
export async function finishRunAll(
  page: Page,
  path: string,
  started: number,
  timeoutMs: number,
): Promise<SavedCell[]> {
  await waitUntilIdle(page, Math.max(0, timeoutMs - (Date.now() - started)), path);
  const cells = await saveAndRead(page, path);
  console.log(`e2e: Run All on ${basename(path)} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const problems = runProblems(cells);
  if (problems.length > 0) {
    const code = cells.filter((c) => c.cell_type === "code").length;
    throw new Error(
      `${basename(path)} in VS Code: ${problems.length} problem(s) in ${code} code cells:\n  ${problems.join("\n  ")}`,
    );
  }
  return cells;
}

/** startRunAll, then finishRunAll. */
export async function runAllAndCheck(
  page: Page,
  path: string,
  firstCode: number,
  timeoutMs: number,
): Promise<SavedCell[]> {
  return finishRunAll(page, path, await startRunAll(page, firstCode), timeoutMs);
}

/** The cells of the .ipynb at `path` as they are on disk. */
export function readCells(path: string): SavedCell[] {
  return JSON.parse(readFileSync(path, "utf8")).cells as SavedCell[];
}

/** Index (over all cells) of the first code cell whose source matches `pattern`. */
export function cellIndex(cells: SavedCell[], pattern: RegExp | string): number {
  const i = cells.findIndex(
    (c) =>
      c.cell_type === "code" &&
      (typeof pattern === "string" ? joined(c.source).includes(pattern) : pattern.test(joined(c.source))),
  );
  if (i < 0) throw new Error(`no code cell matches ${pattern}`);
  return i;
}

/**
 * The course's check cells end by printing a line that starts with "✓": the cells (of those whose
 * code prints one) that did not print it. Empty when every check ran to its end.
 */
export function checksNotPrinted(cells: SavedCell[]): string[] {
  return cells.flatMap((c, i) =>
    c.cell_type === "code" && joined(c.source).includes("✓") && !/^✓/m.test(streamText(c))
      ? [describeCell(cells, i)]
      : [],
  );
}
