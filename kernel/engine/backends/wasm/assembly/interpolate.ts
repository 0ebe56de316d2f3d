// F.interpolate's 2-D fast paths over NCHW planes, as backends/ref/interpolate-2d.ts: 'nearest'
// (one source row and column per output) and 'bilinear' (two taps per dim, separable: each input
// row along W first, in f32 as PyTorch's float arithmetic, then those rows along H, 4 outputs at a
// time; plain mul and add, so both SIMD variants give the same bits). Each call takes planes
// [p0, p1) of N * C, so threads split planes and never share an output.
// Tables (the wrapper's, ../interpolate.ts): `idx` i32 [H, W, OH, OW, row indices, column
// indices]; `wts` f32 [row weights, column weights]; bilinear has two of each per output (tap 0's
// array, then tap 1's).

/**
 * Planes [p0, p1): out (P, OH, OW) = inp (P, H, W) at rows ih[oh], columns iw[ow] (idx: H, W, OH,
 * OW, ih (OH), iw (OW)); an output row from the same input row as the one before is copied.
 * @threaded
 */
export function interpolateNearestForward(p0: i32, p1: i32, idx: usize, out: usize, inp: usize): void {
  const H = load<i32>(idx);
  const W = load<i32>(idx, 4);
  const OH = load<i32>(idx, 8);
  const OW = load<i32>(idx, 12);
  const ih = idx + 16;
  const iw = ih + 4 * OH;
  for (let p = p0; p < p1; p++) {
    const plane = inp + 4 * p * H * W;
    let o = out + 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++, o += 4 * OW) {
      const h = load<i32>(ih + 4 * oh);
      if (oh > 0 && h == load<i32>(ih + 4 * (oh - 1))) {
        memory.copy(o, o - 4 * OW, 4 * OW);
        continue;
      }
      const row = plane + 4 * h * W;
      for (let ow = 0; ow < OW; ow++) store<f32>(o + 4 * ow, load<f32>(row + 4 * load<i32>(iw + 4 * ow)));
    }
  }
}

/**
 * Planes [p0, p1): dinp (P, H, W) += each dout (P, OH, OW) at its source row and column (idx as
 * interpolateNearestForward's).
 * @threaded
 */
export function interpolateNearestBackward(p0: i32, p1: i32, idx: usize, dinp: usize, dout: usize): void {
  const H = load<i32>(idx);
  const W = load<i32>(idx, 4);
  const OH = load<i32>(idx, 8);
  const OW = load<i32>(idx, 12);
  const ih = idx + 16;
  const iw = ih + 4 * OH;
  for (let p = p0; p < p1; p++) {
    const plane = dinp + 4 * p * H * W;
    let o = dout + 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++, o += 4 * OW) {
      const row = plane + 4 * load<i32>(ih + 4 * oh) * W;
      for (let ow = 0; ow < OW; ow++) {
        const d = row + 4 * load<i32>(iw + 4 * ow);
        store<f32>(d, load<f32>(d) + load<f32>(o + 4 * ow));
      }
    }
  }
}

/**
 * Planes [p0, p1): out (P, OH, OW) = bilinear interpolation of inp (P, H, W) (idx: H, W, OH, OW,
 * h0, h1 (OH), w0, w1 (OW); wts: wh0, wh1 (OH), ww0, ww1 (OW)); `rows` is this call's scratch of
 * H * OW floats (the plane's rows interpolated along W).
 * @threaded
 */
