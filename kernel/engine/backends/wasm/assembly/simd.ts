// The vector multiply-add every kernel is built on. The relaxed build (`--enable relaxed-simd`)
// uses a fused multiply-add (one instruction on x86 FMA / ARM); the plain build multiplies then adds.
// NOTE: the choice is made at compile time, so each .wasm variant contains only one of the two.

/** a * b + c on four f32 lanes */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
