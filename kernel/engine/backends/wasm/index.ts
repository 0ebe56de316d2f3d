// Registers the `wasm` backend (AssemblyScript SIMD kernels on worker threads) and makes it the
// default when this runtime has WebAssembly SIMD; kernels it does not implement fall back to `ref`
// per call. `setBackend("ref")` switches back. Importing this module defers the backend's start to
// the first op (registry.ts's deferBackend).

import { availableParallelism } from "node:os";
import { check } from "../../errors";
import { deferBackend, type KernelFn, registerBackend, type StorageInfo, setBackend } from "../registry";
import { avgPoolKernels } from "./avg-pool";
import { convKernels } from "./conv";
import { convTransposeKernels } from "./conv-transpose";
import { depthwiseBackwardKernels } from "./depthwise-backward";
import { elementwiseKernels } from "./elementwise";
import { interpolateKernels } from "./interpolate";
import { matmulKernels } from "./matmul";
import { maxPoolKernels } from "./max-pool";
import { mlasInfo } from "./mlas-gemm";
import { normKernels } from "./norm";
import { optimKernels } from "./optim";
import { residentStorage } from "./resident-storage";
import { wasmRuntime } from "./runtime";
import { shapeKernels } from "./shape";
import { softmaxKernels } from "./softmax";
import { MAX_WORKERS } from "./threads/protocol";

let kernels: Readonly<Record<string, KernelFn>> | null | undefined;

/** The kernels the wasm backend implements, by name (null when it is unavailable). */
export function wasmKernels(): Readonly<Record<string, KernelFn>> | null {
  if (kernels !== undefined) return kernels;
  const runtime = wasmRuntime();
  kernels =
    runtime instanceof Error
      ? null
      : {
          ...matmulKernels(runtime),
          ...convKernels(runtime),
          ...elementwiseKernels(runtime),
          ...maxPoolKernels(runtime),
          ...normKernels(runtime),
          ...avgPoolKernels(runtime),
          ...interpolateKernels(runtime),
          ...softmaxKernels(runtime),
          ...shapeKernels(runtime),
          ...optimKernels(runtime),
          ...convTransposeKernels((name) => wasmKernels()![name]),
          ...depthwiseBackwardKernels(runtime, convKernels(runtime).conv2dBackward),
        };
  return kernels;
}

let storage: ReturnType<typeof residentStorage> | null | undefined;

/**
 * Tensor storage in wasm memory (resident-storage.ts); null without the runtime or with
 * RECEPTIVE_WASM_STORAGE=0 (tensors in ordinary arrays, copied in and out around each kernel).
 */
export function wasmStorage(): ReturnType<typeof residentStorage> | null {
  if (storage !== undefined) return storage;
  const runtime = wasmRuntime();
  storage =
    runtime instanceof Error || process.env.RECEPTIVE_WASM_STORAGE === "0" ? null : residentStorage(runtime);
  return storage;
}

// NOTE: started by the first op (registry.ts's deferBackend), not here: importing the engine
// compiles no wasm and reserves no memory.
deferBackend(() => {
  const rt = wasmRuntime();
  const own = wasmKernels();
  if (rt instanceof Error || own === null) return;
  const storage = wasmStorage();
  registerBackend({
    name: "wasm",
    priority: 10,
    kernels: own,
    allocate: storage?.allocate,
    isResident: (a) => rt.arena.addressOf(a) >= 0,
    fillZeros: (a) => rt.kernels.fillZero(rt.arena.addressOf(a), 4 * a.length),
    copy: (dst, src) => {
      const to = rt.arena.addressOf(dst);
      const from = rt.arena.addressOf(src);
      // NOTE: JS's set between views of shared memory runs element by element; wasm's is a memmove.
      if (to >= 0 && from >= 0) rt.kernels.copyBytes(to, from, 4 * dst.length);
      else dst.set(src);
    },
    simd: () => ({ variant: rt.variant, why: rt.why }),
    gemm: () => ({
      mc: rt.blocking.mc,
      nc: rt.blocking.nc,
      kc: rt.kernels.gemmBlockingKC(),
      why: rt.blocking.why,
      caches: rt.blocking.caches.map((c) => ({ ...c })),
      mlas: mlasInfo(),
    }),
    tiering: () => ({ ...rt.tiering }),
    storage: () => storageInfo(storage),
    describe: () => {
      const threads = rt.workers.threads;
      const failure = rt.workers.startupFailure;
      return (
        `WebAssembly SIMD${rt.variant === "relaxed" ? " (relaxed)" : ""}, ${threads} thread${threads === 1 ? "" : "s"}` +
        (failure === null ? "" : ` (${failure})`)
      );
    },
  });
  setBackend("wasm");
  rt.workers.prestart(); // they boot while the user builds a model (threads/workers.ts)
});

