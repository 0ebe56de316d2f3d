// How big one tensor may be, and the check creation functions run before allocating: a shape of
// non-negative integers whose element count fits, instead of a bare "Invalid typed array length"
// (or a process killed for memory) when someone types randn([1e6, 1e6]).

import { totalmem } from "node:os";
import { check, fmtShape, ReceptiveError } from "../errors";

/** JavaScript's limit on a Float32Array's length (V8: 2^32 elements, 16 GiB). */
const TYPED_ARRAY_LIMIT = 2 ** 32;

/** The most elements one float32 tensor can hold here, and what sets that limit. */
export function maxNumel(): { n: number; reason: string } {
  const memory = Math.floor(totalmem() / 4);
  if (memory < TYPED_ARRAY_LIMIT)
    return { n: memory, reason: `this machine's ${fmtBytes(totalmem())} of memory` };
  return { n: TYPED_ARRAY_LIMIT, reason: "JavaScript's typed-array length limit" };
}

/**
 * Checks that `shape` is a list of non-negative integers whose element count one tensor can hold;
 * returns that count. `op` names the function the user called.
 */
export function checkShape(shape: unknown, op: string): number {
  check(
    Array.isArray(shape),
    op,
    () =>
      `shape must be an array of sizes, e.g. ${op}([2, 3]), got ${typeof shape === "number" ? `the number ${shape}; write ${op}([${shape}])` : typeof shape}`,
  );
  const sizes = shape as unknown[];
  check(
    sizes.every((s) => typeof s === "number" && Number.isInteger(s) && s >= 0),
    op,
    () =>
      `sizes must be non-negative integers, got [${sizes.map((s) => (typeof s === "string" ? JSON.stringify(s) : String(s))).join(", ")}]`,
  );
  let n = 1;
  for (const s of sizes as number[]) n *= s;
  const max = maxNumel();
  check(
    n <= max.n,
    op,
    () =>
      `shape ${fmtShape(sizes as number[])} has ${fmtCount(n)} elements (${fmtBytes(4 * n)} as float32); the most one tensor can hold here is ${fmtCount(max.n)} elements (${fmtBytes(4 * max.n)}, ${max.reason}). Use a smaller shape, e.g. a smaller batch`,
  );
  return n;
}

/** `storage(n)` (by default a zeroed Float32Array of n elements), or a clear error when memory runs out. */
export function allocateFloats(
  n: number,
  shape: readonly number[],
  op: string,
  storage: (n: number) => Float32Array = (k) => new Float32Array(k),
): Float32Array {
  try {
    return storage(n);
  } catch (e) {
    // A backend's own clear error (e.g. a malformed RECEPTIVE_GEMM_BLOCKING when it starts) is not about memory.
    if (e instanceof ReceptiveError) throw e;
    check(
      false,
      op,
      `could not allocate ${fmtBytes(4 * n)} for shape ${fmtShape(shape)} (${(e as Error).message}); free memory (drop tensors you no longer need) or use a smaller shape`,
    );
  }
}

/** 1e12, 4.29e9, or 3072 for counts below a million. */
export function fmtCount(n: number): string {
  if (n < 1e6) return String(n);
  return Number(n.toPrecision(3)).toExponential().replace("e+", "e");
}

/** 4 TB, 16.4 GB, 12 kB: decimal units, three significant digits. */
export function fmtBytes(bytes: number): string {
  const units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))} ${units[u]}`;
}
