// Softmax, log-softmax and the negative log-likelihood gather (crossEntropy = nllLoss(logSoftmax)),
// forward and backward, exactly as backends/ref/softmax.ts and loss.ts. Softmax runs over the
// middle dim of a tensor viewed as (outer, D, inner). Arithmetic is f64 like ref's JS numbers
// (exp, log and the row sums), so results agree with ref to about the last f32 bit; these kernels
// are small next to the convolutions that feed them.

/** out (outer, D, inner) = softmax of inp along D (log-softmax when `log` is 1). */
function forward(out: usize, inp: usize, outer: i32, D: i32, inner: i32, log: bool): void {
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < inner; k++) {
      const base = o * D * inner + k;
      let mx: f64 = -Infinity;
      for (let d = 0; d < D; d++) mx = max(mx, f64(load<f32>(inp + 4 * (base + d * inner))));
      let sum: f64 = 0;
      if (log) {
        for (let d = 0; d < D; d++) sum += Math.exp(f64(load<f32>(inp + 4 * (base + d * inner))) - mx);
        const lse = mx + Math.log(sum);
        for (let d = 0; d < D; d++) {
          const i = 4 * (base + d * inner);
          store<f32>(out + i, f32(f64(load<f32>(inp + i)) - lse));
        }
      } else {
        for (let d = 0; d < D; d++) sum += Math.exp(f64(load<f32>(inp + 4 * (base + d * inner))) - mx);
        for (let d = 0; d < D; d++) {
          const i = 4 * (base + d * inner);
          // ref stores exp(x - max) as f32, then divides that stored value by the sum
          store<f32>(out + i, f32(f64(f32(Math.exp(f64(load<f32>(inp + i)) - mx))) / sum));
        }
      }
    }
}

export function softmaxForward(out: usize, inp: usize, outer: i32, D: i32, inner: i32): void {
  forward(out, inp, outer, D, inner, false);
}

export function logSoftmaxForward(out: usize, inp: usize, outer: i32, D: i32, inner: i32): void {
  forward(out, inp, outer, D, inner, true);
}

/** dinp (outer, D, inner) += out * (dout - sum_D(dout * out)), out being the forward's softmax. */
export function softmaxBackward(dinp: usize, dout: usize, out: usize, outer: i32, D: i32, inner: i32): void {
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < inner; k++) {
      const base = o * D * inner + k;
      let s: f64 = 0;
      for (let d = 0; d < D; d++) {
        const i = 4 * (base + d * inner);
        s += f64(load<f32>(dout + i)) * f64(load<f32>(out + i));
      }
      for (let d = 0; d < D; d++) {
        const i = 4 * (base + d * inner);
        const y = f64(load<f32>(out + i));
        store<f32>(dinp + i, f32(f64(load<f32>(dinp + i)) + y * (f64(load<f32>(dout + i)) - s)));
      }
    }
}

/** dinp (outer, D, inner) += dout - exp(out) * sum_D(dout), out being the forward's log-softmax. */
export function logSoftmaxBackward(dinp: usize, dout: usize, out: usize, outer: i32, D: i32, inner: i32): void {
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < inner; k++) {
      const base = o * D * inner + k;
      let s: f64 = 0;
      for (let d = 0; d < D; d++) s += f64(load<f32>(dout + 4 * (base + d * inner)));
      for (let d = 0; d < D; d++) {
        const i = 4 * (base + d * inner);
        const g = f64(load<f32>(dout + i)) - Math.exp(f64(load<f32>(out + i))) * s;
        store<f32>(dinp + i, f32(f64(load<f32>(dinp + i)) + g));
      }
    }
}

/**
 * losses (N, inner) = -weight[t] * inp[n, t, k] with t = target[n, k] (class indices stored as f32;
 * weight 0 = none), 0 where t == ignoreIndex. Returns the total weight of the items not ignored.
 */
export function nllLossForward(
  losses: usize,
  inp: usize,
  target: usize,
  weight: usize,
  N: i32,
  C: i32,
  inner: i32,
  ignoreIndex: f64,
): f64 {
  let total: f64 = 0;
  for (let n = 0; n < N; n++)
    for (let k = 0; k < inner; k++) {
      const i = n * inner + k;
      const tf = f64(load<f32>(target + 4 * i));
      if (tf == ignoreIndex) {
        store<f32>(losses + 4 * i, 0);
        continue;
      }
      const t = i32(tf);
      const w: f64 = weight == 0 ? 1 : f64(load<f32>(weight + 4 * t));
      store<f32>(losses + 4 * i, f32(-w * f64(load<f32>(inp + 4 * ((n * C + t) * inner + k)))));
      total += w;
    }
  return total;
}

/** dinp (N, C, inner) += -weight[t] * dlosses[n, k] at t = target[n, k] (nothing where ignored). */
export function nllLossBackward(
  dinp: usize,
  dlosses: usize,
  target: usize,
  weight: usize,
  N: i32,
  C: i32,
  inner: i32,
  ignoreIndex: f64,
): void {
  for (let n = 0; n < N; n++)
    for (let k = 0; k < inner; k++) {
      const i = n * inner + k;
      const tf = f64(load<f32>(target + 4 * i));
      if (tf == ignoreIndex) continue;
      const t = i32(tf);
      const w: f64 = weight == 0 ? 1 : f64(load<f32>(weight + 4 * t));
      const at = dinp + 4 * ((n * C + t) * inner + k);
      store<f32>(at, f32(f64(load<f32>(at)) + -w * f64(load<f32>(dlosses + 4 * i))));
    }
}
