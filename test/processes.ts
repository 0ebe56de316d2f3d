// Process helpers shared by tests that kill parents and watch children (read from /proc, Linux).

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** The pids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** Running, and not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `ok` every 50 ms; fails the test with "<what> within <ms> ms" when it never holds. */
export async function waitFor(what: string, ok: () => boolean, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(50)) if (ok()) return;
  assert.fail(`${what} within ${ms} ms`);
}

/**
 * Starts `node <cli> run ARGS` as from a shell (it re-runs itself as a child with the kernel's
 * flags) and resolves once its stdout shows `line`, with the launcher and a promise of its exit.
 */
export async function startRunUntil(
  cli: string,
  args: string[],
  line: string,
): Promise<{ parent: ChildProcess; exited: Promise<void> }> {
  const parent = spawn(process.execPath, [cli, "run", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  parent.stdout?.on("data", (d) => {
    stdout += d;
  });
  const exited = new Promise<void>((r) => parent.on("exit", () => r()));
  await waitFor(`"${line}" on stdout`, () => stdout.includes(line), 60_000);
  return { parent, exited };
}
