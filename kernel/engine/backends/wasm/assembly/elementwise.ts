// Elementwise kernels over contiguous f32 buffers, four lanes at a time: the activations training
// uses most (relu, leaky relu) forward and backward, and same-shape / scalar-operand arithmetic.
// Each matches backends/ref/elementwise.ts exactly (f32 add/mul/div round the same as JS's f64
// arithmetic stored to f32), including relu(NaN) = 0 and relu'(0) = 0.

/** Unary op codes (the TypeScript side maps names to these). */
const RELU = 0;
const LEAKY_RELU = 1; // slope a
const AFFINE = 2; // a * x + b
const NEG = 3;
const SQUARE = 4;

/**
 * relu over n floats, 16 at a time, for unaryForward: the generic loop below tests the op code
 * per vector and ran at a third of the memory's speed.
 */
function reluForward(out: usize, x: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + 4 * i;
    const q = out + 4 * i;
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    const v2 = v128.load(p, 32);
    const v3 = v128.load(p, 48);
    v128.store(q, v128.and(v0, f32x4.gt(v0, zero)));
    v128.store(q, v128.and(v1, f32x4.gt(v1, zero)), 16);
    v128.store(q, v128.and(v2, f32x4.gt(v2, zero)), 32);
    v128.store(q, v128.and(v3, f32x4.gt(v3, zero)), 48);
  }
  return i;
}

/** relu's backward over n floats, 16 at a time: dx = x > 0 ? dout : 0 (see reluForward). */
function reluBackward(dx: usize, x: usize, dout: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + 4 * i;
    const g = dout + 4 * i;
    const q = dx + 4 * i;
    // dout * 1 or dout * 0 as ref computes it: the sign of a zero and NaN dout are kept.
    const one = f32x4.splat(1);
    v128.store(q, f32x4.mul(v128.load(g), v128.and(one, f32x4.gt(v128.load(p), zero))));
    v128.store(q, f32x4.mul(v128.load(g, 16), v128.and(one, f32x4.gt(v128.load(p, 16), zero))), 16);
    v128.store(q, f32x4.mul(v128.load(g, 32), v128.and(one, f32x4.gt(v128.load(p, 32), zero))), 32);
    v128.store(q, f32x4.mul(v128.load(g, 48), v128.and(one, f32x4.gt(v128.load(p, 48), zero))), 48);
  }
  return i;
}

/** out (n) = f(x (n)) for a unary op code with scalar parameters a, b. */
export function unaryForward(op: i32, out: usize, x: usize, n: i32, a: f32, b: f32): void {
  const zero = f32x4.splat(0);
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let i = op == RELU ? reluForward(out, x, n) : 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + 4 * i);
    let r: v128;
    if (op == RELU) r = v128.and(v, f32x4.gt(v, zero));
    else if (op == LEAKY_RELU) r = v128.bitselect(v, f32x4.mul(va, v), f32x4.gt(v, zero));
    else if (op == AFFINE) r = f32x4.add(f32x4.mul(va, v), vb);
    else if (op == NEG) r = f32x4.neg(v);
    else r = f32x4.mul(v, v);
    v128.store(out + 4 * i, r);
  }
  for (; i < n; i++) {
    const v = load<f32>(x + 4 * i);
    let r: f32;
    if (op == RELU) r = v > 0 ? v : 0;
    else if (op == LEAKY_RELU) r = v > 0 ? v : a * v;
    else if (op == AFFINE) r = a * v + b;
    else if (op == NEG) r = -v;
    else r = v * v;
    store<f32>(out + 4 * i, r);
  }
}

/** dx (n) = dout (n) * f'(x (n)) for a unary op code (see unaryForward). */
export function unaryBackward(op: i32, dx: usize, x: usize, dout: usize, n: i32, a: f32): void {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const va = f32x4.splat(a);
  const two = f32x4.splat(2);
  let i = op == RELU ? reluBackward(dx, x, dout, n) : 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + 4 * i);
    const d = v128.load(dout + 4 * i);
    let slope: v128;
    if (op == RELU) slope = v128.and(one, f32x4.gt(v, zero));
    else if (op == LEAKY_RELU) slope = v128.bitselect(one, va, f32x4.gt(v, zero));
    else if (op == AFFINE) slope = va;
    else if (op == NEG) slope = f32x4.neg(one);
    else slope = f32x4.mul(two, v);
    v128.store(dx + 4 * i, f32x4.mul(d, slope));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + 4 * i);
    let slope: f32;
    if (op == RELU) slope = v > 0 ? 1 : 0;
    else if (op == LEAKY_RELU) slope = v > 0 ? 1 : a;
    else if (op == AFFINE) slope = a;
    else if (op == NEG) slope = -1;
    else slope = 2 * v;
    store<f32>(dx + 4 * i, load<f32>(dout + 4 * i) * slope);
  }
}

