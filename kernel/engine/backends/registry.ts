// Kernel dispatch and the backend contract. Every kernel is defined once with its `ref`
// implementation (the specification); other backends (wasm SIMD) register faster implementations
// under the same name. A call goes to the active backend's implementation when it has one and it
// takes the arguments (it returns FALL_BACK for those it leaves to ref: float64 buffers, small
// tensors, ops it lacks), else to `ref`; every call is counted by the backend that ran it
// (backendInfo().calls). A backend may also own memory: `allocate` hands out tensor storage where
// its kernels read it in place, and `isResident`, `fillZeros` and `copy` work on that storage.
//
// Adding a kernel: `export const fooForward = defineKernel("fooForward", (out, inp, ...) => {...})`
// in backends/ref/<family>.ts. A backend overrides it with `registerBackend({kernels: {fooForward}})`.
//
// A backend whose start costs something (wasm compiles its module and reserves memory) is
// registered with `deferBackend`: it starts on the first kernel call, storage request or backend
// query, so importing the engine starts nothing.

import { ReceptiveError } from "../errors";

/** Kernels read and write flat buffers; ref kernels also accept Float64Array (for gradient checks). */
export type Buf = Float32Array | Float64Array;
// Kernels have heterogeneous signatures.
export type KernelFn = (...args: any[]) => any;

/** What a backend's kernel returns for arguments it leaves to ref (the call then runs ref's). */
export const FALL_BACK: unique symbol = Symbol("fall back to ref");

export interface Backend {
  readonly name: string;
  /** Higher wins when choosing the default backend. */
  readonly priority: number;
  /** Implementations by kernel name; missing names fall back to ref. */
  readonly kernels: Readonly<Record<string, KernelFn>>;
  /** A one-line description for status displays, e.g. "WebAssembly SIMD, 2 threads". */
  describe?(): string;
  /** Which SIMD variant its kernels run and why (see BackendInfo.simd). */
  simd?(): SimdInfo;
  /** Its GEMM's cache blocking and the caches it was derived from (see BackendInfo.gemm). */
  gemm?(): GemmInfo;
  /** How its tensor storage is kept and reclaimed, so far (see BackendInfo.storage). */
  storage?(): StorageInfo;
  /** How its kernels' code is compiled and why (see BackendInfo.tiering). */
  tiering?(): TieringInfo;
  /** Internal backends (summary's shape-only pass) are not offered to users. */
  readonly hidden?: boolean;
  /**
   * n floats where this backend's kernels read them fastest (zeros when `zeroed`, else arbitrary
   * values), or null for an ordinary array.
   */
  allocate?(n: number, zeroed: boolean): Float32Array | null;
  /** Whether `a` lives in this backend's memory (storage from `allocate`, or a view of it). */
  isResident?(a: Float32Array): boolean;
  /** Zeros `a`, which lives in this backend's memory (JS's fill there can be slow: shared memory). */
  fillZeros?(a: Float32Array): void;
  /** dst = src (one length), dst living in this backend's memory; src anywhere. */
  copy?(dst: Float32Array, src: Float32Array): void;
}

const refKernels: Record<string, KernelFn> = {};
const backends = new Map<string, Backend>();
const ref: Backend = {
  name: "ref",
  priority: 0,
  kernels: refKernels,
  describe: () => "plain TypeScript reference kernels",
};
backends.set("ref", ref);
let active: Backend = ref;

/** Backends still to start (deferBackend), in the order they were deferred. */
let deferred: (() => void)[] = [];

/**
 * Starts a backend the first time the registry is used (a kernel call, storage, a backend query):
 * `start` registers it and may make it active. The backend's cost is paid by the first op.
 */
export function deferBackend(start: () => void): void {
  deferred.push(start);
}

/** Runs the deferred starts (once each; a start that throws is not retried). */
function startDeferred(): void {
  const starts = deferred;
  deferred = [];
  for (const start of starts) start();
}

/** Calls per kernel (and op, for kernels whose first argument names one) per backend that ran them. */
const calls = new Map<string, Record<string, number>>();

/** The call counts of `kernel`, or of `kernel(op)`. */
function countsOf(kernel: string, op?: string): Record<string, number> {
  const key = op === undefined ? kernel : `${kernel}(${op})`;
  let counts = calls.get(key);
  if (counts === undefined) {
    counts = {};
    calls.set(key, counts);
  }
  return counts;
}

