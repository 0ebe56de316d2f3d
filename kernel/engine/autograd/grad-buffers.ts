// Recycled gradient buffers. runBackward releases each intermediate gradient once the node that
// consumed it is done (the engine made it and nobody else can see it: never a user's array, never
// a `.grad`), and ops' backward closures take their gradient buffers here instead of
// `new Float32Array`: a warm buffer of the right size instead of fresh memory that the OS must
// zero and page in. The free lists (one per size) outlive a backward pass on purpose: the next step
// asks for the same sizes, so in steady state backward allocates nothing and its buffers never
// become garbage. NOTE: emptying the lists at the end of each pass was slower than not recycling
// at all: buffers held until the end of the pass survived scavenges, and freeing them took full
// (mark-compact) GCs.
//
// With the wasm backend the recycled buffers live in wasm memory (the backend's storage, through
// the registry's newStorage, up to MAX_RESIDENT bytes): kernels then read a gradient where it is
// and write or add into one in place, instead of copying each into and out of wasm memory. A
// resident buffer never leaves the engine (a leaf's .grad gets a copy) and is never dropped from
// the free lists (they hold it, so the storage is never reclaimed). Only the backend contract
// (backends/registry.ts) is used here: no backend's internals.

import { copyStorage, fillZeros, isResident, newStorage } from "../backends/registry";

/**
 * Bytes of wasm memory recycled gradients may take (256 MiB, a quarter of the wasm storage budget);
 * beyond it, ordinary arrays, which every kernel then copies in and out. NOTE: 64 MiB was 4 MiB short
 * for MobileNetV2 (CIFAR stem, batch 32): one gradient per step outside wasm memory cost ~5 ms of
 * copies in batch norm's backward and ~10 ms of system time and GC per step.
 */
const MAX_RESIDENT = 1 << 28;
/** Below this many floats a gradient is an ordinary array (backends keep small storage there too). */
const MIN_RESIDENT = 256;

/** Free buffers by size in floats. */
const free = new Map<number, Float32Array[]>();
/** The resident buffers made here (other resident arrays, e.g. tensor storage, are never recycled). */
const own = new WeakSet<Float32Array>();
/** Bytes of wasm memory the resident buffers made here take. */
let residentBytes = 0;
/** Floats of ordinary buffers waiting in the free lists. */
let waiting = 0;
/** At most this many floats of ordinary buffers wait (64 MiB), at most PER_SIZE buffers of one size. */
const MAX_WAITING = 1 << 24;
const PER_SIZE = 8;

/** Bytes of wasm memory the recycled gradient buffers take (for tests). */
export function gradBufferBytes(): number {
  return residentBytes;
}

/** A buffer of n zeros for a gradient that a kernel adds (+=) into. */
export function gradBuffer(n: number): Float32Array {
  const b = free.get(n)?.pop();
  if (b === undefined) return fresh(n);
  waiting -= n;
  // NOTE: JS's fill on a view of shared memory is about ten times slower than wasm's memset.
  fillZeros(b);
  return b;
}

/** A buffer of n floats with arbitrary contents, for a gradient that a kernel overwrites entirely. */
export function gradBufferUninit(n: number): Float32Array {
  const b = free.get(n)?.pop();
  if (b === undefined) return fresh(n);
  waiting -= n;
  return b;
}

/** A new zeroed buffer: the active backend's storage (wasm memory) while MAX_RESIDENT lasts. */
function fresh(n: number): Float32Array {
  if (n < MIN_RESIDENT || residentBytes + 4 * n > MAX_RESIDENT) return new Float32Array(n);
  const b = newStorage(n); // zeros; an ordinary array when the backend keeps none (or has no room)
  if (isResident(b)) {
    own.add(b);
    residentBytes += 4 * n;
  }
  return b;
}

/** A copy of g in a recycled buffer (inside wasm memory, a memmove: JS's set there runs word by word). */
export function copyGrad(g: Float32Array): Float32Array {
  const c = gradBufferUninit(g.length);
  copyStorage(c, g);
  return c;
}

/** Gives a gradient buffer back (only runBackward does: the engine must own it and be done with it). */
export function releaseGradBuffer(b: Float32Array): void {
  const n = b.length;
  const resident = isResident(b);
  if (resident && !own.has(b)) return;
  if (!resident && (waiting + n > MAX_WAITING || b.byteOffset !== 0 || b.buffer.byteLength !== 4 * n)) return;
  let list = free.get(n);
  if (list === undefined) {
    list = [];
    free.set(n, list);
  }
  if (!resident && list.length >= PER_SIZE) return;
  list.push(b);
  waiting += n;
}

/** Drops every waiting ordinary buffer (for tests, and to give memory back after training). */
export function clearGradBuffers(): void {
  for (const [n, list] of free) {
    const kept = list.filter(isResident);
    waiting -= (list.length - kept.length) * n;
    if (kept.length > 0) free.set(n, kept);
    else free.delete(n);
  }
}
