// CIFAR-10 (binary version): 50,000 train / 10,000 test 32x32 RGB images in 10 classes.
// https://www.cs.toronto.edu/~kriz/cifar.html. Each record is 1 label byte then 3072 pixel
// bytes: the red plane, then green, then blue, each 32x32 row-major.
//
// `await data.CIFAR10({ train: true })` looks in `root/CIFAR10/cifar-10-batches-bin/`, then for
// `root/CIFAR10/cifar-10-binary.tar.gz` (extracted on first use), then downloads the archive
// (MD5-checked, written atomically) when `download` is on. Batch files are checked for their
// exact size and label range; a bad archive in root is re-downloaded (download on) or an error.

import { existsSync, readFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { check } from "../errors";
import { Tensor } from "../tensor/tensor";
import { Dataset } from "./dataset";
import { downloadFile, md5, progressLine, writeFileAtomic } from "./files";
import { gunzip } from "./idx";
import { readTar } from "./tar";
import { type RawImage, type Transform, toTensor } from "./transforms";

const URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
const ARCHIVE = "cifar-10-binary.tar.gz";
const ARCHIVE_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
const FOLDER = "cifar-10-batches-bin";
const RECORD = 1 + 3 * 32 * 32;
const PER_FILE = 10000;
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILES = ["test_batch.bin"];
export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;

/** Splits binary batch bytes into labels (N) and planar pixels (N, 3, 32, 32); checks size and labels. */
export function parseCifarBatch(
  bytes: Uint8Array,
  path: string,
  expectedCount = PER_FILE,
): { labels: Uint8Array; images: Uint8Array } {
  check(
    bytes.length === expectedCount * RECORD,
    "CIFAR10",
    () =>
      `${path} should hold ${expectedCount} records of ${RECORD} bytes (${expectedCount * RECORD} bytes) but has ${bytes.length}; it is ${bytes.length < expectedCount * RECORD ? "truncated" : "corrupt"}`,
  );
  const labels = new Uint8Array(expectedCount);
  const images = new Uint8Array(expectedCount * (RECORD - 1));
  for (let i = 0; i < expectedCount; i++) {
    const label = bytes[i * RECORD];
    check(
      label < 10,
      "CIFAR10",
      () => `${path}: record ${i} has label ${label}, outside 0..9; the file is corrupt`,
    );
    labels[i] = label;
    images.set(bytes.subarray(i * RECORD + 1, (i + 1) * RECORD), i * (RECORD - 1));
  }
  return { labels, images };
}

/** CIFAR-10 in memory: samples are [image, label]; images default to toTensor() (3, 32, 32). */
export class CIFAR10Dataset extends Dataset<[any, any]> {
  readonly classes = CIFAR10_CLASSES;
  constructor(
    /** Planar pixels, (N, 3, 32, 32) bytes. */
    readonly images: Uint8Array,
    readonly labels: Uint8Array,
    readonly source: string,
    readonly transform?: Transform,
    readonly targetTransform?: Transform<number>,
  ) {
    super();
  }
  get length(): number {
    return this.labels.length;
  }
  /** Image i as an (H, W, C) RawImage, the layout transforms take (like a PIL image). */
  image(index: number): RawImage {
    this.checkIndex(index);
    const src = this.images.subarray(index * 3072, (index + 1) * 3072); // (3, 32, 32)
    const data = new Uint8Array(3072); // (32, 32, 3)
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) data[p * 3 + c] = src[c * 1024 + p];
    return { data, height: 32, width: 32, channels: 3 };
  }
  get(index: number): [any, any] {
    const label = this.labels[index];
    return [
      (this.transform ?? toTensor())(this.image(index)),
      this.targetTransform ? this.targetTransform(label) : label,
    ];
  }
  get targets(): Tensor {
    return new Tensor(Float32Array.from(this.labels), [this.length], "int64");
  }
  /** Without custom transforms: x (B, 3, 32, 32) in [0, 1] and y (B) int64 in one pass. */
  override getBatch(indices: readonly number[]): [Tensor, Tensor] | undefined {
    if (this.transform !== undefined || this.targetTransform !== undefined) return undefined;
    const x = new Float32Array(indices.length * 3072); // (B, 3, 32, 32)
    const y = new Float32Array(indices.length);
    indices.forEach((i, b) => {
      this.checkIndex(i);
      for (let k = 0; k < 3072; k++) x[b * 3072 + k] = this.images[i * 3072 + k] / 255;
      y[b] = this.labels[i];
    });
    return [new Tensor(x, [indices.length, 3, 32, 32]), new Tensor(y, [indices.length], "int64")];
  }
}

