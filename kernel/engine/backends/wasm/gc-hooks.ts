// A synchronous full GC, for resident-storage.ts to take back dead tensors' blocks in the middle of
// a synchronous training loop (with collected.ts), and `freeNow` for mlas-gemm.ts to give an
// ArrayBuffer's memory back at once. Neither needs a command-line flag: V8 turns them on at run time
// (`--expose-gc` exposes `gc` in contexts made afterwards, `--harmony-rab-gsab-transfer` gives
// ArrayBuffer `transfer` where Node 20 lacks it), so they come from a fresh vm context. Where the
// runtime refuses (another engine), they are null / a no-op and callers do without.

import { setFlagsFromString } from "node:v8";
import { createContext, runInContext } from "node:vm";

let context: object | null | undefined;

/** The vm context with the flags on (made on first use: setting V8 flags is process-wide). */
function gcContext(): object | null {
  if (context === undefined) {
    try {
      setFlagsFromString("--expose-gc");
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
  // NOTE: on Node 20, gc({ type: "major" }) takes ~0.4 ms but clears no WeakRef (it is not a full
  // collection there); a plain gc() does (~5-7 ms with the engine's JS heap).
  return typeof gc === "function" ? () => gc() : null;
}
