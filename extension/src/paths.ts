// Where the extension finds the kernel, the course and the template: inside the packaged extension
// (extension/kernel/, extension/notebooks/, by npm run package) or, in the extension development
// host, in the repository around extension/ (preferred when present).

import { existsSync } from "node:fs";
import { join } from "node:path";

export interface ExtensionPaths {
  /** The kernel's dist/kernel/cli.js. */
  cli: string;
  /** The course notebooks folder. */
  notebooks: string;
}

export function extensionPaths(extensionPath: string): ExtensionPaths {
  const packaged = join(extensionPath, "kernel", "dist", "kernel", "cli.js");
  const repo = join(extensionPath, "..", "dist", "kernel", "cli.js");
  // The repository's build wins: extension/kernel/ may be an older copy staged by npm run package.
  const cli = existsSync(repo) ? repo : packaged;
  if (!existsSync(cli)) {
    throw new Error(
      `Receptive: the kernel is missing: expected ${packaged} (packaged) or ${repo} (repository). Run npm run build (or npm run package).`,
    );
  }
  const bundledNotebooks = join(extensionPath, "notebooks");
  const notebooks = existsSync(bundledNotebooks) ? bundledNotebooks : join(extensionPath, "..", "notebooks");
  return { cli, notebooks };
}
