// `receptive run --report FILE`: what happened to every code cell, as JSON, for autograders and CI.
// Unlike the exit code and stderr, which name only the first failure, the report lists each code
// cell with its id, tags, status (ok, error, timeout, or not run and why), seconds, and the error's
// name and message. It is rewritten (atomically) after every cell, so a run that is killed still
// leaves the cells it finished, with `finished: false`; the final write is run-notebook.ts's, with
// the same fallbacks as the executed notebook's.

import { type Notebook, writeFileAtomically } from "./notebook-file";

export type CellStatus = "ok" | "error" | "timeout" | "not run";

export interface CellReport {
  /** Position of the cell in the notebook, counting every cell from 0. */
  index: number;
  /** The cell's nbformat id (4.5 and later), or null. */
  id: string | null;
  /** The cell's `metadata.tags`. */
  tags: string[];
  /** Its execution count: 1 for the first code cell, 2 for the second... */
  count: number;
  status: CellStatus;
  /** Wall-clock seconds it ran (null when it did not run). */
  seconds: number | null;
  /** For "error" and "timeout". */
  error?: { ename: string; evalue: string };
  /** For "not run": why. */
  reason?: string;
}

export interface RunReport {
  /** Version of this format. */
  version: 1;
  /** The notebook run, as given on the command line. */
  notebook: string;
  /** False while cells still run or when the process ended before the run did. */
  finished: boolean;
  /** Every code cell ran without error (false while running). */
  ok: boolean;
  /** Seconds since the first cell started. */
  seconds: number;
  counts: Record<CellStatus, number>;
  cells: CellReport[];
}

/** The reason of a cell not run yet (while running, or when the process died before it). */
export const NOT_REACHED = "the run has not reached it yet";

const tagsOf = (metadata: Record<string, unknown>): string[] =>
  Array.isArray(metadata.tags) ? metadata.tags.filter((t): t is string => typeof t === "string") : [];

/** Collects the report of one run and writes it to `path` (when given) after every cell. */
export class RunReporter {
  private readonly cells: CellReport[] = [];
  private readonly started = Date.now();
  private finished = false;

  constructor(
    private readonly path: string | undefined,
    private readonly name: string,
    nb: Notebook,
  ) {
    let count = 0;
    nb.cells.forEach((cell, index) => {
      if (cell.cell_type !== "code") return;
      count++;
      this.cells.push({
        index,
        id: typeof cell.id === "string" ? cell.id : null,
        tags: tagsOf(cell.metadata),
        count,
        status: "not run",
        seconds: null,
        reason: NOT_REACHED,
      });
    });
  }

  /** The cell with this execution count ran: ok, or failed with this error (ename "Timeout" for a timeout). */
  record(count: number, seconds: number, error?: { ename: string; evalue: string; timedOut: boolean }): void {
    const cell = this.cells[count - 1];
    cell.seconds = Number(seconds.toFixed(3));
    delete cell.reason;
    if (error === undefined) cell.status = "ok";
    else {
      cell.status = error.timedOut ? "timeout" : "error";
      cell.error = { ename: error.ename, evalue: error.evalue };
    }
    this.writeSoFar();
  }

  /** The run ends: cells that did not run get `reason`; `finished` tells whether the run completed. */
  end(reason: string, finished: boolean): void {
    for (const cell of this.cells) if (cell.status === "not run") cell.reason = reason;
    this.finished = finished;
  }

  report(): RunReport {
    const counts: Record<CellStatus, number> = { ok: 0, error: 0, timeout: 0, "not run": 0 };
    for (const cell of this.cells) counts[cell.status]++;
    return {
      version: 1,
      notebook: this.name,
      finished: this.finished,
      ok: this.finished && counts.ok === this.cells.length,
      seconds: Number(((Date.now() - this.started) / 1000).toFixed(3)),
      counts,
      cells: this.cells,
    };
  }

  text(): string {
    return `${JSON.stringify(this.report(), null, 1)}\n`;
  }

  /** The report so far, while cells run. A failure is ignored here: the final write reports it. */
  private writeSoFar(): void {
    if (this.path === undefined) return;
    try {
      writeFileAtomically(this.path, this.text());
    } catch {
      // the final write (run-notebook.ts) says why and keeps the report elsewhere
    }
  }
}
