// Vector math for the smooth activations of elementwise.ts (hardswish, hardsigmoid, silu, gelu and
// its tanh form), forward and derivative, on four f32 lanes: exp by range reduction and Cephes'
// expf polynomial, erfc by Numerical Recipes' Chebyshev fit (the one backends/ref/elementwise.ts
// uses). Each function matches its ref entry within a few float32 roundings, and on the special
// values too (NaN, +-0, +-infinity give what ref gives).

import { madd } from "./simd";

const EXP_HI: f32 = 88.72284; // exp overflows above
const EXP_LO: f32 = -103.97208; // exp underflows to 0 below

/** exp(x) per lane, within ~2 float32 roundings; inf above 88.72, 0 far below -87.3, NaN kept. */
// @ts-ignore: decorator
@inline export function expV(x: v128): v128 {
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI)); // NaN stays NaN
  // x = n ln2 + r with |r| <= ln2 / 2; ln2 split in two so n * ln2 is exact enough.
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(1.44269504)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = madd(f32x4.splat(1.9875691500e-4), r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(madd(f32x4.mul(p, r), r, r), f32x4.splat(1)); // 1 + r + r^2 p(r)
  // 2^n as two factors 2^n1 * 2^n2 (n from -150 to 128), each a normal float built from its bits.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.splat(127);
  const y = f32x4.mul(
    f32x4.mul(p, i32x4.shl(i32x4.add(n1, bias), 23)),
    i32x4.shl(i32x4.add(n2, bias), 23),
  );
  return v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(EXP_HI)));
}

/** 1 / (1 + exp(-x)) */
// @ts-ignore: decorator
@inline export function sigmoidV(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expV(f32x4.neg(x))));
}

/** erfc(u) = 1 - erf(u), relative error ~1e-7 plus float32 rounding (see ref's erfc). */
// @ts-ignore: decorator
@inline export function erfcV(u: v128): v128 {
  const z = f32x4.abs(u);
  const t = f32x4.div(f32x4.splat(1), madd(f32x4.splat(0.5), z, f32x4.splat(1)));
  let p = madd(f32x4.splat(0.17087277), t, f32x4.splat(-0.82215223));
  p = madd(p, t, f32x4.splat(1.48851587));
  p = madd(p, t, f32x4.splat(-1.13520398));
  p = madd(p, t, f32x4.splat(0.27886807));
  p = madd(p, t, f32x4.splat(-0.18628806));
  p = madd(p, t, f32x4.splat(0.09678418));
  p = madd(p, t, f32x4.splat(0.37409196));
  p = madd(p, t, f32x4.splat(1.00002368));
  p = madd(p, t, f32x4.splat(-1.26551223));
  const r = f32x4.mul(t, expV(f32x4.sub(p, f32x4.mul(z, z))));
  return v128.bitselect(r, f32x4.sub(f32x4.splat(2), r), f32x4.ge(u, f32x4.splat(0)));
}

// ---- the activations: f(x) and f'(x) -------------------------------------------------------------

