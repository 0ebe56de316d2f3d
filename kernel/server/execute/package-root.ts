// Where this package lives on disk, so notebooks anywhere can `import ... from "receptive"` and get
// this very copy (types and runtime) without installing it next to the notebook. In a cell the
// name means the notebook entry (the engine plus viz and fit); its subpaths are the package's own.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pj = join(dir, "package.json");
    if (existsSync(pj) && JSON.parse(readFileSync(pj, "utf8")).name === "receptive") return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the receptive package above ${start}`);
  }
}

/** The package root (the folder with receptive's package.json). */
export const packageRoot: string = findPackageRoot(__dirname);

/**
 * What `receptive` means in a cell (kernel/viz/notebook.ts), without an extension: `.js` runs,
 * `.d.ts` type-checks. A Node script's `receptive` is the engine alone (package.json's exports).
 */
export const notebookEntry: string = join(packageRoot, "dist", "kernel", "viz", "notebook");

/** True for `receptive` and `receptive/<subpath>`. */
export function isReceptiveSpecifier(specifier: string): boolean {
  return specifier === "receptive" || specifier.startsWith("receptive/");
}
