// A synthetic, offline detection and segmentation dataset: filled circles, squares and triangles
// on noisy canvases. Each sample is [image, label, target]: image (C, H, W) in [0, 1], label the
// class of its first shape (so classification loops read [x, y] as usual) and target
// { boxes (K, 4) in (x1, y1, x2, y2), labels (K) int64, mask (H, W) int64 }, for the detection
// (box regression, IoU, YOLO) and segmentation (FCN, U-Net) lectures.
//
// NOTE: samples are drawn from (seed, index), so sample i is the same in any order and on every
// epoch, and nothing is stored. Boxes are the tight pixel-edge bounds of each shape's pixels:
// x1 = the first column it covers, x2 = one past the last (x2 - x1 is its width in pixels).

import { check } from "../errors";
import type { Generator } from "../tensor/random";
import { Tensor } from "../tensor/tensor";
import { Dataset } from "./dataset";
import { isSeed, sampleGenerator } from "./sample-seed";

/** The class names; class k is labels value k and mask value k + 1 (0 is background). */
export const SHAPES_CLASSES = ["circle", "square", "triangle"] as const;

export interface ShapesOptions {
  /** Canvas side, or [height, width]. Default 32. */
  size?: number | readonly [number, number];
  /** Number of samples. Default 1000. */
  count?: number;
  /** Seed of the whole dataset. Default 0. */
  seed?: number;
  /** Shapes per image: a number or [min, max] (each image draws its own). Default 1. */
  shapesPerImage?: number | readonly [number, number];
  /** Shape size as a fraction of the canvas' shorter side, [min, max]. Default [0.25, 0.6]. */
  shapeSize?: readonly [number, number];
  /** 1 (grey shapes) or 3 (random colours). Default 1. */
  channels?: 1 | 3;
  /** Standard deviation of the Gaussian noise over the whole canvas (values are clipped to [0, 1]). Default 0.1. */
  noise?: number;
}

/** What a sample carries for detection and segmentation. */
export interface ShapesTarget {
  /** (K, 4) float32, (x1, y1, x2, y2) pixel edges, one row per shape. */
  boxes: Tensor;
  /** (K) int64, the class of each shape (index into SHAPES_CLASSES). */
  labels: Tensor;
  /** (H, W) int64: 0 background, k + 1 where a shape of class k is visible (later shapes on top). */
  mask: Tensor;
}

export type ShapesSample = [image: Tensor, label: number, target: ShapesTarget];

/** Is the pixel centre (x + 0.5, y + 0.5) inside shape `cls` of side s at (x0, y0)? */
function inside(cls: number, x0: number, y0: number, s: number, x: number, y: number): boolean {
  const px = x + 0.5 - x0;
  const py = y + 0.5 - y0;
  if (px < 0 || py < 0 || px >= s || py >= s) return false;
  if (cls === 0) return (px - s / 2) ** 2 + (py - s / 2) ** 2 <= (s / 2) ** 2; // circle
  if (cls === 1) return true; // square
  // triangle: apex at the top middle, base along the bottom; |px - s/2| <= py / 2
  return Math.abs(px - s / 2) <= py / 2;
}

export class Shapes extends Dataset<ShapesSample> {
  readonly classes: readonly string[] = SHAPES_CLASSES;
  readonly height: number;
  readonly width: number;
  private readonly count: number;
  private readonly seed: number;
  private readonly perImage: [number, number];
  private readonly shapeSize: [number, number];
  private readonly channels: 1 | 3;
  private readonly noise: number;

