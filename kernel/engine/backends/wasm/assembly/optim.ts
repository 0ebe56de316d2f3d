// Optimizer updates in place over one parameter tensor (p, grad and state buffers of n floats),
// exactly as backends/ref/optim.ts: f64 arithmetic like ref's JS numbers, with every stored value
// rounded to f32 where ref stores it (and read back rounded), so results are bit-identical.

/**
 * SGD with momentum buffer `buf` (0 = no momentum), dampening, Nesterov, weight decay; see ref.
 * Elementwise: threads run it on slices (p, grad, buf moved to the slice, n its length).
 * @threaded
 */
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
  let i = 0;
  // The usual case (a momentum buffer after the first step, no Nesterov) four floats at a time in
  // f64x2 pairs: the same IEEE operations in the same order, so still bit-identical to ref.
  if (buf != 0 && first == 0 && nesterov == 0)
    i = weightDecay != 0
      ? momentumLoop(true, p, grad, buf, n, lr, momentum, dampening, weightDecay, sign)
      : momentumLoop(false, p, grad, buf, n, lr, momentum, dampening, 0, sign);
  for (; i < n; i++) {
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

/** f32x4 as two f64x2: lanes 0-1 and lanes 2-3. */
// @ts-ignore: decorator
@inline function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}
/** Two f64x2 rounded to f32 and joined into one f32x4. */
// @ts-ignore: decorator
@inline function join(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/**
 * sgdUpdate's loop for buf != 0, not the first step, no Nesterov (`withDecay` a constant after
 * inlining); returns how many floats it did.
 */
// @ts-ignore: decorator
@inline function momentumLoop(
  withDecay: bool,
  p: usize,
  grad: usize,
  buf: usize,
  n: i32,
  lr: f64,
  momentum: f64,
  dampening: f64,
  weightDecay: f64,
  sign: f64,
): i32 {
  const vs = f64x2.splat(sign);
  const vwd = f64x2.splat(weightDecay);
  const vm = f64x2.splat(momentum);
  const vd = f64x2.splat(1 - dampening);
  const vlr = f64x2.splat(lr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const g4 = v128.load(grad + 4 * i);
    const p4 = v128.load(p + 4 * i);
    const b4 = v128.load(buf + 4 * i);
    let g0 = f64x2.mul(vs, low(g4));
    let g1 = f64x2.mul(vs, high(g4));
    if (withDecay) {
      g0 = f64x2.add(g0, f64x2.mul(vwd, low(p4)));
      g1 = f64x2.add(g1, f64x2.mul(vwd, high(p4)));
    }
    const nb = join(
      f64x2.add(f64x2.mul(vm, low(b4)), f64x2.mul(vd, g0)),
      f64x2.add(f64x2.mul(vm, high(b4)), f64x2.mul(vd, g1)),
    );
    v128.store(buf + 4 * i, nb);
    v128.store(p + 4 * i, join(f64x2.sub(low(p4), f64x2.mul(vlr, low(nb))), f64x2.sub(high(p4), f64x2.mul(vlr, high(nb)))));
  }
  return i;
}

/**
 * Adam / AdamW (decoupled = 1) with moments m, v and, for amsgrad, vmax (0 = none); stepSize is
 * lr / (1 - beta1^step) and bc2Sqrt is sqrt(1 - beta2^step), computed by the caller as ref does.
 * Elementwise: threads run it on slices, as sgdUpdate.
 * @threaded
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
