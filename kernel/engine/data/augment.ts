// Random augmentations (torchvision.transforms RandomRotation, RandomAffine, ColorJitter,
// RandomErasing, GaussianBlur, RandomResizedCrop) as transform factories like the others here:
// `compose([randomResizedCrop(28), randomRotation(15), colorJitter({ brightness: 0.4 }), toTensor()])`.
// Each draws its parameters as torchvision's get_params does, from `generator` (default the global
// one, `manualSeed`), and applies the function of the same name in transforms-functional.ts.

import { check } from "../errors";
import { defaultGenerator, type Generator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import type { Transform } from "./transforms";
import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  affine,
  erase,
  type GridInterpolation,
  gaussianBlur as gaussianBlurFn,
  imagePlanes,
  type ResizedCropOptions,
  resizedCrop,
  rotate,
  roundHalfEven,
} from "./transforms-functional";

const uniform = (g: Generator, lo: number, hi: number) => lo + (hi - lo) * g.uniform();

/** A number d as the range [-d, d] (d >= 0), or a [min, max] pair, as torchvision's _setup_angle / degrees. */
function symmetricRange(op: string, name: string, value: number | readonly number[]): [number, number] {
  if (typeof value === "number") {
    check(
      value >= 0,
      op,
      () => `${name} must be >= 0 when a single number (the range is [-${name}, ${name}]), got ${value}`,
    );
    return [-value, value];
  }
  check(
    value.length === 2 && value[0] <= value[1],
    op,
    () => `${name} must be a number or [min, max] with min <= max, got ${JSON.stringify(value)}`,
  );
  return [value[0], value[1]];
}

function checkRange(op: string, name: string, r: readonly number[], low = 0): void {
  check(
    r.length === 2 && r[0] <= r[1] && r[0] >= low,
    op,
    () => `${name} must be [min, max] with ${low} <= min <= max, got ${JSON.stringify(r)}`,
  );
}

interface GeneratorOption {
  /** Where the random parameters come from. Default the global generator (`manualSeed`). */
  generator?: Generator;
}

export interface RandomRotationOptions extends GeneratorOption {
  /** Default "nearest". */
  interpolation?: GridInterpolation;
  /** Enlarge the output to hold the whole rotated image. Default false. */
  expand?: boolean;
  /** [x, y] in pixels from the top-left corner. Default the image centre. */
  center?: readonly number[];
  /** Value of pixels from outside the image: a number or one per channel. Default 0. */
  fill?: number | readonly number[];
}

/** Rotates by an angle uniform in [-degrees, degrees] (or [min, max]), counter-clockwise. */
export function randomRotation(
  degrees: number | readonly number[],
  options: RandomRotationOptions = {},
): Transform {
  const [lo, hi] = symmetricRange("randomRotation", "degrees", degrees);
  const {
    interpolation = "nearest",
    expand = false,
    center,
    fill = 0,
    generator = defaultGenerator,
  } = options;
  return (img) => rotate(img, uniform(generator, lo, hi), { interpolation, expand, center, fill });
}

export interface RandomAffineOptions extends GeneratorOption {
  /** [a, b]: shifts up to a * width horizontally and b * height vertically (each in [0, 1]). Default none. */
  translate?: readonly number[];
  /** [min, max] scale. Default none (1). */
  scale?: readonly number[];
  /** Degrees: s for x in [-s, s], [min, max] for x, or [xmin, xmax, ymin, ymax]. Default none. */
  shear?: number | readonly number[];
  /** Default "nearest". */
  interpolation?: GridInterpolation;
  /** Value of pixels from outside the image: a number or one per channel. Default 0. */
  fill?: number | readonly number[];
  /** [x, y] in pixels from the top-left corner. Default the image centre. */
  center?: readonly number[];
}

/** A random rotation, translation, scale and shear, all about the centre. */
export function randomAffine(
  degrees: number | readonly number[],
  options: RandomAffineOptions = {},
): Transform {
  const op = "randomAffine";
  const [lo, hi] = symmetricRange(op, "degrees", degrees);
  const {
    translate,
    scale,
    shear,
    interpolation = "nearest",
    fill = 0,
    center,
    generator = defaultGenerator,
  } = options;
  if (translate !== undefined)
    check(
      translate.length === 2 && translate.every((t) => t >= 0 && t <= 1),
      op,
      () =>
        `translate must be [a, b] fractions of the width and height in [0, 1], got ${JSON.stringify(translate)}`,
    );
  if (scale !== undefined) {
    checkRange(op, "scale", scale);
    check(scale[0] > 0, op, () => `scale must be positive, got ${JSON.stringify(scale)}`);
  }
  let shears: number[] | undefined;
  if (shear !== undefined) {
    shears =
      typeof shear === "number" || shear.length === 2 ? symmetricRange(op, "shear", shear) : [...shear];
    check(
      shears.length === 2 || (shears.length === 4 && shears[0] <= shears[1] && shears[2] <= shears[3]),
      op,
      () => `shear must be a number, [min, max] or [xmin, xmax, ymin, ymax], got ${JSON.stringify(shear)}`,
    );
  }
  return (img) => {
    const { H, W } = imagePlanes(op, img);
    const angle = uniform(generator, lo, hi);
    let t: [number, number] = [0, 0];
    if (translate !== undefined) {
      const [dx, dy] = [translate[0] * W, translate[1] * H];
      t = [roundHalfEven(uniform(generator, -dx, dx)), roundHalfEven(uniform(generator, -dy, dy))];
    }
    const s = scale === undefined ? 1 : uniform(generator, scale[0], scale[1]);
    const sh: [number, number] = [0, 0];
    if (shears !== undefined) {
      sh[0] = uniform(generator, shears[0], shears[1]);
      if (shears.length === 4) sh[1] = uniform(generator, shears[2], shears[3]);
    }
    return affine(img, angle, t, s, sh, { interpolation, fill, center });
  };
}