/** x * min(max(x + 3, 0), 6) / 6 */
// @ts-ignore: decorator
@inline export function hardswishV(x: v128): v128 {
  const r6 = f32x4.min(f32x4.max(f32x4.add(x, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
  return f32x4.div(f32x4.mul(x, r6), f32x4.splat(6));
}

/** 0 below -3, x / 3 + 1/2 up to 3, else 1 (NaN too, as ref's comparisons give) */
// @ts-ignore: decorator
@inline export function hardswish1V(x: v128): v128 {
  const mid = madd(x, f32x4.splat(<f32>(1.0 / 3.0)), f32x4.splat(0.5));
  const upper = v128.bitselect(mid, f32x4.splat(1), f32x4.le(x, f32x4.splat(3)));
  return v128.bitselect(f32x4.splat(0), upper, f32x4.lt(x, f32x4.splat(-3)));
}

/** min(max(x + 3, 0), 6) / 6 */
// @ts-ignore: decorator
@inline export function hardsigmoidV(x: v128): v128 {
  const r6 = f32x4.min(f32x4.max(f32x4.add(x, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
  return f32x4.div(r6, f32x4.splat(6));
}

/** 1/6 where -3 < x < 3, else 0 */
// @ts-ignore: decorator
@inline export function hardsigmoid1V(x: v128): v128 {
  const inside = v128.and(f32x4.gt(x, f32x4.splat(-3)), f32x4.lt(x, f32x4.splat(3)));
  return v128.and(f32x4.splat(<f32>(1.0 / 6.0)), inside);
}

/** x / (1 + exp(-x)) */
// @ts-ignore: decorator
@inline export function siluV(x: v128): v128 {
  return f32x4.div(x, f32x4.add(f32x4.splat(1), expV(f32x4.neg(x))));
}

/** s (1 + x (1 - s)) with s = sigmoid(x) */
// @ts-ignore: decorator
@inline export function silu1V(x: v128): v128 {
  const one = f32x4.splat(1);
  const s = sigmoidV(x);
  return f32x4.mul(s, madd(x, f32x4.sub(one, s), one));
}

const SQRT1_2: f32 = 0.70710678;
const INV_SQRT_2PI: f32 = 0.39894228;
const GELU_BETA: f32 = 0.79788456; // sqrt(2 / pi)
const GELU_KAPPA: f32 = 0.044715;

/** 0.5 x erfc(-x / sqrt 2) */
// @ts-ignore: decorator
@inline export function geluV(x: v128): v128 {
  const cdf2 = erfcV(f32x4.mul(x, f32x4.splat(-SQRT1_2)));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), cdf2);
}

/** 0.5 erfc(-x / sqrt 2) + x exp(-x^2 / 2) / sqrt(2 pi) */
// @ts-ignore: decorator
@inline export function gelu1V(x: v128): v128 {
  const cdf = f32x4.mul(f32x4.splat(0.5), erfcV(f32x4.mul(x, f32x4.splat(-SQRT1_2))));
  const pdf = f32x4.mul(expV(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(x, x))), f32x4.splat(INV_SQRT_2PI));
  return madd(x, pdf, cdf);
}

/** 2 beta (x + kappa x^3): twice the tanh's argument, so 0.5 (1 + tanh(u)) = sigmoid(2u) */
// @ts-ignore: decorator
@inline function geluTanh2u(x: v128): v128 {
  const inner = madd(f32x4.mul(f32x4.splat(GELU_KAPPA), x), f32x4.mul(x, x), x);
  return f32x4.mul(f32x4.splat(2 * GELU_BETA), inner);
}

/** 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u)) */
// @ts-ignore: decorator
@inline export function geluTanhV(x: v128): v128 {
  return f32x4.div(x, f32x4.add(f32x4.splat(1), expV(f32x4.neg(geluTanh2u(x)))));
}

/**
 * 0.5 (1 + t) + 0.5 x (1 - t^2) beta (1 + 3 kappa x^2) with t = tanh(u), written with s = sigmoid(2u):
 * s + 2 x s (1 - s) beta (1 + 3 kappa x^2). x is clamped to +-10 inside (s is 0 or 1 beyond), and
 * +-infinity gives NaN as ref's formula does.
 */
// @ts-ignore: decorator
@inline export function geluTanh1V(x: v128): v128 {
  const one = f32x4.splat(1);
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(-10)), f32x4.splat(10));
  const s = sigmoidV(geluTanh2u(xc));
  const slope = f32x4.mul(f32x4.splat(2 * GELU_BETA), madd(f32x4.splat(3 * GELU_KAPPA), f32x4.mul(xc, xc), one));
  const d = madd(f32x4.mul(f32x4.mul(x, s), f32x4.sub(one, s)), slope, s);
  return v128.bitselect(f32x4.splat(NaN), d, f32x4.eq(f32x4.abs(x), f32x4.splat(Infinity)));
}
