// wasm versions of unaryForward / unaryBackward (relu, leakyRelu, affine, neg, square, hardtanh
// (relu6), clamp, and the
// smooth activations hardswish, hardsigmoid, silu, gelu, geluTanh: assembly/activation.ts) and of
// binaryForward's common shapes (same shape, a one-element right operand, or one value per row:
// (N, C, H, W) op (N, C, 1, 1), as squeeze-and-excitation scales) for + - * /, and binaryBackward
// for same-shape and per-row + - * (residual connections, SE).
// Other ops and broadcasts go to the ref kernels, as do float64 buffers.
// NOTE: these are memory-bound: operands outside wasm memory cost a copy in and out, which the SIMD
// loop still repays (several times faster than the JIT's scalar loop); tensor storage in wasm
// memory (resident-storage.ts) needs none. From SPLIT_ELEMENTS on, threads split the elements.

import { type Buf, FALL_BACK } from "../registry";
import { Binary, Unary } from "./exports.generated";
import type { WasmRuntime } from "./runtime";
import { ranges, runShares, sharesFor, threadsFor } from "./threads/parallel";

/** Op codes of assembly/elementwise.ts by op name (its enums Unary and Binary). */
const UNARY_CODES: Readonly<Record<string, number>> = Unary;
const BINARY_CODES: Readonly<Record<string, number>> = Binary;

/** Below this many elements the JS loop beats the copies. */
const MIN_ELEMENTS = 256;
/** From this many elements the threads split the loop (a hand-off costs about what ~2^17 take). */
const SPLIT_ELEMENTS = 1 << 18;

