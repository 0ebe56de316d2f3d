// Where each output position of F.interpolate reads, per spatial dim, as PyTorch 1.13 computes it
// (ATen/native/UpSample.h, cpu/UpSampleKernel.cpp): input indices and weights ("taps") for the
// kernels in backends/ref/interpolate.ts. Coordinates are float32 arithmetic as in PyTorch (`f32`),
// so a nearest index that falls exactly on a rounding boundary lands where PyTorch's does.
//
// `scale` is the user's scale factor for this dim when PyTorch passes it to the kernel (scaleFactor
// given and recomputeScaleFactor not set), else undefined: the kernel then uses inSize / outSize.

import type { Taps } from "../backends/ref/interpolate";

const f32 = Math.fround;

/** The kernel's input-per-output step (area_pixel_compute_scale). */
function pixelScale(inSize: number, outSize: number, alignCorners: boolean, scale?: number): number {
  if (alignCorners) return outSize > 1 ? f32(f32(inSize - 1) / (outSize - 1)) : 0;
  return scale !== undefined && scale > 0 ? f32(1 / scale) : f32(f32(inSize) / outSize);
}

/** The real input coordinate of output o (area_pixel_compute_source_index). */
function sourceCoordinate(s: number, o: number, alignCorners: boolean, cubic: boolean): number {
  if (alignCorners) return f32(s * o);
  const src = f32(s * (o + 0.5) - 0.5);
  return !cubic && src < 0 ? 0 : src;
}

function table(O: number, T: number): { T: number; index: Int32Array; weight: Float32Array } {
  return { T, index: new Int32Array(O * T), weight: new Float32Array(O * T) };
}

/**
 * 'nearest': floor(o * scale); 'nearest-exact': floor((o + 0.5) * scale), clamped to the input.
 * NOTE: PyTorch 1.13's nearest backward treats outSize == inSize and outSize == 2 * inSize as exact
 * copies even when a scale factor says otherwise (forward does not), so its gradient disagrees
 * with its own forward there; these taps serve both, so the gradient is the forward's.
 */
export function nearestTaps(inSize: number, outSize: number, exact: boolean, scale?: number): Taps {
  const t = table(outSize, 1);
  const s = scale !== undefined && scale > 0 ? f32(1 / scale) : f32(f32(inSize) / outSize);
  for (let o = 0; o < outSize; o++) {
    const src = exact ? f32((o + 0.5) * s) : f32(o * s);
    t.index[o] = Math.min(Math.floor(src), inSize - 1);
    t.weight[o] = 1;
  }
  return t;
}

/** 'linear' (also each dim of bilinear and trilinear): two taps, clamped at the far border. */
export function linearTaps(inSize: number, outSize: number, alignCorners: boolean, scale?: number): Taps {
  const t = table(outSize, 2);
  const s = pixelScale(inSize, outSize, alignCorners, scale);
  for (let o = 0; o < outSize; o++) {
    let i0 = o;
    let lambda = 0;
    if (outSize !== inSize) {
      const src = sourceCoordinate(s, o, alignCorners, false);
      i0 = Math.min(Math.floor(src), inSize - 1);
      lambda = Math.min(Math.max(f32(src - i0), 0), 1);
    }
    t.index[2 * o] = i0;
    t.index[2 * o + 1] = i0 + (i0 < inSize - 1 ? 1 : 0);
    t.weight[2 * o] = f32(1 - lambda);
    t.weight[2 * o + 1] = lambda;
  }
  return t;
}

/** Keys' cubic convolution coefficients for the 4 taps around a point at fraction x (A = -0.75). */
function cubicCoefficients(x: number): [number, number, number, number] {
  const A = -0.75;
  const near = (v: number) => f32(f32(f32(f32(A + 2) * v - (A + 3)) * v) * v + 1);
  const far = (v: number) => f32(f32(f32(f32(A * v - 5 * A) * v + 8 * A) * v) - 4 * A);
  return [far(f32(x + 1)), near(x), near(f32(1 - x)), far(f32(2 - x))];
}

/** 'bicubic': four taps at floor(src) - 1 .. floor(src) + 2, clamped into the input. */
export function cubicTaps(inSize: number, outSize: number, alignCorners: boolean, scale?: number): Taps {
  const t = table(outSize, 4);
  const s = pixelScale(inSize, outSize, alignCorners, scale);
  for (let o = 0; o < outSize; o++) {
    const src = sourceCoordinate(s, o, alignCorners, true);
    const i = Math.floor(src);
    const w = cubicCoefficients(f32(src - i));
    for (let k = 0; k < 4; k++) {
      t.index[4 * o + k] = Math.max(Math.min(i - 1 + k, inSize - 1), 0);
      t.weight[4 * o + k] = w[k];
    }
  }
  return t;
}

/** 'area' (adaptive average pooling): the mean of input [floor(o I / O), ceil((o + 1) I / O)). */
export function areaTaps(inSize: number, outSize: number): Taps {
  const start = (o: number) => Math.floor((o * inSize) / outSize);
  const end = (o: number) => Math.ceil(((o + 1) * inSize) / outSize);
  let T = 1;
  for (let o = 0; o < outSize; o++) T = Math.max(T, end(o) - start(o));
  const t = table(outSize, T);
  for (let o = 0; o < outSize; o++) {
    const n = end(o) - start(o);
    for (let k = 0; k < n; k++) {
      t.index[o * T + k] = start(o) + k;
      t.weight[o * T + k] = f32(1 / n);
    }
  }
  return t;
}

/**
 * Antialiased 'bilinear' / 'bicubic' (antialias=True, PIL's resampling filters): when shrinking,
 * the filter widens by the scale so every input pixel contributes; weights are normalised to sum 1.
 */
export function antialiasTaps(
  inSize: number,
  outSize: number,
  cubic: boolean,
  alignCorners: boolean,
  scale?: number,
): Taps {
  const s = pixelScale(inSize, outSize, alignCorners, scale);
  const filter = cubic ? antialiasCubic : antialiasLinear;
  const half = cubic ? 2 : 1; // the filter's support at scale 1
  const support = s >= 1 ? f32(half * s) : half;
  const T = Math.ceil(support) * 2 + 1;
  const invscale = s >= 1 ? f32(1 / s) : 1;
  const t = table(outSize, T);
  for (let o = 0; o < outSize; o++) {
    const center = f32(s * (o + 0.5));
    const xmin = Math.max(Math.trunc(f32(center - support + 0.5)), 0);
    const xsize = Math.min(Math.trunc(f32(center + support + 0.5)), inSize) - xmin;
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const w = filter(f32(f32(j + xmin - center + 0.5) * invscale));
      t.weight[o * T + j] = w;
      total = f32(total + w);
    }
    for (let j = 0; j < xsize; j++) {
      t.index[o * T + j] = xmin + j;
      if (total !== 0) t.weight[o * T + j] = f32(t.weight[o * T + j] / total);
    }
  }
  return t;
}

function antialiasLinear(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? f32(1 - a) : 0;
}

function antialiasCubic(x: number): number {
  const a = -0.5;
  const v = Math.abs(x);
  if (v < 1) return f32(((a + 2) * v - (a + 3)) * v * v + 1);
  if (v < 2) return f32((((v - 5) * v + 8) * v - 4) * a);
  return 0;
}

/** The identity on a dim of size 1 (the unused dims of 1-D and 2-D interpolation). */
export function unitTaps(): Taps {
  return { T: 1, index: Int32Array.of(0), weight: Float32Array.of(1) };
}
