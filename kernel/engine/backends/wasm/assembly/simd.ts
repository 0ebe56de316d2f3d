// The vector multiply-add every kernel is built on. The relaxed build (`--enable relaxed-simd`)
// uses a fused multiply-add (one instruction on x86 FMA / ARM); the plain build multiplies then adds.
// NOTE: the choice is made at compile time, so each .wasm variant contains only one of the two.

/** a * b + c on four f32 lanes */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Lanes 0 and 2 of a, then lanes 0 and 2 of b: every other float of the 8 at a, b (stride 2). */
// @ts-ignore: decorator
@inline export function evenLanes(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27);
}

/** Lanes 1 and 3 of a, then lanes 1 and 3 of b: the odd floats of the 8 at a, b. */
// @ts-ignore: decorator
@inline export function oddLanes(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
}

/** (s0, 0, s1, 0): the low half of s spread to every other lane (the adjoint of evenLanes). */
// @ts-ignore: decorator
@inline export function spreadLow(s: v128): v128 {
  return i8x16.shuffle(s, f32x4.splat(0), 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 16, 17, 18, 19);
}

/** (s2, 0, s3, 0): the high half of s spread to every other lane. */
// @ts-ignore: decorator
@inline export function spreadHigh(s: v128): v128 {
  return i8x16.shuffle(s, f32x4.splat(0), 8, 9, 10, 11, 16, 17, 18, 19, 12, 13, 14, 15, 16, 17, 18, 19);
}
