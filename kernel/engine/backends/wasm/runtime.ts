// The process's one wasm runtime: the chosen kernel module, the shared memory, the calling
// thread's instance, the arena that owns that memory and the worker threads that share it.
// Created on first use (the wasm backend starts with the first op, not at import); an Error (with
// the reasons) where WebAssembly SIMD is unavailable. Every instance (this thread's and each
// worker's) gets the GEMM blocking chosen for this machine (blocking.ts) before its first call.

import { availableParallelism } from "node:os";
import { Arena } from "./arena";
import { chooseBlocking, type GemmBlocking } from "./blocking";
import { KERNEL_ARITY, type KernelExports } from "./exports.generated";
import { loadKernels, type Variant } from "./loader";
import { Prefaulter } from "./prefault";
import { WorkerThreads } from "./threads/workers";
import type { TieringInfo } from "./tiering";
import { MAXIMUM_PAGES, type WasmMemory, wasmApi } from "./wasm-api";

export interface WasmRuntime {
  variant: Variant;
  /** Why this variant runs (loader.ts), e.g. "relaxed SIMD enabled at run time (...)". */
  why: string;
  /** How V8 compiles the module (tiering.ts), e.g. eagerly to TurboFan. */
  tiering: TieringInfo;
  kernels: KernelExports;
  memory: WasmMemory;
  arena: Arena;
  workers: WorkerThreads;
  /** The GEMM's MC and NC in every instance, and why (blocking.ts). */
  blocking: GemmBlocking;
}

const INITIAL_PAGES = 256; // 16 MiB; the arena grows it on demand

function createRuntime(): WasmRuntime | Error {
  const loaded = loadKernels();
  if (loaded instanceof Error) return loaded;
  const blocking = chooseBlocking(); // NOTE: throws on a malformed RECEPTIVE_GEMM_BLOCKING (a clear error at the first op)
  try {
    const memory = new wasmApi!.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    const instance = new wasmApi!.Instance(loaded.module, { env: { memory } });
    const stale = staleExports(instance.exports);
    if (stale !== null) return new Error(`wasm kernels: ${stale} (a stale build? run npm run build)`);
    const kernels = instance.exports as unknown as KernelExports;
    if (kernels.isRelaxed() !== (loaded.variant === "relaxed" ? 1 : 0))
      return new Error(`wasm kernels: ${loaded.variant} module reports the wrong variant (stale build?)`);
    kernels.setGemmBlocking(blocking.mc, blocking.nc);
    const workers = new WorkerThreads(loaded.module, memory, blocking);
    const cores = availableParallelism(); // prefaulting needs a core the kernels leave idle
    return {
      variant: loaded.variant,
      why: loaded.why,
      tiering: loaded.tiering,
      kernels,
      memory,
      arena: new Arena(
        memory,
        kernels.heapBase(),
        Prefaulter.create(memory, () => workers.threads === 1 && cores > 1),
      ),
      workers,
      blocking,
    };
  } catch (e) {
    return new Error(`wasm kernels could not be instantiated: ${e instanceof Error ? e.message : String(e)}`);
  }
}

let runtime: WasmRuntime | Error | undefined;

/** The runtime, created by the first call: compiles the kernel module and reserves its memory. */
export function wasmRuntime(): WasmRuntime | Error {
  if (runtime === undefined) runtime = createRuntime();
  return runtime;
}

/**
 * What differs between a loaded module's exports and the TypeScript view generated from the
 * kernels' sources (exports.generated.ts): a missing kernel or another parameter count, else null.
 */
export function staleExports(exports: Record<string, unknown>): string | null {
  for (const [name, arity] of Object.entries(KERNEL_ARITY)) {
    const fn = exports[name];
    if (typeof fn !== "function") return `the compiled module has no kernel ${name}`;
    if (fn.length !== arity)
      return `${name} has ${fn.length} parameters in the compiled module, ${arity} in its source`;
  }
  return null;
}
