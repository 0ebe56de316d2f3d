// ImageFolder (torchvision.datasets.ImageFolder): images arranged as `root/<class>/<file>`,
// classes sorted by name and numbered from 0. PNG (pngjs) and JPEG (jpeg-js) files are decoded
// on access, by content rather than extension, to RGB (or grayscale with `channels: 1`), the way
// torchvision's default loader converts with PIL.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import * as jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { check } from "../errors";
import { Dataset } from "./dataset";
import { type RawImage, type Transform, toTensor } from "./transforms";

export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg"] as const;

export interface ImageFolderOptions {
  transform?: Transform;
  targetTransform?: Transform<number>;
  /** 3 (default): RGB, alpha dropped; 1: luminance (ITU-R 601-2, as PIL's "L"). */
  channels?: 1 | 3;
  /** File extensions to include (lower case, with the dot). */
  extensions?: readonly string[];
}

/** Decodes PNG or JPEG bytes to an 8-bit RawImage with 1 or 3 channels. `what` names the file in errors. */
export function decodeImage(bytes: Uint8Array, what = "image", channels: 1 | 3 = 3): RawImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  check(
    isPng || isJpeg,
    "decodeImage",
    () =>
      `${what} is neither a PNG nor a JPEG file (first bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`,
  );
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      rgba = png.data;
      width = png.width;
      height = png.height;
    } else {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false });
      rgba = img.data;
      width = img.width;
      height = img.height;
    }
  } catch (e) {
    check(
      false,
      "decodeImage",
      `${what} could not be decoded (${(e as Error).message}); the file is corrupt or truncated`,
    );
  }
  const n = width * height;
  const data = new Uint8Array(n * channels); // (H, W, C)
  for (let p = 0; p < n; p++) {
    const [r, g, b] = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    if (channels === 3) {
      data[3 * p] = r;
      data[3 * p + 1] = g;
      data[3 * p + 2] = b;
    } else data[p] = Math.round((r * 299 + g * 587 + b * 114) / 1000);
  }
  return { data, height, width, channels };
}

export class ImageFolder extends Dataset<[any, any]> {
  /** Class names: the sorted subfolder names. */
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  /** [path, class index] for every image, sorted by class then file name. */
  readonly samples: [string, number][];
  readonly transform?: Transform;
  readonly targetTransform?: Transform<number>;
  readonly channels: 1 | 3;

  constructor(
    readonly root: string,
    options: ImageFolderOptions = {},
  ) {
    super();
    const extensions = options.extensions ?? IMAGE_EXTENSIONS;
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch (e) {
      check(false, "ImageFolder", `cannot read folder ${root} (${(e as Error).message})`);
    }
    this.classes = entries.filter((d) => statSync(join(root, d)).isDirectory()).sort();
    check(
      this.classes.length > 0,
      "ImageFolder",
      () => `${root} has no class folders; arrange images as root/<class>/<image>.png`,
    );
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    for (const [i, c] of this.classes.entries()) {
      const files = readdirSync(join(root, c))
        .filter((f) => extensions.includes(extname(f).toLowerCase()))
        .sort();
      for (const f of files) this.samples.push([join(root, c, f), i]);
    }
    check(
      this.samples.length > 0,
      "ImageFolder",
      () => `found no ${extensions.join("/")} files in the class folders of ${root}`,
    );
    this.transform = options.transform;
    this.targetTransform = options.targetTransform;
    this.channels = options.channels ?? 3;
  }

  get length(): number {
    return this.samples.length;
  }

  /** The decoded image i, before transforms. */
  image(index: number): RawImage {
    this.checkIndex(index);
    const [path] = this.samples[index];
    return decodeImage(readFileSync(path), path, this.channels);
  }

  get(index: number): [any, any] {
    const img = this.image(index);
    const label = this.samples[index][1];
    return [(this.transform ?? toTensor())(img), this.targetTransform ? this.targetTransform(label) : label];
  }

  /** Class index of every sample. */
  get targets(): number[] {
    return this.samples.map(([, c]) => c);
  }
}
