// `receptive run NOTEBOOK.ipynb`: executes every code cell headless, like
// `jupyter nbconvert --execute`, and writes the outputs into the notebook (or --out) atomically,
// with --html a self-contained HTML report of the run (html-report.ts) and with --report a JSON
// report of every code cell (run-report.ts). --timeout stops a cell, --budget the whole notebook.
// Exits non-zero on the first failing cell (with its number and message) unless --allow-errors.
// Every failure ends the run with its cause on stderr, never a hang: a malformed notebook or a
// destination that cannot be written is refused before any cell runs; a cell that exits the process
// is a failed cell (the outputs so far are still written); an output that cannot be written at the
// end is kept in a temporary folder instead. Started without the kernel's Node flags, it runs itself
// again as a child that dies with it (run-child.ts).

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { MimeBundle } from "../display/schema";
import type { CellOutput } from "./execute/cell-context";
import { ExecutionSession } from "./execute/session";
import { notebookToHtml } from "./html-report";
import { hasKernelFlags } from "./node-flags";
import {
  cellSource,
  checkWritable,
  type Notebook,
  type NotebookOutput,
  notebookText,
  readNotebook,
  writeFileAtomically,
} from "./notebook-file";
import { parentAlive, rerunAsChild, watchParent } from "./run-child";
import { RunReporter } from "./run-report";
import { SideThreadHost } from "./side-thread-host";

const USAGE = `usage: receptive run NOTEBOOK.ipynb [--out EXECUTED.ipynb] [--html REPORT.html] [--report REPORT.json]
                     [--timeout SECONDS] [--budget SECONDS] [--allow-errors]

Runs every code cell in order and saves the outputs (into NOTEBOOK.ipynb unless --out is given).
  --html F         also write a self-contained HTML report of the run (rich outputs as pictures)
  --report F       also write a JSON report of every code cell: ok, error (name and message),
                   timeout or not run (and why), seconds; rewritten after every cell
  --timeout S      stop a cell that runs longer than S seconds (counts as an error)
  --budget S       stop the notebook after S seconds in all: the running cell is stopped, the rest
                   are not run, and the run fails
  --allow-errors   keep going after a failing cell and exit 0
`;

export interface RunOptions {
  notebook: string;
  out?: string;
  html?: string;
  report?: string;
  timeoutSeconds?: number;
  budgetSeconds?: number;
  allowErrors: boolean;
}

export function parseRunArgs(args: string[]): RunOptions | string {
  const opts: Partial<RunOptions> = { allowErrors: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      if (a === "--out" || a === "-o") opts.out = value();
      else if (a === "--html") opts.html = value();
      else if (a === "--report") opts.report = value();
      else if (a === "--timeout" || a === "--budget") {
        const v = value();
        const seconds = Number(v);
        if (!(seconds > 0)) return `${a} must be a positive number of seconds, got '${v}'`;
        if (a === "--timeout") opts.timeoutSeconds = seconds;
        else opts.budgetSeconds = seconds;
      } else if (a === "--allow-errors") opts.allowErrors = true;
      else if (a.startsWith("-")) return `unknown option '${a}'`;
      else if (opts.notebook === undefined) opts.notebook = a;
      else return `only one notebook can be run at a time (got '${opts.notebook}' and '${a}')`;
    } catch (err) {
      return (err as Error).message;
    }
  }
  if (opts.notebook === undefined) return "missing the notebook to run";
  return opts as RunOptions;
}

