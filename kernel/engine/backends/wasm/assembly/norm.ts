// Batch normalisation over (N, C, inner) as backends/ref/norm.ts: per-channel statistics, forward
// and the fused backward. Sums run in f64 (f32x4 loads promoted to two f64x2), as ref's JS
// numbers do, so the statistics of large batches keep their precision; the elementwise parts run
// four f32 lanes at a time.

// NOTE: the reductions keep four f64x2 sums (eight floats per step): two chains of dependent
// f64 adds stalled on their latency and ran at half the speed.

/** The four lanes of f32x4 v as two f64x2 (low pair, high pair). */
// @ts-ignore: decorator
@inline function lowPair(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function highPair(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}
// @ts-ignore: decorator
@inline function total(a: v128, b: v128, c: v128, d: v128): f64 {
  const s = f64x2.add(f64x2.add(a, b), f64x2.add(c, d));
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** Sum of n floats at p, in f64. */
function sum64(p: usize, n: i32): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let c = f64x2.splat(0);
  let d = f64x2.splat(0);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const v = v128.load(p + 4 * k);
    const w = v128.load(p + 4 * k, 16);
    a = f64x2.add(a, lowPair(v));
    b = f64x2.add(b, highPair(v));
    c = f64x2.add(c, lowPair(w));
    d = f64x2.add(d, highPair(w));
  }
  let s = total(a, b, c, d);
  for (; k < n; k++) s += <f64>load<f32>(p + 4 * k);
  return s;
}

/** Sum of (x - m)^2 over n floats at p, in f64. */
function sumSquaredDeviations(p: usize, n: i32, m: f64): f64 {
  const mv = f64x2.splat(m);
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let c = f64x2.splat(0);
  let d = f64x2.splat(0);
  let k = 0;
  for (; k + 8 <= n; k += 8) {
    const v = v128.load(p + 4 * k);
    const w = v128.load(p + 4 * k, 16);
    const x0 = f64x2.sub(lowPair(v), mv);
    const x1 = f64x2.sub(highPair(v), mv);
    const x2 = f64x2.sub(lowPair(w), mv);
    const x3 = f64x2.sub(highPair(w), mv);
    a = f64x2.add(a, f64x2.mul(x0, x0));
    b = f64x2.add(b, f64x2.mul(x1, x1));
    c = f64x2.add(c, f64x2.mul(x2, x2));
    d = f64x2.add(d, f64x2.mul(x3, x3));
  }
  let s = total(a, b, c, d);
  for (; k < n; k++) {
    const x = <f64>load<f32>(p + 4 * k) - m;
    s += x * x;
  }
  return s;
}

/**
 * out (N, C, inner) = (inp - mean) * rstd * weight + bias per channel. With `training`, first
 * writes the batch mean (C), rstd (C) and the biased variance (C; 0 = no buffer); otherwise mean
 * and rstd are inputs. weight and bias may be 0 (absent).
 */
export function batchNormForward(
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
): void {
  batchNormForwardChannels(0, C, out, mean, rstd, variance, inp, weight, bias, N, C, inner, eps, training);
}

/**
 * batchNormForward for channels [c0, c1) only: threads split channels, which share nothing.
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
): void {
  const M = <f64>N * inner;
  for (let c = c0; c < c1; c++) {
    if (training) {
      let s: f64 = 0;
      for (let n = 0; n < N; n++) s += sum64(inp + 4 * (n * C + c) * inner, inner);
      const m = s / M;
      let v: f64 = 0;
      for (let n = 0; n < N; n++) v += sumSquaredDeviations(inp + 4 * (n * C + c) * inner, inner, m);
      v /= M;
      store<f32>(mean + 4 * c, <f32>m);
      store<f32>(rstd + 4 * c, <f32>(1 / Math.sqrt(v + eps)));
      if (variance != 0) store<f32>(variance + 4 * c, <f32>v);
    }
    const m = load<f32>(mean + 4 * c);
    const r = load<f32>(rstd + 4 * c);
    const w: f32 = weight == 0 ? 1 : load<f32>(weight + 4 * c);
    const b: f32 = bias == 0 ? 0 : load<f32>(bias + 4 * c);
    const mv = f32x4.splat(m);
    const rw = f32x4.splat(r * w);
    const bv = f32x4.splat(b);
    for (let n = 0; n < N; n++) {
      const src = inp + 4 * (n * C + c) * inner;
      const dst = out + 4 * (n * C + c) * inner;
      let k = 0;
      for (; k + 4 <= inner; k += 4)
        v128.store(dst + 4 * k, f32x4.add(f32x4.mul(f32x4.sub(v128.load(src + 4 * k), mv), rw), bv));
      for (; k < inner; k++) store<f32>(dst + 4 * k, (load<f32>(src + 4 * k) - m) * (r * w) + b);
    }
  }
}

/**
 * Gradients of batchNormForward with xhat = (inp - mean) * rstd: dbias (C) += sum dout;
 * dweight (C) += sum dout * xhat; dinp (N, C, inner) += weight * rstd * (dout - mean(dout) -
 * xhat * mean(dout * xhat)) in training, weight * rstd * dout otherwise. 0 skips a gradient.
 */
