// Faults through `receptive run`: unwritable destinations and malformed notebooks fail at once with
// their cause and a non-zero exit, a cell that exits the process is a failed cell, and a run whose
// parent is killed ends without writing anything later. Each run gets 60 s; a hang is a failure.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, childrenOf, sleep, startRunUntil } from "../processes";
import { type Fault, failed, type Outcome, ok } from "./fault";

const cli = join(__dirname, "..", "..", "kernel", "cli.js");
const code = (source: unknown) => ({
  cell_type: "code",
  source,
  metadata: {},
  outputs: [],
  execution_count: null,
});
const notebook = (cells: unknown) => ({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells });

/** Writes `nb` (an object, or text as is) to a new folder; returns the folder and the notebook's path. */
function write(nb: unknown): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "receptive-faults-run-"));
  const path = join(dir, "nb.ipynb");
  writeFileSync(path, typeof nb === "string" ? nb : JSON.stringify(nb));
  return { dir, path };
}

/** Runs `receptive run` as a user does (it re-runs itself with the kernel's flags). */
function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, "run", ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, signal: r.signal, stderr: r.stderr ?? "" };
}

const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

/** A failure the run must report: exit 1 within the time limit, `cause` on stderr, no temp files. */
function refused(name: string, nb: unknown, args: (dir: string) => string[], cause: RegExp): Fault {
  return {
    name,
    via: "CLI",
    run: (): Outcome => {
      const { dir, path } = write(nb);
      const r = run([path, ...args(dir)]);
      if (r.signal) return failed(`killed by ${r.signal} after 60 s: it hung`, "the run's results");
      if (r.code === 0) return failed("exit code 0", "the failure: it reported success");
      const line = r.stderr.trim().split("\n").pop() ?? "";
      if (!cause.test(r.stderr)) return failed(`exit ${r.code}, unclear message: ${line}`);
      if (temps(dir).length) return failed(`temporary files left: ${temps(dir).join(", ")}`);
      return ok(`exit ${r.code}: ${line.replace(/^receptive run: /, "").slice(0, 120)}`);
    },
  };
}

const one = notebook([code("1 + 1")]);

async function killedParent(): Promise<Outcome> {
  const { dir, path } = write(
    notebook([code("1"), code("await new Promise((r) => setTimeout(r, 3000));"), code("2")]),
  );
  const out = join(dir, "out.ipynb");
  const { parent, exited } = await startRunUntil(cli, [path, "--out", out], "cell 1/3 ok");
  const children = childrenOf(parent.pid as number);
  parent.kill("SIGKILL");
  await exited;
  await sleep(5000); // past the end of the slow cell
  const living = children.filter(alive);
  if (living.length) return failed(`child ${living.join(", ")} still running 5 s after its parent died`);
  if (existsSync(out)) return failed("the orphaned child wrote the notebook later", "the file's integrity");
  return ok(`its ${children.length} child process ended with it and wrote nothing`);
}

function exitInCell(): Outcome {
  const { dir, path } = write(notebook([code("const a = 1;"), code("process.exit(0)"), code("a + 1")]));
  const out = join(dir, "out.ipynb");
  const r = run([path, "--out", out]);
  if (r.code === 0) return failed("exit code 0 with a cell skipped", "the skipped cells' results");
  if (!existsSync(out)) return failed(`exit ${r.code} and no notebook written`, "the executed notebook");
  const cells = JSON.parse(readFileSync(out, "utf8")).cells;
  const error = cells[1].outputs.find((o: { output_type: string }) => o.output_type === "error");
  if (!error || !/process\.exit\(0\)/.test(error.evalue))
    return failed("the exiting cell has no error naming it");
  return ok(`exit ${r.code}; cell 2 failed with "${error.evalue.slice(0, 70)}..."`);
}

export const cliFaults: Fault[] = [
  refused(
    "--out into a missing folder",
    one,
    (d) => ["--out", join(d, "no", "x.ipynb")],
    /does not exist.*mkdir -p/,
  ),
  refused("--out naming a folder", one, (d) => ["--out", d], /is a folder, not a file/),
  refused("--out under /proc", one, () => ["--out", "/proc/x.ipynb"], /cannot be created in \/proc/),
  refused("--html into a missing folder", one, (d) => ["--html", join(d, "no", "r.html")], /does not exist/),
  refused(
    "a cell whose source is a number",
    notebook([code(5)]),
    () => [],
    /cell 1 has a "source" that is a number/,
  ),
  refused("a cell whose source is null", notebook([code(null)]), () => [], /cell 1 has a "source"/),
  refused("a null cell", notebook([null]), () => [], /cell 1 is null/),
  refused(
    "a notebook without cells",
    { nbformat: 4, nbformat_minor: 4, metadata: {} },
    () => [],
    /no "cells" list/,
  ),
  refused("a notebook that is not JSON", "{ cells: [", () => [], /nb\.ipynb/),
  {
    name: "a notebook without metadata",
    via: "CLI",
    run: () => {
      const { dir, path } = write({ nbformat: 4, nbformat_minor: 4, cells: [code("2 + 2")] });
      const r = run([path, "--out", join(dir, "out.ipynb")]);
      return r.code === 0 && existsSync(join(dir, "out.ipynb"))
        ? ok("ran; metadata defaults to {}")
        : failed(`exit ${r.code ?? r.signal}: ${r.stderr.trim().split("\n").pop()}`, "the run");
    },
  },
  { name: "process.exit(0) in a cell", via: "CLI", run: exitInCell },
  { name: "the run's parent killed with SIGKILL mid-run", via: "CLI", run: killedParent },
];