/** Collects one cell's outputs in nbformat's shape; display updates rewrite earlier outputs. */
class OutputCollector implements CellOutput {
  readonly outputs: NotebookOutput[] = [];
  private readonly byDisplayId: Map<string, { data: MimeBundle; metadata: Record<string, unknown> }[]>;
  constructor(shared: Map<string, { data: MimeBundle; metadata: Record<string, unknown> }[]>) {
    this.byDisplayId = shared;
  }
  stream(name: "stdout" | "stderr", text: string): void {
    const last = this.outputs[this.outputs.length - 1];
    if (last?.output_type === "stream" && last.name === name) last.text += text;
    else this.outputs.push({ output_type: "stream", name, text });
  }
  display(bundle: MimeBundle, metadata: Record<string, unknown>, displayId: string): void {
    const out = { output_type: "display_data" as const, data: bundle, metadata };
    this.outputs.push(out);
    const list = this.byDisplayId.get(displayId) ?? [];
    list.push(out);
    this.byDisplayId.set(displayId, list);
  }
  input(): Promise<string> {
    return Promise.reject(
      new Error(
        'input: `receptive run` executes the notebook headless, with no one to answer; put the value in the cell instead (e.g. const name = "Ada")',
      ),
    );
  }
  update(bundle: MimeBundle, metadata: Record<string, unknown>, displayId: string): void {
    for (const out of this.byDisplayId.get(displayId) ?? []) {
      out.data = bundle;
      out.metadata = metadata;
    }
  }
}

/** Where a run reads and writes, checked before any cell runs. */
interface RunPlan {
  path: string;
  outPath: string;
  htmlPath?: string;
  reportPath?: string;
  nb: Notebook;
  reporter: RunReporter;
}

/** Reads and checks the notebook and checks the destinations can be written: throws with the cause. */
function planRun(opts: RunOptions): RunPlan {
  const path = resolve(opts.notebook);
  const outPath = resolve(opts.out ?? opts.notebook);
  const htmlPath = opts.html === undefined ? undefined : resolve(opts.html);
  const reportPath = opts.report === undefined ? undefined : resolve(opts.report);
  const nb = readNotebook(path);
  const stem = outPath.replace(/\.ipynb$/, "");
  if (htmlPath === outPath)
    throw new Error(
      `--html ${opts.html} would overwrite the executed notebook ${outPath}; give the report its own name, e.g. --html ${stem}.html`,
    );
  if (reportPath !== undefined && (reportPath === outPath || reportPath === htmlPath))
    throw new Error(
      `--report ${opts.report} would overwrite ${reportPath === outPath ? "the executed notebook" : "the HTML report"} ${reportPath}; give it its own name, e.g. --report ${stem}.report.json`,
    );
  checkWritable(outPath, "the executed notebook", "--out", "executed.ipynb");
  if (htmlPath !== undefined) checkWritable(htmlPath, "the HTML report", "--html", "report.html");
  if (reportPath !== undefined) checkWritable(reportPath, "the JSON report", "--report", "report.json");
  const reporter = new RunReporter(reportPath, opts.notebook, nb);
  return { path, outPath, htmlPath, reportPath, nb, reporter };
}

/** When a destination failed at the end of a run: the file goes to a fresh temporary folder instead. */
function keepElsewhere(path: string, text: () => string): string {
  try {
    const copy = join(mkdtempSync(join(tmpdir(), "receptive-run-")), basename(path));
    writeFileAtomically(copy, text());
    return `it was kept at ${copy} instead`;
  } catch (err) {
    return `keeping it in the temporary folder failed too (${(err as Error).message})`;
  }
}

/** Writes the executed notebook and the reports; returns what went wrong (empty when all were written). */
function writeOutputs({ path, outPath, htmlPath, reportPath, nb, reporter }: RunPlan): string[] {
  if (!parentAlive()) process.kill(process.pid, "SIGKILL"); // `receptive run` was killed: write nothing
  const problems: string[] = [];
  const save = (what: string, to: string, text: () => string) => {
    try {
      writeFileAtomically(to, text());
    } catch (err) {
      problems.push(`${what} was not saved: ${(err as Error).message}; ${keepElsewhere(to, text)}`);
    }
  };
  save("the executed notebook", outPath, () => notebookText(nb));
  if (htmlPath !== undefined) save("the HTML report", htmlPath, () => notebookToHtml(nb, basename(path)));
  if (reportPath !== undefined) save("the JSON report", reportPath, () => reporter.text());
  return problems;
}

