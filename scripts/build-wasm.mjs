// Compiles the AssemblyScript kernels (kernel/engine/backends/wasm/assembly) into two variants
// next to the compiled backend in dist/: plain SIMD and relaxed SIMD (fused multiply-add).
// The loader picks one at run time. Both import one shared memory from JS (env.memory) so
// worker threads can run the same kernels over the same bytes. Nothing here is committed.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "kernel/engine/backends/wasm/assembly/index.ts");
const outDir = join(root, "dist/kernel/engine/backends/wasm");
// 32768 pages = 2 GiB: the most the arena may ever grow to (shared memory needs a maximum).
export const MAXIMUM_PAGES = 32768;

const variants = [
  { file: "kernels-simd.wasm", features: "simd,threads" },
  { file: "kernels-relaxed.wasm", features: "simd,threads,relaxed-simd" },
];

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
  ];
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    console.error(`build-wasm: ${file} failed: ${error.message}`);
    process.exit(1);
  }
}
console.log(`build-wasm: ${variants.map((v) => v.file).join(", ")} -> ${outDir}`);