export function interpolateLinearForward(
  p0: i32,
  p1: i32,
  idx: usize,
  wts: usize,
  out: usize,
  inp: usize,
  rows: usize,
): void {
  const H = load<i32>(idx);
  const W = load<i32>(idx, 4);
  const OH = load<i32>(idx, 8);
  const OW = load<i32>(idx, 12);
  const h0 = idx + 16;
  const h1 = h0 + 4 * OH;
  const w0 = h1 + 4 * OH;
  const w1 = w0 + 4 * OW;
  const wh0 = wts;
  const wh1 = wh0 + 4 * OH;
  const ww0 = wh1 + 4 * OH;
  const ww1 = ww0 + 4 * OW;
  for (let p = p0; p < p1; p++) {
    const plane = inp + 4 * p * H * W;
    for (let r = 0; r < H; r++) {
      const src = plane + 4 * r * W;
      const dst = rows + 4 * r * OW;
      for (let ow = 0; ow < OW; ow++) {
        const a = load<f32>(src + 4 * load<i32>(w0 + 4 * ow)) * load<f32>(ww0 + 4 * ow);
        const b = load<f32>(src + 4 * load<i32>(w1 + 4 * ow)) * load<f32>(ww1 + 4 * ow);
        store<f32>(dst + 4 * ow, a + b);
      }
    }
    let o = out + 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++, o += 4 * OW) {
      const r0 = rows + 4 * load<i32>(h0 + 4 * oh) * OW;
      const r1 = rows + 4 * load<i32>(h1 + 4 * oh) * OW;
      const a = load<f32>(wh0 + 4 * oh);
      const b = load<f32>(wh1 + 4 * oh);
      const va = f32x4.splat(a);
      const vb = f32x4.splat(b);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4)
        v128.store(
          o + 4 * ow,
          f32x4.add(f32x4.mul(v128.load(r0 + 4 * ow), va), f32x4.mul(v128.load(r1 + 4 * ow), vb)),
        );
      for (; ow < OW; ow++) store<f32>(o + 4 * ow, load<f32>(r0 + 4 * ow) * a + load<f32>(r1 + 4 * ow) * b);
    }
  }
}

/**
 * Planes [p0, p1): dinp (P, H, W) += the adjoint of interpolateLinearForward applied to dout
 * (P, OH, OW): dout summed along H into `rows` (this call's scratch of H * OW floats), then added
 * into dinp along W.
 * @threaded
 */
export function interpolateLinearBackward(
  p0: i32,
  p1: i32,
  idx: usize,
  wts: usize,
  dinp: usize,
  dout: usize,
  rows: usize,
): void {
  const H = load<i32>(idx);
  const W = load<i32>(idx, 4);
  const OH = load<i32>(idx, 8);
  const OW = load<i32>(idx, 12);
  const h0 = idx + 16;
  const h1 = h0 + 4 * OH;
  const w0 = h1 + 4 * OH;
  const w1 = w0 + 4 * OW;
  const wh0 = wts;
  const wh1 = wh0 + 4 * OH;
  const ww0 = wh1 + 4 * OH;
  const ww1 = ww0 + 4 * OW;
  for (let p = p0; p < p1; p++) {
    memory.fill(rows, 0, 4 * H * OW);
    let o = dout + 4 * p * OH * OW;
    for (let oh = 0; oh < OH; oh++, o += 4 * OW) {
      const r0 = rows + 4 * load<i32>(h0 + 4 * oh) * OW;
      const r1 = rows + 4 * load<i32>(h1 + 4 * oh) * OW;
      const a = load<f32>(wh0 + 4 * oh);
      const b = load<f32>(wh1 + 4 * oh);
      const va = f32x4.splat(a);
      const vb = f32x4.splat(b);
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4) {
        const d = v128.load(o + 4 * ow);
        v128.store(r0 + 4 * ow, f32x4.add(v128.load(r0 + 4 * ow), f32x4.mul(va, d)));
        v128.store(r1 + 4 * ow, f32x4.add(v128.load(r1 + 4 * ow), f32x4.mul(vb, d)));
      }
      for (; ow < OW; ow++) {
        const d = load<f32>(o + 4 * ow);
        store<f32>(r0 + 4 * ow, load<f32>(r0 + 4 * ow) + a * d);
        store<f32>(r1 + 4 * ow, load<f32>(r1 + 4 * ow) + b * d);
      }
    }
    const plane = dinp + 4 * p * H * W;
    for (let r = 0; r < H; r++) {
      const src = rows + 4 * r * OW;
      const dst = plane + 4 * r * W;
      for (let ow = 0; ow < OW; ow++) {
        const d = load<f32>(src + 4 * ow);
        const x0 = dst + 4 * load<i32>(w0 + 4 * ow);
        store<f32>(x0, load<f32>(x0) + load<f32>(ww0 + 4 * ow) * d);
        const x1 = dst + 4 * load<i32>(w1 + 4 * ow);
        store<f32>(x1, load<f32>(x1) + load<f32>(ww1 + 4 * ow) * d);
      }
    }
  }
}
