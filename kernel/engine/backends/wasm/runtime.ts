// The process's one wasm runtime: the chosen kernel module, the shared memory, the calling
// thread's instance, the arena that owns that memory and the worker pool that shares it.
// Created at import; an Error (with the reasons) where WebAssembly SIMD is unavailable.

import { Arena } from "./arena";
import type { KernelExports } from "./exports";
import { loadKernels, type Variant } from "./loader";
import { ThreadPool } from "./pool";
import { MAXIMUM_PAGES, type WasmMemory, wasmApi } from "./wasm-api";

export interface WasmRuntime {
  variant: Variant;
  kernels: KernelExports;
  memory: WasmMemory;
  arena: Arena;
  pool: ThreadPool;
}

const INITIAL_PAGES = 256; // 16 MiB; the arena grows it on demand

function createRuntime(): WasmRuntime | Error {
  const loaded = loadKernels();
  if (loaded instanceof Error) return loaded;
  try {
    const memory = new wasmApi!.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
    const instance = new wasmApi!.Instance(loaded.module, { env: { memory } });
    const kernels = instance.exports as unknown as KernelExports;
    if (kernels.isRelaxed() !== (loaded.variant === "relaxed" ? 1 : 0))
      return new Error(`wasm kernels: ${loaded.variant} module reports the wrong variant (stale build?)`);
    return {
      variant: loaded.variant,
      kernels,
      memory,
      arena: new Arena(memory, kernels.heapBase()),
      pool: new ThreadPool(loaded.module, memory),
    };
  } catch (e) {
    return new Error(`wasm kernels could not be instantiated: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export const runtime: WasmRuntime | Error = createRuntime();
