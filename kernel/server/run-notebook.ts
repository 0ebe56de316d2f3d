// `receptive run NOTEBOOK.ipynb`: executes every code cell headless, like
// `jupyter nbconvert --execute`, and writes the outputs into the notebook (or --out) atomically,
// and with --html a self-contained HTML report of the run (html-report.ts).
// Exits non-zero on the first failing cell (with its number and message) unless --allow-errors.

import { basename, dirname, resolve } from "node:path";
import type { MimeBundle } from "../display/schema";
import type { CellOutput } from "./execute/cell-context";
import { ExecutionSession } from "./execute/session";
import { notebookToHtml } from "./html-report";
import { hasKernelFlags, rerunWithKernelFlags } from "./node-flags";
import {
  cellSource,
  type NotebookOutput,
  readNotebook,
  writeFileAtomically,
  writeNotebookAtomically,
} from "./notebook-file";
import { SideThreadHost } from "./side-thread-host";

const USAGE = `usage: receptive run NOTEBOOK.ipynb [--out EXECUTED.ipynb] [--html REPORT.html] [--timeout SECONDS] [--allow-errors]

Runs every code cell in order and saves the outputs (into NOTEBOOK.ipynb unless --out is given).
  --html F         also write a self-contained HTML report of the run (rich outputs as pictures)
  --timeout S      stop a cell that runs longer than S seconds (counts as an error)
  --allow-errors   keep going after a failing cell and exit 0
`;

export interface RunOptions {
  notebook: string;
  out?: string;
  html?: string;
  timeoutSeconds?: number;
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
      else if (a === "--timeout") {
        const v = value();
        opts.timeoutSeconds = Number(v);
        if (!(opts.timeoutSeconds > 0)) return `--timeout must be a positive number of seconds, got '${v}'`;
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

export async function runNotebookCommand(args: string[]): Promise<number> {
  const opts = parseRunArgs(args);
  if (typeof opts === "string") {
    process.stderr.write(`receptive run: ${opts}\n\n${USAGE}`);
    return 2;
  }
  if (!hasKernelFlags()) return rerunWithKernelFlags();
  // The session routes process.stdout/stderr to cells from now on; progress goes to the terminal.
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const path = resolve(opts.notebook);
  const outPath = resolve(opts.out ?? opts.notebook);
  const htmlPath = opts.html === undefined ? undefined : resolve(opts.html);
  const nb = readNotebook(path);
  process.chdir(dirname(path)); // relative paths in cells mean the notebook's folder, as in Jupyter
  const session = new ExecutionSession(dirname(path));
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
  let count = 0;
  let failed: string | null = null;
  for (const [i, cell] of nb.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    count++;
    const collector = new OutputCollector(displays);
    cell.outputs = collector.outputs;
    cell.execution_count = count;
    const started = Date.now();
    const cancelTimeout =
      opts.timeoutSeconds === undefined
        ? () => {}
        : side.interruptAfter(session.nextCellNumber, opts.timeoutSeconds * 1000);
    const outcome = await session.execute(cellSource(cell), collector);
    cancelTimeout();
    const seconds = ((Date.now() - started) / 1000).toFixed(2);
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
      continue;
    }
    let { ename, evalue } = outcome;
    const timedOut = ename === "Interrupted" && opts.timeoutSeconds !== undefined;
    if (timedOut) {
      ename = "Timeout";
      evalue = `the cell ran longer than --timeout ${opts.timeoutSeconds} s and was stopped`;
    }
    collector.outputs.push({ output_type: "error", ename, evalue, traceback: outcome.traceback });
    const message = `cell ${count} (notebook cell ${i + 1}) failed: ${ename}: ${evalue}`;
    stdout(`cell ${count}/${codeCells.length} failed (${seconds} s)\n`);
    if (!opts.allowErrors) {
      failed = message;
      break;
    }
    stderr(`receptive run: ${message}\n`);
  }
  writeNotebookAtomically(outPath, nb);
  if (htmlPath !== undefined) writeFileAtomically(htmlPath, notebookToHtml(nb, basename(path)));
  await side.close();
  session.close();
  if (failed !== null) {
    stderr(`receptive run: ${failed}\n`);
    process.exit(1);
  }
  stdout(`wrote ${outPath}${htmlPath === undefined ? "" : ` and ${htmlPath}`}\n`);
  process.exit(0);
}
