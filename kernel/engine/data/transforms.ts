// Image transforms (torchvision.transforms) as functions that return a transform (toTensor,
// normalize, randomCrop, randomHorizontalFlip, resize, centerCrop, compose; the random
// augmentations randomRotation, randomAffine, colorJitter, randomErasing, gaussianBlur and
// randomResizedCrop are in augment.ts, their fixed-parameter forms in transforms-functional.ts):
// `compose([randomCrop(28, { padding: 4 }), randomHorizontalFlip(), toTensor(), normalize([0.286], [0.353])])`.
// Spatial transforms take a RawImage (bytes, height x width x channels, as datasets store them)
// or a Tensor (C, H, W) / (H, W) and return the same kind.

import { check, fmtShape } from "../errors";
import { defaultGenerator, type Generator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import { roundHalfEven } from "./transforms-functional";

export {
  type ColorJitterOptions,
  colorJitter,
  type GaussianBlurOptions,
  gaussianBlur,
  type RandomAffineOptions,
  type RandomErasingOptions,
  type RandomResizedCropOptions,
  type RandomRotationOptions,
  randomAffine,
  randomErasing,
  randomResizedCrop,
  randomRotation,
  resizedCropParams,
} from "./augment";
// torchvision.transforms.functional: the same operations with every parameter given.
export * as functional from "./transforms-functional";

/** An 8-bit image as stored by datasets: `data[(y * width + x) * channels + c]` (like a PIL image). */
export interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

export type Transform<I = any, O = any> = (input: I) => O;

export function isRawImage(x: unknown): x is RawImage {
  return x !== null && typeof x === "object" && (x as RawImage).data instanceof Uint8Array && "height" in x;
}

/** Applies transforms in order. */
export function compose(transforms: readonly Transform[]): Transform {
  return (x) => transforms.reduce((acc, t) => t(acc), x);
}

/** RawImage (H, W, C) bytes -> float Tensor (C, H, W) in [0, 1]. A Tensor passes through as float. */
export function toTensor(): Transform<RawImage | Tensor, Tensor> {
  return (img) => {
    if (img instanceof Tensor) return img.float();
    check(isRawImage(img), "toTensor", () => `expects an image (RawImage) or a Tensor, got ${typeof img}`);
    const { data, height: H, width: W, channels: C } = img;
    const out = new Float32Array(C * H * W); // (C, H, W)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let c = 0; c < C; c++) out[(c * H + y) * W + x] = data[(y * W + x) * C + c] / 255;
    return new Tensor(out, [C, H, W]);
  };
}

/** (x - mean[c]) / std[c] per channel of a float Tensor (C, H, W), or a batch (..., C, H, W). */
export function normalize(mean: readonly number[], std: readonly number[]): Transform<Tensor, Tensor> {
  check(
    mean.length === std.length,
    "normalize",
    () => `mean has ${mean.length} values but std has ${std.length}`,
  );
  check(
    std.every((s) => s !== 0),
    "normalize",
    () => `std contains a zero (${JSON.stringify(std)}), which would divide by zero`,
  );
  return (t) => {
    check(
      t instanceof Tensor && t.ndim >= 3 && (t.shape[t.ndim - 3] === mean.length || mean.length === 1),
      "normalize",
      () =>
        t instanceof Tensor
          ? `expects a (C, H, W) tensor with C = ${mean.length} channels, got shape ${fmtShape(t.shape)}`
          : "expects a Tensor; put toTensor() before normalize()",
    );
    const C = t.shape[t.ndim - 3];
    const plane = t.shape[t.ndim - 2] * t.shape[t.ndim - 1];
    const out = new Float32Array(t.numel);
    const s = t.storage;
    for (let base = 0; base < t.numel; base += C * plane)
      for (let c = 0; c < C; c++) {
        const m = mean.length === 1 ? mean[0] : mean[c];
        const d = std.length === 1 ? std[0] : std[c];
        const from = base + c * plane;
        for (let i = from; i < from + plane; i++) out[i] = (s[i] - m) / d;
      }
    return new Tensor(out, t.shape);
  };
}

interface Planes {
  C: number;
  H: number;
  W: number;
  at(c: number, y: number, x: number): number;
  make(C: number, H: number, W: number, value: (c: number, y: number, x: number) => number): any;
}

/** A uniform view of a RawImage (H, W, C) or a Tensor (C, H, W) / (H, W). */
function planes(op: string, img: RawImage | Tensor): Planes {
  if (img instanceof Tensor) {
    check(
      img.ndim === 2 || img.ndim === 3,
      op,
      () => `expects an image tensor (C, H, W) or (H, W), got shape ${fmtShape(img.shape)}`,
    );
    const [C, H, W] = img.ndim === 3 ? img.shape : [1, img.shape[0], img.shape[1]];
    const s = img.storage;
    const shape2d = img.ndim === 2;
    return {
      C,
      H,
      W,
      at: (c, y, x) => s[(c * H + y) * W + x],
      make: (c2, h2, w2, value) => {
        const out = new Float32Array(c2 * h2 * w2);
        for (let c = 0; c < c2; c++)
          for (let y = 0; y < h2; y++)
            for (let x = 0; x < w2; x++) out[(c * h2 + y) * w2 + x] = value(c, y, x);
        return new Tensor(out, shape2d ? [h2, w2] : [c2, h2, w2], img.dtype);
      },
    };
  }
  check(isRawImage(img), op, () => `expects an image (RawImage) or a Tensor, got ${typeof img}`);
  const { data, height: H, width: W, channels: C } = img;
  return {
    C,
    H,
    W,
    at: (c, y, x) => data[(y * W + x) * C + c],
    make: (c2, h2, w2, value) => {
      const out = new Uint8Array(c2 * h2 * w2);
      for (let y = 0; y < h2; y++)
        for (let x = 0; x < w2; x++) for (let c = 0; c < c2; c++) out[(y * w2 + x) * c2 + c] = value(c, y, x);
      return { data: out, height: h2, width: w2, channels: c2 } satisfies RawImage;
    },
  };
}

export interface RandomCropOptions {
  /** Pixels added on every side before cropping (a number, [leftRight, topBottom] or [l, t, r, b]). */
  padding?: number | readonly number[];
  /** Value of the added pixels. */
  fill?: number;
  /** Pad small images up to the crop size instead of failing. */
  padIfNeeded?: boolean;
  generator?: Generator;
}

/** Crops a random size[0] x size[1] window, after optional zero (fill) padding, as in CIFAR training. */
export function randomCrop(
  size: number | readonly [number, number],
  options: RandomCropOptions = {},
): Transform {
  const [th, tw] = typeof size === "number" ? [size, size] : size;
  const { padding = 0, fill = 0, padIfNeeded = false, generator = defaultGenerator } = options;
  const p = typeof padding === "number" ? [padding, padding, padding, padding] : [...padding];
  const [pl, pt, pr, pb] = p.length === 2 ? [p[0], p[1], p[0], p[1]] : p;
  check(
    p.length === 1 || p.length === 2 || p.length === 4,
    "randomCrop",
    "padding must have 1, 2 or 4 values",
  );
  return (img) => {
    const v = planes("randomCrop", img);
    let [left, top] = [pl, pt];
    let H = v.H + pt + pb;
    let W = v.W + pl + pr;
    if (padIfNeeded && H < th) {
      top += th - H;
      H += 2 * (th - H);
    }
    if (padIfNeeded && W < tw) {
      left += tw - W;
      W += 2 * (tw - W);
    }
    check(
      H >= th && W >= tw,
      "randomCrop",
      () => `crop size [${th}, ${tw}] is larger than the (padded) image [${H}, ${W}]; use padIfNeeded: true`,
    );
    const y0 = generator.int(H - th + 1);
    const x0 = generator.int(W - tw + 1);
    return v.make(v.C, th, tw, (c, y, x) => {
      const sy = y + y0 - top;
      const sx = x + x0 - left;
      return sy >= 0 && sy < v.H && sx >= 0 && sx < v.W ? v.at(c, sy, sx) : fill;
    });
  };
}

/** Mirrors the image left-right with probability p. */
export function randomHorizontalFlip(
  p = 0.5,
  { generator = defaultGenerator }: { generator?: Generator } = {},
): Transform {
  check(p >= 0 && p <= 1, "randomHorizontalFlip", () => `p must be in [0, 1], got ${p}`);
  return (img) => {
    if (generator.uniform() >= p) return img;
    const v = planes("randomHorizontalFlip", img);
    return v.make(v.C, v.H, v.W, (c, y, x) => v.at(c, y, v.W - 1 - x));
  };
}

/**
 * Resizes with bilinear interpolation (half-pixel centres, as F.interpolate with
 * alignCorners false; no antialiasing, so shrinking a lot can alias). `size` [h, w] is exact; a
 * number sets the shorter side and keeps the aspect ratio, as torchvision's Resize.
 */
export function resize(size: number | readonly [number, number]): Transform {
  return (img) => {
    const v = planes("resize", img);
    let [oh, ow]: number[] = typeof size === "number" ? [0, 0] : [...size];
    if (typeof size === "number") {
      if (v.H <= v.W) [oh, ow] = [size, Math.floor((size * v.W) / v.H)];
      else [oh, ow] = [Math.floor((size * v.H) / v.W), size];
    }
    check(oh > 0 && ow > 0, "resize", () => `output size must be positive, got [${oh}, ${ow}]`);
    const isBytes = !(img instanceof Tensor);
    const coord = (o: number, inSize: number, outSize: number): [number, number, number] => {
      const src = Math.max(0, ((o + 0.5) * inSize) / outSize - 0.5);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      const i1 = Math.min(i0 + 1, inSize - 1);
      return [i0, i1, src - i0];
    };
    return v.make(v.C, oh, ow, (c, y, x) => {
      const [y0, y1, fy] = coord(y, v.H, oh);
      const [x0, x1, fx] = coord(x, v.W, ow);
      const top = v.at(c, y0, x0) * (1 - fx) + v.at(c, y0, x1) * fx;
      const bottom = v.at(c, y1, x0) * (1 - fx) + v.at(c, y1, x1) * fx;
      const value = top * (1 - fy) + bottom * fy;
      return isBytes ? Math.min(255, Math.max(0, Math.round(value))) : value;
    });
  };
}

/** Crops the central size[0] x size[1] window (as torchvision's CenterCrop). */
export function centerCrop(size: number | readonly [number, number]): Transform {
  const [th, tw] = typeof size === "number" ? [size, size] : size;
  return (img) => {
    const v = planes("centerCrop", img);
    check(
      th <= v.H && tw <= v.W,
      "centerCrop",
      () => `crop size [${th}, ${tw}] is larger than the image [${v.H}, ${v.W}]; resize first`,
    );
    const top = roundHalfEven((v.H - th) / 2);
    const left = roundHalfEven((v.W - tw) / 2);
    return v.make(v.C, th, tw, (c, y, x) => v.at(c, y + top, x + left));
  };
}