/** Declares a kernel by name with its reference implementation; returns the dispatching function. */
export function defineKernel<F extends KernelFn>(name: string, refImpl: F): F {
  if (name in refKernels) throw new Error(`kernel ${name} is defined twice`);
  refKernels[name] = refImpl;
  const plain = countsOf(name);
  const byOp = new Map<string, Record<string, number>>();
  const counts = (first: unknown): Record<string, number> => {
    if (typeof first !== "string") return plain;
    let c = byOp.get(first);
    if (c === undefined) {
      c = countsOf(name, first);
      byOp.set(first, c);
    }
    return c;
  };
  const dispatch = (...args: Parameters<F>): ReturnType<F> => {
    if (deferred.length > 0) startDeferred();
    const impl = active.kernels[name];
    const c = counts(args[0]);
    if (impl !== undefined) {
      const result = impl(...args);
      if (result !== FALL_BACK) {
        c[active.name] = (c[active.name] ?? 0) + 1;
        return result;
      }
    }
    c.ref = (c.ref ?? 0) + 1;
    return refImpl(...args);
  };
  return dispatch as F;
}

/**
 * Storage of n zeros for a tensor: where the active backend's kernels work on it in place (wasm
 * memory, see wasm/resident-storage.ts), else an ordinary array. Ops take their outputs here.
 */
export function newStorage(n: number): Float32Array {
  if (deferred.length > 0) startDeferred();
  return active.allocate?.(n, true) ?? new Float32Array(n);
}

/**
 * Storage for n floats with arbitrary contents (like torch.empty), for an op whose kernel writes
 * every element: saves newStorage's zero-fill, a pass over the whole output.
 */
export function emptyStorage(n: number): Float32Array {
  if (deferred.length > 0) startDeferred();
  return active.allocate?.(n, false) ?? new Float32Array(n);
}

/** Whether `a` lives in a backend's own memory (wasm memory), where only that backend's helpers are fast. */
export function isResident(a: Float32Array): boolean {
  for (const b of backends.values()) if (b.isResident?.(a)) return true;
  return false;
}

/** Zeros `a`: in wasm memory with a memset (JS's fill on a view of shared memory goes element by element). */
export function fillZeros(a: Float32Array): void {
  for (const b of backends.values())
    if (b.fillZeros !== undefined && b.isResident?.(a)) {
      b.fillZeros(a);
      return;
    }
  a.fill(0);
}

/** dst = src (one length): into wasm memory with a memmove where src lives there too. */
export function copyStorage(dst: Float32Array, src: Float32Array): void {
  for (const b of backends.values())
    if (b.copy !== undefined && b.isResident?.(dst)) {
      b.copy(dst, src);
      return;
    }
  dst.set(src);
}

/** The reference implementation of a kernel, for tests that compare backends. */
export function refKernel(name: string): KernelFn {
  const k = refKernels[name];
  if (k === undefined) throw new Error(`no kernel named ${name}`);
  return k;
}

export function kernelNames(): string[] {
  return Object.keys(refKernels).sort();
}

export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function availableBackends(): string[] {
  if (deferred.length > 0) startDeferred();
  return [...backends.values()]
    .filter((b) => !b.hidden)
    .sort((a, b) => b.priority - a.priority)
    .map((b) => b.name);
}

export function hasBackend(name: string): boolean {
  if (deferred.length > 0) startDeferred();
  return backends.has(name);
}

/** The active backend's name ("ref" or "wasm"). */
export function getBackend(): string {
  if (deferred.length > 0) startDeferred();
  return active.name;
}

/** The SIMD variant a backend's kernels run, and why that one. */
export interface SimdInfo {
  /** "relaxed" (fused multiply-add) or "simd" (plain WebAssembly SIMD). */
  variant: "relaxed" | "simd";
  /**
   * How it was chosen, e.g. "relaxed SIMD enabled by the command line (--experimental-wasm-relaxed-simd)",
   * "relaxed SIMD enabled at run time (...)", "relaxed SIMD is on by default in this runtime",
   * "relaxed SIMD not available in this runtime (...)", "forced by RECEPTIVE_WASM_VARIANT=simd".
   */
  why: string;
}

/** One cache as the OS reports it (for CPU 0). */
export interface CacheInfo {
  level: number;
  type: "Data" | "Instruction" | "Unified";
  bytes: number;
  /** Logical CPUs sharing it. */
  sharedBy: number;
}