/**
 * Until the run is done, an exit of the process (a cell's process.exit, or anything else) calls
 * `onEarlyExit` synchronously with the code process.exit was given (undefined when it was not
 * called) and ends with exit code 1. Returns the run's own way out, `exitNow(code)`; a late
 * process.exit (a cell's timer) while the run closes keeps the code given to `setCode(code)`.
 */
function trapExits(onEarlyExit: (exitArgument: unknown, code: number) => void) {
  const realExit = process.exit;
  let exitArgument: { code: unknown } | undefined;
  let done = false;
  let finalCode = 1;
  process.exit = ((code?: number | string | null) => {
    if (done) return realExit.call(process, finalCode);
    exitArgument = { code: code ?? process.exitCode ?? 0 };
    return realExit.call(process, code as number | undefined);
  }) as typeof process.exit;
  process.on("exit", (code) => {
    if (done) return;
    done = true;
    onEarlyExit(exitArgument?.code, code);
    process.exitCode = 1;
  });
  return {
    setCode(code: number): void {
      done = true;
      finalCode = code;
    },
    exitNow(code: number): never {
      done = true;
      process.exit = realExit;
      return realExit.call(process, code);
    },
  };
}

export async function runNotebookCommand(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts = parseRunArgs(args);
  if (typeof opts === "string") {
    process.stderr.write(`receptive run: ${opts}\n\n${USAGE}`);
    return 2;
  }
  if (!hasKernelFlags()) return rerunAsChild();
  watchParent();
  // The session routes process.stdout/stderr to cells from now on; progress goes to the terminal.
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  let plan: RunPlan;
  try {
    plan = planRun(opts);
  } catch (err) {
    stderr(`receptive run: ${(err as Error).message}\n`);
    return 1;
  }
  const { nb } = plan;
  // A cell that ends the process is a failed cell: its error is recorded, the outputs so far are
  // written, exit code 1. NOTE: from here on every way out is exitNow: the session keeps the event
  // loop alive, so returning would hang.
  let running: { count: number; index: number; collector: OutputCollector; started: number } | undefined;
  const { setCode, exitNow } = trapExits((exitArgument, code) => {
    const where = running === undefined ? "before the first cell ran" : `in cell ${running.count}`;
    const evalue =
      exitArgument !== undefined
        ? `process.exit(${String(exitArgument)}) called ${where}: the notebook stopped here; remove the call (throw an Error to fail a cell on purpose)`
        : `the process exited (code ${code}) ${where}: the notebook stopped here`;
    running?.collector.outputs.push({
      output_type: "error",
      ename: "ProcessExit",
      evalue,
      traceback: [`ProcessExit: ${evalue}`],
    });
    if (running !== undefined)
      plan.reporter.record(running.count, (Date.now() - running.started) / 1000, {
        ename: "ProcessExit",
        evalue,
        timedOut: false,
      });
    plan.reporter.end(`the process exited ${where}`, false);
    const problems = writeOutputs(plan);
    const cell =
      running === undefined ? "" : `cell ${running.count} (notebook cell ${running.index + 1}) failed: `;
    stderr(`receptive run: ${cell}ProcessExit: ${evalue}\n`);
    for (const p of problems) stderr(`receptive run: ${p}\n`);
  });

  try {
    process.chdir(dirname(plan.path)); // relative paths in cells mean the notebook's folder, as in Jupyter
    const session = new ExecutionSession(dirname(plan.path));
    const side = new SideThreadHost(session);
    await side.ready;
    session.warmUp(); // build the TypeScript converter before any --timeout clock starts
    nb.metadata.kernelspec ??= {
      name: "receptive",
      display_name: "Receptive (TypeScript)",
      language: "typescript",
    };
    nb.metadata.language_info ??= { name: "typescript", file_extension: ".ts", mimetype: "text/typescript" };
    const displays = new Map<string, { data: MimeBundle; metadata: Record<string, unknown> }[]>();
    const codeCells = nb.cells.filter((c) => c.cell_type === "code");
    const { reporter } = plan;
    const budgetEnds = opts.budgetSeconds === undefined ? Infinity : Date.now() + opts.budgetSeconds * 1000;
    const budgetNote = `the notebook ran longer than its --budget of ${opts.budgetSeconds} s`;
    let count = 0;
    let failed: string | null = null;
    let notRunReason = "";
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      count++;
      const budgetLeft = budgetEnds - Date.now();
      if (budgetLeft <= 0) {
        failed = `${budgetNote}; cells ${count} to ${codeCells.length} were not run`;
        notRunReason = budgetNote;
        break;
      }
      const collector = new OutputCollector(displays);
      const started = Date.now();
      running = { count, index: i, collector, started };
      cell.outputs = collector.outputs;
      cell.execution_count = count;
      // The cell may run until its --timeout or the end of the --budget, whichever comes first.
      const timeoutMs = (opts.timeoutSeconds ?? Infinity) * 1000;
      const limitedByBudget = budgetLeft < timeoutMs;
      const limitMs = Math.min(timeoutMs, budgetLeft);
      const cancelTimeout = Number.isFinite(limitMs)
        ? side.interruptAfter(session.nextCellNumber, limitMs)
        : () => {};
      const outcome = await session.execute(cellSource(cell), collector);
      cancelTimeout();
      const elapsed = (Date.now() - started) / 1000;
      const seconds = elapsed.toFixed(2);
      if (outcome.status === "ok") {
        if (outcome.result) {
          collector.outputs.push({
            output_type: "execute_result",
            execution_count: count,
            data: outcome.result,
            metadata: {},
          });
        }
        stdout(`cell ${count}/${codeCells.length} ok (${seconds} s)\n`);
        reporter.record(count, elapsed);
        continue;
      }
      let { ename, evalue } = outcome;
      const timedOut = ename === "Interrupted" && Number.isFinite(limitMs);
      const outOfBudget = timedOut && limitedByBudget;
      if (timedOut) {
        ename = "Timeout";
        evalue = outOfBudget
          ? `${budgetNote}; this cell was stopped and the rest were not run`
          : `the cell ran longer than --timeout ${opts.timeoutSeconds} s and was stopped`;
      }
      collector.outputs.push({ output_type: "error", ename, evalue, traceback: outcome.traceback });
      reporter.record(count, elapsed, { ename, evalue, timedOut });
      const message = `cell ${count} (notebook cell ${i + 1}) failed: ${ename}: ${evalue}`;
      stdout(`cell ${count}/${codeCells.length} failed (${seconds} s)\n`);
      if (!opts.allowErrors || outOfBudget) {
        failed = message;
        notRunReason = outOfBudget
          ? budgetNote
          : `cell ${count} failed and the run stopped there (--allow-errors runs every cell)`;
        break;
      }
      stderr(`receptive run: ${message}\n`);
    }
    running = undefined;
    reporter.end(notRunReason, true);
    const problems = writeOutputs(plan);
    const code = failed !== null || problems.length > 0 ? 1 : 0;
    setCode(code);
    if (failed !== null) stderr(`receptive run: ${failed}\n`);
    for (const p of problems) stderr(`receptive run: ${p}\n`);
    if (code === 0) {
      const written = [plan.outPath, plan.htmlPath, plan.reportPath].filter((p) => p !== undefined);
      stdout(`wrote ${written.join(written.length > 2 ? ", " : " and ").replace(/, ([^,]*)$/, " and $1")}\n`);
    }
    await side.close();
    session.close();
    return exitNow(code);
  } catch (err) {
    // A failure of the runner itself (not of a cell): say so, keep what ran, never hang.
    running = undefined;
    setCode(1);
    stderr(`receptive run: ${(err as Error).stack ?? String(err)}\n`);
    plan.reporter.end(`receptive run failed: ${(err as Error).message}`, false);
    for (const p of writeOutputs(plan)) stderr(`receptive run: ${p}\n`);
    return exitNow(1);
  }
}
