// From a submission's run to its grade: each check of the source scored from the run's JSON
// report (passed, failed with its message, timed out, or not run and why), the student's own cells
// that failed (feedback), how the run ended; then the files an instructor reads: the per-student
// JSON report, its HTML page (the summary above the executed notebook) and the CSV gradebook.

import { constants } from "node:os";
import { escapeHtml, notebookToHtml } from "../html-report";
import type { Notebook } from "../notebook-file";
import { NOT_REACHED, type RunReport } from "../run-report";
import type { SandboxResult } from "./sandbox";
import type { Check, CheckKind } from "./tags";

export type CheckStatus = "passed" | "failed" | "timed out" | "not run";

export interface CheckResult {
  id: string;
  kind: CheckKind;
  status: CheckStatus;
  points: number;
  maxPoints: number;
  /** Why it failed, timed out or did not run. */
  message?: string;
}

/** How the submission's run ended. */
export type RunEnd = "completed" | "out of budget" | "crashed" | "killed" | "not run";

export interface StudentReport {
  version: 1;
  student: string;
  notebook: string;
  score: number;
  maxScore: number;
  checks: CheckResult[];
  /** The student's own cells (not checks) that failed: feedback, worth no points. */
  errors: { id: string | null; count: number; ename: string; evalue: string }[];
  run: { ended: RunEnd; seconds: number; detail?: string; sandboxed: boolean };
  /** What was wrong with the submission itself (no notebook, no cell ids...). */
  problems: string[];
}

/** Long messages (an assertion's diff of two big arrays) are cut for the report. */
const MESSAGE_LIMIT = 2000;
const cut = (text: string) => (text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}… (cut)` : text);

/** How the run ended, in the report's words, from the run report and the process's exit. */
export function runEnd(
  report: RunReport | undefined,
  result: SandboxResult,
): { ended: RunEnd; detail?: string } {
  // The launcher exits with 128 + N when signal N ended the run, as shells report it.
  const signal =
    result.signal ??
    (result.code !== null && result.code > 128
      ? Object.entries(constants.signals).find(([, n]) => n === (result.code as number) - 128)?.[0]
      : undefined);
  const how = signal !== undefined ? `it was ended by ${signal}` : `it exited with code ${result.code}`;
  const tail = result.output.trim().split("\n").slice(-3).join(" | ");
  if (result.killed)
    return {
      ended: "killed",
      detail: `it was still running ${result.seconds.toFixed(0)} s after it started, past its budget, and was killed`,
    };
  if (report === undefined)
    return { ended: "crashed", detail: `the run left no report: ${how}${tail ? ` (${tail})` : ""}` };
  if (!report.finished) {
    const at = report.cells.find((c) => c.status === "not run");
    return {
      ended: "crashed",
      detail: `the process died${at ? ` in cell ${at.count}${at.id ? ` ("${at.id}")` : ""}` : ""}: ${how}`,
    };
  }
  const overBudget = report.cells.find(
    (c) => c.status === "timeout" && /--budget/.test(c.error?.evalue ?? ""),
  );
  if (overBudget) return { ended: "out of budget", detail: overBudget.error!.evalue };
  return { ended: "completed" };
}

/** Scores each check from the run report; a check the run never reached did not run because of `why`. */
export function scoreChecks(checks: Check[], report: RunReport | undefined, why: string): CheckResult[] {
  const byId = new Map((report?.cells ?? []).filter((c) => c.id !== null).map((c) => [c.id, c] as const));
  return checks.map(({ id, kind, points: maxPoints }): CheckResult => {
    const cell = byId.get(id);
    if (cell === undefined || cell.status === "not run") {
      const reason = cell?.reason !== undefined && cell.reason !== NOT_REACHED ? cell.reason : why;
      return { id, kind, status: "not run", points: 0, maxPoints, message: reason };
    }
    if (cell.status === "ok") return { id, kind, status: "passed", points: maxPoints, maxPoints };
    const status = cell.status === "timeout" ? "timed out" : "failed";
    return {
      id,
      kind,
      status,
      points: 0,
      maxPoints,
      message: cut(`${cell.error?.ename}: ${cell.error?.evalue}`),
    };
  });
}

/** The failed cells that are not checks. */
export function studentErrors(report: RunReport | undefined, checks: Check[]): StudentReport["errors"] {
  const checkIds = new Set(checks.map((c) => c.id));
  return (report?.cells ?? [])
    .filter((c) => (c.status === "error" || c.status === "timeout") && !(c.id !== null && checkIds.has(c.id)))
    .map((c) => ({ id: c.id, count: c.count, ename: c.error!.ename, evalue: cut(c.error!.evalue) }));
}

const STATUS_MARK: Record<CheckStatus, string> = {
  passed: "✓",
  failed: "✗",
  "timed out": "⏱",
  "not run": "–",
};

/** The HTML page of one student: the grade and every check above the executed notebook. */
export function studentHtml(report: StudentReport, executed: Notebook): string {
  const rows = report.checks
    .map(
      (c) =>
        `<tr><td>${STATUS_MARK[c.status]} ${escapeHtml(c.status)}</td><td><code>${escapeHtml(c.id)}</code>${c.kind === "hidden-tests" ? " (hidden)" : ""}</td><td>${c.points} / ${c.maxPoints}</td><td><pre>${escapeHtml(c.message ?? "")}</pre></td></tr>`,
    )
    .join("\n");
  const notes = [
    `The run ${report.run.ended} in ${report.run.seconds.toFixed(1)} s${report.run.detail ? `: ${report.run.detail}` : ""}.`,
    ...report.problems,
    ...report.errors.map(
      (e) => `Cell ${e.count}${e.id ? ` ("${e.id}")` : ""} failed: ${e.ename}: ${e.evalue}`,
    ),
  ];
  const summary = `<style>
.grade table { border-collapse: collapse; } .grade td, .grade th { border: 1px solid #d0d7de; padding: 2px 8px; text-align: left; vertical-align: top; }
.grade pre { margin: 0; }
</style>
<section class="grade">
<h2>Grade: ${report.score} / ${report.maxScore}</h2>
<table class="checks"><tr><th>result</th><th>check</th><th>points</th><th>message</th></tr>
${rows}
</table>
<ul>${notes.map((n) => `<li><pre>${escapeHtml(n)}</pre></li>`).join("")}</ul>
</section>`;
  const page = notebookToHtml(executed, `${report.student}: ${report.notebook}`);
  // NOTE: the summary goes right after the page's header; notebookToHtml has exactly one.
  return page.replace("</header>", `</header>\n${summary}`);
}

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The gradebook: one row per student, the points of every check, in the source's order. */
export function gradebookCsv(checks: Check[], reports: StudentReport[]): string {
  const header = ["student", "score", "max_score", "run", ...checks.map((c) => c.id)];
  const rows = reports.map((r) => [
    r.student,
    r.score,
    r.maxScore,
    r.run.ended,
    ...checks.map((c) => r.checks.find((x) => x.id === c.id)?.points ?? 0),
  ]);
  return `${[header, ...rows].map((row) => row.map(csvField).join(",")).join("\n")}\n`;
}
