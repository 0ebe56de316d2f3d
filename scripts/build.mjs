// `npm run build`: the wasm kernels, then TypeScript for the kernel and tests, the webviews and the
// extension, then the extension's bundles. TypeScript is the project's own (devDependencies): not
// `node_modules/.bin/tsc`, which npm may link to tslab's bundled older TypeScript instead.

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const tsc = createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");

const steps = [
  ["scripts/build-wasm.mjs"],
  [tsc, "-p", "tsconfig.json"],
  [tsc, "-p", "webviews"],
  [tsc, "-p", "extension"],
  ["extension/build.mjs"],
];
for (const args of steps) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
