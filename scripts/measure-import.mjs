// What `import("receptive")` costs a plain Node script: the modules it loads (by folder) and the
// time it takes, the median and the minimum of several fresh processes (on a busy machine the
// minimum is the steadier number). Run after `npm run build`:
//   node scripts/measure-import.mjs [<package root>] [--runs 7]
// The package root defaults to this checkout; point it at another build (an older commit) to
// compare. Also reports whether importing compiled wasm (the backend should start with the first op).

import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 7;
const root = resolve(args[0] ?? join(fileURLToPath(new URL(".", import.meta.url)), ".."));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`measure-import: --runs takes a whole number >= 1`);

// One fresh process: import the package by name from its own folder, then report.
const child = `
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
let wasmCompiles = 0;
const Module = WebAssembly.Module;
WebAssembly.Module = function (bytes) { wasmCompiles++; return new Module(bytes); };
const t0 = performance.now();
await import("receptive");
const ms = performance.now() - t0;
const files = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ ms, files, wasmCompiles }));
`;

const results = [];
for (let i = 0; i < runs; i++) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", child], {
    cwd: root,
    encoding: "utf8",
  });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`measure-import: import("receptive") failed in ${root}:\n${r.stderr}`);
  results.push({ ...JSON.parse(r.stdout), wallMs });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { files, wasmCompiles } = results[0];
const byFolder = {};
for (const f of files) {
  const rel = f.startsWith(`${root}/`) ? f.slice(root.length + 1) : f;
  const folder = f.includes("/node_modules/")
    ? "node_modules"
    : rel
        .replace(/^dist\//, "")
        .split("/")
        .slice(0, 2)
        .join("/");
  byFolder[folder] = (byFolder[folder] ?? 0) + 1;
}
console.log(
  JSON.stringify(
    {
      root,
      runs,
      modules: files.length,
      byFolder,
      wasmCompiledAtImport: wasmCompiles,
      importMsMedian: Math.round(median(results.map((r) => r.ms))),
      importMsMin: Math.round(Math.min(...results.map((r) => r.ms))),
      processMsMedian: Math.round(median(results.map((r) => r.wallMs))),
      processMsMin: Math.round(Math.min(...results.map((r) => r.wallMs))),
    },
    null,
    2,
  ),
);
