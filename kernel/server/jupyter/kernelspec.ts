// `receptive kernel install`: writes the Jupyter kernelspec (kernel.json and logos) so JupyterLab,
// nbclient and VS Code's Jupyter extension can start this kernel.

import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../execute/package-root";
import { KERNEL_NODE_FLAGS } from "../node-flags";
import { drawLogo } from "./logo";

export const KERNEL_NAME = "receptive";

export function kernelJson(): Record<string, unknown> {
  return {
    argv: [
      process.execPath,
      ...KERNEL_NODE_FLAGS,
      join(packageRoot, "dist", "kernel", "cli.js"),
      "kernel",
      "start",
      "--connection-file",
      "{connection_file}",
    ],
    display_name: "Receptive (TypeScript)",
    language: "typescript",
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
}

/** Jupyter's per-user data folder (what `jupyter --data-dir` prints). */
export function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env.APPDATA ?? homedir(), "jupyter");
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter");
}

/** Writes the kernelspec under `<prefix>/share/jupyter/kernels` or the user data folder; returns its folder. */
export function installKernelspec(options: { prefix?: string }): string {
  const base = options.prefix !== undefined ? join(options.prefix, "share", "jupyter") : userDataDir();
  const dir = join(base, "kernels", KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "kernel.json"), `${JSON.stringify(kernelJson(), null, 2)}\n`);
  writeFileSync(join(dir, "logo-32x32.png"), drawLogo(32));
  writeFileSync(join(dir, "logo-64x64.png"), drawLogo(64));
  return dir;
}
