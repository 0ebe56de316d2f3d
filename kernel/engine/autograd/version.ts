// Version counters, as in PyTorch: every in-place write to a tensor's storage (add_, mul_, copy_,
// an optimizer's step...) bumps the storage's version, shared by every tensor on that storage
// (views, detach(), a Parameter and the tensor it wraps). An op that saves a tensor for backward
// records its version; backward refuses to run with a tensor modified since (its gradient would
// silently be wrong).
//
// NOTE: the counters live in a WeakMap keyed by the storage array, so a tensor carries no extra
// field and a storage nobody modified in place costs nothing. The map also remembers whether a
// view method (view, reshape, flatten...) aliased the storage, for ops/in-place.ts.

import type { Tensor } from "../tensor/tensor";

interface StorageState {
  version: number;
  /** The in-place op that last wrote the storage ("mul_"), for error messages. */
  lastOp: string;
  /** A view method (view, reshape, flatten, squeeze, unsqueeze) made another tensor on this storage. */
  viewed: boolean;
}

const states = new WeakMap<Float32Array, StorageState>();

function stateOf(storage: Float32Array): StorageState {
  let s = states.get(storage);
  if (s === undefined) {
    s = { version: 0, lastOp: "", viewed: false };
    states.set(storage, s);
  }
  return s;
}

/** How many in-place writes the tensor's storage has had (PyTorch's `t._version`). */
export function versionOf(t: Tensor): number {
  return states.get(t.storage)?.version ?? 0;
}

/** The in-place op that last wrote the tensor's storage, or "" if none did. */
export function lastInPlaceOp(t: Tensor): string {
  return states.get(t.storage)?.lastOp ?? "";
}

/** Records an in-place write of `storage` by `op`. */
export function bumpVersion(storage: Float32Array, op: string): void {
  const s = stateOf(storage);
  s.version++;
  s.lastOp = op;
}

/** Records that a view method aliased `storage`. */
export function markViewed(storage: Float32Array): void {
  stateOf(storage).viewed = true;
}

/** Whether a view method aliased the storage. */
export function isViewed(storage: Float32Array): boolean {
  return states.get(storage)?.viewed ?? false;
}