export interface ColorJitterOptions extends GeneratorOption {
  /** b: a factor in [max(0, 1 - b), 1 + b], or [min, max]. Default 0 (unchanged). */
  brightness?: number | readonly number[];
  /** As brightness. */
  contrast?: number | readonly number[];
  /** As brightness. */
  saturation?: number | readonly number[];
  /** h in [0, 0.5]: a hue shift in [-h, h] of a turn, or [min, max] within [-0.5, 0.5]. Default 0. */
  hue?: number | readonly number[];
}

/** The factor range of one ColorJitter option, or null when it changes nothing (torchvision's _check_input). */
function jitterRange(
  name: string,
  value: number | readonly number[],
  centre: number,
  bound: [number, number],
): [number, number] | null {
  const op = "colorJitter";
  let r: [number, number];
  if (typeof value === "number") {
    check(value >= 0, op, () => `${name} must be >= 0 when a single number, got ${value}`);
    r = centre === 1 ? [Math.max(0, 1 - value), 1 + value] : [-value, value];
  } else r = [value[0], value[1]];
  check(
    (typeof value === "number" || value.length === 2) && r[0] <= r[1] && r[0] >= bound[0] && r[1] <= bound[1],
    op,
    () => `${name} values must be in [${bound.join(", ")}] with min <= max, got ${JSON.stringify(value)}`,
  );
  return r[0] === centre && r[1] === centre ? null : r;
}

/** Random brightness, contrast, saturation and hue changes, applied in a random order. */
export function colorJitter(options: ColorJitterOptions = {}): Transform {
  const { brightness = 0, contrast = 0, saturation = 0, hue = 0, generator = defaultGenerator } = options;
  const ranges = [
    jitterRange("brightness", brightness, 1, [0, Number.POSITIVE_INFINITY]),
    jitterRange("contrast", contrast, 1, [0, Number.POSITIVE_INFINITY]),
    jitterRange("saturation", saturation, 1, [0, Number.POSITIVE_INFINITY]),
    jitterRange("hue", hue, 0, [-0.5, 0.5]),
  ];
  const fns = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue];
  return (img) => {
    const order = generator.permutation(4);
    const factors = ranges.map((r) => (r === null ? null : uniform(generator, r[0], r[1])));
    let out = img;
    for (const k of order) {
      const factor = factors[k];
      if (factor !== null) out = fns[k](out, factor);
    }
    return out;
  };
}

export interface GaussianBlurOptions extends GeneratorOption {
  /** A fixed sigma, or [min, max] to draw it from. Default [0.1, 2]. */
  sigma?: number | readonly number[];
}

/** Blurs with kernelSize (odd) and a sigma drawn uniformly from its range (the same for x and y). */
export function gaussianBlur(
  kernelSize: number | readonly number[],
  options: GaussianBlurOptions = {},
): Transform {
  const op = "gaussianBlur";
  const { sigma = [0.1, 2], generator = defaultGenerator } = options;
  const [lo, hi] = typeof sigma === "number" ? [sigma, sigma] : sigma;
  check(
    lo > 0 && lo <= hi && (typeof sigma === "number" || sigma.length === 2),
    op,
    () => `sigma must be a positive number or [min, max] with 0 < min <= max, got ${JSON.stringify(sigma)}`,
  );
  const k = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
  check(
    k.length === 2 && k.every((x) => Number.isInteger(x) && x > 0 && x % 2 === 1),
    op,
    () => `kernelSize must be a positive odd number or [kx, ky] of them, got ${JSON.stringify(kernelSize)}`,
  );
  return (img) => {
    const s = uniform(generator, lo, hi);
    return gaussianBlurFn(img, k, [s, s]);
  };
}

