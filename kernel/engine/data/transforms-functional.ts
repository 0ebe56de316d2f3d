// The deterministic image operations behind the random augmentations (torchvision.transforms.
// functional): rotate, affine, gaussianBlur, adjustBrightness / Contrast / Saturation / Hue,
// erase and resizedCrop, with every parameter given. `transforms.functional.rotate(img, 30)` is
// `torchvision.transforms.functional.rotate(img, 30)` on a tensor, numbers included.
//
// Images are a float Tensor (C, H, W) or (H, W), or a RawImage (bytes, turned into [0, 1] floats,
// transformed, and rounded back to bytes); each op returns the kind it was given.
//
// NOTE: rotate and affine follow torchvision's tensor path exactly: the inverse affine matrix
// about the image centre, a sampling grid normalised as F.grid_sample(alignCorners: false) reads
// it, in float32 (`f` = Math.fround), zeros outside the image. With `fill` given (the random
// transforms always give it, default 0) a channel of ones is sampled beside the image and outside
// pixels blend towards `fill` by it, as torchvision does: with bilinear sampling the border pixels
// are weighted by that mask once more.

import { check, fmtShape } from "../errors";
import { interpolate } from "../ops/interpolate";
import { Tensor } from "../tensor/tensor";
import type { RawImage } from "./transforms";

const f = Math.fround;

/** Sampling of rotate / affine (torchvision's InterpolationMode, as the strings it holds). */
export type GridInterpolation = "nearest" | "bilinear";

/** An image as float planes (C, H, W) and a way back to the kind it came as. */
export interface Planes {
  C: number;
  H: number;
  W: number;
  /** (C, H, W) */
  v: Float32Array;
  /** The same kind of image (Tensor or RawImage) from planes (C, H, W) of size H x W. */
  back(v: Float32Array, H: number, W: number): any;
}

function isRaw(x: unknown): x is RawImage {
  return x !== null && typeof x === "object" && (x as RawImage).data instanceof Uint8Array && "height" in x;
}

/** The image as float planes; `channels` lists the channel counts the op accepts. */
export function imagePlanes(op: string, img: unknown, channels?: readonly number[]): Planes {
  let p: Planes;
  if (img instanceof Tensor) {
    check(
      img.ndim === 2 || img.ndim === 3,
      op,
      () =>
        `expects an image tensor (C, H, W) or (H, W), got shape ${fmtShape(img.shape)}` +
        (img.ndim === 4 ? ". Fix: transform one image at a time (a dataset transform gets one)" : ""),
    );
    const [C, H, W] = img.ndim === 3 ? img.shape : [1, ...img.shape];
    const flat = img.ndim === 2;
    const v = Float32Array.from(img.float().contiguous().storage.subarray(0, img.numel));
    p = { C, H, W, v, back: (out, h, w) => new Tensor(out, flat ? [h, w] : [C, h, w]) };
  } else {
    check(isRaw(img), op, () => `expects an image (a Tensor (C, H, W) or a RawImage), got ${typeof img}`);
    const { data, height: H, width: W, channels: C } = img;
    const v = new Float32Array(C * H * W); // (C, H, W) from (H, W, C) bytes
    for (let c = 0; c < C; c++) for (let i = 0; i < H * W; i++) v[c * H * W + i] = data[i * C + c] / 255;
    p = {
      C,
      H,
      W,
      v,
      back: (out, h, w) => {
        const data = new Uint8Array(h * w * C);
        for (let c = 0; c < C; c++)
          for (let i = 0; i < h * w; i++)
            data[i * C + c] = Math.min(255, Math.max(0, Math.round(out[c * h * w + i] * 255)));
        return { data, height: h, width: w, channels: C } satisfies RawImage;
      },
    };
  }
  const { C } = p;
  if (channels)
    check(
      channels.includes(C),
      op,
      () => `expects an image with ${channels.join(" or ")} channels, got ${C}`,
    );
  return p;
}

