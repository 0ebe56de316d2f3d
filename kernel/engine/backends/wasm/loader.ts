// Loads the compiled kernels synchronously (when the backend starts, runtime.ts) and picks the variant: relaxed SIMD (fused
// multiply-add) when this runtime can compile it, else plain SIMD. Node 20 only accepts relaxed
// SIMD with --experimental-wasm-relaxed-simd (newer Node and Electron have it on); we never require
// the flag. RECEPTIVE_WASM_VARIANT=simd|relaxed forces a variant (tests and benchmarks use it).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type WasmModule, wasmApi } from "./wasm-api";

export type Variant = "relaxed" | "simd";

export interface LoadedKernels {
  module: WasmModule;
  variant: Variant;
}

const FILES: Record<Variant, string> = { relaxed: "kernels-relaxed.wasm", simd: "kernels-simd.wasm" };

/** Compiles one variant, or returns the reason it cannot run here. */
export function compileVariant(variant: Variant): WasmModule | Error {
  if (wasmApi === undefined) return new Error("this runtime has no WebAssembly");
  try {
    return new wasmApi.Module(readFileSync(join(__dirname, FILES[variant])));
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/**
 * The best variant this runtime compiles, or the reasons none does (no WebAssembly SIMD, or the
 * .wasm files were not built: `npm run build`).
 */
export function loadKernels(forced = process.env.RECEPTIVE_WASM_VARIANT): LoadedKernels | Error {
  const order: Variant[] = forced === "simd" || forced === "relaxed" ? [forced] : ["relaxed", "simd"];
  const failures: string[] = [];
  for (const variant of order) {
    const module = compileVariant(variant);
    if (!(module instanceof Error)) return { module, variant };
    failures.push(`${variant}: ${module.message}`);
  }
  return new Error(`no usable wasm kernels (${failures.join("; ")})`);
}
