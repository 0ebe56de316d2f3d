// The cell tags of an assignment notebook, with nbgrader's meanings:
//
//   solution       the instructor's answer: stripped from the student version and replaced by a
//                  stub (only the lines between `// BEGIN SOLUTION` and `// END SOLUTION` when the
//                  cell has them; a markdown cell becomes "YOUR ANSWER HERE")
//   tests          visible checks: kept in the student version; at grading the source's copy runs
//   hidden-tests   checks kept out of the student version and put back at grading
//   points=N       what a tests or hidden-tests cell is worth (default 1)
//
// Cells are matched between the source, the student version and a submission by their nbformat
// 4.5 cell id, so every tagged cell needs one; `checkSource` says which do not, and how to fix it.

import { cellSource, type Notebook, type NotebookCell } from "../notebook-file";

export type CheckKind = "tests" | "hidden-tests";
export type CellRole = "solution" | CheckKind;

export const BEGIN_SOLUTION = "// BEGIN SOLUTION";
export const END_SOLUTION = "// END SOLUTION";

export function tagsOf(cell: NotebookCell): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

/** The cell's assignment role, or undefined for an ordinary cell. */
export function roleOf(cell: NotebookCell): CellRole | undefined {
  const tags = tagsOf(cell);
  if (tags.includes("hidden-tests")) return "hidden-tests";
  if (tags.includes("tests")) return "tests";
  if (tags.includes("solution")) return "solution";
  return undefined;
}

export const isCheck = (cell: NotebookCell): boolean => {
  const role = roleOf(cell);
  return role === "tests" || role === "hidden-tests";
};

/** A check's points: its `points=N` tag, else 1. */
export function pointsOf(cell: NotebookCell): number {
  const tag = tagsOf(cell).find((t) => t.startsWith("points="));
  return tag === undefined ? 1 : Number(tag.slice("points=".length));
}

/** One check of an assignment: a tests or hidden-tests cell of the source. */
export interface Check {
  id: string;
  kind: CheckKind;
  points: number;
  /** Position of the cell in the source notebook. */
  index: number;
}

/** The source's checks, in notebook order (after `checkSource` passed). */
export function checksOf(source: Notebook): Check[] {
  return source.cells.flatMap((cell, index) =>
    isCheck(cell)
      ? [{ id: cell.id as string, kind: roleOf(cell) as CheckKind, points: pointsOf(cell), index }]
      : [],
  );
}

/** The lines of a marked solution region, for the stub: where each region starts and ends. */
export interface SolutionRegion {
  begin: number;
  end: number;
  indent: string;
}

/** The `// BEGIN SOLUTION` ... `// END SOLUTION` regions of a cell; throws naming the unbalanced line. */
export function solutionRegions(lines: string[], where: string): SolutionRegion[] {
  const regions: SolutionRegion[] = [];
  let open: { begin: number; indent: string } | undefined;
  lines.forEach((line, i) => {
    const text = line.trim();
    if (text === BEGIN_SOLUTION) {
      if (open !== undefined)
        throw new Error(
          `${where}, line ${i + 1}: a second ${BEGIN_SOLUTION} before ${END_SOLUTION} (the first is on line ${open.begin + 1})`,
        );
      open = { begin: i, indent: /^\s*/.exec(line)![0] };
    } else if (text === END_SOLUTION) {
      if (open === undefined)
        throw new Error(`${where}, line ${i + 1}: ${END_SOLUTION} without a ${BEGIN_SOLUTION} before it`);
      regions.push({ ...open, end: i });
      open = undefined;
    }
  });
  if (open !== undefined)
    throw new Error(
      `${where}, line ${open.begin + 1}: ${BEGIN_SOLUTION} is never closed; add a line ${END_SOLUTION} after the solution`,
    );
  return regions;
}

/**
 * Checks that `nb` can be an assignment's source: every tagged cell has a unique id, checks are
 * code cells worth a positive number of points, no cell is both a solution and a check, solution
 * markers are balanced, and there is at least one check. Throws an Error naming the file, the cell
 * and the fix.
 */
export function checkSource(path: string, nb: Notebook): void {
  const seen = new Map<string, number>();
  nb.cells.forEach((cell, i) => {
    const where = `${path}: cell ${i + 1}`;
    const tags = tagsOf(cell);
    const role = roleOf(cell);
    if (typeof cell.id === "string") {
      const before = seen.get(cell.id);
      if (before !== undefined)
        throw new Error(
          `${where} has the id "${cell.id}" of cell ${before + 1}; cell ids must be unique (give it another)`,
        );
      seen.set(cell.id, i);
    }
    if (role !== "solution" && cell.cell_type === "code") {
      const marker = cellSource(cell)
        .split("\n")
        .findIndex((line) => [BEGIN_SOLUTION, END_SOLUTION].includes(line.trim()));
      if (marker >= 0)
        throw new Error(
          `${where}, line ${marker + 1} has a solution marker but the cell is not tagged solution, so the solution would be handed out; tag the cell solution`,
        );
    }
    if (role === undefined) return;
    if (typeof cell.id !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(cell.id))
      throw new Error(
        `${where} is tagged ${role} but has ${cell.id === undefined ? "no id" : `the id ${JSON.stringify(cell.id)}`}; the grader matches cells by id: save the notebook as nbformat 4.5 (JupyterLab 3+ and VS Code add ids), or add "id": "a-name" (letters, digits, - and _)`,
      );
    if (tags.includes("solution") && (tags.includes("tests") || tags.includes("hidden-tests")))
      throw new Error(
        `${where} ("${cell.id}") is tagged both solution and ${role}; a cell is either the answer or a check, split it in two`,
      );
    if (role !== "solution" && cell.cell_type !== "code")
      throw new Error(
        `${where} ("${cell.id}") is a ${cell.cell_type} cell tagged ${role}; checks must be code cells`,
      );
    const points = pointsOf(cell);
    if (!(Number.isFinite(points) && points >= 0))
      throw new Error(
        `${where} ("${cell.id}") has the tag ${tags.find((t) => t.startsWith("points="))}; write points=N with a number N ≥ 0, e.g. points=2`,
      );
    if (role === "solution" && cell.cell_type === "code")
      solutionRegions(cellSource(cell).split("\n"), `${where} ("${cell.id}")`);
  });
  if (!nb.cells.some(isCheck))
    throw new Error(
      `${path} has no cell tagged tests or hidden-tests, so there is nothing to grade; tag the check cells`,
    );
}
