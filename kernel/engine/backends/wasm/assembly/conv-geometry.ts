// The conv kernels' shared geometry: sizes come in a block of 15 i32 in memory (C, H, W, OC, KH,
// KW, OH, OW, sH, sW, pT, pL, dH, dW, G; backends/wasm/conv-geometry.ts writes it) plus one
// kernel-specific field, so calls stay short; and the zero-padded input planes most kernels copy
// an image into, so that every tap of every output is in bounds.

// Geometry block: i32 fields at these byte offsets.
export const C_ = 0;
export const H_ = 4;
export const W_ = 8;
export const OC_ = 12;
export const KH_ = 16;
export const KW_ = 20;
export const OH_ = 24;
export const OW_ = 28;
export const SH_ = 32;
export const SW_ = 36;
export const PT_ = 40;
export const PL_ = 44;
export const DH_ = 48;
export const DW_ = 52;
export const G_ = 56;
// Field 16, per kernel: conv2dForward: 1 to add into `out` (no bias); conv2dBackwardWeight: images
// per GEMM.
export const ADD_ = 60;
export const CHUNK_ = 60;

/** Zeroes n floats at p. */
// @ts-ignore: decorator
@inline export function zeroFloats(p: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(p + 4 * i, z);
  for (; i < n; i++) store<f32>(p + 4 * i, 0);
}

/**
 * Rows of the zero-padded planes packColumns reads: exactly the rows some output's taps reach.
 * @internal a helper of other assembly files, not a wasm export
 */
export function convPaddedHeight(geo: usize): i32 {
  return (load<i32>(geo, OH_) - 1) * load<i32>(geo, SH_) + (load<i32>(geo, KH_) - 1) * load<i32>(geo, DH_) + 1;
}

/**
 * Width of the zero-padded planes packColumns reads.
 * @internal a helper of other assembly files, not a wasm export
 */
export function convPaddedWidth(geo: usize): i32 {
  return (load<i32>(geo, OW_) - 1) * load<i32>(geo, SW_) + (load<i32>(geo, KW_) - 1) * load<i32>(geo, DW_) + 1;
}

/**
 * padded (CG, PH, PW)[c][y][x] = inp (CG, H, W)[c][y - pT][x - pL], zero outside the input.
 * @internal a helper of other assembly files, not a wasm export
 */
export function padPlanes(padded: usize, inp: usize, geo: usize, CG: i32): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const PH = convPaddedHeight(geo);
  const PW = convPaddedWidth(geo);
  for (let c = 0; c < CG; c++) padPlane(padded + 4 * c * PH * PW, inp + 4 * c * H * W, geo, PH, PW);
}

/**
 * padded (PH, PW)[y][x] = plane (H, W)[y - pT][x - pL], zero outside the input: one plane into a
 * zero-padded plane of any size (kernels that read 4-wide past the last output use wider ones).
 * @internal a helper of other assembly files, not a wasm export
 */
export function padPlane(padded: usize, plane: usize, geo: usize, PH: i32, PW: i32): void {
  const H = load<i32>(geo, H_);
  const W = load<i32>(geo, W_);
  const pT = load<i32>(geo, PT_);
  const pL = load<i32>(geo, PL_);
  const x0 = min(PW, max(0, pL)); // first x inside the input
  const x1 = max(x0, min(PW, W + pL)); // one past the last
  for (let y = 0; y < PH; y++) {
    const row = padded + 4 * y * PW;
    const iy = y - pT;
    if (iy < 0 || iy >= H) {
      zeroFloats(row, PW);
      continue;
    }
    zeroFloats(row, x0);
    const src = plane + 4 * (iy * W - pL);
    let x = x0;
    for (; x + 4 <= x1; x += 4) v128.store(row + 4 * x, v128.load(src + 4 * x));
    for (; x < x1; x++) store<f32>(row + 4 * x, load<f32>(src + 4 * x));
    zeroFloats(row + 4 * x1, PW - x1);
  }
}
