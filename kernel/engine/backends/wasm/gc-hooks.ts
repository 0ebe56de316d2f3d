// A synchronous full GC and a FinalizationRegistry with `cleanupSome`, for resident-storage.ts to
// take back dead tensors' blocks in the middle of a synchronous training loop, and `freeNow` for
// mlas-gemm.ts to give an ArrayBuffer's memory back at once. None needs a command-line flag: V8
// turns them on at run time (`--expose-gc` exposes `gc` in contexts made afterwards;
// `--harmony-weak-refs-with-cleanup-some` gives such a context's FinalizationRegistry the method,
// `--harmony-rab-gsab-transfer` its ArrayBuffer `transfer` where Node 20 lacks it), so they come
// from a fresh vm context. Where the runtime refuses (another engine, a V8 without the flag), they
// are null / undefined / a no-op and callers do without.

import { setFlagsFromString } from "node:v8";
import { createContext, runInContext } from "node:vm";
import { exitSafeRegistry } from "../../finalization";

export interface Registry<T> {
  register(target: object, held: T): void;
  /** Runs the callbacks of targets already collected, now (absent where the runtime lacks it). */
  cleanupSome?: () => void;
}

let context: object | null | undefined;

/** The vm context with both turned on (made on first use: setting V8 flags is process-wide). */
function gcContext(): object | null {
  if (context === undefined) {
    try {
      setFlagsFromString("--expose-gc");
      setFlagsFromString("--harmony-weak-refs-with-cleanup-some");
      // NOTE: only where it is missing: V8 11.4+ has `transfer` and no longer knows the flag.
      if (nativeTransfer === undefined) setFlagsFromString("--harmony-rab-gsab-transfer");
      context = createContext({});
    } catch {
      context = null;
    }
  }
  return context;
}

type Transfer = (this: ArrayBuffer, length: number) => ArrayBuffer;
const nativeTransfer = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;
let transfer: Transfer | null | undefined;

/**
 * Frees `buffer`'s memory now (it becomes detached: length 0) instead of when the GC collects it.
 * An ArrayBuffer left to the GC holds its memory until a GC runs; the allocator may hand that
 * memory back to the OS meanwhile, and the next buffer then takes fresh pages (page faults). A
 * no-op where the runtime has no `ArrayBuffer.prototype.transfer` or the buffer cannot be detached.
 */
export function freeNow(buffer: ArrayBuffer): void {
  if (transfer === undefined) {
    const c = nativeTransfer === undefined ? gcContext() : null;
    const t = nativeTransfer ?? (c === null ? undefined : runInContext("ArrayBuffer.prototype.transfer", c));
    transfer = typeof t === "function" ? t : null;
  }
  try {
    transfer?.call(buffer, 0);
  } catch {
    // Not detachable (a wasm memory's buffer, say): the GC frees it as before.
  }
}

/** A full, synchronous garbage collection, or null. */
export function fullGc(): (() => void) | null {
  const c = gcContext();
  const gc = c === null ? undefined : runInContext("typeof gc === 'function' ? gc : undefined", c);
  // NOTE: gc({ type: "major" }) is cheaper but leaves collected targets' callbacks unqueued
  // (cleanupSome finds none); only a plain gc() does (~5 ms with the engine's JS heap).
  return typeof gc === "function" ? () => gc() : null;
}

/**
 * A FinalizationRegistry calling `onCollected(held)`, with `cleanupSome` where the runtime has it;
 * its registrations go at exit (../../finalization.ts).
 */
export function makeFinalizationRegistry<T>(onCollected: (held: T) => void): Registry<T> {
  const c = gcContext();
  const Ctor: typeof FinalizationRegistry =
    c === null ? FinalizationRegistry : runInContext("FinalizationRegistry", c);
  const { registry, register } = exitSafeRegistry(Ctor, onCollected);
  const cleanupSome = (registry as { cleanupSome?: () => void }).cleanupSome;
  const drain = typeof cleanupSome === "function" ? () => cleanupSome.call(registry) : undefined;
  return { register, cleanupSome: drain };
}
