// The command line that starts the Receptive kernel on stdio (`receptive kernel stdio`) under a given
// JavaScript runtime: plain Node, or VS Code's own Electron binary with ELECTRON_RUN_AS_NODE=1 so
// users need no separate Node install. The flags are kernel/server/node-flags.ts's, chosen for the
// runtime's Node version (the kernel would otherwise re-run itself to add them).

import type { KernelLaunch } from "./kernel-client";

export interface LaunchOptions {
  /** The kernel's `dist/kernel/cli.js`. */
  cliPath: string;
  /** The kernel's working directory (relative imports and data paths of cells start here). */
  cwd: string;
  /** The runtime binary; default: this process's. */
  execPath?: string;
  /** The runtime's Node version, e.g. "20.18.1"; default: this process's. */
  nodeVersion?: string;
  /** True when `execPath` is Electron (VS Code): it then runs as plain Node. */
  electron?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function kernelNodeFlags(nodeVersion: string): string[] {
  const major = Number(nodeVersion.split(".")[0]);
  return [
    "--no-force-async-hooks-checks",
    "--no-concurrent-recompilation",
    ...(major < 22 ? ["--experimental-wasm-relaxed-simd"] : []),
  ];
}

export function kernelLaunch(o: LaunchOptions): KernelLaunch {
  const env: NodeJS.ProcessEnv = { ...(o.env ?? process.env) };
  if (o.electron) env.ELECTRON_RUN_AS_NODE = "1";
  // The kernel's stdout is the protocol: nothing may colour or reformat it.
  env.NO_COLOR = "1";
  delete env.NODE_OPTIONS;
  return {
    command: o.execPath ?? process.execPath,
    args: [...kernelNodeFlags(o.nodeVersion ?? process.versions.node), o.cliPath, "kernel", "stdio"],
    cwd: o.cwd,
    env,
  };
}
