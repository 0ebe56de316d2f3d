// Bundles the notebook renderer for the browser with esbuild: webviews/renderer/index.ts ->
// extension/dist/webviews/renderer.js (an ES module exporting `activate`, the entrypoint that
// extension/package.json's notebookRenderer names), with plotly.js split into a chunk that loads
// only when a curves output appears; and the activation explorer panel, webviews/panel/index.ts ->
// extension/dist/webviews/panel.js (one classic script the panel's HTML loads with its nonce).
// Type-checking is `tsc -p webviews`.

import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
export const OUTDIR = "extension/dist/webviews";

const result = await build({
  absWorkingDir: root,
  entryPoints: { renderer: "webviews/renderer/index.ts" },
  outdir: OUTDIR,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "browser",
  target: ["chrome114"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
});

const panel = await build({
  absWorkingDir: root,
  entryPoints: { panel: "webviews/panel/index.ts" },
  outdir: OUTDIR,
  bundle: true,
  format: "iife",
  platform: "browser",
  target: ["chrome114"],
  minify: true,
  sourcemap: true,
  legalComments: "linked",
  metafile: true,
  logLevel: "warning",
});

const sizes = Object.entries({ ...result.metafile.outputs, ...panel.metafile.outputs })
  .filter(([file]) => file.endsWith(".js"))
  .map(([file, out]) => `${file.replace(`${OUTDIR}/`, "")} ${(out.bytes / 1024).toFixed(0)} KiB`);
console.log(`webviews: built ${sizes.join(", ")}`);
