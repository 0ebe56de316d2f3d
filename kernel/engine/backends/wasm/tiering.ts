// How V8 compiles the kernel module: eagerly. V8's default compiles each wasm function with its
// baseline compiler (Liftoff) at the function's first call and recompiles it with TurboFan once it
// has run enough; a new model's first training step then ran its kernels as slow Liftoff code and
// paid their TurboFan compiles during the first steps (LeNet-5's first step 45 ms, steady 5 ms).
// Eagerly, every function is Liftoff-compiled when the backend starts (a few ms) and TurboFan
// compiles all of them right away on V8's background threads (~80 ms of CPU, while the user builds
// the model), so the first step already runs TurboFan code. The flags are V8's, set at run time
// around this one compile and put back afterwards (other modules keep V8's defaults); a process
// started with any of them keeps what its command line says. RECEPTIVE_WASM_TIERING=lazy keeps V8's
// default (benchmarks compare the two).

import { setFlagsFromString } from "node:v8";
import type { TieringInfo } from "../registry";

export type { TieringInfo };

/** Eager: no lazy compilation (Liftoff for every function at once), no dynamic tiering (TurboFan for all, in the background). */
export const EAGER_FLAGS = ["--no-wasm-lazy-compilation", "--no-wasm-dynamic-tiering"];
/** V8's defaults for the same flags, put back after the compile. */
const DEFAULT_FLAGS = ["--wasm-lazy-compilation", "--wasm-dynamic-tiering"];
/** Flags that choose wasm tiers: a process started with any of them keeps its own choice. */
const TIER_FLAG = /^--(no-)?(wasm-lazy-compilation|wasm-dynamic-tiering|liftoff|wasm-tier-up)(=|$)/;

/** The tier flags this process was started with (command line and NODE_OPTIONS). */
function givenTierFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].filter((f) =>
    TIER_FLAG.test(f),
  );
}

/** Runs `compile` (the kernel module's compile) under the chosen tiering; says which and why. */
export function compileWithTiering<T>(
  compile: () => T,
  forced = process.env.RECEPTIVE_WASM_TIERING,
): { result: T; tiering: TieringInfo } {
  if (forced === "lazy")
    return { result: compile(), tiering: { tiering: "lazy", why: "forced by RECEPTIVE_WASM_TIERING=lazy" } };
  const given = givenTierFlags();
  if (given.length > 0) {
    const eager = given.includes("--no-wasm-lazy-compilation");
    return {
      result: compile(),
      tiering: { tiering: eager ? "eager" : "lazy", why: `set by the command line (${given.join(" ")})` },
    };
  }
  try {
    for (const flag of EAGER_FLAGS) setFlagsFromString(flag);
  } catch {
    return {
      result: compile(),
      tiering: { tiering: "lazy", why: "V8's flags cannot be set in this runtime" },
    };
  }
  try {
    return {
      result: compile(),
      tiering: { tiering: "eager", why: `eager TurboFan set at run time (${EAGER_FLAGS.join(" ")})` },
    };
  } finally {
    for (const flag of DEFAULT_FLAGS) setFlagsFromString(flag);
  }
}
