// `receptive run` and `receptive kernel stdio` started without the kernel's Node flags run
// themselves again as a child process with them (node-flags.ts). This file keeps the two tied together: the parent passes SIGTERM, SIGHUP and
// SIGINT on to the child and exits with its code; the child watches its parent from a small worker
// thread (it keeps looking while the main thread is busy in a cell) and ends itself at once when
// the parent is gone, so it never runs on unseen and writes the outputs later.

import { spawn } from "node:child_process";
import { constants } from "node:os";
import { Worker } from "node:worker_threads";
import { KERNEL_NODE_FLAGS } from "./node-flags";

/** The environment variable that tells the child its parent's pid. */
export const RUN_PARENT_ENV = "RECEPTIVE_RUN_PARENT_PID";
const FORWARDED = ["SIGTERM", "SIGHUP", "SIGINT"] as const;
const KILL_AFTER_MS = 3000; // a child that ignores the forwarded signal is killed after this
const WATCH_MS = 200;

/** Runs this same command again under the kernel flags as a child; resolves with its exit code. */
export function rerunAsChild(): Promise<number> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, ...KERNEL_NODE_FLAGS, ...process.argv.slice(1)],
    {
      stdio: "inherit",
      env: { ...process.env, [RUN_PARENT_ENV]: String(process.pid) },
    },
  );
  const forward = (signal: NodeJS.Signals) => {
    child.kill(signal);
    setTimeout(() => child.kill("SIGKILL"), KILL_AFTER_MS).unref();
  };
  for (const s of FORWARDED) process.on(s, forward);
  return new Promise((resolve) => {
    child.on("error", (err) => {
      process.stderr.write(`receptive: cannot start node with the kernel's flags: ${err.message}\n`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
    });
  });
}

let parentPid: number | undefined;

/**
 * In the child: kill this process (SIGKILL, nothing more is written) as soon as the parent that
 * started it is gone. Does nothing when this process was not started by rerunAsChild.
 */
export function watchParent(): void {
  const parent = Number(process.env[RUN_PARENT_ENV]);
  delete process.env[RUN_PARENT_ENV]; // not for processes a cell starts
  if (!(parent > 0)) return;
  parentPid = parent;
  if (process.ppid !== parent) process.kill(process.pid, "SIGKILL");
  // NOTE: a worker thread, because a cell may keep the main thread busy for minutes.
  const watcher = new Worker(
    `const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(process.pid, "SIGKILL");
}, workerData.ms);`,
    { eval: true, workerData: { parent, ms: WATCH_MS }, stdout: false, stderr: false },
  );
  watcher.unref();
}

/** False once the parent that started this child is gone (always true without a parent). */
export function parentAlive(): boolean {
  return parentPid === undefined || process.ppid === parentPid;
}
