// The arena: where kernel operands live in wasm memory during one kernel call.
//
// Memory ownership. Tensors keep their data in Float32Arrays owned by the tensor: resident blocks
// of wasm memory (resident-storage.ts; recycled once the GC has collected the array) or ordinary
// arrays (small tensors, the ref backend); kernels never hold a reference to them. A wasm kernel
// call (1) `begin()`s the arena, which frees everything the previous call allocated (kernels are
// synchronous and not re-entrant, so nothing can still be using it), (2) `alloc`s and copies in its
// inputs that are not resident, plus per-thread scratch (packed GEMM panels), (3) runs the AssemblyScript kernel (on
// worker threads too: they read and write the same shared memory, and the call waits for them),
// (4) copies its outputs back into the caller's arrays unless it wrote them in place. Nothing allocated in the arena outlives the
// call, so nobody frees anything explicitly. The memory only grows when a call needs more than any
// call before it (high-water mark; then 2-4 MiB beyond it while a prefaulter is wanted, see
// prefault.ts) and never shrinks: repeated calls of the same sizes, e.g. training steps, allocate
// nothing new.
//
// Resident buffers. `resident(n)` hands out a Float32Array that lives in wasm memory for good,
// below the scratch region (the scratch base moves up; it is only called between kernel calls).
// Tensor storage (resident-storage.ts) keeps its blocks there, recycled when the GC has collected
// their arrays; recycled gradient buffers (autograd/grad-buffers.ts) are storage held for good.
// `put` of a resident array returns its address instead of copying it in, `get` into one skips the
// copy when the result is already there, and `target` lets a kernel write its output straight
// into one.

import { AHEAD_BYTES, type Prefaulter } from "./prefault";
import { PAGE_BYTES, type WasmMemory } from "./wasm-api";

const ALIGN = 64; // cache-line aligned operands; the kernels need 16 (f32x4)

export class Arena {
  private base: number;
  private top: number;
  private view: Float32Array;
  private i32: Int32Array;
  /** Every buffer object the memory has had (growing shared memory gives a new one; views keep theirs). */
  private readonly buffers = new Set<ArrayBufferLike>();
  /** Bytes handed out by `resident`. */
  residentBytes = 0;
  /** The highest address handed out so far: the memory above it was never handed out. */
  private highWater = 0;

  /**
   * Manages memory from byte `start` (at or above the module's static data) to the end. With a
   * prefaulter, the memory is grown AHEAD_BYTES beyond the highest address handed out and those
   * pages are touched ahead on another thread (prefault.ts).
   */
  constructor(
    private readonly memory: WasmMemory,
    start: number,
    private readonly prefaulter: Prefaulter | null = null,
  ) {
    // Never hand out address 0: kernels take 0 to mean "no buffer" (e.g. no bias).
    this.base = alignUp(Math.max(start, ALIGN), ALIGN);
    this.top = this.base;
    this.view = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    this.buffers.add(memory.buffer);
  }

  /** Starts a kernel call: everything allocated before is free again. */
  begin(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` for the current call and returns their address; grows the memory if needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = alignUp(ptr + bytes, ALIGN);
    if (this.top > this.highWater) this.advance();
    return ptr;
  }

  /**
   * `top` passed the high-water mark: grows the memory if it must (and ahead while prefaulting),
   * prefaults ahead. The mark moves only once the memory holds `top`: a grow that throws leaves
   * it, so a later, smaller call still grows what it needs.
   */
  private advance(): void {
    const size = this.memory.buffer.byteLength;
    if (this.prefaulter === null || !this.prefaulter.wanted()) {
      if (this.top > size) this.grow(this.top - size); // throws before anything changes if it cannot
      this.highWater = this.top;
      return;
    }
    // Ahead by at least half of AHEAD_BYTES, so the memory grows in chunks, not at every step.
    if (this.top + AHEAD_BYTES / 2 > size) {
      try {
        this.grow(this.top + AHEAD_BYTES - size);
      } catch {
        if (this.top > size) this.grow(this.top - size); // near the maximum: only what is needed
      }
    }
    this.highWater = this.top;
    this.prefaulter.request(Math.min(this.top + AHEAD_BYTES, this.memory.buffer.byteLength));
  }

  private grow(bytes: number): void {
    this.memory.grow(Math.ceil(bytes / PAGE_BYTES));
    this.view = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
    this.buffers.add(this.memory.buffer);
  }

  /**
   * n floats of wasm memory for good, as a Float32Array (uninitialised: it was scratch space);
   * only between kernel calls. Never freed: the caller recycles it.
   */
  resident(n: number): Float32Array {
    const ptr = this.base;
    this.begin();
    this.alloc(4 * n); // grows the memory if needed (and throws before anything changes if it cannot)
    this.base = alignUp(ptr + 4 * n, ALIGN);
    this.begin();
    this.residentBytes += this.base - ptr;
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** A Float32Array of n floats at byte address `at` (a resident block). */
  floatsAt(at: number, n: number): Float32Array {
    const buffer = this.memory.buffer;
    this.buffers.add(buffer);
    return new Float32Array(buffer, at, n);
  }

  /** The byte address of `a` when it lives in wasm memory (a resident buffer), else -1. */
  addressOf(a: Float32Array): number {
    return this.buffers.has(a.buffer) ? a.byteOffset : -1;
  }

  /** Allocates room for `src` and copies it in; a resident `src` is used where it is. */
  put(src: Float32Array): number {
    const at = this.addressOf(src);
    if (at >= 0) return at;
    const ptr = this.alloc(src.length * 4);
    this.view.set(src, ptr / 4);
    return ptr;
  }

  /** Where a kernel should write `dst.length` floats that will end up in `dst` (see `get`). */
  target(dst: Float32Array): number {
    const at = this.addressOf(dst);
    return at >= 0 ? at : this.alloc(dst.length * 4);
  }

  /** Allocates room for `values` as i32 (e.g. a kernel's geometry block) and writes them. */
  putI32(values: readonly number[]): number {
    const ptr = this.alloc(values.length * 4);
    this.i32.set(values, ptr / 4);
    return ptr;
  }

  /** Copies `dst.length` floats at `ptr` out into `dst`. */
  get(ptr: number, dst: Float32Array): void {
    if (this.addressOf(dst) === ptr) return; // written in place
    dst.set(this.view.subarray(ptr / 4, ptr / 4 + dst.length));
  }

  /** The f32 view of the whole memory (valid until the next alloc). */
  f32(): Float32Array {
    return this.view;
  }

  /** Bytes of wasm memory reserved so far (the high-water mark, rounded to pages). */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }
}

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}
