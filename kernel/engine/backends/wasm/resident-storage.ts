// Tensor storage in wasm memory. With the wasm backend, ops put their outputs (activations),
// layers their parameters and optimizers their state here instead of in ordinary arrays, so that
// kernels read and write them in place: no copy into wasm memory before a kernel and out after it
// (at 2 threads those copies were about 40% of a ResNet width-16 training step: half of every
// output sits in the other core's cache) and no fresh pages for the OS to zero every step.
//
// Ownership. A block belongs to the Float32Array handed out for it, and through it to every tensor
// sharing that storage (views, detach). Once the garbage collector has collected that array, the
// block goes back to a free list by size (collected.ts follows each array with a WeakRef); the next
// storage of that size reuses it (training steps ask for the same sizes every step). Blocks are
// never returned to the arena: wasm memory cannot shrink. Nobody frees anything explicitly.
//
// Synchronous loops. Without help, nothing a training loop in one cell makes is seen collected
// before the cell ends (collected.ts): its dead activations would never come back. So when a
// request finds no free block, enough has been handed out since the last look (twice what was
// still alive after it, at least MIN_RECLAIM_BYTES) and long enough has passed (GC_SHARE: the GC
// takes at most 5% of the time; after twice as many bytes, regardless), or when it would take a
// new block and 16 MiB have been handed out since (GROWTH_RECLAIM_BYTES) and either the GC's share
// allows or, after a reclaim that freed most of what had been handed out, its GCs stay within
// GROWTH_GC_SHARE, `reclaim` runs a full GC (enabled at run time, see gc-hooks.ts), takes back the
// blocks of the arrays it collected, and merges free blocks that are neighbours in memory. Between
// cells, blocks that V8's own full GCs collected come back at the next miss. A miss is served from the
// smallest bigger free block, split (merged dead blocks, or a gone model's, serve other sizes);
// failing that, a new block: memory settles near what is alive plus what the loop hands out
// between two reclaims, and a long loop's reclaims earn it one more cycle's worth now and then
// (FAULT_MS_PER_BYTE), so they get rarer the longer it trains. Once the budget (`maxBytes`) is in use, reclaims still keep within
// GC_SHARE; failing all that, storage falls back to ordinary arrays. Where the runtime offers no
// synchronous GC or release (collected.ts), there are no reclaims: blocks come back only between
// jobs, and the storage grows to its budget within a long loop.
//
// NOTE: a subarray of a resident storage does not keep its block alive (the block follows the
// original array object): code that keeps part of a tensor's storage beyond the tensor must copy.

import { collected, keptReleaser } from "./collected";
import { fullGc } from "./gc-hooks";
import type { WasmRuntime } from "./runtime";

/** Storage below this many floats stays in ordinary arrays (copies of small arrays cost little). */
const MIN_FLOATS = 256;
/** By default at most this many bytes of wasm memory hold storage (the memory's maximum is 2 GiB). */
const MAX_BYTES = 2 ** 30;
/** Bytes handed out at least between synchronous reclaims. */
const MIN_RECLAIM_BYTES = 2 ** 26;
/**
 * Bytes handed out since the last reclaim from which a request that would take a new block (grow
 * the storage) reclaims first, when the GC's share of the time allows: new blocks cost page faults
 * on first touch (~3 ms per MiB on this project's VM, and they push the arena's scratch onto fresh
 * pages too), a full GC tens of ms. ResNet-18-CIFAR width 64 (batch 32, ~340 MiB alive, ~150 MiB
 * handed out a step) grew for 11 steps to 1 GiB, 30,000-90,000 faults a step (up to 2x the step's
 * time), when only the handed-out bytes timed reclaims.
 */
const GROWTH_RECLAIM_BYTES = 2 ** 24;
/**
 * At most this share of the time goes to reclaims' GCs. A forced full GC takes ~7 ms even with the
 * engine's few MiB of JS heap: every 64 MiB it was one in every 14 LeNet-5 steps (batch 64), 10%
 * of the step, and in every 100 ms batch the benchmark times (LeNet-5 training 1.09x -> 0.86x PyTorch).
 */
const GC_SHARE = 0.05;
/**
 * After a reclaim that freed most of what had been handed out (a training loop's dead steps), a
 * request that would grow the storage reclaims instead, as long as the GCs stay within this share
 * of the time; past it, the storage grows (a bigger free pool, rarer reclaims). Growing costs page
 * faults, ~4 ms per MiB on this project's VM (16 us a 4 KiB page), more than a reclaim once a few
 * MiB are at stake. NOTE: with GC_SHARE alone, LeNet-5 (batch 64, 4 MiB handed out a ~5 ms step, a
 * ~8 ms GC) grew for ~5 steps every cycle once its free blocks ran out, 1,000 faults and ~20 ms a
 * step, and its storage went 7 -> 82 MiB in 60 steps. A lower share held a 0.2 ms depthwise conv
 * with a 1.6 MB output to a small pool and a GC every few calls.
 */