export interface RandomErasingOptions extends GeneratorOption {
  /** Probability of erasing. Default 0.5. */
  p?: number;
  /** [min, max] share of the image's area erased. Default [0.02, 0.33]. */
  scale?: readonly number[];
  /** [min, max] aspect ratio (height / width) of the box. Default [0.3, 3.3]. */
  ratio?: readonly number[];
  /** A number, one per channel, or "random" (standard normal values). Default 0. */
  value?: number | readonly number[] | "random";
}

/** Erases a random box (Zhong et al. 2017, Random Erasing), after toTensor and normalize as in torchvision. */
export function randomErasing(options: RandomErasingOptions = {}): Transform {
  const op = "randomErasing";
  const {
    p = 0.5,
    scale = [0.02, 0.33],
    ratio = [0.3, 3.3],
    value = 0,
    generator = defaultGenerator,
  } = options;
  check(p >= 0 && p <= 1, op, () => `p must be in [0, 1], got ${p}`);
  checkRange(op, "scale", scale);
  check(scale[1] <= 1, op, () => `scale must be shares of the area in [0, 1], got ${JSON.stringify(scale)}`);
  checkRange(op, "ratio", ratio);
  check(ratio[0] > 0, op, () => `ratio must be positive, got ${JSON.stringify(ratio)}`);
  check(
    value === "random" || typeof value === "number" || Array.isArray(value),
    op,
    () => `value must be a number, one number per channel or "random", got ${JSON.stringify(value)}`,
  );
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
  return (img) => {
    if (generator.uniform() >= p) return img;
    const { C, H, W } = imagePlanes(op, img);
    if (Array.isArray(value))
      check(
        value.length === 1 || value.length === C,
        op,
        () => `value must have 1 or ${C} (channels) numbers, got ${value.length}`,
      );
    const area = H * W;
    for (let attempt = 0; attempt < 10; attempt++) {
      const eraseArea = area * uniform(generator, scale[0], scale[1]);
      const aspect = Math.exp(uniform(generator, logRatio[0], logRatio[1]));
      const h = roundHalfEven(Math.sqrt(eraseArea * aspect));
      const w = roundHalfEven(Math.sqrt(eraseArea / aspect));
      if (!(h < H && w < W)) continue;
      const v =
        value === "random"
          ? new Tensor(
              Float32Array.from({ length: C * h * w }, () => generator.normal()),
              [C, h, w],
            )
          : (value as number | number[]);
      const i = generator.int(H - h + 1);
      const j = generator.int(W - w + 1);
      return erase(img, i, j, h, w, v);
    }
    return img;
  };
}

export interface RandomResizedCropOptions extends GeneratorOption, ResizedCropOptions {
  /** [min, max] share of the image's area cropped. Default [0.08, 1]. */
  scale?: readonly number[];
  /** [min, max] aspect ratio (width / height) of the crop. Default [3/4, 4/3]. */
  ratio?: readonly number[];
}

/** The crop RandomResizedCrop draws, [top, left, height, width] (torchvision's get_params). */
export function resizedCropParams(
  H: number,
  W: number,
  scale: readonly number[],
  ratio: readonly number[],
  generator: Generator,
): [number, number, number, number] {
  const area = H * W;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(generator, scale[0], scale[1]);
    const aspect = Math.exp(uniform(generator, logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(target * aspect));
    const h = roundHalfEven(Math.sqrt(target / aspect));
    if (w > 0 && w <= W && h > 0 && h <= H) return [generator.int(H - h + 1), generator.int(W - w + 1), h, w];
  }
  // fallback: the central crop with the ratio clamped into range
  const inRatio = W / H;
  let [w, h] = [W, H];
  if (inRatio < Math.min(...ratio)) h = roundHalfEven(w / Math.min(...ratio));
  else if (inRatio > Math.max(...ratio)) w = roundHalfEven(h * Math.max(...ratio));
  return [Math.floor((H - h) / 2), Math.floor((W - w) / 2), h, w];
}

/** Crops a random area and aspect ratio, then resizes to size (a number for a square, or [h, w]). */
export function randomResizedCrop(
  size: number | readonly number[],
  options: RandomResizedCropOptions = {},
): Transform {
  const op = "randomResizedCrop";
  const { scale = [0.08, 1], ratio = [3 / 4, 4 / 3], generator = defaultGenerator, ...crop } = options;
  const out = typeof size === "number" ? [size, size] : size;
  check(
    out.length === 2 && out.every((s) => Number.isInteger(s) && s > 0),
    op,
    () => `size must be a positive whole number or [height, width], got ${JSON.stringify(size)}`,
  );
  checkRange(op, "scale", scale);
  checkRange(op, "ratio", ratio);
  check(ratio[0] > 0, op, () => `ratio must be positive, got ${JSON.stringify(ratio)}`);
  return (img) => {
    const { H, W } = imagePlanes(op, img);
    const [top, left, h, w] = resizedCropParams(H, W, scale, ratio, generator);
    return resizedCrop(img, top, left, h, w, out, crop);
  };
}
