// `receptive assignment grade SUBMISSIONS --source SRC`: grades every submission of one notebook.
//
// SUBMISSIONS holds one folder per student (the folder's name is the student; inside, the notebook
// named like the source, or the folder's only notebook, plus any files it reads) or one notebook
// per student (the file's name is the student). Every submission is first copied to its own
// folder under a temporary staging folder (symbolic links left out); then each copy gets the
// source's checks (merge.ts) and runs in its own sandboxed process (sandbox.ts), a few at a time.
// A submission that loops, throws, crashes, calls process.exit or deletes files affects only its
// own copy and its own grade. The grades go to OUT: OUT/<student>/report.json, report.html and the
// executed notebook, and OUT/grades.csv (each written atomically).

import {
  copyFileSync,
  type Dirent,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { basename, dirname, extname, join, resolve, sep } from "node:path";
import {
  checkNotebook,
  checkWritable,
  type Notebook,
  readNotebook,
  writeFileAtomically,
  writeNotebookAtomically,
} from "../notebook-file";
import type { RunReport } from "../run-report";
import {
  gradebookCsv,
  type RunEnd,
  runEnd,
  type StudentReport,
  scoreChecks,
  studentErrors,
  studentHtml,
} from "./gradebook";
import { notebookToGrade } from "./merge";
import { killAllRuns, runSandboxed, sandboxed } from "./sandbox";
import { type Check, checkSource, checksOf } from "./tags";

export interface GradeOptions {
  submissions: string;
  source: string;
  out?: string;
  /** Per cell. */
  timeoutSeconds: number;
  /** Per notebook. */
  budgetSeconds: number;
  jobs: number;
  /** Progress lines (one per student graded). */
  log: (line: string) => void;
}

export const DEFAULT_TIMEOUT_S = 60;
export const DEFAULT_BUDGET_S = 600;
export const defaultJobs = (): number => Math.max(1, Math.floor(availableParallelism() / 2));

/** One student's submission as found in SUBMISSIONS. */
interface Submission {
  student: string;
  /** The student's folder, or the notebook file itself. */
  path: string;
  /** The notebook, relative to the folder (its own name for a file submission). */
  notebook?: string;
  /** Why there is no notebook to run. */
  problem?: string;
}

const hidden = (name: string) => name.startsWith(".");

/** The submissions in a folder, sorted by student. */
function findSubmissions(dir: string, notebookName: string): Submission[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    throw new Error(
      `cannot read the submissions folder ${dir}; name the folder that holds one folder (or notebook) per student`,
    );
  }
  const found: Submission[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (hidden(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isFile() && extname(entry.name) === ".ipynb") {
      found.push({ student: basename(entry.name, ".ipynb"), path, notebook: entry.name });
    } else if (entry.isDirectory()) {
      const notebooks = readdirSync(path).filter((f) => extname(f) === ".ipynb" && !hidden(f));
      const submission: Submission = { student: entry.name, path };
      if (notebooks.includes(notebookName)) submission.notebook = notebookName;
      else if (notebooks.length === 1) submission.notebook = notebooks[0];
      else
        submission.problem =
          notebooks.length === 0
            ? `no notebook in ${path} (expected ${notebookName})`
            : `${notebooks.length} notebooks in ${path} and none named ${notebookName}: ${notebooks.join(", ")}`;
      found.push(submission);
    }
  }
  return found;
}

/** Copies a folder (or one file) into `to`, leaving out symbolic links and other special files. */
function copyPlain(from: string, to: string, skipped: string[]): void {
  const stat = lstatSync(from);
  if (stat.isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(from)) copyPlain(join(from, name), join(to, name), skipped);
  } else if (stat.isFile()) copyFileSync(from, to);
  else skipped.push(from);
}

function readRunReport(path: string): RunReport | undefined {
  try {
    const report = JSON.parse(readFileSync(path, "utf8")) as RunReport;
    return report.version === 1 && Array.isArray(report.cells) ? report : undefined;
  } catch {
    return undefined;
  }
}

/** The files a graded submission leaves in OUT/<student>/. */
function writeStudent(outDir: string, report: StudentReport, executed: Notebook): void {
  const dir = join(outDir, report.student);
  mkdirSync(dir, { recursive: true });
  writeFileAtomically(join(dir, "report.json"), `${JSON.stringify(report, null, 1)}\n`);
  writeNotebookAtomically(join(dir, report.notebook), executed);
  writeFileAtomically(join(dir, "report.html"), studentHtml(report, executed));
}