const GROWTH_GC_SHARE = 0.2;
/** A reclaim that freed less than this share of what was handed out before it freed little. */
const PRODUCTIVE_SHARE = 0.5;
/**
 * What growing costs in page faults, ms per byte (~4 ms per MiB on this project's VM). A loop's
 * reclaims buy growth at this price: once their GCs have cost what growing by one cycle's bytes
 * (those handed out between two reclaims) would cost in faults, the next cycle may grow by that
 * much before it reclaims. The free pool then doubles and reclaims halve; the next doubling takes
 * twice as long to earn (ski rental: faults never cost more than the GCs they save), and growth
 * stops where reclaims keep within GC_SHARE anyway. NOTE: without it the pool stayed where
 * GROWTH_GC_SHARE put it for good: LeNet-5 (batch 64) reclaimed every ~8 steps at ~9 ms, 18% of
 * its time, however long it trained.
 */
export const FAULT_MS_PER_BYTE = 4 / 2 ** 20;

interface Block {
  at: number;
  n: number;
}

export interface StorageStats {
  /** Bytes of wasm memory taken by storage blocks, free or not. */
  usedBytes: number;
  /** Bytes of those in free blocks. */
  freeBytes: number;
  /** Synchronous reclaims so far. */
  reclaims: number;
  /** Milliseconds they took in all (each a full GC, then taking the blocks back). */
  gcMs: number;
}

