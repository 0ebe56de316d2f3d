// ImageFolder (torchvision.datasets.ImageFolder): images arranged as `root/<class>/<file>`,
// classes sorted by name and numbered from 0. PNG (pngjs) and JPEG (jpeg-js) files are decoded
// on access, by content rather than extension, to RGB (or grayscale with `channels: 1`), the way
// torchvision's default loader converts with PIL.
//
// NOTE: a few kilobytes of PNG or JPEG can claim a huge picture (a "decompression bomb": 46 KB of
// PNG decodes to 4000 x 4000 RGBA, 64 MB), so the size in the file's header is checked against
// `maxPixels` (50 megapixels by default, like PIL's MAX_IMAGE_PIXELS guard) before decoding.

import { type Dirent, readdirSync, readFileSync, readlinkSync, type Stats, statSync } from "node:fs";
import { extname, join } from "node:path";
import type * as JpegJs from "jpeg-js";
import type * as PngJs from "pngjs";
import { check } from "../errors";
import { Dataset } from "./dataset";
import { type RawImage, type Transform, toTensor } from "./transforms";

// The decoders, loaded with the first image (importing the engine does not load them, 25 files).
const pngjs = (): typeof PngJs => require("pngjs");
const jpegJs = (): typeof JpegJs => require("jpeg-js");

export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg"] as const;

/** The largest image decoded by default: 50 megapixels (200 MB as RGBA). */
export const MAX_IMAGE_PIXELS = 50_000_000;

export interface ImageFolderOptions {
  transform?: Transform;
  targetTransform?: Transform<number>;
  /** 3 (default): RGB, alpha dropped; 1: luminance (ITU-R 601-2, as PIL's "L"). */
  channels?: 1 | 3;
  /** File extensions to include (lower case, with the dot). */
  extensions?: readonly string[];
  /** Images with more pixels (width x height, from the file's header) are refused before decoding. */
  maxPixels?: number;
}

/** Width and height from a PNG's IHDR chunk or a JPEG's start-of-frame marker; null if not found. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | null {
  const u16 = (i: number) => (bytes[i] << 8) | bytes[i + 1];
  const u32 = (i: number) => bytes[i] * 2 ** 24 + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    // Signature (8 bytes), then the IHDR chunk: length (4), "IHDR" (4), width (4), height (4).
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return null;
    return { width: u32(16), height: u32(20) };
  }
  // JPEG: markers FF xx, each but SOI/EOI/RST followed by a 2-byte length; SOFn (C0-CF except
  // C4 DHT, C8 JPG, CC DAC) holds precision (1), height (2), width (2).
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return { height: u16(i + 5), width: u16(i + 7) };
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) i += 2;
    else i += 2 + u16(i + 2);
  }
  return null;
}

/**
 * Decodes PNG or JPEG bytes to an 8-bit RawImage with 1 or 3 channels. `what` names the file in
 * errors; images over `maxPixels` are refused before decoding.
 */
export function decodeImage(
  bytes: Uint8Array,
  what = "image",
  channels: 1 | 3 = 3,
  maxPixels: number = MAX_IMAGE_PIXELS,
): RawImage {
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8;
  check(
    isPng || isJpeg,
    "decodeImage",
    () =>
      `${what} is neither a PNG nor a JPEG file (first bytes ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")})`,
  );
  const size = imageSize(bytes);
  check(
    size === null || size.width * size.height <= maxPixels,
    "decodeImage",
    () =>
      `${what} is ${size!.width} x ${size!.height} = ${((size!.width * size!.height) / 1e6).toFixed(1)} megapixels, more than the limit of ${maxPixels / 1e6} megapixels ` +
      `(a small file claiming a huge image can exhaust memory); shrink the image, or raise the limit with the maxPixels option (e.g. new data.ImageFolder(root, { maxPixels: ${Math.ceil((size!.width * size!.height) / 1e6) * 1e6} }))`,
  );
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (isPng) {
      const png = pngjs().PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      rgba = png.data;
      width = png.width;
      height = png.height;
    } else {
      // jpeg-js's own limits back ours up where the header scan found no frame size.
      const img = jpegJs().decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 8) / 2 ** 20)),
      });
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

/** What a symbolic link points to, or a clear error naming the link when its target is missing. */
function followLink(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    let target = "?";
    try {
      target = readlinkSync(path);
    } catch {}
    check(
      false,
      "ImageFolder",
      `${path} is a broken symbolic link: it points to ${target}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Remove the link or restore its target`,
    );
  }
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
  readonly maxPixels: number;

  constructor(
    readonly root: string,
    options: ImageFolderOptions = {},
  ) {
    super();
    const extensions = options.extensions ?? IMAGE_EXTENSIONS;
    let entries: Dirent[];
    try {
      entries = readdirSync(root, { withFileTypes: true });
    } catch (e) {
      check(false, "ImageFolder", `cannot read folder ${root} (${(e as Error).message})`);
    }
    this.classes = entries
      .filter((d) => d.isDirectory() || (d.isSymbolicLink() && followLink(join(root, d.name)).isDirectory()))
      .map((d) => d.name)
      .sort();
    check(
      this.classes.length > 0,
      "ImageFolder",
      () => `${root} has no class folders; arrange images as root/<class>/<image>.png`,
    );
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    for (const [i, c] of this.classes.entries()) {
      const files = readdirSync(join(root, c), { withFileTypes: true })
        .filter((f) => extensions.includes(extname(f.name).toLowerCase()))
        .filter((f) => !f.isSymbolicLink() || followLink(join(root, c, f.name)).isFile())
        .map((f) => f.name)
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
    this.maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  }

  get length(): number {
    return this.samples.length;
  }

  /** The decoded image i, before transforms. */
  image(index: number): RawImage {
    this.checkIndex(index);
    const [path] = this.samples[index];
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (e) {
      check(
        false,
        "ImageFolder",
        `cannot read image ${path} (${(e as Error).message}); it was moved, deleted or made unreadable after the dataset listed it: restore it, or create the ImageFolder again`,
      );
    }
    return decodeImage(bytes, path, this.channels, this.maxPixels);
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
