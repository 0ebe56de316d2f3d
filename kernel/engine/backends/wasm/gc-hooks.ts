// A synchronous full GC and a FinalizationRegistry with `cleanupSome`, for resident-storage.ts to
// take back dead tensors' blocks in the middle of a synchronous training loop. Neither needs a
// command-line flag: V8 turns them on at run time (`--expose-gc` exposes `gc` in contexts made
// afterwards; `--harmony-weak-refs-with-cleanup-some` gives such a context's FinalizationRegistry
// the method), so they come from a fresh vm context. Where the runtime refuses (another engine, a
// V8 without the flag), they are null / undefined and callers do without.

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
      context = createContext({});
    } catch {
      context = null;
    }
  }
  return context;
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