export function elementwiseKernels(rt: WasmRuntime) {
  const { arena } = rt;
  /** [byte offset, count] shares of n elements: one per thread from SPLIT_ELEMENTS on. */
  const shares = (n: number): [number, number][] =>
    ranges(n, 16, sharesFor(threadsFor(rt, n, SPLIT_ELEMENTS))).map(([i0, i1]) => [4 * i0, i1 - i0]);
  /** Address p moved by byte offset o; 0 (no buffer) stays 0. */
  const at = (p: number, o: number): number => (p === 0 ? 0 : p + o);

  /** out[i] = f(x[i]) */
  function unaryForward(op: string, out: Buf, x: Buf, a = 0, b = 0): typeof FALL_BACK | undefined {
    const code = UNARY_CODES[op];
    if (
      code === undefined ||
      !(out instanceof Float32Array) ||
      !(x instanceof Float32Array) ||
      out.length < MIN_ELEMENTS
    )
      return FALL_BACK;
    const n = out.length;
    arena.begin();
    const px = arena.put(x.subarray(0, n)); // (n)
    const pOut = arena.target(out); // (n)
    runShares(
      rt,
      "unaryForward",
      shares(n).map(([o, m]) => [code, pOut + o, px + o, m, a, b]),
    );
    arena.get(pOut, out);
  }

  /** dx[i] = dout[i] * f'(x[i]) */
  function unaryBackward(
    op: string,
    dx: Buf,
    x: Buf,
    _y: Buf, // ref's signature: the forward's output (the wasm ops need only x)
    dout: Buf,
    a = 0,
    b = 0,
  ): typeof FALL_BACK | undefined {
    const code = UNARY_CODES[op];
    if (
      code === undefined ||
      !(dx instanceof Float32Array) ||
      !(x instanceof Float32Array) ||
      !(dout instanceof Float32Array) ||
      dx.length < MIN_ELEMENTS
    )
      return FALL_BACK;
    const n = dx.length;
    arena.begin();
    const px = arena.put(x.subarray(0, n)); // (n)
    const pDout = arena.put(dout.subarray(0, n)); // (n)
    const pDx = arena.target(dx); // (n)
    runShares(
      rt,
      "unaryBackward",
      shares(n).map(([o, m]) => [code, pDx + o, px + o, pDout + o, m, a, b]),
    );
    arena.get(pDx, dx);
  }

  /** out = f(a, b) with broadcasting; sa, sb are the operands' strides in out's shape (see ref). */
  function binaryForward(
    op: string,
    out: Buf,
    a: Buf,
    b: Buf,
    shape: readonly number[],
    sa: readonly number[],
    sb: readonly number[],
  ): typeof FALL_BACK | undefined {
    const code = BINARY_CODES[op];
    const n = out.length;
    const aFull = isContiguous(shape, sa);
    const bScalar = sb.every((s) => s === 0);
    if (
      code === undefined ||
      !(out instanceof Float32Array) ||
      !(a instanceof Float32Array) ||
      !(b instanceof Float32Array) ||
      n < MIN_ELEMENTS
    )
      return FALL_BACK;
    if (!aFull || !(bScalar || isContiguous(shape, sb))) {
      // One operand full, the other one value per row (a per-channel scale): add and mul commute.
      const commutes = op === "add" || op === "mul";
      const bRows = rowBroadcast(shape, sa, sb);
      const aRows = bRows === null && commutes ? rowBroadcast(shape, sb, sa) : null;
      if (bRows !== null) rowsForward(code, out, a, b, bRows);
      else if (aRows !== null) rowsForward(code, out, b, a, aRows);
      else return FALL_BACK;
      return;
    }
    arena.begin();
    const pa = arena.put(a.subarray(0, n)); // (n)
    const pb = arena.put(b.subarray(0, bScalar ? 1 : n)); // (n) or (1)
    const pOut = arena.target(out); // (n); may be a's own address (a += b in place)
    const calls = shares(n).map(([o, m]) => [
      code,
      pOut + o,
      pa + o,
      bScalar ? pb : pb + o,
      m,
      bScalar ? 1 : 0,
    ]);
    runShares(rt, "binaryForward", calls);
    arena.get(pOut, out);
  }

  /** da += dout * df/da, db += dout * df/db (see ref); wasm handles same-shape add, sub and mul. */
  function binaryBackward(
    op: string,
    da: Buf | null,
    db: Buf | null,
    a: Buf,
    b: Buf,
    _y: Buf, // ref's signature: the forward's output (add, sub and mul need none)
    dout: Buf,
    shape: readonly number[],
    sa: readonly number[],
    sb: readonly number[],
  ): typeof FALL_BACK | undefined {
    const n = dout.length;
    if (
      !(op === "add" || op === "sub" || op === "mul") ||
      ![da, db, a, b, dout].every((x) => x === null || x instanceof Float32Array) ||
      n < MIN_ELEMENTS
    )
      return FALL_BACK;
    if (!isContiguous(shape, sa) || !isContiguous(shape, sb)) {
      const bRows = rowBroadcast(shape, sa, sb);
      const aRows = bRows === null && op !== "sub" ? rowBroadcast(shape, sb, sa) : null;
      if (bRows !== null) rowsBackward(op, da, db, a, b, dout, bRows);
      else if (aRows !== null)
        rowsBackward(op, db, da, b, a, dout, aRows); // add and mul commute
      else return FALL_BACK;
      return;
    }
    arena.begin();
    const pDout = arena.put((dout as Float32Array).subarray(0, n)); // (n)
    const needOperands = op === "mul";
    const pa = needOperands && db !== null ? arena.put((a as Float32Array).subarray(0, n)) : 0; // (n)
    const pb = needOperands && da !== null ? arena.put((b as Float32Array).subarray(0, n)) : 0; // (n)
    const pDa = da === null ? 0 : arena.put((da as Float32Array).subarray(0, n)); // (n), += onto it
    const pDb = db === null ? 0 : arena.put((db as Float32Array).subarray(0, n)); // (n), += onto it
    const code = BINARY_CODES[op];
    const calls = shares(n).map(([o, m]) => [
      code,
      at(pDa, o),
      at(pDb, o),
      at(pa, o),
      at(pb, o),
      pDout + o,
      m,
    ]);
    runShares(rt, "binaryBackward", calls);
    if (da !== null) arena.get(pDa, (da as Float32Array).subarray(0, n));
    if (db !== null) arena.get(pDb, (db as Float32Array).subarray(0, n));
  }

  /** out (rows, inner) = full op perRow (rows), in shares of whole rows. */
  function rowsForward(code: number, out: Buf, full: Buf, perRow: Buf, { rows, inner }: Rows): void {
    arena.begin();
    const pFull = arena.put((full as Float32Array).subarray(0, rows * inner)); // (rows, inner)
    const pRow = arena.put((perRow as Float32Array).subarray(0, rows)); // (rows)
    const pOut = arena.target(out as Float32Array); // (rows, inner)
    const calls = rowShares(rows, inner).map(([r0, r1]) => [
      code,
      pOut + 4 * r0 * inner,
      pFull + 4 * r0 * inner,
      pRow + 4 * r0,
      r1 - r0,
      inner,
    ]);
    runShares(rt, "binaryRowsForward", calls);
    arena.get(pOut, out as Float32Array);
  }

  /** dFull (rows, inner) and dRow (rows) += the gradients of full op perRow (add, sub, mul). */
  function rowsBackward(
    op: string,
    dFull: Buf | null,
    dRow: Buf | null,
    full: Buf,
    perRow: Buf,
    dout: Buf,
    { rows, inner }: Rows,
  ): void {
    const n = rows * inner;
    const mul = op === "mul";
    arena.begin();
    const pDout = arena.put((dout as Float32Array).subarray(0, n)); // (rows, inner)
    const pFull = mul && dRow !== null ? arena.put((full as Float32Array).subarray(0, n)) : 0; // (rows, inner)
    const pRow = mul && dFull !== null ? arena.put((perRow as Float32Array).subarray(0, rows)) : 0; // (rows)
    const pdFull = dFull === null ? 0 : arena.put((dFull as Float32Array).subarray(0, n)); // += onto it
    const pdRow = dRow === null ? 0 : arena.put((dRow as Float32Array).subarray(0, rows)); // += onto it
    const calls = rowShares(rows, inner).map(([r0, r1]) => [
      BINARY_CODES[op],
      at(pdFull, 4 * r0 * inner),
      at(pdRow, 4 * r0),
      at(pFull, 4 * r0 * inner),
      at(pRow, 4 * r0),
      pDout + 4 * r0 * inner,
      r1 - r0,
      inner,
    ]);
    runShares(rt, "binaryRowsBackward", calls);
    if (dFull !== null) arena.get(pdFull, (dFull as Float32Array).subarray(0, n));
    if (dRow !== null) arena.get(pdRow, (dRow as Float32Array).subarray(0, rows));
  }

  /** [r0, r1) shares of rows: one per thread from SPLIT_ELEMENTS elements on. */
  const rowShares = (rows: number, inner: number): [number, number][] =>
    ranges(rows, 1, sharesFor(threadsFor(rt, rows * inner, SPLIT_ELEMENTS)));

  return { unaryForward, unaryBackward, binaryForward, binaryBackward };
}

/** A broadcast over rows: `rows` values, each for `inner` consecutive elements of the output. */
interface Rows {
  rows: number;
  inner: number;
}

/**
 * Rows when `full` walks `shape` contiguously and `perRow` is contiguous over the leading dims and
 * broadcast (stride 0) over the trailing ones, e.g. (N, C, H, W) op (N, C, 1, 1); null otherwise
 * (and for one row or rows of one element: the scalar and same-shape loops do those).
 */
function rowBroadcast(
  shape: readonly number[],
  full: readonly number[],
  perRow: readonly number[],
): Rows | null {
  if (!isContiguous(shape, full)) return null;
  let d = shape.length;
  while (d > 0 && (perRow[d - 1] === 0 || shape[d - 1] === 1)) d--;
  if (!isContiguous(shape.slice(0, d), perRow.slice(0, d))) return null;
  const rows = shape.slice(0, d).reduce((p, q) => p * q, 1);
  const inner = shape.slice(d).reduce((p, q) => p * q, 1);
  return rows > 1 && inner > 1 ? { rows, inner } : null;
}

/** True when `strides` are the row-major strides of `shape` (size-1 dims may have any stride). */
function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}