export interface CIFAR10Options {
  train?: boolean;
  /** Folder holding `CIFAR10/`; default $RECEPTIVE_DATA or ~/.cache/receptive/datasets. */
  root?: string;
  download?: boolean;
  transform?: Transform;
  targetTransform?: Transform<number>;
  /** Print download progress on stderr (default true). */
  verbose?: boolean;
  /** Where to download the archive from (default the Toronto page). */
  url?: string;
}

/** Extracts the six batch files (and the class list) from the archive bytes into `dir`. */
function extract(archive: Uint8Array, dir: string, what: string): void {
  const entries = readTar(gunzip(archive, what), what);
  const wanted = new Set([...TRAIN_FILES, ...TEST_FILES, "batches.meta.txt"]);
  let found = 0;
  for (const e of entries) {
    const base = e.name.split("/").pop() ?? "";
    if (!wanted.has(base)) continue;
    writeFileAtomic(join(dir, FOLDER, base), e.data);
    found++;
  }
  check(
    found >= TRAIN_FILES.length + TEST_FILES.length,
    "CIFAR10",
    () => `${what} lacks the CIFAR-10 batch files`,
  );
}

export async function CIFAR10(options: CIFAR10Options = {}): Promise<CIFAR10Dataset> {
  const { train = true, download = true, transform, targetTransform, verbose = true } = options;
  const root =
    options.root ?? process.env.RECEPTIVE_DATA ?? join(homedir(), ".cache", "receptive", "datasets");
  const dir = join(root, "CIFAR10");
  const files = train ? TRAIN_FILES : TEST_FILES;
  const haveBatches = () => files.every((f) => existsSync(join(dir, FOLDER, f)));
  const archivePath = join(dir, ARCHIVE);

  if (!haveBatches() && existsSync(archivePath)) {
    try {
      const bytes = readFileSync(archivePath);
      check(
        md5(bytes) === ARCHIVE_MD5,
        "CIFAR10",
        () => `${archivePath} does not match its MD5 (${ARCHIVE_MD5}); the file is corrupt or truncated`,
      );
      extract(bytes, dir, archivePath);
    } catch (e) {
      check(
        download,
        "CIFAR10",
        () => `${(e as Error).message}\nDelete it, or pass download: true to fetch a fresh copy`,
      );
      rmSync(archivePath, { force: true });
    }
  }
  if (!haveBatches()) {
    check(
      download,
      "CIFAR10",
      () =>
        `no copy found in ${dir} (looked for ${FOLDER}/ and ${ARCHIVE}), and downloading is off (download: false)`,
    );
    const url = options.url ?? URL;
    const bytes = await downloadFile(url, archivePath, {
      md5: ARCHIVE_MD5,
      onProgress: verbose ? (r, t) => process.stderr.write(`\r${progressLine(ARCHIVE, r, t)}`) : undefined,
    });
    if (verbose) process.stderr.write("\n");
    extract(bytes, dir, archivePath);
  }
  const parts = files.map((f) => parseCifarBatch(readFileSync(join(dir, FOLDER, f)), join(dir, FOLDER, f)));
  const images = new Uint8Array(parts.length * PER_FILE * 3072);
  const labels = new Uint8Array(parts.length * PER_FILE);
  parts.forEach((p, k) => {
    images.set(p.images, k * PER_FILE * 3072);
    labels.set(p.labels, k * PER_FILE);
  });
  return new CIFAR10Dataset(images, labels, join(dir, FOLDER), transform, targetTransform);
}