/** fill as one value per channel (undefined stays undefined: torchvision's fill=None). */
function fillPerChannel(
  op: string,
  fill: number | readonly number[] | undefined,
  C: number,
): number[] | undefined {
  if (fill === undefined) return undefined;
  const list = typeof fill === "number" ? Array(C).fill(fill) : [...fill];
  check(
    list.length === C || list.length === 1,
    op,
    () => `fill must be a number or one value per channel (${C}), got ${JSON.stringify(fill)}`,
  );
  return list.length === 1 ? Array(C).fill(list[0]) : list;
}

/** Python's round (halves to even), as torchvision's int(round(x)). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C's nearbyint: the nearest whole number, halves to even (grid_sample's nearest mode). */
const nearbyint = roundHalfEven;

/**
 * torchvision's _get_inverse_affine_matrix: the 2x3 matrix taking output pixel positions
 * (about the centre) to input ones, for a rotation by `angle` degrees (clockwise), `translate`
 * [tx, ty], `scale` and `shear` [sx, sy] degrees, about `center`.
 */
export function inverseAffineMatrix(
  center: readonly number[],
  angle: number,
  translate: readonly number[],
  scale: number,
  shear: readonly number[],
): number[] {
  const rad = Math.PI / 180;
  const [rot, sx, sy] = [angle * rad, shear[0] * rad, shear[1] * rad];
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((x) => x / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/** torchvision's _compute_affine_output_size: the [OW, OH] that holds the whole rotated image. */
function expandedSize(m: readonly number[], W: number, H: number): [number, number] {
  const t = m.map(f);
  const pts = [
    [-0.5 * W, -0.5 * H],
    [-0.5 * W, 0.5 * H],
    [0.5 * W, 0.5 * H],
    [0.5 * W, -0.5 * H],
  ];
  const size = [0, 1].map((k) => {
    const [shift, at] = [
      k === 0 ? W * 0.5 : H * 0.5,
      (p: number[]) => f(f(f(p[0] * t[3 * k]) + f(p[1] * t[3 * k + 1])) + t[3 * k + 2]),
    ];
    const vals = pts.map(at);
    const tol = 1e-4;
    const hi = Math.ceil(f(Math.trunc(f(f(Math.max(...vals) + shift) / tol)) * tol));
    const lo = Math.floor(f(Math.trunc(f(f(Math.min(...vals) + shift) / tol)) * tol));
    return hi - lo;
  });
  return [size[0], size[1]];
}

/**
 * Samples planes (C, H, W) at the positions matrix m gives for each output pixel of an OH x OW
 * image (torchvision's _gen_affine_grid + _apply_grid_transform) -> (C, OH, OW).
 */
function gridTransform(
  p: Planes,
  m: readonly number[],
  OH: number,
  OW: number,
  mode: GridInterpolation,
  fill: number[] | undefined,
): Float32Array {
  const { C, H, W, v } = p;
  const [hw, hh] = [f(0.5 * W), f(0.5 * H)];
  const tx = [f(f(m[0]) / hw), f(f(m[1]) / hw), f(f(m[2]) / hw)];
  const ty = [f(f(m[3]) / hh), f(f(m[4]) / hh), f(f(m[5]) / hh)];
  const out = new Float32Array(C * OH * OW); // (C, OH, OW)
  // Up to four taps of one output pixel: flat positions in a plane (-1 outside: read nothing) and weights.
  const at = new Int32Array(4);
  const wt = new Float64Array(4);
  const tap = (k: number, x: number, y: number, w: number) => {
    const ok = x >= 0 && x < W && y >= 0 && y < H;
    at[k] = ok ? y * W + x : -1;
    wt[k] = ok ? w : 0;
  };
  const plane = H * W;
  for (let oy = 0; oy < OH; oy++) {
    const by = f(-OH * 0.5 + 0.5 + oy);
    for (let ox = 0; ox < OW; ox++) {
      const bx = f(-OW * 0.5 + 0.5 + ox);
      const gx = f(f(f(bx * tx[0]) + f(by * tx[1])) + tx[2]);
      const gy = f(f(f(bx * ty[0]) + f(by * ty[1])) + ty[2]);
      // grid_sample's unnormalize (alignCorners false): ((g + 1) * size - 1) / 2
      const ix = f(f(f(f(gx + 1) * W) - 1) / 2);
      const iy = f(f(f(f(gy + 1) * H) - 1) / 2);
      if (mode === "nearest") {
        tap(0, nearbyint(ix), nearbyint(iy), 1);
        for (let k = 1; k < 4; k++) tap(k, -1, -1, 0);
      } else {
        const x0 = Math.floor(ix);
        const y0 = Math.floor(iy);
        const dx = f(ix - x0);
        const dy = f(iy - y0);
        tap(0, x0, y0, f(f(1 - dx) * f(1 - dy)));
        tap(1, x0 + 1, y0, f(dx * f(1 - dy)));
        tap(2, x0, y0 + 1, f(f(1 - dx) * dy));
        tap(3, x0 + 1, y0 + 1, f(dx * dy));
      }
      const inside = wt[0] + wt[1] + wt[2] + wt[3]; // the sampled channel of ones
      for (let c = 0; c < C; c++) {
        const o = c * plane;
        let s = 0;
        for (let k = 0; k < 4; k++) if (at[k] >= 0) s += wt[k] * v[o + at[k]];
        if (fill !== undefined) {
          if (mode === "nearest") s = inside < 0.5 ? fill[c] : s;
          else s = s * inside + (1 - inside) * fill[c];
        }
        out[(c * OH + oy) * OW + ox] = s;
      }
    }
  }
  return out;
}

function checkInterpolation(op: string, mode: unknown): asserts mode is GridInterpolation {
  check(
    mode === "nearest" || mode === "bilinear",
    op,
    () => `interpolation must be "nearest" or "bilinear", got ${JSON.stringify(mode)}`,
  );
}

/** The centre option in torchvision's terms: pixels from the top-left corner -> offsets from the image centre. */
function centreOffset(op: string, center: readonly number[] | undefined, W: number, H: number): number[] {
  if (center === undefined) return [0, 0];
  check(
    center.length === 2 && center.every(Number.isFinite),
    op,
    () => `center must be [x, y] in pixels from the top-left corner, got ${JSON.stringify(center)}`,
  );
  return [center[0] - W * 0.5, center[1] - H * 0.5];
}

export interface RotateOptions {
  /** Default "nearest". */
  interpolation?: GridInterpolation;
  /** Make the output large enough for the whole rotated image. Default false. */
  expand?: boolean;
  /** [x, y] in pixels from the top-left corner. Default the image centre. */
  center?: readonly number[];
  /** Value of pixels from outside the image: a number or one per channel. Default none (zeros). */
  fill?: number | readonly number[];
}

/** Rotates by `angle` degrees counter-clockwise (torchvision.transforms.functional.rotate). */
export function rotate(img: unknown, angle: number, options: RotateOptions = {}): any {
  const op = "rotate";
  const { interpolation = "nearest", expand = false, center, fill } = options;
  check(Number.isFinite(angle), op, () => `angle must be a number of degrees, got ${String(angle)}`);
  checkInterpolation(op, interpolation);
  const p = imagePlanes(op, img);
  const m = inverseAffineMatrix(centreOffset(op, center, p.W, p.H), -angle, [0, 0], 1, [0, 0]);
  const [OW, OH] = expand ? expandedSize(m, p.W, p.H) : [p.W, p.H];
  return p.back(gridTransform(p, m, OH, OW, interpolation, fillPerChannel(op, fill, p.C)), OH, OW);
}

export interface AffineOptions {
  /** Default "nearest". */
  interpolation?: GridInterpolation;
  /** Value of pixels from outside the image: a number or one per channel. Default none (zeros). */
  fill?: number | readonly number[];
  /** [x, y] in pixels from the top-left corner. Default the image centre. */
  center?: readonly number[];
}

/**
 * Rotates by `angle` degrees (clockwise), moves by `translate` [tx, ty] pixels, scales by `scale`
 * and shears by `shear` degrees (a number: along x; [sx, sy]) about the centre
 * (torchvision.transforms.functional.affine).
 */
export function affine(
  img: unknown,
  angle: number,
  translate: readonly number[],
  scale: number,
  shear: number | readonly number[],
  options: AffineOptions = {},
): any {
  const op = "affine";
  const { interpolation = "nearest", fill, center } = options;
  check(Number.isFinite(angle), op, () => `angle must be a number of degrees, got ${String(angle)}`);
  check(
    Array.isArray(translate) && translate.length === 2 && translate.every(Number.isFinite),
    op,
    () => `translate must be [tx, ty] in pixels, got ${JSON.stringify(translate)}`,
  );
  check(scale > 0, op, () => `scale must be positive, got ${scale}`);
  const sh = typeof shear === "number" ? [shear, 0] : shear.length === 1 ? [shear[0], shear[0]] : [...shear];
  check(
    sh.length === 2 && sh.every(Number.isFinite),
    op,
    () => `shear must be a number or [sx, sy] in degrees, got ${JSON.stringify(shear)}`,
  );
  checkInterpolation(op, interpolation);
  const p = imagePlanes(op, img);
  const m = inverseAffineMatrix(centreOffset(op, center, p.W, p.H), angle, translate, scale, sh);
  return p.back(gridTransform(p, m, p.H, p.W, interpolation, fillPerChannel(op, fill, p.C)), p.H, p.W);
}

/** torchvision's _get_gaussian_kernel1d in float32: exp(-x^2 / (2 sigma^2)) over `size` taps, summing to 1. */
function gaussianKernel1d(size: number, sigma: number): Float32Array {
  const half = (size - 1) * 0.5;
  const pdf = Float32Array.from({ length: size }, (_, i) => {
    const x = size === 1 ? -half : f(-half + (2 * half * i) / (size - 1));
    return f(Math.exp(f(-0.5 * f(f(x / sigma) ** 2))));
  });
  const sum = pdf.reduce((s, v) => f(s + v), 0);
  return pdf.map((v) => f(v / sum));
}

/**
 * Blurs with a Gaussian kernel of kernelSize (odd, a number or [kx, ky]) and sigma (a number or
 * [sx, sy]; default 0.15 * k + 0.35, as torchvision), reflecting at the borders.
 */
export function gaussianBlur(
  img: unknown,
  kernelSize: number | readonly number[],
  sigma?: number | readonly number[],
): any {
  const op = "gaussianBlur";
  const [kx, ky] = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
  check(
    [kx, ky].every((k) => Number.isInteger(k) && k > 0 && k % 2 === 1),
    op,
    () => `kernelSize must be a positive odd number or [kx, ky] of them, got ${JSON.stringify(kernelSize)}`,
  );
  const [sx, sy] =
    sigma === undefined
      ? [kx, ky].map((k) => k * 0.15 + 0.35)
      : typeof sigma === "number"
        ? [sigma, sigma]
        : sigma.length === 1
          ? [sigma[0], sigma[0]]
          : sigma;
  check(
    [sx, sy].every((s) => s > 0),
    op,
    () => `sigma must be positive (a number or [sx, sy]), got ${JSON.stringify(sigma)}`,
  );
  const p = imagePlanes(op, img);
  const { C, H, W, v } = p;
  const [px, py] = [(kx - 1) / 2, (ky - 1) / 2];
  check(
    px < W && py < H,
    op,
    () =>
      `kernelSize [${kx}, ${ky}] needs an image larger than [${py}, ${px}] to reflect at its borders, got [${H}, ${W}]`,
  );
  const gx = gaussianKernel1d(kx, sx);
  const gy = gaussianKernel1d(ky, sy);
  const reflect = (i: number, n: number) => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const k2 = Float32Array.from({ length: ky * kx }, (_, k) => gy[Math.floor(k / kx)] * gx[k % kx]); // (ky, kx)
  const out = new Float32Array(C * H * W); // (C, H, W)
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        let s = 0;
        for (let i = 0; i < ky; i++) {
          const row = c * H * W + reflect(y + i - py, H) * W;
          for (let j = 0; j < kx; j++) s += k2[i * kx + j] * v[row + reflect(x + j - px, W)];
        }
        out[(c * H + y) * W + x] = s;
      }
  return p.back(out, H, W);
}

/** ratio * a + (1 - ratio) * b, clamped to [0, 1] (torchvision's _blend for float images). */
function blend(a: Float32Array, b: (i: number) => number, ratio: number): Float32Array {
  return a.map((x, i) => Math.min(1, Math.max(0, ratio * x + (1 - ratio) * b(i))));
}

/** The grey value 0.2989 R + 0.587 G + 0.114 B of each pixel of RGB planes (3, H, W) -> (H * W). */
function grey(v: Float32Array, HW: number): Float32Array {
  return Float32Array.from(
    { length: HW },
    (_, i) => 0.2989 * v[i] + 0.587 * v[HW + i] + 0.114 * v[2 * HW + i],
  );
}

function checkFactor(op: string, name: string, factor: number): void {
  check(factor >= 0, op, () => `${name} must be >= 0 (1 leaves the image as it is), got ${factor}`);
}

/** Multiplies by brightnessFactor (0: black, 1: unchanged), clamped to [0, 1]. */
export function adjustBrightness(img: unknown, brightnessFactor: number): any {
  checkFactor("adjustBrightness", "brightnessFactor", brightnessFactor);
  const p = imagePlanes("adjustBrightness", img, [1, 3]);
  return p.back(
    blend(p.v, () => 0, brightnessFactor),
    p.H,
    p.W,
  );
}

/** Blends with the image's mean grey (0: flat grey, 1: unchanged, 2: twice the contrast). */
export function adjustContrast(img: unknown, contrastFactor: number): any {
  checkFactor("adjustContrast", "contrastFactor", contrastFactor);
  const p = imagePlanes("adjustContrast", img, [1, 3]);
  const HW = p.H * p.W;
  const g = p.C === 3 ? grey(p.v, HW) : p.v;
  const mean = g.reduce((s, x) => s + x, 0) / g.length;
  return p.back(
    blend(p.v, () => mean, contrastFactor),
    p.H,
    p.W,
  );
}

/** Blends with the grey image (0: grey, 1: unchanged); a one-channel image is returned as it is. */
export function adjustSaturation(img: unknown, saturationFactor: number): any {
  checkFactor("adjustSaturation", "saturationFactor", saturationFactor);
  const p = imagePlanes("adjustSaturation", img, [1, 3]);
  if (p.C === 1) return p.back(p.v, p.H, p.W);
  const HW = p.H * p.W;
  const g = grey(p.v, HW);
  return p.back(
    blend(p.v, (i) => g[i % HW], saturationFactor),
    p.H,
    p.W,
  );
}

/** Turns the hue by hueFactor in [-0.5, 0.5] of a full turn (torchvision's HSV round trip); grey images are returned as they are. */
export function adjustHue(img: unknown, hueFactor: number): any {
  const op = "adjustHue";
  check(
    hueFactor >= -0.5 && hueFactor <= 0.5,
    op,
    () => `hueFactor must be in [-0.5, 0.5], got ${hueFactor}`,
  );
  const p = imagePlanes(op, img, [1, 3]);
  if (p.C === 1) return p.back(p.v, p.H, p.W);
  const HW = p.H * p.W;
  const { v } = p;
  const out = new Float32Array(3 * HW); // (3, H, W)
  for (let i = 0; i < HW; i++) {
    const [r, g, b] = [v[i], v[HW + i], v[2 * HW + i]];
    // _rgb2hsv
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const eqc = maxc === minc;
    const cr = f(maxc - minc);
    const s = f(cr / (eqc ? 1 : maxc));
    const div = eqc ? 1 : cr;
    const [rc, gc, bc] = [f(f(maxc - r) / div), f(f(maxc - g) / div), f(f(maxc - b) / div)];
    let h = maxc === r ? f(bc - gc) : maxc === g ? f(f(2 + rc) - bc) : f(f(4 + gc) - rc);
    h = f(f(h / 6) + 1) % 1;
    // shift, then _hsv2rgb
    h = f(h + hueFactor);
    h = h - Math.floor(h); // Python's % 1.0: in [0, 1)
    const h6 = f(h * 6);
    const k = Math.floor(h6);
    const fr = f(h6 - k);
    const clamp = (x: number) => Math.min(1, Math.max(0, x));
    const pp = clamp(f(maxc * f(1 - s)));
    const q = clamp(f(maxc * f(1 - f(s * fr))));
    const t = clamp(f(maxc * f(1 - f(s * f(1 - fr)))));
    const rgb = [
      [maxc, t, pp],
      [q, maxc, pp],
      [pp, maxc, t],
      [pp, q, maxc],
      [t, pp, maxc],
      [maxc, pp, q],
    ][((k % 6) + 6) % 6];
    out[i] = rgb[0];
    out[HW + i] = rgb[1];
    out[2 * HW + i] = rgb[2];
  }
  return p.back(out, p.H, p.W);
}

/**
 * Sets the h x w box at row i, column j to v: a number, one number per channel, or a Tensor
 * (C, h, w) of values (torchvision.transforms.functional.erase).
 */
export function erase(
  img: unknown,
  i: number,
  j: number,
  h: number,
  w: number,
  v: number | readonly number[] | Tensor,
): any {
  const op = "erase";
  const p = imagePlanes(op, img);
  const { C, H, W } = p;
  check(
    [i, j, h, w].every(Number.isInteger) && i >= 0 && j >= 0 && h >= 0 && w >= 0 && i + h <= H && j + w <= W,
    op,
    () => `the box (i ${i}, j ${j}, h ${h}, w ${w}) must be whole pixels inside the image [${H}, ${W}]`,
  );
  let value: (c: number, y: number, x: number) => number;
  if (v instanceof Tensor) {
    check(
      v.numel === C * h * w || v.numel === 1,
      op,
      () => `v must have shape [${C}, ${h}, ${w}] (or one value), got ${fmtShape(v.shape)}`,
    );
    const s = v.contiguous().storage;
    value = v.numel === 1 ? () => s[0] : (c, y, x) => s[(c * h + y) * w + x];
  } else {
    const per = fillPerChannel(op, v, C) as number[];
    value = (c) => per[c];
  }
  const out = Float32Array.from(p.v);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(c * H + i + y) * W + j + x] = value(c, y, x);
  return p.back(out, H, W);
}

