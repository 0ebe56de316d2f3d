// Recycled gradient buffers. runBackward releases each intermediate gradient once the node that
// consumed it is done (the engine made it and nobody else can see it: never a user's array, never
// a `.grad`), and ops' backward closures take their gradient buffers here instead of
// `new Float32Array`: a warm buffer of the right size instead of fresh memory that the OS must
// zero and page in. The pool outlives a backward pass on purpose: the next step asks for the same
// sizes, so in steady state backward allocates nothing and its buffers never become garbage.
// NOTE: emptying the pool at the end of each pass was slower than no pool at all: buffers held
// until the end of the pass survived scavenges, and freeing them took full (mark-compact) GCs.

const free = new Map<number, Float32Array[]>();
let pooled = 0;
/** At most this many floats wait in the pool (64 MiB), at most PER_SIZE buffers of one size. */
const MAX_POOLED = 1 << 24;
const PER_SIZE = 8;

/** A buffer of n zeros for a gradient that a kernel adds (+=) into. */
export function gradBuffer(n: number): Float32Array {
  const b = free.get(n)?.pop();
  if (b === undefined) return new Float32Array(n);
  pooled -= n;
  return b.fill(0);
}

/** A buffer of n floats with arbitrary contents, for a gradient that a kernel overwrites entirely. */
export function gradBufferUninit(n: number): Float32Array {
  const b = free.get(n)?.pop();
  if (b === undefined) return new Float32Array(n);
  pooled -= n;
  return b;
}

/** Gives a gradient buffer back (only runBackward does: the engine must own it and be done with it). */
export function releaseGradBuffer(b: Float32Array): void {
  const n = b.length;
  if (n === 0 || pooled + n > MAX_POOLED || b.byteOffset !== 0 || b.buffer.byteLength !== 4 * n) return;
  let list = free.get(n);
  if (list === undefined) {
    list = [];
    free.set(n, list);
  }
  if (list.length >= PER_SIZE) return;
  list.push(b);
  pooled += n;
}

/** Drops every pooled buffer (for tests, and to give the memory back after training). */
export function clearGradBuffers(): void {
  free.clear();
  pooled = 0;
}