/** How a backend's GEMM blocks its operands for the caches (backends/wasm/blocking.ts). */
export interface GemmInfo {
  /** Rows of A per packed block. */
  mc: number;
  /** Columns of B per packed block. */
  nc: number;
  /** Depth per packed block: fixed (it orders the sums). */
  kc: number;
  /**
   * Where MC and NC come from: "from /sys/devices/system/cpu/cpu0/cache: MC 512 (...)",
   * "defaults: MC 128, NC 1024 (<why the caches could not be read>)" or "RECEPTIVE_GEMM_BLOCKING=MC,NC".
   */
  why: string;
  /** The caches read (empty when none could be). */
  caches: CacheInfo[];
  /** Whether large GEMMs run on ONNX Runtime's MLAS instead, and why (or why not). */
  mlas?: { used: boolean; why: string };
}

/** How a backend's compiled kernels reach optimised code (wasm: backends/wasm/tiering.ts). */
export interface TieringInfo {
  /**
   * "eager": every kernel compiled when the backend starts, optimised (TurboFan) in the background
   * right away; "lazy": V8's default, each kernel compiled at its first call, optimised once hot.
   */
  tiering: "eager" | "lazy";
  /**
   * How it was chosen, e.g. "eager TurboFan set at run time (--no-wasm-lazy-compilation
   * --no-wasm-dynamic-tiering)", "set by the command line (...)", "forced by RECEPTIVE_WASM_TIERING=lazy".
   */
  why: string;
}

/**
 * Where a backend keeps tensor storage (wasm: backends/wasm/resident-storage.ts) and what taking
 * dead tensors' storage back has cost so far: each reclaim is a full garbage collection, a share of
 * a training loop's time (`gcMs` against the loop's time says how much).
 */
export interface StorageInfo {
  /** Whether storage of 256+ floats lives in the backend's memory (false: ordinary arrays). */
  resident: boolean;
  /** Bytes of its memory taken by storage blocks, in use or free. */
  usedBytes: number;
  /** Of those, bytes in free blocks (reused by the next outputs). */
  freeBytes: number;
  /** Full GCs run in the middle of a loop to take dead tensors' blocks back. */
  reclaims: number;
  /** Milliseconds those GCs took in all. */
  gcMs: number;
  /** How it works here and what turns it off, or why it is off. */
  why: string;
}

export interface BackendInfo {
  /** The active backend ("wasm" or "ref"). */
  name: string;
  /** One line for status displays, e.g. "WebAssembly SIMD (relaxed), 2 threads". */
  description: string;
  /** How many kernels the active backend implements. */
  kernels: number;
  /** The kernels it has no implementation of: every call of them runs on ref. */
  fallbacks: string[];
  /**
   * Calls so far, per kernel (per op for elementwise kernels: "unaryForward(exp)"), per backend that
   * ran them. An implemented kernel still runs some calls on ref (float64 buffers, small tensors,
   * ops the backend lacks): those count under "ref", never under the backend.
   */
  calls: Record<string, Record<string, number>>;
  /** The SIMD variant the active backend runs and why; absent for backends without SIMD (ref). */
  simd?: SimdInfo;
  /** The active backend's GEMM blocking and the caches it follows; absent for ref. */
  gemm?: GemmInfo;
  /** How the active backend's kernels are compiled and why; absent for backends compiling nothing (ref). */
  tiering?: TieringInfo;
  /** The active backend's tensor storage and what reclaiming it has cost; absent for ref (ordinary arrays). */
  storage?: StorageInfo;
}

export function backendInfo(): BackendInfo {
  if (deferred.length > 0) startDeferred();
  const names = kernelNames();
  return {
    name: active.name,
    description: active.describe?.() ?? active.name,
    kernels: names.filter((n) => n in active.kernels).length,
    fallbacks: active === ref ? [] : names.filter((n) => !(n in active.kernels)),
    calls: Object.fromEntries(
      [...calls]
        .filter(([, counts]) => Object.keys(counts).length > 0)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([kernel, counts]) => [kernel, { ...counts }]),
    ),
    ...(active.simd === undefined ? {} : { simd: active.simd() }),
    ...(active.gemm === undefined ? {} : { gemm: active.gemm() }),
    ...(active.tiering === undefined ? {} : { tiering: active.tiering() }),
    ...(active.storage === undefined ? {} : { storage: active.storage() }),
  };
}

/** Chooses the backend for all following ops. */
export function setBackend(name: string): void {
  if (deferred.length > 0) startDeferred();
  const b = backends.get(name);
  if (b === undefined)
    throw new ReceptiveError(
      "setBackend",
      `unknown backend '${name}'; available: ${availableBackends()
        .map((n) => `'${n}'`)
        .join(", ")}`,
    );
  active = b;
}