/** Grades one staged submission: merge the checks in, run it sandboxed, score it. */
async function gradeOne(
  submission: Submission & { box?: string; skipped: string[] },
  source: Notebook,
  checks: Check[],
  opts: GradeOptions,
): Promise<{ report: StudentReport; executed: Notebook }> {
  const maxScore = checks.reduce((a, c) => a + c.points, 0);
  const notebook = submission.notebook ?? basename(opts.source);
  const report: StudentReport = {
    version: 1,
    student: submission.student,
    notebook,
    score: 0,
    maxScore,
    checks: [],
    errors: [],
    run: { ended: "not run", seconds: 0, sandboxed: sandboxed() },
    problems: submission.skipped.map((p) => `left out of the run: ${p} (not a plain file or folder)`),
  };
  const notRun = (problem: string, executed: Notebook) => {
    report.problems.push(problem);
    report.checks = scoreChecks(checks, undefined, problem);
    return { report, executed };
  };
  if (submission.box === undefined || submission.problem !== undefined)
    return notRun(submission.problem ?? "the submission could not be copied", { ...source, cells: [] });
  const nbPath = join(submission.box, notebook);
  let submitted: Notebook;
  try {
    submitted = checkNotebook(notebook, JSON.parse(readFileSync(nbPath, "utf8")));
  } catch (err) {
    return notRun(`cannot read the submitted notebook ${notebook}: ${(err as Error).message}`, {
      ...source,
      cells: [],
    });
  }
  const { nb, problems } = notebookToGrade(source, submitted);
  report.problems.push(...problems);
  writeNotebookAtomically(nbPath, nb);
  const executedPath = join(submission.box, ".receptive-executed.ipynb");
  const reportPath = join(submission.box, ".receptive-report.json");
  const result = await runSandboxed({
    box: submission.box,
    notebook: nbPath,
    out: executedPath,
    report: reportPath,
    timeoutSeconds: opts.timeoutSeconds,
    budgetSeconds: opts.budgetSeconds,
  });
  const runReport = readRunReport(reportPath);
  const end = runEnd(runReport, result);
  report.run = {
    ended: end.ended,
    seconds: Number(result.seconds.toFixed(2)),
    ...(end.detail ? { detail: end.detail } : {}),
    sandboxed: sandboxed(),
  };
  report.checks = scoreChecks(checks, runReport, end.detail ?? "the run ended before it");
  report.errors = studentErrors(runReport, checks);
  report.score = report.checks.reduce((a, c) => a + c.points, 0);
  let executed: Notebook;
  try {
    executed = readNotebook(executedPath);
  } catch {
    executed = nb; // the run wrote no notebook (it crashed or was killed): the cells without outputs
  }
  return { report, executed };
}

/** Runs `work` over `items` with at most `jobs` at a time, in order of the items. */
async function pool<T, R>(items: T[], jobs: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

export async function grade(opts: GradeOptions): Promise<StudentReport[]> {
  const submissionsDir = resolve(opts.submissions);
  const sourcePath = resolve(opts.source);
  const outDir = resolve(opts.out ?? join(dirname(submissionsDir), "graded"));
  if (outDir === submissionsDir || outDir.startsWith(submissionsDir + sep))
    throw new Error(
      `--out ${outDir} is inside the submissions folder, where it would be taken for a student; pick a folder outside it, e.g. --out ${join(dirname(submissionsDir), "graded")}`,
    );
  const source = readNotebook(sourcePath);
  checkSource(sourcePath, source);
  const checks = checksOf(source);
  const submissions = findSubmissions(submissionsDir, basename(sourcePath));
  if (submissions.length === 0)
    throw new Error(`${submissionsDir} holds no submissions: expected one folder or one .ipynb per student`);
  mkdirSync(outDir, { recursive: true });
  checkWritable(join(outDir, "grades.csv"), "the gradebook", "--out", "graded");
  if (!sandboxed())
    opts.log(
      "note: this Node has no permission model, so submissions run unconfined (each still in its own copy and process)",
    );

  const stage = mkdtempSync(join(tmpdir(), "receptive-grade-"));
  // Stopped (Ctrl-C, kill): end every run and remove the copies before going.
  const stop = (signal: NodeJS.Signals) => {
    killAllRuns();
    rmSync(stage, { recursive: true, force: true });
    process.stderr.write(
      `receptive assignment grade: stopped by ${signal}; the grades written so far are in ${outDir}\n`,
    );
    process.exit(130);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    // Copy everything before anything runs.
    const staged = submissions.map((s, i) => {
      const skipped: string[] = [];
      if (s.notebook === undefined) return { ...s, skipped };
      const box = join(stage, String(i));
      try {
        if (s.path.endsWith(".ipynb") && lstatSync(s.path).isFile()) {
          mkdirSync(box);
          copyPlain(s.path, join(box, s.notebook), skipped);
        } else copyPlain(s.path, box, skipped);
        return { ...s, box, skipped };
      } catch (err) {
        return { ...s, skipped, problem: `the submission could not be copied: ${(err as Error).message}` };
      }
    });
    const reports = await pool(staged, opts.jobs, async (s) => {
      const { report, executed } = await gradeOne(s, source, checks, opts);
      writeStudent(outDir, report, executed);
      opts.log(
        `${report.student}: ${report.score} / ${report.maxScore}${describeEnd(report.run.ended, report.problems)}`,
      );
      return report;
    });
    writeFileAtomically(join(outDir, "grades.csv"), gradebookCsv(checks, reports));
    return reports;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    rmSync(stage, { recursive: true, force: true });
  }
}

function describeEnd(ended: RunEnd, problems: string[]): string {
  if (ended === "completed") return "";
  if (ended === "not run") return ` (not run: ${problems[0] ?? "no notebook"})`;
  return ` (${ended})`;
}
