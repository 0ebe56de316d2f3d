// `receptive assignment release SRC OUT`: the student version of an assignment. From the source
// notebook (the instructor's, with solutions and hidden tests) it removes the hidden-tests cells,
// replaces each solution by a stub (the marked lines only, or the whole cell), clears every output
// and writes the result to OUT/<name>.ipynb. SRC may be a folder: its notebooks are released and its
// other files (data, images) copied alongside. Nothing is written before every notebook has passed
// checkSource, and each file is written atomically.

import { copyFileSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { cellSource, type Notebook, readNotebook, writeNotebookAtomically } from "../notebook-file";
import { checkSource, roleOf, solutionRegions } from "./tags";

/** What a student sees in place of a solution. */
export const STUB = ["// YOUR CODE HERE", 'throw new Error("not done yet: write your solution here");'];
export const MARKDOWN_STUB = "YOUR ANSWER HERE";

/** Splits text into nbformat's list of lines (each but the last ending in "\n"). */
const toLines = (text: string): string[] => {
  const lines = text.split("\n");
  return lines.map((line, i) => (i < lines.length - 1 ? `${line}\n` : line)).filter((l) => l !== "");
};

/** A solution cell's source with each marked region (or, unmarked, the whole cell) replaced by the stub. */
export function stubbed(source: string, where: string): string {
  const lines = source.split("\n");
  const regions = solutionRegions(lines, where);
  if (regions.length === 0) return STUB.join("\n");
  const out: string[] = [];
  let next = 0;
  for (const { begin, end, indent } of regions) {
    out.push(...lines.slice(next, begin), ...STUB.map((l) => indent + l));
    next = end + 1;
  }
  out.push(...lines.slice(next));
  return out.join("\n");
}

export interface Released {
  nb: Notebook;
  solutions: number;
  hiddenChecks: number;
  checks: number;
}

/** The student version of a source notebook that passed checkSource (`path` names it in errors). */
export function studentVersion(source: Notebook, path: string): Released {
  const nb: Notebook = JSON.parse(JSON.stringify(source));
  let solutions = 0;
  let hiddenChecks = 0;
  let checks = 0;
  nb.cells = nb.cells.filter((cell, i) => {
    const role = roleOf(cell);
    if (role === "hidden-tests") {
      hiddenChecks++;
      return false;
    }
    if (role === "tests") checks++;
    if (role === "solution") {
      solutions++;
      const text =
        cell.cell_type === "code"
          ? stubbed(cellSource(cell), `${path}: cell ${i + 1} ("${cell.id}")`)
          : MARKDOWN_STUB;
      cell.source = toLines(text);
    }
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
    return true;
  });
  return { nb, solutions, hiddenChecks, checks };
}

/** Every file under `dir` (relative paths), skipping checkpoints and hidden folders. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith(".")) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path).map((f) => join(entry.name, f));
    return entry.isFile() ? [entry.name] : [];
  });
}

/** A path as the user would type it: relative to the working folder when inside it. */
const shown = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") ? path : rel;
};

/** Releases SRC (a notebook or a folder) into the folder OUT; returns one line per file written. */
export function release(src: string, out: string): string[] {
  const from = resolve(src);
  const to = resolve(out);
  let isFolder: boolean;
  try {
    isFolder = statSync(from).isDirectory();
  } catch {
    throw new Error(`cannot read ${src}: no such file or folder; name the source notebook (or its folder)`);
  }
  const root = isFolder ? from : dirname(from);
  if (isFolder ? to === root || to.startsWith(root + sep) || root.startsWith(to + sep) : to === root)
    throw new Error(
      `OUT (${to}) ${to === root ? "is" : "overlaps"} the source folder ${root}: the student version would overwrite or mix with the source; release into a separate folder, e.g. ${join(dirname(root), "release")}`,
    );
  const files = isFolder ? filesUnder(from) : [basename(from)];
  const notebooks = files.filter((f) => f.endsWith(".ipynb"));
  if (notebooks.length === 0) throw new Error(`${src} holds no .ipynb notebook to release`);
  // Check everything before writing anything.
  const released = notebooks.map((f) => {
    const path = join(root, f);
    const source = readNotebook(path);
    checkSource(path, source);
    return { file: f, ...studentVersion(source, path) };
  });
  const lines: string[] = [];
  for (const r of released) {
    const target = join(to, r.file);
    mkdirSync(dirname(target), { recursive: true });
    writeNotebookAtomically(target, r.nb);
    lines.push(
      `${shown(target)}: ${r.solutions} solution(s) stubbed, ${r.hiddenChecks} hidden check(s) removed, ${r.checks} visible check(s)`,
    );
  }
  for (const f of files.filter((f) => !f.endsWith(".ipynb"))) {
    const target = join(to, f);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(root, f), target);
    lines.push(`${shown(target)}: copied`);
  }
  return lines;
}