export function batchNormBackward(
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
): void {
  batchNormBackwardChannels(0, C, dinp, dweight, dbias, dout, inp, mean, rstd, weight, N, C, inner, training, 0);
}

/**
 * batchNormBackward for channels [c0, c1) only (see batchNormForwardChannels). `zeroed` = 1: dinp
 * is known to hold zeros, so it is written, not read and added to (0 + x is x).
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
): void {
  const M = <f64>N * inner;
  for (let c = c0; c < c1; c++) {
    const m = load<f32>(mean + 4 * c);
    const r = load<f32>(rstd + 4 * c);
    const mv = f32x4.splat(m);
    const rv = f32x4.splat(r);
    let sumDout: f64 = 0;
    let sumDoutXhat: f64 = 0;
    for (let n = 0; n < N; n++) {
      const base = 4 * (n * C + c) * inner;
      // One pass: sum dout (f64) and sum dout * xhat (f32 products, f64 sums).
      let s0 = f64x2.splat(0);
      let s1 = f64x2.splat(0);
      let p0 = f64x2.splat(0);
      let p1 = f64x2.splat(0);
      let k = 0;
      for (; k + 4 <= inner; k += 4) {
        const g = v128.load(dout + base + 4 * k);
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + base + 4 * k), mv), rv);
        const p = f32x4.mul(g, xhat);
        s0 = f64x2.add(s0, lowPair(g));
        s1 = f64x2.add(s1, highPair(g));
        p0 = f64x2.add(p0, lowPair(p));
        p1 = f64x2.add(p1, highPair(p));
      }
      const s = f64x2.add(s0, s1);
      const q = f64x2.add(p0, p1);
      sumDout += f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
      sumDoutXhat += f64x2.extract_lane(q, 0) + f64x2.extract_lane(q, 1);
      for (; k < inner; k++) {
        const g = load<f32>(dout + base + 4 * k);
        sumDout += <f64>g;
        sumDoutXhat += <f64>(g * ((load<f32>(inp + base + 4 * k) - m) * r));
      }
    }
    if (dbias != 0) store<f32>(dbias + 4 * c, <f32>(<f64>load<f32>(dbias + 4 * c) + sumDout));
    if (dweight != 0) store<f32>(dweight + 4 * c, <f32>(<f64>load<f32>(dweight + 4 * c) + sumDoutXhat));
    if (dinp == 0) continue;
    const scale: f32 = (weight == 0 ? 1 : load<f32>(weight + 4 * c)) * r;
    const meanDout: f32 = training ? <f32>(sumDout / M) : 0;
    const meanDoutXhat: f32 = training ? <f32>(sumDoutXhat / M) : 0;
    const sv = f32x4.splat(scale);
    const mdv = f32x4.splat(meanDout);
    const mxv = f32x4.splat(meanDoutXhat);
    for (let n = 0; n < N; n++) {
      const base = 4 * (n * C + c) * inner;
      let k = 0;
      for (; k + 4 <= inner; k += 4) {
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + base + 4 * k), mv), rv);
        const g = f32x4.sub(f32x4.sub(v128.load(dout + base + 4 * k), mdv), f32x4.mul(xhat, mxv));
        const d = f32x4.mul(sv, g);
        v128.store(dinp + base + 4 * k, zeroed ? d : f32x4.add(v128.load(dinp + base + 4 * k), d));
      }
      for (; k < inner; k++) {
        const xhat = (load<f32>(inp + base + 4 * k) - m) * r;
        const g = load<f32>(dout + base + 4 * k) - meanDout - xhat * meanDoutXhat;
        store<f32>(dinp + base + 4 * k, (zeroed ? 0 : load<f32>(dinp + base + 4 * k)) + scale * g);
      }
    }
  }
}