/** backendInfo().storage: the resident storage's numbers so far, and how it works here. */
function storageInfo(storage: ReturnType<typeof residentStorage> | null): StorageInfo {
  if (storage === null)
    return {
      ...{ resident: false, usedBytes: 0, freeBytes: 0, reclaims: 0, gcMs: 0 },
      why: "off (RECEPTIVE_WASM_STORAGE=0): tensors live in ordinary arrays, copied into wasm memory and out around each kernel",
    };
  const { usedBytes, freeBytes, reclaims, gcMs } = storage.stats;
  const budget = `${storage.maxBytes / 2 ** 20} MiB`;
  const back = storage.reclaimsInLoops
    ? "dead tensors' blocks come back after a full GC, forced inside a loop once it has handed out enough (reclaims)"
    : "dead tensors' blocks come back only between jobs here (this runtime offers no synchronous GC): a long loop grows the storage";
  return {
    ...{ resident: true, usedBytes, freeBytes, reclaims, gcMs },
    why: `tensor storage of 256+ floats in wasm memory, up to ${budget}; ${back}; RECEPTIVE_WASM_STORAGE=0 keeps tensors in ordinary arrays`,
  };
}

/** Why the wasm backend is unavailable (no WebAssembly SIMD, or kernels not built), else null. */
export function wasmUnavailableReason(): string | null {
  const runtime = wasmRuntime();
  return runtime instanceof Error ? runtime.message : null;
}

/**
 * Sets how many threads (including the calling one) wasm kernels may use; defaults to the core
 * count. Accepts whole numbers from 1 to 4 per core (at most 64, the worker threads' limit) and rejects the
 * rest with an error saying what this machine has: more threads than cores only take turns on them
 * (PyTorch merely warns; a silent cap hid typos like setNumThreads(1000)).
 */
export function setNumThreads(n: number): void {
  const cores = availableParallelism();
  check(
    typeof n === "number" && Number.isInteger(n) && n >= 1,
    "setNumThreads",
    () =>
      `expected a whole number of threads >= 1, got ${typeof n === "number" ? n : `${typeof n} ${JSON.stringify(n)}`}; this machine has ${cores} cores, e.g. setNumThreads(${cores})`,
  );
  check(
    n <= maxThreads(),
    "setNumThreads",
    () =>
      `${n} threads is more than this machine can use: it has ${cores} cores (os.availableParallelism()), and at most ${maxThreads()} threads are allowed (4 per core, at most ${MAX_WORKERS + 1}); threads beyond the cores only take turns on them. Use setNumThreads(${cores})`,
  );
  const runtime = wasmRuntime();
  if (!(runtime instanceof Error)) {
    runtime.workers.threads = n;
    runtime.workers.prestart();
  }
}

/** The most threads setNumThreads accepts here: 4 per core, at most the worker threads' limit. */
export function maxThreads(): number {
  return Math.min(4 * availableParallelism(), MAX_WORKERS + 1);
}

/** Threads wasm kernels may use, counting the calling thread (1 when the wasm backend is unavailable). */
export function getNumThreads(): number {
  const runtime = wasmRuntime();
  return runtime instanceof Error ? 1 : runtime.workers.threads;
}
