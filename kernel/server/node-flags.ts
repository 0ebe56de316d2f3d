// The Node flags the kernel process needs, and a helper to re-run this CLI with them when started
// without (e.g. `receptive run` from a shell).

import { spawnSync } from "node:child_process";

/** Lets the interrupt terminate synchronous code safely (see execute/interrupt.ts). */
export const KERNEL_NODE_FLAGS = ["--no-force-async-hooks-checks"];

export function hasKernelFlags(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return KERNEL_NODE_FLAGS.every((f) => given.includes(f));
}

/** Runs this same command again under the kernel flags; returns its exit code. */
export function rerunWithKernelFlags(): number {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, ...KERNEL_NODE_FLAGS, ...process.argv.slice(1)],
    {
      stdio: "inherit",
    },
  );
  return r.status ?? 1;
}