export interface ResizedCropOptions {
  /** "bilinear" (default), "nearest" or "bicubic", as F.interpolate. */
  interpolation?: "nearest" | "bilinear" | "bicubic";
  /** Low-pass before shrinking (bilinear, bicubic). Default false (torchvision 0.14 on tensors). */
  antialias?: boolean;
}

/** Crops the height x width box at (top, left) and resizes it to size ([h, w] or a number for both). */
export function resizedCrop(
  img: unknown,
  top: number,
  left: number,
  height: number,
  width: number,
  size: number | readonly number[],
  options: ResizedCropOptions = {},
): any {
  const op = "resizedCrop";
  const { interpolation = "bilinear", antialias = false } = options;
  const [oh, ow] = typeof size === "number" ? [size, size] : size;
  check(
    [oh, ow].every((s) => Number.isInteger(s) && s > 0),
    op,
    () => `size must be a positive whole number or [height, width], got ${JSON.stringify(size)}`,
  );
  const p = imagePlanes(op, img);
  const { C, H, W } = p;
  check(
    [top, left, height, width].every(Number.isInteger) && height > 0 && width > 0,
    op,
    () =>
      `the crop (top ${top}, left ${left}, height ${height}, width ${width}) must be whole pixels with a positive size`,
  );
  // crop (zeros outside the image, as torchvision's crop pads)
  const crop = new Float32Array(C * height * width); // (C, height, width)
  for (let c = 0; c < C; c++)
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const [sy, sx] = [top + y, left + x];
        if (sy >= 0 && sy < H && sx >= 0 && sx < W)
          crop[(c * height + y) * width + x] = p.v[(c * H + sy) * W + sx];
      }
  const mode = interpolation;
  const resized = interpolate(new Tensor(crop, [1, C, height, width]), {
    size: [oh, ow],
    mode,
    ...(mode === "nearest" ? {} : { alignCorners: false, antialias }),
  });
  return p.back(Float32Array.from(resized.storage.subarray(0, C * oh * ow)), oh, ow);
}
