// Reading and writing .ipynb files (nbformat 4): a notebook checked cell by cell when it is read
// (each mistake named with its cell), cell sources, outputs in nbformat's shape, a check that a
// destination can be written before a long run starts, and an atomic write (temporary file +
// rename, the temporary file removed when anything fails) so a crash never leaves half a notebook.

import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { MimeBundle } from "../display/schema";

export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  metadata: Record<string, unknown>;
  execution_count?: number | null;
  outputs?: NotebookOutput[];
  id?: string;
}

export type NotebookOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: MimeBundle; metadata: Record<string, unknown> }
  | {
      output_type: "execute_result";
      execution_count: number;
      data: MimeBundle;
      metadata: Record<string, unknown>;
    }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, any>;
  cells: NotebookCell[];
}

const CELL_TYPES = ["code", "markdown", "raw"];
const EXAMPLE_CELL = '{"cell_type": "code", "source": "1 + 1", "metadata": {}}';

/** What a JSON value is, for error messages: "null", "a list", "an object", "a number (42)", "missing". */
function kindOf(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  const shown = JSON.stringify(value);
  return `a ${typeof value} (${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown})`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Checks `nb` (parsed from `path`) is an nbformat 4 notebook Receptive can run, filling in what
 * nbformat lets a notebook leave out (notebook and cell metadata, a code cell's outputs and
 * execution count). Throws an Error naming the first problem, its cell, and the fix.
 */
export function checkNotebook(path: string, nb: unknown): Notebook {
  if (!isObject(nb))
    throw new Error(
      `${path} is not a notebook: expected a JSON object {"nbformat": 4, "cells": [...]}, got ${kindOf(nb)}`,
    );
  if (nb.nbformat !== 4)
    throw new Error(
      nb.nbformat === undefined
        ? `${path} is not a notebook: it has no "nbformat" field (expected "nbformat": 4)`
        : `${path} is nbformat ${JSON.stringify(nb.nbformat)}, not 4; convert it with jupyter nbconvert --to notebook`,
    );
  if (!Array.isArray(nb.cells))
    throw new Error(
      `${path} has no "cells" list (its "cells" is ${kindOf(nb.cells)}); an nbformat 4 notebook needs "cells": [${EXAMPLE_CELL}, ...]`,
    );
  if (nb.metadata === undefined) nb.metadata = {};
  else if (!isObject(nb.metadata))
    throw new Error(`${path}: the notebook "metadata" must be an object, got ${kindOf(nb.metadata)}; use {}`);
  if (typeof nb.nbformat_minor !== "number") nb.nbformat_minor = 4;
  nb.cells.forEach((cell: unknown, i: number) => {
    const where = `${path}: cell ${i + 1}`;
    if (!isObject(cell))
      throw new Error(`${where} is ${kindOf(cell)}; each cell must be an object like ${EXAMPLE_CELL}`);
    if (!CELL_TYPES.includes(cell.cell_type as string))
      throw new Error(
        `${where} has a "cell_type" that is ${kindOf(cell.cell_type)}; expected "code", "markdown" or "raw"`,
      );
    const src = cell.source;
    if (!(typeof src === "string" || (Array.isArray(src) && src.every((line) => typeof line === "string"))))
      throw new Error(
        `${where} has a "source" that is ${Array.isArray(src) ? "a list with a line that is not a string" : kindOf(src)}; expected a string or a list of strings, e.g. "source": "1 + 1"`,
      );
    if (cell.metadata === undefined) cell.metadata = {};
    else if (!isObject(cell.metadata))
      throw new Error(`${where} has "metadata" that is ${kindOf(cell.metadata)}; use {} (or leave it out)`);
    if (cell.cell_type === "code") {
      if (cell.outputs === undefined) cell.outputs = [];
      else if (!Array.isArray(cell.outputs))
        throw new Error(`${where} has "outputs" that is ${kindOf(cell.outputs)}; use [] (or leave it out)`);
      if (cell.execution_count === undefined) cell.execution_count = null;
    }
  });
  return nb as unknown as Notebook;
}

/** Reads and checks a notebook; errors name the file, what is wrong with it and the fix. */
export function readNotebook(path: string): Notebook {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file; check the path"
        : code === "EISDIR"
          ? "it is a folder; name the .ipynb file inside it"
          : (err as Error).message;
    throw new Error(`cannot read notebook ${path}: ${why}`);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not a notebook: it is not valid JSON (${(err as Error).message})`);
  }
  return checkNotebook(path, nb);
}

export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

const tempPathFor = (path: string) => join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);

/** Why `path` cannot be written, in words ("the folder /x does not exist"), from a failed fs call. */
function writeProblem(path: string, err: unknown): string {
  const dir = dirname(path);
  switch ((err as NodeJS.ErrnoException).code) {
    case "ENOENT":
      try {
        statSync(dir);
      } catch {
        return `the folder ${dir} does not exist`;
      }
      return `files cannot be created in ${dir}`;
    case "ENOTDIR":
      return `${dir} is not a folder`;
    case "EISDIR":
      return `${path} is a folder, not a file`;
    case "EACCES":
    case "EPERM":
      return `no permission to write in ${dir}`;
    case "EROFS":
      return `${dir} is on a read-only file system`;
    case "ENOSPC":
      return `the disk is full`;
    default:
      return (err as Error).message;
  }
}

/**
 * Throws unless a file can be written at `path` (its folder exists and takes new files, and `path`
 * is not a folder): checked before a run starts so a long run is not wasted. The message names
 * `what` is written, the cause and the fix with the command-line `flag` that sets the path:
 * "cannot write the HTML report to R: the folder F does not exist; create it (mkdir -p F) or pick another --html".
 */
export function checkWritable(path: string, what: string, flag: string, exampleName: string): void {
  const fail = (problem: string, fix = `pick another ${flag}`) => {
    throw new Error(`cannot write ${what} to ${path}: ${problem}; ${fix}`);
  };
  const failWith = (err: unknown) => {
    const problem = writeProblem(path, err);
    const dir = dirname(path);
    fail(
      problem,
      problem.includes("does not exist") ? `create it (mkdir -p ${dir}) or pick another ${flag}` : undefined,
    );
  };
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") failWith(err);
  }
  if (isFolder)
    fail(`${path} is a folder, not a file`, `name a file, e.g. ${flag} ${join(path, exampleName)}`);
  const probe = tempPathFor(path);
  try {
    closeSync(openSync(probe, "wx"));
  } catch (err) {
    failWith(err);
  }
  unlinkSync(probe);
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same folder, then a rename. On any
 * failure the temporary file is removed and the error says which file and why.
 */
export function writeFileAtomically(path: string, text: string): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw new Error(`cannot write ${path}: ${writeProblem(path, err)}`);
  }
}

/** A notebook as .ipynb text (one-space indent, as Jupyter writes it). */
export const notebookText = (nb: Notebook): string => `${JSON.stringify(nb, null, 1)}\n`;

export function writeNotebookAtomically(path: string, nb: Notebook): void {
  writeFileAtomically(path, notebookText(nb));
}
