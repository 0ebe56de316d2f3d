// Started by the grader (sandbox.ts) for one submission:
//   node launcher.js TIMEOUT_S BUDGET_S NODE_ARGS...
// runs `node NODE_ARGS...` (the sandboxed `receptive run`) as its child and exits with its code.
//
// - It stands between the grader and the run, so a cell's `process.ppid` is this launcher: a
//   submission that kills its parent ends only its own run. It ends its child when the grader is
//   gone; the child (run-child.ts's watchParent) ends itself when this launcher is gone.
// - A watchdog for the per-cell --timeout: the run prints "cell N/M ok|failed" after each cell; a
//   cell still running WATCHDOG_GRACE_MS past its limit is sent SIGINT, which the kernel turns into
//   an interrupt of the running cell (vm's breakOnSigint stops synchronous code). The run stops its
//   cells itself, but under Node's permission model without --allow-inspector (Node 20) it cannot
//   stop a synchronous loop: this does.

import { spawn } from "node:child_process";
import { constants } from "node:os";
import { RUN_PARENT_ENV } from "../run-child";

/** Waited after a cell's limit before the signal: the run's own interrupt comes first. */
const WATCHDOG_GRACE_MS = 3000;
/** Starting the kernel and compiling the first cell, before the first cell's clock starts. */
const STARTUP_MS = 30_000;

const [timeoutS, budgetS, ...nodeArgs] = process.argv.slice(2);
const cellLimitMs = Number(timeoutS) * 1000;
const budgetMs = Number(budgetS) * 1000;
const grader = process.ppid;
const started = Date.now();

const child = spawn(process.execPath, nodeArgs, {
  stdio: ["ignore", "pipe", "inherit"],
  env: { ...process.env, [RUN_PARENT_ENV]: String(process.pid) },
});

let cellStarted = started + STARTUP_MS;
let pending = "";
child.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  pending += chunk.toString("utf8");
  const lines = pending.split("\n");
  pending = lines.pop() ?? "";
  if (lines.some((line) => /^cell \d+\/\d+ (ok|failed)/.test(line))) cellStarted = Date.now();
});

const watch = setInterval(() => {
  if (process.ppid !== grader) {
    child.kill("SIGKILL");
    process.exit(1);
  }
  const deadline = Math.min(cellStarted + cellLimitMs, started + STARTUP_MS + budgetMs) + WATCHDOG_GRACE_MS;
  if (Date.now() > deadline) {
    child.kill("SIGINT");
    cellStarted = Date.now(); // once per limit, not in a burst
  }
}, 200);

child.on("error", (err) => {
  process.stderr.write(`receptive assignment: cannot start the sandboxed run: ${err.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  clearInterval(watch);
  if (signal !== null) process.stderr.write(`receptive assignment: the run was ended by ${signal}\n`);
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
});
