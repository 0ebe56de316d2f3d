// Batch normalisation over (N, C, inner) as backends/ref/norm.ts: per-channel statistics, forward
// and the fused backward, two passes each in memory order (image by image, then channel by
// channel): the sums (forward: of x - K and (x - K)^2, K the channel's first value; backward: of
// dout and dout * (x - mean)) into each channel's f64 totals in scratch, then the elementwise
// part, four f32 lanes at a time. A plane's sums go into f64 every FLUSH vectors and at its end,
// so the statistics of large batches keep their precision (ref sums in JS numbers).

import { madd } from "./simd";

/** The four lanes of f32x4 v as two f64x2 (low pair, high pair). */
// @ts-ignore: decorator
@inline function lowPair(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function highPair(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/**
 * Vectors summed in f32 before their sums go into f64 totals: each f32 lane then adds at most
 * FLUSH / 2 terms (a relative error of a few 1e-7 at most), whatever the batch, and the f64 work
 * (promotions, adds) is one step per FLUSH vectors instead of two per vector. NOTE: summing every
 * vector in f64 made the passes compute-bound: ~3.5 instructions per float, 1.5-2x the time.
 * NOTE: the backward's sum of dout (the bias gradient) stays in f64 float by float: it is often a
 * near-cancelling sum, and Adam divides by its magnitude, so f32 partials of 8 terms moved a
 * BatchNorm bias 2e-5 off PyTorch's after a few Adam steps (test/unit/train-golden.test.ts).
 */
const FLUSH = 16;

// The two totals of the last moments() / gradientSums() call (a thread's own globals: each worker
// has its own instance).
let total1: f64 = 0;
let total2: f64 = 0;

/** total1 = sum of (x - K), total2 = sum of (x - K)^2 over the `inner` floats at `row`, in f64 (f32 partials). */
function moments(row: usize, inner: i32, K: f32): void {
  const kv = f32x4.splat(K);
  const zero = f32x4.splat(0);
  let a = zero; // sums of x - K, two vectors at a time
  let b = zero;
  let p = zero; // sums of (x - K)^2
  let q = zero;
  let A = f64x2.splat(0);
  let B = f64x2.splat(0);
  let tail1: f64 = 0;
  let tail2: f64 = 0;
  let pending = 0;
  let k = 0;
  for (; k + 8 <= inner; k += 8) {
    const x0 = f32x4.sub(v128.load(row + 4 * k), kv);
    const x1 = f32x4.sub(v128.load(row + 4 * k, 16), kv);
    a = f32x4.add(a, x0);
    b = f32x4.add(b, x1);
    p = madd(x0, x0, p);
    q = madd(x1, x1, q);
    pending += 2;
    if (pending >= FLUSH) {
      const s = f32x4.add(a, b);
      const t = f32x4.add(p, q);
      A = f64x2.add(A, f64x2.add(lowPair(s), highPair(s)));
      B = f64x2.add(B, f64x2.add(lowPair(t), highPair(t)));
      a = zero;
      b = zero;
      p = zero;
      q = zero;
      pending = 0;
    }
  }
  if (k + 4 <= inner) {
    const x0 = f32x4.sub(v128.load(row + 4 * k), kv);
    a = f32x4.add(a, x0);
    p = madd(x0, x0, p);
    k += 4;
  }
  for (; k < inner; k++) {
    const x = <f64>(load<f32>(row + 4 * k) - K);
    tail1 += x;
    tail2 += x * x;
  }
  const s = f32x4.add(a, b);
  const t = f32x4.add(p, q);
  A = f64x2.add(A, f64x2.add(lowPair(s), highPair(s)));
  B = f64x2.add(B, f64x2.add(lowPair(t), highPair(t)));
  total1 = f64x2.extract_lane(A, 0) + f64x2.extract_lane(A, 1) + tail1;
  total2 = f64x2.extract_lane(B, 0) + f64x2.extract_lane(B, 1) + tail2;
}

/**
 * dout where lo < z < hi (z: the clamped output at `out`), else 0: the gradient through a clamp
 * fused after the batch norm (hardtanh's mask, exact: where(mask, dout, 0)). out = 0: dout itself.
 */
// @ts-ignore: decorator
@inline function maskedGrad(g: v128, out: usize, at: usize, lo: v128, hi: v128): v128 {
  if (out == 0) return g;
  const z = v128.load(out + at);
  return v128.and(g, v128.and(f32x4.gt(z, lo), f32x4.lt(z, hi)));
}

/** The scalar maskedGrad. */
// @ts-ignore: decorator
@inline function maskedGrad1(g: f32, out: usize, at: usize, lo: f32, hi: f32): f32 {
  if (out == 0) return g;
  const z = load<f32>(out + at);
  return z > lo && z < hi ? g : 0;
}

/**
 * total1 = sum of g, total2 = sum of g * (x - m) over one plane of `inner` floats, byte offset
 * `base` into dout (masked by maskedGrad) and inp, in f64 (f32 partials). dres != 0: also writes
 * the masked dout there.
 */
function gradientSums(dout: usize, inp: usize, out: usize, lo: f32, hi: f32, base: usize, inner: i32, m: f32, dres: usize): void {
  const lov = f32x4.splat(lo);
  const hiv = f32x4.splat(hi);
  const mv = f32x4.splat(m);
  const zero = f32x4.splat(0);
  let p = zero; // sums of g * (x - m), two vectors at a time
  let q = zero;
  let A0 = f64x2.splat(0); // sums of g, each float in f64 (the bias gradient: see NOTE above)
  let A1 = A0;
  let B = f64x2.splat(0);
  let tail1: f64 = 0;
  let tail2: f64 = 0;
  let pending = 0;
  const grow = dout + base;
  const xrow = inp + base;
  const rrow = dres + base;
  let k = 0;
  for (; k + 8 <= inner; k += 8) {
    const g0 = maskedGrad(v128.load(grow + 4 * k), out, base + 4 * k, lov, hiv);
    const g1 = maskedGrad(v128.load(grow + 4 * k, 16), out, base + 4 * k + 16, lov, hiv);
    if (dres != 0) {
      v128.store(rrow + 4 * k, g0);
      v128.store(rrow + 4 * k, g1, 16);
    }
    A0 = f64x2.add(A0, f64x2.add(lowPair(g0), highPair(g0)));
    A1 = f64x2.add(A1, f64x2.add(lowPair(g1), highPair(g1)));
    p = madd(g0, f32x4.sub(v128.load(xrow + 4 * k), mv), p);
    q = madd(g1, f32x4.sub(v128.load(xrow + 4 * k, 16), mv), q);
    pending += 2;
    if (pending >= FLUSH) {
      const t = f32x4.add(p, q);
      B = f64x2.add(B, f64x2.add(lowPair(t), highPair(t)));
      p = zero;
      q = zero;
      pending = 0;
    }
  }
  if (k + 4 <= inner) {
    const g0 = maskedGrad(v128.load(grow + 4 * k), out, base + 4 * k, lov, hiv);
    if (dres != 0) v128.store(rrow + 4 * k, g0);
    A0 = f64x2.add(A0, f64x2.add(lowPair(g0), highPair(g0)));
    p = madd(g0, f32x4.sub(v128.load(xrow + 4 * k), mv), p);
    k += 4;
  }
  for (; k < inner; k++) {
    const g = maskedGrad1(load<f32>(grow + 4 * k), out, base + 4 * k, lo, hi);
    if (dres != 0) store<f32>(rrow + 4 * k, g);
    tail1 += <f64>g;
    tail2 += <f64>(g * (load<f32>(xrow + 4 * k) - m));
  }
  const A = f64x2.add(A0, A1);
  const t = f32x4.add(p, q);
  B = f64x2.add(B, f64x2.add(lowPair(t), highPair(t)));
  total1 = f64x2.extract_lane(A, 0) + f64x2.extract_lane(A, 1) + tail1;
  total2 = f64x2.extract_lane(B, 0) + f64x2.extract_lane(B, 1) + tail2;
}

/**
 * out (N, C, inner) = (inp - mean) * rstd * weight + bias for channels [c0, c1) (threads split
 * channels, which share nothing). With `training`, first writes the batch mean (C), rstd (C) and
 * the biased variance (C; 0 = no buffer), summing in `sums` (scratch of 2 * C f64); otherwise mean
 * and rstd are inputs. weight and bias may be 0 (absent).
 * `clamp` = 1: out is then clamped to [lo, hi] (hardtanh / ReLU6 fused after the batch norm).
 * `residual` != 0: (N, C, inner) added before the clamp (a ResNet block's relu(bn(x) + identity)).
 * @threaded
 */
export function batchNormForwardChannels(
  c0: i32,
  c1: i32,
  out: usize,
  mean: usize,
  rstd: usize,
  variance: usize,
  inp: usize,
  weight: usize,
  bias: usize,
  N: i32,
  C: i32,
  inner: i32,
  eps: f64,
  training: i32,
  clamp: i32,
  lo: f32,
  hi: f32,
  residual: usize,
  sums: usize,
): void {
  const M = <f64>N * inner;
  if (training) {
    // One pass, shifted by each channel's first value K (no cancellation when the mean is far
    // from 0): mean = K + E[x - K], var = E[(x - K)^2] - E[x - K]^2. Image by image, then channel
    // by channel, in memory order (as the normalize pass below); each plane's totals go into its
    // channel's two f64 sums.
    for (let c = c0; c < c1; c++) {
      store<f64>(sums + 16 * c, 0);
      store<f64>(sums + 16 * c, 0, 8);
    }
    for (let n = 0; n < N; n++)
      for (let c = c0; c < c1; c++) {
        moments(inp + 4 * <usize>(n * C + c) * inner, inner, load<f32>(inp + 4 * c * inner));
        store<f64>(sums + 16 * c, load<f64>(sums + 16 * c) + total1);
        store<f64>(sums + 16 * c, load<f64>(sums + 16 * c, 8) + total2, 8);
      }
    for (let c = c0; c < c1; c++) {
      const K = load<f32>(inp + 4 * c * inner);
      const d = load<f64>(sums + 16 * c) / M;
      const v = max<f64>(0, load<f64>(sums + 16 * c, 8) / M - d * d);
      store<f32>(mean + 4 * c, <f32>(<f64>K + d));
      store<f32>(rstd + 4 * c, <f32>(1 / Math.sqrt(v + eps)));
      if (variance != 0) store<f32>(variance + 4 * c, <f32>v);
    }
  }
  // Image by image, then channel by channel: the pass walks memory in order (channel by channel,
  // it hopped between N planes C * inner floats apart, at half the speed of a plain copy).
  for (let n = 0; n < N; n++)
    for (let c = c0; c < c1; c++) {
      const m = load<f32>(mean + 4 * c);
      const r = load<f32>(rstd + 4 * c);
      const w: f32 = weight == 0 ? 1 : load<f32>(weight + 4 * c);
      const b: f32 = bias == 0 ? 0 : load<f32>(bias + 4 * c);
      normalizePlane(out, inp, residual, n * C + c, inner, m, r * w, b, clamp, lo, hi);
    }
}

/**
 * Plane p (of inner floats) of batchNormForwardChannels's output: (x - m) * rw + b (+ the
 * residual's plane), clamped to [lo, hi] when `clamp`.
 */
// @ts-ignore: decorator
@inline
function normalizePlane(out: usize, inp: usize, residual: usize, p: i32, inner: i32, m: f32, rw: f32, b: f32, clamp: i32, lo: f32, hi: f32): void {
  const mv = f32x4.splat(m);
  const rwv = f32x4.splat(rw);
  const bv = f32x4.splat(b);
  const lov = f32x4.splat(lo);
  const hiv = f32x4.splat(hi);
  const src = inp + 4 * <usize>p * inner;
  const dst = out + 4 * <usize>p * inner;
  let k = 0;
  if (residual != 0) {
    const res = residual + 4 * <usize>p * inner;
    for (; k + 4 <= inner; k += 4) {
      const y = f32x4.add(madd(f32x4.sub(v128.load(src + 4 * k), mv), rwv, bv), v128.load(res + 4 * k));
      const below = v128.bitselect(lov, y, f32x4.lt(y, lov));
      v128.store(dst + 4 * k, clamp ? v128.bitselect(hiv, below, f32x4.gt(y, hiv)) : y);
    }
    for (; k < inner; k++) {
      const y = (load<f32>(src + 4 * k) - m) * rw + b + load<f32>(res + 4 * k);
      store<f32>(dst + 4 * k, clamp ? (y < lo ? lo : y > hi ? hi : y) : y);
    }
    return;
  }
  if (clamp)
    // hardtanh's x < lo ? lo : x > hi ? hi : x (NaN stays NaN): the compares select lanes.
    for (; k + 4 <= inner; k += 4) {
      const y = madd(f32x4.sub(v128.load(src + 4 * k), mv), rwv, bv);
      const below = v128.bitselect(lov, y, f32x4.lt(y, lov));
      v128.store(dst + 4 * k, v128.bitselect(hiv, below, f32x4.gt(y, hiv)));
    }
  else for (; k + 4 <= inner; k += 4) v128.store(dst + 4 * k, madd(f32x4.sub(v128.load(src + 4 * k), mv), rwv, bv));
  for (; k < inner; k++) {
    const y = (load<f32>(src + 4 * k) - m) * rw + b;
    store<f32>(dst + 4 * k, clamp ? (y < lo ? lo : y > hi ? hi : y) : y);
  }
}

/**
 * Gradients of batchNormForwardChannels with xhat = (inp - mean) * rstd, for channels [c0, c1):
 * dbias (C) += sum dout; dweight (C) += sum dout * xhat; dinp (N, C, inner) += weight * rstd *
 * (dout - mean(dout) - xhat * mean(dout * xhat)) in training, weight * rstd * dout otherwise. 0
 * skips a gradient. `zeroed` = 1: dinp is written, not read and added to (its contents are
 * ignored: ref's dinpOverwrite). `out` != 0: the forward's output clamped to [lo, hi]
 * (batchNormForwardChannels' clamp); dout then passes only where lo < out < hi, as through
 * hardtanh. `dres` != 0: the forward's residual's gradient (N, C, inner), that masked dout, is
 * written there (not added to). `sums`: scratch of 2 * C f64.
 * @threaded
 */
export function batchNormBackwardChannels(
  c0: i32,
  c1: i32,
  dinp: usize,
  dweight: usize,
  dbias: usize,
  dout: usize,
  inp: usize,
  mean: usize,
  rstd: usize,
  weight: usize,
  N: i32,
  C: i32,
  inner: i32,
  training: i32,
  zeroed: i32,
  out: usize,
  lo: f32,
  hi: f32,
  dres: usize,
  sums: usize,
): void {
  const M = <f64>N * inner;
  // The sums, image by image, then channel by channel (memory order, as the forward's).
  for (let c = c0; c < c1; c++) {
    store<f64>(sums + 16 * c, 0);
    store<f64>(sums + 16 * c, 0, 8);
  }
  for (let n = 0; n < N; n++)
    for (let c = c0; c < c1; c++) {
      gradientSums(dout, inp, out, lo, hi, 4 * <usize>(n * C + c) * inner, inner, load<f32>(mean + 4 * c), dres);
      store<f64>(sums + 16 * c, load<f64>(sums + 16 * c) + total1);
      store<f64>(sums + 16 * c, load<f64>(sums + 16 * c, 8) + total2, 8);
    }
  for (let c = c0; c < c1; c++) {
    const r = load<f32>(rstd + 4 * c);
    const sumDout = load<f64>(sums + 16 * c);
    const sumDoutXhat = load<f64>(sums + 16 * c, 8) * <f64>r;
    if (dbias != 0) store<f32>(dbias + 4 * c, <f32>(<f64>load<f32>(dbias + 4 * c) + sumDout));
    if (dweight != 0) store<f32>(dweight + 4 * c, <f32>(<f64>load<f32>(dweight + 4 * c) + sumDoutXhat));
    // dinp += scale * (dout - meanDout - (x - m) * r * meanDoutXhat) = dout * scale + shift + (x - m) * slope;
    // the three coefficients replace the channel's sums (f32 at sums + 16 * c, 4, 8).
    const scale: f32 = (weight == 0 ? 1 : load<f32>(weight + 4 * c)) * r;
    const meanDout: f32 = training ? <f32>(sumDout / M) : 0;
    const meanDoutXhat: f32 = training ? <f32>(sumDoutXhat / M) : 0;
    store<f32>(sums + 16 * c, scale);
    store<f32>(sums + 16 * c, -scale * meanDout, 4);
    store<f32>(sums + 16 * c, -scale * r * meanDoutXhat, 8);
  }
  if (dinp == 0) return;
  for (let n = 0; n < N; n++)
    for (let c = c0; c < c1; c++) {
      const at = sums + 16 * c;
      const m = load<f32>(mean + 4 * c);
      inputGradientPlane(dinp, dout, inp, out, lo, hi, 4 * <usize>(n * C + c) * inner, inner, m, load<f32>(at), load<f32>(at, 4), load<f32>(at, 8), zeroed);
    }
}

/** One plane (byte offset `base`) of batchNormBackwardChannels' dinp: dout * scale + shift + (x - m) * slope. */
// @ts-ignore: decorator
@inline
function inputGradientPlane(dinp: usize, dout: usize, inp: usize, out: usize, lo: f32, hi: f32, base: usize, inner: i32, m: f32, scale: f32, shift: f32, slope: f32, zeroed: i32): void {
  const mv = f32x4.splat(m);
  const sv = f32x4.splat(scale);
  const hv = f32x4.splat(shift);
  const lv = f32x4.splat(slope);
  const lov = f32x4.splat(lo);
  const hiv = f32x4.splat(hi);
  const grow = dout + base;
  const xrow = inp + base;
  const drow = dinp + base;
  let k = 0;
  if (zeroed)
    for (; k + 4 <= inner; k += 4) {
      const u = madd(maskedGrad(v128.load(grow + 4 * k), out, base + 4 * k, lov, hiv), sv, hv);
      v128.store(drow + 4 * k, madd(f32x4.sub(v128.load(xrow + 4 * k), mv), lv, u));
    }
  else
    for (; k + 4 <= inner; k += 4) {
      const u = madd(maskedGrad(v128.load(grow + 4 * k), out, base + 4 * k, lov, hiv), sv, hv);
      const d = madd(f32x4.sub(v128.load(xrow + 4 * k), mv), lv, u);
      v128.store(drow + 4 * k, f32x4.add(v128.load(drow + 4 * k), d));
    }
  for (; k < inner; k++) {
    const d = maskedGrad1(load<f32>(grow + 4 * k), out, base + 4 * k, lo, hi) * scale + shift + (load<f32>(xrow + 4 * k) - m) * slope;
    store<f32>(drow + 4 * k, (zeroed ? 0 : load<f32>(drow + 4 * k)) + d);
  }
}
