// Loads the compiled kernels synchronously (when the backend starts, runtime.ts; eagerly to TurboFan,
// tiering.ts) and picks the variant: relaxed SIMD (fused
// multiply-add) when this runtime can compile it, else plain SIMD. Node 20 only accepts relaxed
// SIMD with --experimental-wasm-relaxed-simd (newer Node and Electron have it on); where it is off,
// the loader turns it on at run time (v8.setFlagsFromString, before any module is compiled), so a
// plain `node script.mjs` runs the same kernels as the notebook kernel process started with the
// flag. RECEPTIVE_WASM_VARIANT=simd|relaxed forces a variant (tests and benchmarks use it).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { compileWithTiering, type TieringInfo } from "./tiering";
import { type WasmModule, wasmApi } from "./wasm-api";

export type Variant = "relaxed" | "simd";

export interface LoadedKernels {
  module: WasmModule;
  variant: Variant;
  /** Why this variant runs, e.g. "relaxed SIMD enabled at run time (...)"; see backendInfo().simd. */
  why: string;
  /** How V8 compiles it (tiering.ts); see backendInfo().tiering. */
  tiering: TieringInfo;
}

const FILES: Record<Variant, string> = { relaxed: "kernels-relaxed.wasm", simd: "kernels-simd.wasm" };

export const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

/**
 * The smallest module using relaxed SIMD: (func (param v128 v128 v128) (result v128)
 * f32x4.relaxed_madd), opcode 0xfd 0x105. It compiles exactly when relaxed SIMD is available.
 */
// biome-ignore format: one wasm section per line
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code
]);

/** Whether this runtime compiles relaxed SIMD now (an Error says why not). */
export function relaxedSimdAvailable(): true | Error {
  if (wasmApi === undefined) return new Error("this runtime has no WebAssembly");
  try {
    new wasmApi.Module(RELAXED_PROBE);
    return true;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** The flags this process was started with (command line and NODE_OPTIONS). */
function startedWith(flag: string): boolean {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].includes(flag);
}

/**
 * Makes relaxed SIMD available if the runtime allows it, and says how it became available (or
 * why it is not). On Node 20 this sets V8's flag at run time: it applies to modules compiled
 * afterwards, in this thread and in worker threads.
 */
export function enableRelaxedSimd(): { ok: boolean; why: string } {
  if (relaxedSimdAvailable() === true)
    return {
      ok: true,
      why: startedWith(RELAXED_FLAG)
        ? `relaxed SIMD enabled by the command line (${RELAXED_FLAG})`
        : "relaxed SIMD is on by default in this runtime",
    };
  try {
    setFlagsFromString(RELAXED_FLAG);
  } catch {
    // a runtime without V8's flags: reported below
  }
  const now = relaxedSimdAvailable();
  return now === true
    ? { ok: true, why: `relaxed SIMD enabled at run time (v8.setFlagsFromString("${RELAXED_FLAG}"))` }
    : { ok: false, why: `relaxed SIMD not available in this runtime (${now.message})` };
}

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
  const isForced = forced === "simd" || forced === "relaxed";
  const relaxed = forced === "simd" ? null : enableRelaxedSimd();
  const order: Variant[] = isForced ? [forced] : relaxed?.ok ? ["relaxed", "simd"] : ["simd"];
  const failures: string[] = [];
  for (const variant of order) {
    const { result: module, tiering } = compileWithTiering(() => compileVariant(variant));
    if (!(module instanceof Error)) {
      const why = isForced
        ? `forced by RECEPTIVE_WASM_VARIANT=${forced}`
        : variant === "relaxed"
          ? relaxed!.why
          : relaxed!.ok
            ? `the relaxed SIMD module failed to compile (${failures.join("; ")})`
            : relaxed!.why;
      return { module, variant, why, tiering };
    }
    failures.push(`${variant}: ${module.message}`);
  }
  return new Error(`no usable wasm kernels (${failures.join("; ")})`);
}
