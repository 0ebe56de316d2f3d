// Batch normalisation over (N, C, inner) as backends/ref/norm.ts: per-channel statistics, forward
// and the fused backward. Sums run in f64 (f32x4 loads promoted to two f64x2), as ref's JS
// numbers do, so the statistics of large batches keep their precision; the elementwise parts run
// four f32 lanes at a time.

/** Sum of n floats at p, in f64. */
function sum64(p: usize, n: i32): f64 {
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(p + 4 * k);
    lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
    hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)));
  }
  let s = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; k < n; k++) s += <f64>load<f32>(p + 4 * k);
  return s;
}

/** Sum of (x - m)^2 over n floats at p, in f64. */
function sumSquaredDeviations(p: usize, n: i32, m: f64): f64 {
  const mv = f64x2.splat(m);
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const v = v128.load(p + 4 * k);
    const a = f64x2.sub(f64x2.promote_low_f32x4(v), mv);
    const b = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), mv);
    lo = f64x2.add(lo, f64x2.mul(a, a));
    hi = f64x2.add(hi, f64x2.mul(b, b));
  }
  let s = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
  for (; k < n; k++) {
    const d = <f64>load<f32>(p + 4 * k) - m;
    s += d * d;
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
  const M = <f64>N * inner;
  for (let c = 0; c < C; c++) {
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
  const M = <f64>N * inner;
  for (let c = 0; c < C; c++) {
    const m = load<f32>(mean + 4 * c);
    const r = load<f32>(rstd + 4 * c);
    const mv = f32x4.splat(m);
    const rv = f32x4.splat(r);
    let sumDout: f64 = 0;
    let sumDoutXhat: f64 = 0;
    for (let n = 0; n < N; n++) {
      const base = 4 * (n * C + c) * inner;
      sumDout += sum64(dout + base, inner);
      // sum dout * xhat: f32 products, f64 sums per group of four.
      let lo = f64x2.splat(0);
      let hi = f64x2.splat(0);
      let k = 0;
      for (; k + 4 <= inner; k += 4) {
        const xhat = f32x4.mul(f32x4.sub(v128.load(inp + base + 4 * k), mv), rv);
        const p = f32x4.mul(v128.load(dout + base + 4 * k), xhat);
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(p));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(v128.shuffle<f32>(p, p, 2, 3, 0, 1)));
      }
      sumDoutXhat += f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
      for (; k < inner; k++)
        sumDoutXhat += <f64>(load<f32>(dout + base + 4 * k) * ((load<f32>(inp + base + 4 * k) - m) * r));
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
        v128.store(dinp + base + 4 * k, f32x4.add(v128.load(dinp + base + 4 * k), f32x4.mul(sv, g)));
      }
      for (; k < inner; k++) {
        const xhat = (load<f32>(inp + base + 4 * k) - m) * r;
        const g = load<f32>(dout + base + 4 * k) - meanDout - xhat * meanDoutXhat;
        store<f32>(dinp + base + 4 * k, load<f32>(dinp + base + 4 * k) + scale * g);
      }
    }
  }
}
