// Kernel dispatch. Every kernel is defined once with its `ref` implementation (the specification);
// other backends (wasm SIMD) register faster implementations under the same name. A call goes to
// the active backend's implementation when it has one, else to `ref`: per-op fallback.
//
// Adding a kernel: `export const fooForward = defineKernel("fooForward", (out, inp, ...) => {...})`
// in backends/ref/<family>.ts. A backend overrides it with `registerBackend({kernels: {fooForward}})`.

import { ReceptiveError } from "../errors";

/** Kernels read and write flat buffers; ref kernels also accept Float64Array (for gradient checks). */
export type Buf = Float32Array | Float64Array;
// Kernels have heterogeneous signatures.
export type KernelFn = (...args: any[]) => any;

export interface Backend {
  readonly name: string;
  /** Higher wins when choosing the default backend. */
  readonly priority: number;
  /** Implementations by kernel name; missing names fall back to ref. */
  readonly kernels: Readonly<Record<string, KernelFn>>;
  /** A one-line description for status displays, e.g. "WebAssembly SIMD, 2 threads". */
  describe?(): string;
  /** Internal backends (summary's shape-only pass) are not offered to users. */
  readonly hidden?: boolean;
  /**
   * n floats where this backend's kernels read them fastest (zeros when `zeroed`, else arbitrary
   * values), or null for an ordinary array.
   */
  allocate?(n: number, zeroed: boolean): Float32Array | null;
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

/** Declares a kernel by name with its reference implementation; returns the dispatching function. */
export function defineKernel<F extends KernelFn>(name: string, refImpl: F): F {
  if (name in refKernels) throw new Error(`kernel ${name} is defined twice`);
  refKernels[name] = refImpl;
  const dispatch = (...args: Parameters<F>): ReturnType<F> => {
    const impl = active.kernels[name];
    return (impl ?? refImpl)(...args);
  };
  return dispatch as F;
}

/**
 * Storage of n zeros for a tensor: where the active backend's kernels work on it in place (wasm
 * memory, see wasm/resident-storage.ts), else an ordinary array. Ops take their outputs here.
 */
export function newStorage(n: number): Float32Array {
  return active.allocate?.(n, true) ?? new Float32Array(n);
}

/**
 * Storage for n floats with arbitrary contents (like torch.empty), for an op whose kernel writes
 * every element: saves newStorage's zero-fill, a pass over the whole output.
 */
export function emptyStorage(n: number): Float32Array {
  return active.allocate?.(n, false) ?? new Float32Array(n);
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
  return [...backends.values()]
    .filter((b) => !b.hidden)
    .sort((a, b) => b.priority - a.priority)
    .map((b) => b.name);
}

export function hasBackend(name: string): boolean {
  return backends.has(name);
}

/** The active backend's name ("ref" or "wasm"). */
export function getBackend(): string {
  return active.name;
}

export function backendInfo(): { name: string; description: string; kernels: number; fallbacks: string[] } {
  const names = kernelNames();
  return {
    name: active.name,
    description: active.describe?.() ?? active.name,
    kernels: names.filter((n) => n in active.kernels).length,
    fallbacks: active === ref ? [] : names.filter((n) => !(n in active.kernels)),
  };
}

/** Chooses the backend for all following ops. */
export function setBackend(name: string): void {
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
