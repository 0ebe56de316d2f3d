// The Node flags the kernel process needs, and a helper to re-run this CLI with them when started
// without (e.g. `receptive run` from a shell).

import { spawnSync } from "node:child_process";

const nodeMajor = Number(process.versions.node.split(".")[0]);

/**
 * `--no-force-async-hooks-checks` lets the interrupt terminate synchronous code safely (see
 * execute/interrupt.ts). Node 20's V8 has relaxed SIMD behind a flag (on by default from Node 22):
 * with it the wasm backend loads its faster fused-multiply-add kernels; without it, plain SIMD.
 */
export const KERNEL_NODE_FLAGS = [
  "--no-force-async-hooks-checks",
  ...(nodeMajor < 22 ? ["--experimental-wasm-relaxed-simd"] : []),
];

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