  constructor(options: ShapesOptions = {}) {
    super();
    const op = "Shapes";
    const {
      size = 32,
      count = 1000,
      seed = 0,
      shapesPerImage = 1,
      shapeSize = [0.25, 0.6],
      channels = 1,
      noise = 0.1,
    } = options;
    const [H, W] = typeof size === "number" ? [size, size] : size;
    check(
      [H, W].every((s) => Number.isInteger(s) && s >= 4),
      op,
      () => `size must be a whole number >= 4 or [height, width], got ${JSON.stringify(size)}`,
    );
    check(Number.isInteger(count) && count >= 0, op, () => `count must be a whole number >= 0, got ${count}`);
    check(isSeed(seed), op, () => `seed must be a whole number, got ${String(seed)}`);
    const per = typeof shapesPerImage === "number" ? [shapesPerImage, shapesPerImage] : shapesPerImage;
    check(
      per.length === 2 && per.every((k) => Number.isInteger(k)) && per[0] >= 1 && per[0] <= per[1],
      op,
      () => `shapesPerImage must be a whole number >= 1 or [min, max], got ${JSON.stringify(shapesPerImage)}`,
    );
    check(
      shapeSize.length === 2 && shapeSize[0] > 0 && shapeSize[0] <= shapeSize[1] && shapeSize[1] <= 1,
      op,
      () =>
        `shapeSize must be [min, max] fractions of the canvas with 0 < min <= max <= 1, got ${JSON.stringify(shapeSize)}`,
    );
    check(channels === 1 || channels === 3, op, () => `channels must be 1 or 3, got ${String(channels)}`);
    check(noise >= 0, op, () => `noise must be a standard deviation >= 0, got ${noise}`);
    this.height = H;
    this.width = W;
    this.count = count;
    this.seed = seed;
    this.perImage = [per[0], per[1]];
    this.shapeSize = [shapeSize[0], shapeSize[1]];
    this.channels = channels;
    this.noise = noise;
  }

  get length(): number {
    return this.count;
  }

  get(index: number): ShapesSample {
    this.checkIndex(index);
    const g = sampleGenerator(this.seed, index);
    const { height: H, width: W, channels: C } = this;
    const [lo, hi] = this.perImage;
    const K = lo + g.int(hi - lo + 1);
    const placed = this.place(g, K);
    const image = new Float32Array(C * H * W); // (C, H, W)
    const mask = new Float32Array(H * W); // (H, W)
    const background = Array.from({ length: C }, () => 0.3 * g.uniform());
    for (let c = 0; c < C; c++) image.fill(background[c], c * H * W, (c + 1) * H * W);
    const boxes: number[] = [];
    for (const { cls, x0, y0, s } of placed) {
      const colour = this.colour(g);
      let [x1, y1, x2, y2] = [W, H, 0, 0];
      for (let y = Math.max(0, Math.floor(y0)); y < Math.min(H, Math.ceil(y0 + s)); y++)
        for (let x = Math.max(0, Math.floor(x0)); x < Math.min(W, Math.ceil(x0 + s)); x++) {
          if (!inside(cls, x0, y0, s, x, y)) continue;
          for (let c = 0; c < C; c++) image[(c * H + y) * W + x] = colour[c];
          mask[y * W + x] = cls + 1;
          [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
        }
      boxes.push(x1, y1, x2, y2);
    }
    for (let i = 0; i < image.length; i++)
      image[i] = Math.min(1, Math.max(0, image[i] + this.noise * g.normal()));
    const labels = placed.map((p) => p.cls);
    return [
      new Tensor(image, [C, H, W]),
      labels[0],
      {
        boxes: new Tensor(Float32Array.from(boxes), [K, 4]),
        labels: new Tensor(Float32Array.from(labels), [K], "int64"),
        mask: new Tensor(mask, [H, W], "int64"),
      },
    ];
  }

  /** K shapes (class, top-left corner, side), apart from each other when 50 tries allow it. */
  private place(g: Generator, K: number): { cls: number; x0: number; y0: number; s: number }[] {
    const { height: H, width: W } = this;
    const short = Math.min(H, W);
    const placed: { cls: number; x0: number; y0: number; s: number }[] = [];
    for (let k = 0; k < K; k++) {
      let shape = { cls: 0, x0: 0, y0: 0, s: 0 };
      for (let attempt = 0; attempt < 50; attempt++) {
        const [a, b] = this.shapeSize;
        const s = Math.max(3, Math.round(short * (a + (b - a) * g.uniform())));
        shape = { cls: g.int(3), x0: g.int(W - s + 1), y0: g.int(H - s + 1), s };
        const free = placed.every(
          (p) =>
            shape.x0 >= p.x0 + p.s ||
            p.x0 >= shape.x0 + shape.s ||
            shape.y0 >= p.y0 + p.s ||
            p.y0 >= shape.y0 + shape.s,
        );
        if (free) break;
      }
      placed.push(shape);
    }
    return placed;
  }

  /** A shape's colour: a bright grey, or an RGB colour with at least one bright channel. */
  private colour(g: Generator): number[] {
    if (this.channels === 1) return [0.6 + 0.4 * g.uniform()];
    const rgb = [g.uniform(), g.uniform(), g.uniform()];
    rgb[g.int(3)] = 0.7 + 0.3 * g.uniform();
    return rgb;
  }
}
