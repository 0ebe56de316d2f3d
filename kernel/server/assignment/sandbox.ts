// Runs one submission's notebook the way the grader needs: `receptive run` in its own process
// (through launcher.ts), in its own copy of the submission folder (the "box"), under Node's
// permission model where the running Node has one: it may write only inside its box and read only
// its box, the receptive package (engine, kernel, dependencies) and the dataset folders; it may not
// start processes. A per-cell --timeout and a per-notebook --budget stop what runs too long (the
// launcher backs them up); a run that still does not end (a stuck process) is killed
// `HARD_LIMIT_GRACE_S` after its budget.

import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../execute/package-root";
import { KERNEL_NODE_FLAGS } from "../node-flags";

const CLI = join(__dirname, "..", "..", "cli.js");
const LAUNCHER = join(__dirname, "launcher.js");
export const HARD_LIMIT_GRACE_S = 30;
/** How much of the run's output (stdout and stderr) is kept for the report. */
const OUTPUT_TAIL = 4000;

export interface SandboxRun {
  /** The submission's own folder (a copy); the run's working folder. */
  box: string;
  /** The notebook to run, inside the box. */
  notebook: string;
  /** Where the executed notebook and the JSON report go, inside the box. */
  out: string;
  report: string;
  timeoutSeconds: number;
  budgetSeconds: number;
}

export interface SandboxResult {
  /** Exit code of the run (null when a signal ended it). */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The grader killed it: it ran past its budget plus the grace period. */
  killed: boolean;
  seconds: number;
  /** The end of what the run printed. */
  output: string;
}

/** Folders a submission's run may read besides its box: the package and the datasets. */
function readableFolders(): string[] {
  const data = process.env.RECEPTIVE_DATA ?? join(homedir(), ".cache", "receptive");
  return [packageRoot, data, "/usr/share/datasets"].filter((p) => existsSync(p)).map((p) => realpathSync(p));
}

/** Node's permission flags for a run confined to `box`, or [] when this Node has no permission model. */
export function permissionFlags(box: string): string[] {
  const has = (flag: string) => process.allowedNodeEnvironmentFlags.has(flag);
  const on = has("--permission")
    ? "--permission"
    : has("--experimental-permission")
      ? "--experimental-permission"
      : undefined;
  if (on === undefined) return [];
  const dir = realpathSync(box);
  return [
    on,
    ...[dir, ...readableFolders()].map((p) => `--allow-fs-read=${p}`),
    `--allow-fs-write=${dir}`,
    "--allow-worker", // the engine's wasm threads and the kernel's side thread
    ...(has("--allow-inspector") ? ["--allow-inspector"] : []), // the kernel stops synchronous loops with it
    ...(has("--allow-addons") ? ["--allow-addons"] : []), // onnxruntime-node
    ...(has("--disable-warning")
      ? ["--disable-warning=ExperimentalWarning", "--disable-warning=SecurityWarning"]
      : ["--no-warnings"]),
  ];
}

/** Whether runs are confined by Node's permission model here. */
export const sandboxed = (): boolean =>
  process.allowedNodeEnvironmentFlags.has("--permission") ||
  process.allowedNodeEnvironmentFlags.has("--experimental-permission");

/** Runs the notebook; resolves when the run (and its launcher) ended, however it ended. */
export function runSandboxed(run: SandboxRun): Promise<SandboxResult> {
  const args = [
    ...permissionFlags(run.box),
    ...KERNEL_NODE_FLAGS,
    CLI,
    "run",
    run.notebook,
    "--out",
    run.out,
    "--report",
    run.report,
    "--allow-errors",
    "--timeout",
    String(run.timeoutSeconds),
    "--budget",
    String(run.budgetSeconds),
  ];
  const started = Date.now();
  // Its own process group (detached), so a Ctrl-C at the grader's terminal reaches only the
  // grader, which then ends every run itself.
  const launcher = spawn(
    process.execPath,
    [LAUNCHER, String(run.timeoutSeconds), String(run.budgetSeconds), ...args],
    {
      cwd: run.box,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(launcher.pid!);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_TAIL);
  };
  launcher.stdout.on("data", keep);
  launcher.stderr.on("data", keep);
  let killed = false;
  const hardLimit = setTimeout(
    () => {
      killed = true;
      killGroup(launcher.pid!);
    },
    (run.budgetSeconds + HARD_LIMIT_GRACE_S) * 1000,
  );
  return new Promise((resolve) => {
    launcher.on("close", (code, signal) => {
      clearTimeout(hardLimit);
      running.delete(launcher.pid!);
      killGroup(launcher.pid!); // anything the run left behind in its group
      resolve({ code, signal, killed, seconds: (Date.now() - started) / 1000, output });
    });
  });
}

/** Launchers still running, to end them all when the grader is stopped. */
const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Ends every run still going (the grader was interrupted). */
export function killAllRuns(): void {
  for (const pid of running) killGroup(pid);
  running.clear();
}