const ADD = 0;
const SUB = 1;
const MUL = 2;
const DIV = 3;

// @ts-ignore: decorator
@inline function apply(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == MUL) return f32x4.mul(x, y);
  return f32x4.div(x, y);
}

/** out = a op b over same-shape operands, 16 floats at a time; returns how many it did. */
// @ts-ignore: decorator
@inline function binaryLoop(op: i32, out: usize, a: usize, b: usize, n: i32): i32 {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = a + 4 * i;
    const q = b + 4 * i;
    const r = out + 4 * i;
    v128.store(r, apply(op, v128.load(p), v128.load(q)));
    v128.store(r, apply(op, v128.load(p, 16), v128.load(q, 16)), 16);
    v128.store(r, apply(op, v128.load(p, 32), v128.load(q, 32)), 32);
    v128.store(r, apply(op, v128.load(p, 48), v128.load(q, 48)), 48);
  }
  return i;
}

/**
 * out (n) = a (n) op b, with b either (n) or one value broadcast to all (`bScalar` = 1);
 * op is ADD, SUB, MUL or DIV.
 */
export function binaryForward(op: i32, out: usize, a: usize, b: usize, n: i32, bScalar: i32): void {
  const bs = bScalar != 0;
  const splat = f32x4.splat(load<f32>(b));
  let i = 0;
  // Same-shape operands: one unrolled loop per op (the op is a constant in each after inlining).
  if (!bs) {
    if (op == ADD) i = binaryLoop(ADD, out, a, b, n);
    else if (op == SUB) i = binaryLoop(SUB, out, a, b, n);
    else if (op == MUL) i = binaryLoop(MUL, out, a, b, n);
    else i = binaryLoop(DIV, out, a, b, n);
  }
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(a + 4 * i);
    const y = bs ? splat : v128.load(b + 4 * i);
    let r: v128;
    if (op == ADD) r = f32x4.add(x, y);
    else if (op == SUB) r = f32x4.sub(x, y);
    else if (op == MUL) r = f32x4.mul(x, y);
    else r = f32x4.div(x, y);
    v128.store(out + 4 * i, r);
  }
  for (; i < n; i++) {
    const x = load<f32>(a + 4 * i);
    const y = load<f32>(bs ? b : b + 4 * i);
    let r: f32;
    if (op == ADD) r = x + y;
    else if (op == SUB) r = x - y;
    else if (op == MUL) r = x * y;
    else r = x / y;
    store<f32>(out + 4 * i, r);
  }
}

/**
 * Gradients of a same-shape binary op: da (n) += dout * d(a op b)/da, db (n) += dout * d/db, for
 * ADD, SUB and MUL; a null (0) gradient is skipped.
 */
export function binaryBackward(op: i32, da: usize, db: usize, a: usize, b: usize, dout: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const g = v128.load(dout + 4 * i);
    if (da != 0) {
      const d = op == MUL ? f32x4.mul(g, v128.load(b + 4 * i)) : g;
      v128.store(da + 4 * i, f32x4.add(v128.load(da + 4 * i), d));
    }
    if (db != 0) {
      const d = op == MUL ? f32x4.mul(g, v128.load(a + 4 * i)) : op == SUB ? f32x4.neg(g) : g;
      v128.store(db + 4 * i, f32x4.add(v128.load(db + 4 * i), d));
    }
  }
  for (; i < n; i++) {
    const g = load<f32>(dout + 4 * i);
    if (da != 0) {
      const d = op == MUL ? g * load<f32>(b + 4 * i) : g;
      store<f32>(da + 4 * i, load<f32>(da + 4 * i) + d);
    }
    if (db != 0) {
      const d = op == MUL ? g * load<f32>(a + 4 * i) : op == SUB ? -g : g;
      store<f32>(db + 4 * i, load<f32>(db + 4 * i) + d);
    }
  }
}

/**
 * Zeros `bytes` bytes at `ptr` (the arena's zeroed destinations): wasm's memory.fill is a memset,
 * where JS's fill on a view of shared memory writes element by element, about ten times slower.
 */
export function fillZero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}

/** Copies `bytes` bytes from `src` to `dst` inside wasm memory (memory.copy: a memmove). */
export function copyBytes(dst: usize, src: usize, bytes: usize): void {
  memory.copy(dst, src, bytes);
}
