// Optimizer updates in place over one parameter tensor (p, grad and state buffers of n floats),
// exactly as backends/ref/optim.ts: f64 arithmetic like ref's JS numbers, with every stored value
// rounded to f32 where ref stores it (and read back rounded), so results are bit-identical.

/** SGD with momentum buffer `buf` (0 = no momentum), dampening, Nesterov, weight decay; see ref. */
export function sgdUpdate(
  p: usize,
  grad: usize,
  buf: usize,
  n: i32,
  lr: f64,
  momentum: f64,
  dampening: f64,
  weightDecay: f64,
  nesterov: i32,
  sign: f64,
  first: i32,
): void {
  for (let i = 0; i < n; i++) {
    const pi = p + 4 * i;
    let g = sign * f64(load<f32>(grad + 4 * i));
    if (weightDecay != 0) g += weightDecay * f64(load<f32>(pi));
    if (buf != 0) {
      const bi = buf + 4 * i;
      const b = f64(f32(first != 0 ? g : momentum * f64(load<f32>(bi)) + (1 - dampening) * g));
      store<f32>(bi, f32(b));
      g = nesterov != 0 ? g + momentum * b : b;
    }
    store<f32>(pi, f32(f64(load<f32>(pi)) - lr * g));
  }
}

/**
 * Adam / AdamW (decoupled = 1) with moments m, v and, for amsgrad, vmax (0 = none); stepSize is
 * lr / (1 - beta1^step) and bc2Sqrt is sqrt(1 - beta2^step), computed by the caller as ref does.
 */
export function adamUpdate(
  p: usize,
  grad: usize,
  m: usize,
  v: usize,
  vmax: usize,
  n: i32,
  lr: f64,
  beta1: f64,
  beta2: f64,
  eps: f64,
  weightDecay: f64,
  decoupled: i32,
  sign: f64,
  stepSize: f64,
  bc2Sqrt: f64,
): void {
  for (let i = 0; i < n; i++) {
    const pi = p + 4 * i;
    let g = sign * f64(load<f32>(grad + 4 * i));
    if (decoupled != 0) store<f32>(pi, f32(f64(load<f32>(pi)) * (1 - lr * weightDecay)));
    else if (weightDecay != 0) g += weightDecay * f64(load<f32>(pi));
    const mi = f64(f32(beta1 * f64(load<f32>(m + 4 * i)) + (1 - beta1) * g));
    store<f32>(m + 4 * i, f32(mi));
    const vi = f64(f32(beta2 * f64(load<f32>(v + 4 * i)) + (1 - beta2) * g * g));
    store<f32>(v + 4 * i, f32(vi));
    let second = vi;
    if (vmax != 0) {
      const at = vmax + 4 * i;
      if (vi > f64(load<f32>(at))) store<f32>(at, f32(vi));
      second = f64(load<f32>(at));
    }
    store<f32>(pi, f32(f64(load<f32>(pi)) - (stepSize * mi) / (Math.sqrt(second) / bc2Sqrt + eps)));
  }
}
