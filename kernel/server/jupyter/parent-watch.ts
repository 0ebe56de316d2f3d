// JPY_PARENT_PID: Jupyter's launcher (jupyter_client) tells the kernel which process started it.
// As ipykernel does, the kernel polls that process and exits when it is gone, so a client that
// was killed (a crashed JupyterLab, a test runner stopped with SIGKILL) leaves no orphan kernel.

import { readFileSync } from "node:fs";

export const PARENT_POLL_MS = 1000;

/** The pid in JPY_PARENT_PID, or null when unset or not a pid worth watching (init never exits). */
export function parentPidFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const pid = Number(env.JPY_PARENT_PID);
  return Number.isInteger(pid) && pid > 1 ? pid : null;
}

/** Whether process `pid` has exited (an exited process its own parent has not reaped counts). */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8"); // Linux: a zombie's state is Z
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

/** Calls `onGone` once process `pid` has exited, checking every `intervalMs`. */
export function watchParent(pid: number, onGone: () => void, intervalMs = PARENT_POLL_MS): void {
  const timer = setInterval(() => {
    if (!processGone(pid)) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
}
