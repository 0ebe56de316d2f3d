// Compiles the AssemblyScript kernels (kernel/engine/backends/wasm/assembly) into two variants
// next to the compiled backend in dist/: plain SIMD and relaxed SIMD (fused multiply-add).
// The loader picks one at run time. Both import one shared memory from JS (env.memory) so
// worker threads can run the same kernels over the same bytes. First it writes the module's entry
// and its TypeScript view (kernel/engine/backends/wasm/exports.generated.ts) from the kernels'
// own files (wasm-exports.mjs), so tsc must run after it. Nothing it writes is committed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import { entrySource, readKernels, typescriptView } from "./wasm-exports.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const assemblyDir = join(root, "kernel/engine/backends/wasm/assembly");
const viewFile = join(root, "kernel/engine/backends/wasm/exports.generated.ts");
const outDir = join(root, "dist/kernel/engine/backends/wasm");
// 32768 pages = 2 GiB: the most the arena may ever grow to (shared memory needs a maximum).
export const MAXIMUM_PAGES = 32768;

const variants = [
  { file: "kernels-simd.wasm", features: "simd,threads" },
  { file: "kernels-relaxed.wasm", features: "simd,threads,relaxed-simd" },
];

let kernels;
let enums;
try {
  ({ kernels, enums } = readKernels(assemblyDir));
} catch (e) {
  console.error(`build-wasm: ${e.message}`);
  process.exit(1);
}
const view = typescriptView(kernels, enums);
// Rewritten only when it changes, so that an unchanged build leaves tsc's inputs alone.
if (!existsSync(viewFile) || readFileSync(viewFile, "utf8") !== view) writeFileSync(viewFile, view);
const entryDir = mkdtempSync(join(tmpdir(), "receptive-wasm-"));
const entry = join(entryDir, "entry.ts");
writeFileSync(entry, entrySource(kernels, assemblyDir, entryDir));

mkdirSync(outDir, { recursive: true });
for (const { file, features } of variants) {
  const args = [
    entry,
    "--outFile",
    join(outDir, file),
    "--enable",
    features,
    "-O3",
    "--noAssert",
    "--uncheckedBehavior",
    "always",
    "--runtime",
    "stub",
    "--importMemory",
    "--sharedMemory",
    "--noExportMemory",
    "--initialMemory",
    "1",
    "--maximumMemory",
    String(MAXIMUM_PAGES),
    "--use",
    "abort=",
    // RECEPTIVE_WASM_NAMES=1 keeps function names (a name section) for --cpu-prof profiles.
    ...(process.env.RECEPTIVE_WASM_NAMES === "1" ? ["--debug"] : []),
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${file} failed: ${error.message}`);
    rmSync(entryDir, { recursive: true, force: true });
    process.exit(1);
  }
}
rmSync(entryDir, { recursive: true, force: true });
console.log(
  `build-wasm: ${kernels.length} kernels (${kernels.filter((k) => k.threaded).length} threaded) in ` +
    `${variants.map((v) => v.file).join(", ")} -> ${outDir}; their TypeScript view -> ${viewFile}`,
);