/** The wasm backend's `allocate` (see Backend in ../registry.ts), and its numbers for tests. */
export function residentStorage(
  rt: WasmRuntime,
  { maxBytes = MAX_BYTES, gcShare = GC_SHARE, growthGcShare = GROWTH_GC_SHARE } = {},
) {
  const { arena, kernels } = rt;
  const stats: StorageStats = { usedBytes: 0, freeBytes: 0, reclaims: 0, gcMs: 0 };
  /** Free blocks' addresses by size in floats. */
  const free = new Map<number, number[]>();
  const gc = fullGc();
  /** Frees the blocks of collected storage arrays (collected.ts); null where reclaims cannot work. */
  const release = gc === null ? null : keptReleaser(gc);
  const followed = collected<Block>(({ at, n }) => addFree(at, n));
  let sinceReclaim = 0;
  let reclaimAfter = MIN_RECLAIM_BYTES;
  /**
   * Bytes of new blocks since the last reclaim, and how many a miss may grow by before it reclaims
   * (GROWTH_GC_SHARE): none after a reclaim that freed most of what was handed out, unless its
   * loop's GCs have earned a cycle's growth (FAULT_MS_PER_BYTE); after one that freed little (a
   * model being built, a first step), twice the last (at least 16 MiB).
   */
  let grownSinceReclaim = 0;
  let growthAllowance = GROWTH_RECLAIM_BYTES;
  /** GC ms of productive reclaims since growth was last earned. */
  let gcSinceEarned = 0;
  /** When the last reclaim ended, and how long its GC took (ms, performance.now()). */
  let lastReclaim = 0;
  let lastGcMs = 0;

  /** Gives the blocks of collected storage back now (a full GC, then a sweep of what it collected). */
  function reclaim(): void {
    const handedOut = sinceReclaim;
    sinceReclaim = 0;
    grownSinceReclaim = 0;
    if (gc === null || release === null) return;
    const start = performance.now();
    const freeBefore = stats.freeBytes;
    release();
    gc();
    followed.sweep();
    coalesce();
    lastReclaim = performance.now();
    lastGcMs = lastReclaim - start;
    stats.reclaims++;
    stats.gcMs += lastGcMs;
    reclaimAfter = Math.max(MIN_RECLAIM_BYTES, 2 * (stats.usedBytes - stats.freeBytes));
    const productive = stats.freeBytes - freeBefore >= PRODUCTIVE_SHARE * handedOut;
    if (!productive) growthAllowance = Math.max(GROWTH_RECLAIM_BYTES, 2 * growthAllowance);
    else {
      gcSinceEarned += lastGcMs;
      const earned = gcSinceEarned >= FAULT_MS_PER_BYTE * handedOut;
      if (earned) gcSinceEarned = 0;
      growthAllowance = earned ? handedOut : 0;
    }
  }

  /**
   * Merges free blocks that sit next to each other in memory into one (a block of n floats spans
   * alignFloats(n)), so that sizes the next steps ask for, other than the dead ones', are carved
   * from them (`split`) instead of growing the memory: a notebook that trains model after model of
   * other shapes stays near what is alive instead of filling the budget with free blocks of sizes
   * nobody asks for again (notebook 8 reached the 1 GiB budget with ~40 MiB alive).
   */
  function coalesce(): void {
    const blocks: Block[] = [];
    for (const [n, list] of free) for (const at of list) blocks.push({ at, n });
    if (blocks.length < 2) return;
    blocks.sort((a, b) => a.at - b.at);
    free.clear();
    stats.freeBytes = 0;
    let run = blocks[0];
    for (const b of blocks.slice(1)) {
      const end = run.at + 4 * alignFloats(run.n);
      if (end === b.at) run = { at: run.at, n: alignFloats(run.n) + b.n };
      else {
        addFree(run.at, run.n);
        run = b;
      }
    }
    addFree(run.at, run.n);
  }

  function addFree(at: number, n: number): void {
    const list = free.get(n);
    if (list === undefined) free.set(n, [at]);
    else list.push(at);
    stats.freeBytes += 4 * n;
  }

  /** Whether a reclaim now keeps its GCs within `share` of the time (gcShare, GC_SHARE by default). */
  const gcAllowed = (share = gcShare) => performance.now() - lastReclaim >= lastGcMs / share;

  /**
   * A free block of n floats, or undefined. NOTE: a size whose last block goes leaves the map:
   * `split` scans every size, and each split's remainder is a size of its own, so empty sizes
   * piled up between reclaims (17,000 of them in a loop of small tensors: half of its time).
   */
  function reuse(n: number): number | undefined {
    const list = free.get(n);
    if (list === undefined) return undefined;
    const at = list.pop() as number;
    if (list.length === 0) free.delete(n);
    stats.freeBytes -= 4 * n;
    return at;
  }

  /**
   * The front of the smallest free block bigger than n floats, its rest back in the free list
   * (merged dead blocks, or a gone model's, serve other sizes).
   */
  function split(n: number): number | undefined {
    const need = alignFloats(n);
    let best = -1;
    for (const size of free.keys()) if (size >= need && (best < 0 || size < best)) best = size;
    if (best < 0) return undefined;
    const at = reuse(best) as number;
    const rest = best - need;
    if (rest > 0) addFree(at + 4 * need, rest);
    return at;
  }

  /** A free block of n floats, or a new one while the budget lasts; -1 for none. */
  function block(n: number): number {
    const reused = reuse(n);
    if (reused !== undefined) return reused;
    if (followed.gcSinceSweep()) {
      // A GC between tasks (a notebook cell's end) collected storage: take its blocks back first.
      const before = stats.freeBytes;
      followed.sweep();
      if (stats.freeBytes > before) coalesce();
      const swept = reuse(n);
      if (swept !== undefined) return swept;
    }
    const full = stats.usedBytes + 4 * n > maxBytes;
    // Due after reclaimAfter bytes once the GC's share of the time allows, after twice that anyway.
    const due = sinceReclaim >= 2 * reclaimAfter || (sinceReclaim >= reclaimAfter && gcAllowed());
    if (full) {
      // Once the budget is used up, every miss would force a full GC (0.1-0.3 s in a kernel that
      // has held VGG-16): the GC's share of the time bounds those too.
      if (gcAllowed()) reclaim();
      return reuse(n) ?? split(n) ?? -1;
    }
    if (due) reclaim();
    const carved = reuse(n) ?? split(n);
    if (carved !== undefined) return carved;
    const grownEnough = () =>
      grownSinceReclaim >= growthAllowance && gcAllowed(Math.max(gcShare, growthGcShare));
    if (sinceReclaim >= GROWTH_RECLAIM_BYTES && (gcAllowed() || grownEnough())) {
      reclaim(); // rather than grow (GROWTH_RECLAIM_BYTES, GROWTH_GC_SHARE)
      const reclaimed = reuse(n) ?? split(n);
      if (reclaimed !== undefined) return reclaimed;
    }
    try {
      const before = arena.residentBytes;
      const at = arena.resident(n).byteOffset;
      stats.usedBytes += arena.residentBytes - before;
      grownSinceReclaim += arena.residentBytes - before;
      return at;
    } catch {
      return -1; // wasm memory could not grow
    }
  }

  /**
   * n floats in wasm memory, zeros if `zeroed` (else whatever the block held), or null (small n,
   * budget used up): the caller takes an ordinary array.
   */
  function allocate(n: number, zeroed = true): Float32Array | null {
    if (n < MIN_FLOATS) return null;
    const at = block(n);
    if (at < 0) return null;
    sinceReclaim += 4 * n;
    if (zeroed) kernels.fillZero(at, 4 * n); // a reused block holds old values, a new one old scratch
    const storage = arena.floatsAt(at, n);
    followed.follow(storage, { at, n });
    return storage;
  }

  /** How many sizes the free list holds (what `split` scans): at most one per free block. */
  const freeSizes = (): number => free.size;

  /** Whether blocks come back within a synchronous loop (a full GC and a release exist here). */
  const reclaimsInLoops = release !== null;

  return { allocate, stats, freeSizes, reclaimsInLoops, maxBytes };
}

/** n floats rounded up to whole cache lines (the arena's alignment, which kernels rely on). */
const alignFloats = (n: number): number => Math.ceil(n / 16) * 16;
