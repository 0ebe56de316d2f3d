// Max pooling over NCHW planes with argmax indices, forward and backward, exactly as
// backends/ref/pool.ts: padding acts as -inf, the first maximum wins ties, NaN propagates, and an
// index is the flat position h * W + w in the input plane (stored as f32, like ref).

// Geometry block: i32 fields at these byte offsets.
const H_ = 0;
const W_ = 4;
const OH_ = 8;
const OW_ = 12;
const KH_ = 16;
const KW_ = 20;
const SH_ = 24;
const SW_ = 28;
const PH_ = 32;
const PW_ = 36;
const DH_ = 40;
const DW_ = 44;

/** Planes [p0, p1) of out, indices (N*C, OH, OW) = max over the windows of inp (N*C, H, W). */
export function maxPool2dForward(p0: i32, p1: i32, geo: usize, out: usize, indices: usize, inp: usize): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const OH = load<i32>(geo, OH_);
  const OW = load<i32>(geo, OW_);
  const KH = load<i32>(geo, KH_);
  const KW = load<i32>(geo, KW_);
  const sH = load<i32>(geo, SH_);
  const sW = load<i32>(geo, SW_);
  const pH = load<i32>(geo, PH_);
  const pW = load<i32>(geo, PW_);
  const dH = load<i32>(geo, DH_);
  const dW = load<i32>(geo, DW_);
  for (let p = p0; p < p1; p++) {
    const plane = inp + 4 * p * H * W;
    const o = 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++) {
      let h0 = oh * sH - pH;
      const h1 = min(h0 + (KH - 1) * dH + 1, H);
      while (h0 < 0) h0 += dH;
      for (let ow = 0; ow < OW; ow++) {
        let w0 = ow * sW - pW;
        const w1 = min(w0 + (KW - 1) * dW + 1, W);
        while (w0 < 0) w0 += dW;
        let best = -Infinity as f32;
        let bestI = h0 * W + w0;
        for (let h = h0; h < h1; h += dH)
          for (let w = w0; w < w1; w += dW) {
            // Branch-free: with random data, "is it bigger" mispredicts half the time.
            const v = load<f32>(plane + 4 * (h * W + w));
            const wins = v > best || v != v;
            best = select<f32>(v, best, wins);
            bestI = select<i32>(h * W + w, bestI, wins);
          }
        const at = o + 4 * (oh * OW + ow);
        store<f32>(out + at, best);
        store<f32>(indices + at, <f32>bestI);
      }
    }
  }
}

/** dinp (N*C, H, W) += dout (N*C, OH, OW) routed to each output's argmax; out-of-plane indices skip. */
export function maxPool2dBackward(dinp: usize, dout: usize, indices: usize, planes: i32, HW: i32, OHW: i32): void {
  for (let p = 0; p < planes; p++) {
    const d = dinp + 4 * p * HW;
    const g = dout + 4 * p * OHW;
    const ix = indices + 4 * p * OHW;
    for (let j = 0; j < OHW; j++) {
      const idx = <i32>load<f32>(ix + 4 * j);
      if (idx >= 0 && idx < HW) store<f32>(d + 4 * idx, load<f32>(d + 4 * idx) + load<f32>(g + 4 * j));
    }
  }
}
