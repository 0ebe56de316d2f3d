// The notebook that is graded: the student's cells, in the student's order, with the source's
// checks. Every check's code comes from the source, so a student cannot weaken a visible check or
// skip a hidden one:
//
// - a visible check (tests) the submission still has is replaced, in place, by the source's;
// - a hidden check, or a visible one the student deleted, goes right after the check before it in
//   the source when the submission has that one; otherwise just before the next source cell the
//   submission has (so after the cells a student added below their answer), else at the end;
// - a submission cell carrying a hidden check's id is dropped.

import type { Notebook, NotebookCell } from "../notebook-file";
import { isCheck, roleOf } from "./tags";

export interface GradedNotebook {
  nb: Notebook;
  /** What was odd about the submission, for its report (empty when nothing was). */
  problems: string[];
}

const fresh = (cell: NotebookCell): NotebookCell => {
  const copy: NotebookCell = JSON.parse(JSON.stringify(cell));
  if (copy.cell_type === "code") {
    copy.outputs = [];
    copy.execution_count = null;
  }
  return copy;
};

export function notebookToGrade(source: Notebook, submission: Notebook): GradedNotebook {
  const bySourceId = new Map(source.cells.map((c) => [c.id, c] as const));
  const sourceOf = (cell: NotebookCell) =>
    typeof cell.id === "string" ? bySourceId.get(cell.id) : undefined;
  const cells: NotebookCell[] = [];
  for (const cell of submission.cells) {
    const original = sourceOf(cell);
    if (original === undefined || !isCheck(original)) cells.push(fresh(cell));
    else if (roleOf(original) === "tests") cells.push(fresh(original)); // hidden ones are put back below
  }
  const nb: Notebook = { ...submission, cells };
  if (!cells.some((c) => sourceOf(c) !== undefined)) {
    // Ids lost (a tool saved it as nbformat 4.4): the checks go at the end, in order.
    nb.cells.push(...source.cells.filter(isCheck).map(fresh));
    return {
      nb,
      problems: [
        "the submission's cells have none of the assignment's cell ids (was it saved by a tool that drops nbformat 4.5 ids?): the checks were run after all its cells",
      ],
    };
  }
  const position = (id: unknown) => cells.findIndex((c) => c.id === id);
  source.cells.forEach((check, index) => {
    if (!isCheck(check) || position(check.id) >= 0) return;
    const before = source.cells[index - 1];
    const after = before !== undefined && isCheck(before) ? position(before.id) : -1;
    if (after >= 0) {
      cells.splice(after + 1, 0, fresh(check));
      return;
    }
    const next = source.cells.slice(index + 1).find((c) => !isCheck(c) && position(c.id) >= 0);
    cells.splice(next === undefined ? cells.length : position(next.id), 0, fresh(check));
  });
  return { nb, problems: [] };
}
