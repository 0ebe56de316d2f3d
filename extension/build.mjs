// Bundles the extension host code with esbuild: extension/src/extension.ts -> extension/dist/extension.js
// (CommonJS, `vscode` external, Node built-ins external), then the webviews (renderer and the
// activation explorer panel, webviews/build.mjs). Type-checking is `tsc -p extension`.

import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;

const result = await build({
  absWorkingDir: root,
  entryPoints: { extension: "extension/src/extension.ts" },
  outdir: "extension/dist",
  bundle: true,
  format: "cjs",
  platform: "node",
  target: ["node18"],
  external: ["vscode"],
  sourcemap: true,
  minify: false,
  metafile: true,
  logLevel: "warning",
});
const bytes = result.metafile.outputs["extension/dist/extension.js"].bytes;
console.log(`extension: built extension/dist/extension.js ${(bytes / 1024).toFixed(0)} KiB`);
await import("../webviews/build.mjs");
