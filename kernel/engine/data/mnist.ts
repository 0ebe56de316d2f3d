// MNIST and Fashion-MNIST: 28x28 grayscale images in 10 classes, from IDX files.
// `await data.FashionMNIST({ train: true })` looks, in order, in `root/<Name>/` (default
// `$RECEPTIVE_DATA` or `~/.cache/receptive/datasets`), in a system copy (Debian's
// dataset-fashion-mnist in /usr/share/datasets/fashion-mnist), then downloads into root (when
// `download` is on), and for Fashion-MNIST finally falls back to the embedded sample
// (2,000 train / 500 test images), saying so.
//
// NOTE: every file is verified before use: gzip CRC, IDX magic, dims, item counts, labels < 10,
// and a checksum: the MD5 of the upstream .gz, or the SHA-256 of the decompressed bytes (which
// also matches recompressed copies such as Debian's). A bad file in root is re-downloaded when
// downloading is on, and otherwise an error; a bad system copy is an error. Never used silently.

import { existsSync, readFileSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { check } from "../errors";
import { Tensor } from "../tensor/tensor";
import { Dataset } from "./dataset";
import { downloadFile, md5, progressLine, sha256 } from "./files";
import { gunzip, isGzip, parseIdx } from "./idx";
import { type RawImage, type Transform, toTensor } from "./transforms";

interface FileSpec {
  /** MD5 of the upstream gzip file. */
  md5?: string;
  /** SHA-256 of the decompressed IDX bytes. */
  sha256?: string;
}

interface DatasetSpec {
  name: string;
  classes: readonly string[];
  mirrors: readonly string[];
  systemDirs: readonly string[];
  counts: { train: number; test: number };
  files: Record<string, FileSpec>;
}

// Upstream MD5s as torchvision lists them; SHA-256s of the decompressed files (Fashion-MNIST:
// computed from Debian's dataset-fashion-mnist 2020 package).
const FASHION: DatasetSpec = {
  name: "FashionMNIST",
  classes: [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ],
  mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
  systemDirs: ["/usr/share/datasets/fashion-mnist"],
  counts: { train: 60000, test: 10000 },
  files: {
    "train-images-idx3-ubyte.gz": {
      md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
      sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    },
    "train-labels-idx1-ubyte.gz": {
      md5: "25c81989df183df01b3e8a0aad5dffbe",
      sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    },
    "t10k-images-idx3-ubyte.gz": {
      md5: "bef4ecab320f06d8554ea6380940ec79",
      sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    },
    "t10k-labels-idx1-ubyte.gz": {
      md5: "bb300cfdad3c16e7a12a480ee83cd310",
      sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
  },
};

const MNIST_SPEC: DatasetSpec = {
  name: "MNIST",
  classes: [
    "0 - zero",
    "1 - one",
    "2 - two",
    "3 - three",
    "4 - four",
    "5 - five",
    "6 - six",
    "7 - seven",
    "8 - eight",
    "9 - nine",
  ],
  mirrors: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
  systemDirs: ["/usr/share/datasets/mnist"],
  counts: { train: 60000, test: 10000 },
  files: {
    "train-images-idx3-ubyte.gz": { md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873" },
    "train-labels-idx1-ubyte.gz": { md5: "d53e105ee54ea40749a09fcbcd1e9432" },
    "t10k-images-idx3-ubyte.gz": { md5: "9fb629c4189551a2d022fa330f9573f3" },
    "t10k-labels-idx1-ubyte.gz": { md5: "ec29112dd5afa0611ce80d1b7f02629c" },
  },
};

/** The embedded sample (made by sample/make-sample.mjs). */
const SAMPLE: DatasetSpec = {
  ...FASHION,
  name: "FashionMNIST sample",
  mirrors: [],
  systemDirs: [],
  counts: { train: 2000, test: 500 },
  files: {
    "train-images-idx3-ubyte.gz": {
      sha256: "a724cd72799a6b1c3a81c4263865a75a73bb6473673b3394e34adf222930f19e",
    },
    "train-labels-idx1-ubyte.gz": {
      sha256: "4738fd437c0f8d6498ae7f6f5c86f1cc3c878d4116ff169fc5635bd6847899cc",
    },
    "t10k-images-idx3-ubyte.gz": {
      sha256: "8fdf02ada67d92f4db5ba3c2f6c5b1cc6186ba6e0efd4914661e4389e103b81e",
    },
    "t10k-labels-idx1-ubyte.gz": {
      sha256: "9c71808b3a0ebfc091442c0009a7aa35be2d9622bf6aaf6891ce9a0088e96c07",
    },
  },
};

export interface MNISTOptions {
  /** Training split (default) or test split. */
  train?: boolean;
  /** Folder holding `<Name>/` with the .gz files; default $RECEPTIVE_DATA or ~/.cache/receptive/datasets. */
  root?: string;
  /** Download into root when no verified copy is found (default true). */
  download?: boolean;
  /** Applied to each image (a RawImage); default toTensor(): float (1, 28, 28) in [0, 1]. */
  transform?: Transform;
  /** Applied to each label (a number). */
  targetTransform?: Transform<number>;
  /** Fashion-MNIST only: use the embedded sample even if a full copy exists. */
  sample?: boolean;
  /** Base URLs to download from, tried in order (default: the dataset's mirrors). */
  mirrors?: readonly string[];
  /** Print the sample fallback note and download progress on stderr (default true). */
  verbose?: boolean;
}

/** An MNIST-style dataset in memory: samples are [image, label]. */
export class MNISTDataset extends Dataset<[any, any]> {
  readonly classes: readonly string[];
  /** Where the data came from (a folder, or "embedded sample ..."). */
  readonly source: string;
  /** True when this is the embedded sample rather than the full dataset. */
  readonly isSample: boolean;
  readonly rows: number;
  readonly cols: number;
  private readonly count: number;

  constructor(
    readonly name: string,
    /** All pixels, image after image, (N, 28, 28) bytes. */
    readonly images: Uint8Array,
    /** All labels (N). */
    readonly labels: Uint8Array,
    dims: { rows: number; cols: number },
    info: { classes: readonly string[]; source: string; isSample: boolean },
    readonly transform?: Transform,
    readonly targetTransform?: Transform<number>,
  ) {
    super();
    this.count = labels.length;
    this.rows = dims.rows;
    this.cols = dims.cols;
    this.classes = info.classes;
    this.source = info.source;
    this.isSample = info.isSample;
  }

  get length(): number {
    return this.count;
  }

  /** The raw 8-bit image i, before transforms. */
  image(index: number): RawImage {
    this.checkIndex(index);
    const size = this.rows * this.cols;
    return {
      data: this.images.subarray(index * size, (index + 1) * size),
      height: this.rows,
      width: this.cols,
      channels: 1,
    };
  }

  get(index: number): [any, any] {
    const img = this.image(index);
    const label = this.labels[index];
    return [(this.transform ?? toTensor())(img), this.targetTransform ? this.targetTransform(label) : label];
  }

  /** All labels as an int64 tensor (N). */
  get targets(): Tensor {
    return new Tensor(Float32Array.from(this.labels), [this.count], "int64");
  }

  /** Without custom transforms: the batch as x (B, 1, H, W) in [0, 1] and y (B) int64, in one pass. */
  override getBatch(indices: readonly number[]): [Tensor, Tensor] | undefined {
    if (this.transform !== undefined || this.targetTransform !== undefined) return undefined;
    const size = this.rows * this.cols;
    const x = new Float32Array(indices.length * size); // (B, 1, H, W)
    const y = new Float32Array(indices.length); // (B)
    indices.forEach((i, b) => {
      this.checkIndex(i);
      const src = this.images.subarray(i * size, (i + 1) * size);
      for (let k = 0; k < size; k++) x[b * size + k] = src[k] / 255;
      y[b] = this.labels[i];
    });
    return [
      new Tensor(x, [indices.length, 1, this.rows, this.cols]),
      new Tensor(y, [indices.length], "int64"),
    ];
  }

  override toString(): string {
    return `Dataset ${this.name}\n    Number of datapoints: ${this.count}\n    Source: ${this.source}`;
  }
}

/** Checks one file's bytes against its spec; throws a clear error naming `path`. */
export function verifyDatasetFile(
  bytes: Uint8Array,
  spec: FileSpec,
  expect: { kind: "images" | "labels"; count: number },
  path: string,
): { dims: number[]; data: Uint8Array } {
  const op = "dataset";
  const upstream = spec.md5 !== undefined && md5(bytes) === spec.md5;
  const raw = isGzip(bytes) ? gunzip(bytes, path) : bytes;
  if (!upstream && spec.sha256 !== undefined)
    check(
      sha256(raw) === spec.sha256,
      op,
      () =>
        `${path} does not match its checksum (SHA-256 of the decompressed data); the file is corrupt or is not the expected dataset file`,
    );
  const { dims, data } = parseIdx(raw, path);
  check(data instanceof Uint8Array, op, () => `${path} should hold unsigned bytes`);
  const wantDims = expect.kind === "images" ? 3 : 1;
  check(
    dims.length === wantDims && dims[0] === expect.count,
    op,
    () =>
      `${path} should hold ${expect.count} ${expect.kind}${expect.kind === "images" ? " of 28x28" : ""}, but its header says [${dims.join(", ")}]`,
  );
  if (expect.kind === "images")
    check(
      dims[1] === 28 && dims[2] === 28,
      op,
      () => `${path} holds ${dims[1]}x${dims[2]} images, expected 28x28`,
    );
  else
    check(
      data.every((v) => v < 10),
      op,
      () => `${path} contains labels outside 0..9; the file is corrupt`,
    );
  return { dims, data: data as Uint8Array };
}

function defaultRoot(): string {
  return process.env.RECEPTIVE_DATA ?? join(homedir(), ".cache", "receptive", "datasets");
}

/** The folder the embedded sample lives in (next to the sources; compiled code runs from dist/). */
export function sampleDir(): string {
  const candidates = [
    join(__dirname, "sample"),
    join(__dirname, "..", "..", "..", "..", "kernel", "engine", "data", "sample"),
  ];
  const dir = candidates.find((d) => existsSync(join(d, "t10k-labels-idx1-ubyte.gz")));
  check(
    dir !== undefined,
    "FashionMNIST",
    () => `the embedded sample is missing (looked in ${candidates.join(", ")})`,
  );
  return dir;
}

type Split = { images: Uint8Array; labels: Uint8Array };

function loadFrom(dir: string, spec: DatasetSpec, train: boolean): Split {
  const prefix = train ? "train" : "t10k";
  const count = train ? spec.counts.train : spec.counts.test;
  const imgName = `${prefix}-images-idx3-ubyte.gz`;
  const labName = `${prefix}-labels-idx1-ubyte.gz`;
  const images = verifyDatasetFile(
    readFileSync(join(dir, imgName)),
    spec.files[imgName],
    { kind: "images", count },
    join(dir, imgName),
  );
  const labels = verifyDatasetFile(
    readFileSync(join(dir, labName)),
    spec.files[labName],
    { kind: "labels", count },
    join(dir, labName),
  );
  return { images: images.data, labels: labels.data };
}

function hasFiles(dir: string, train: boolean): boolean {
  const prefix = train ? "train" : "t10k";
  return (
    existsSync(join(dir, `${prefix}-images-idx3-ubyte.gz`)) &&
    existsSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`))
  );
}

async function downloadSplit(
  dir: string,
  spec: DatasetSpec,
  train: boolean,
  mirrors: readonly string[],
  verbose: boolean,
) {
  const prefix = train ? "train" : "t10k";
  const count = train ? spec.counts.train : spec.counts.test;
  for (const [name, kind] of [
    [`${prefix}-images-idx3-ubyte.gz`, "images"],
    [`${prefix}-labels-idx1-ubyte.gz`, "labels"],
  ] as const) {
    const errors: string[] = [];
    let done = false;
    for (const base of mirrors) {
      const url = base + name;
      try {
        await downloadFile(url, join(dir, name), {
          verify: (bytes) => verifyDatasetFile(bytes, spec.files[name], { kind, count }, url),
          onProgress: verbose ? (r, t) => process.stderr.write(`\r${progressLine(name, r, t)}`) : undefined,
        });
        if (verbose) process.stderr.write("\n");
        done = true;
        break;
      } catch (e) {
        errors.push(`${url}: ${(e as Error).message}`);
      }
    }
    check(done, spec.name, () => `could not download ${name}:\n  ${errors.join("\n  ")}`);
  }
}

async function load(spec: DatasetSpec, options: MNISTOptions): Promise<MNISTDataset> {
  const { train = true, download = true, transform, targetTransform, verbose = true } = options;
  const root = options.root ?? defaultRoot();
  const dir = join(root, spec.name);
  const make = (split: Split, source: string, isSample: boolean, name = spec.name) =>
    new MNISTDataset(
      name,
      split.images,
      split.labels,
      { rows: 28, cols: 28 },
      { classes: spec.classes, source, isSample },
      transform,
      targetTransform,
    );
  const useSample = (why: string) => {
    const sdir = sampleDir();
    if (verbose)
      process.stderr.write(
        `receptive: using the embedded Fashion-MNIST sample (${SAMPLE.counts.train} train / ${SAMPLE.counts.test} test images): ${why}\n`,
      );
    return make(loadFrom(sdir, SAMPLE, train), `embedded sample (${sdir})`, true, "FashionMNIST (sample)");
  };
  if (options.sample) {
    check(spec === FASHION, spec.name, "only Fashion-MNIST has an embedded sample");
    return useSample("asked for with sample: true");
  }

  // 1. A copy in root (downloaded earlier or put there by the user).
  if (hasFiles(dir, train)) {
    try {
      return make(loadFrom(dir, spec, train), dir, false);
    } catch (e) {
      check(
        download,
        spec.name,
        () =>
          `${(e as Error).message}\nDelete the file, or pass download: true to fetch a fresh copy into ${dir}`,
      );
      if (verbose) process.stderr.write(`receptive: ${(e as Error).message}; downloading a fresh copy\n`);
      for (const f of Object.keys(spec.files))
        if (f.startsWith(train ? "train" : "t10k")) rmSync(join(dir, f), { force: true });
      await downloadSplit(dir, spec, train, options.mirrors ?? spec.mirrors, verbose);
      return make(loadFrom(dir, spec, train), dir, false);
    }
  }
  // 2. A system copy (e.g. Debian's dataset-fashion-mnist); a bad one is an error, not skipped.
  for (const sys of spec.systemDirs)
    if (hasFiles(sys, train)) {
      try {
        return make(loadFrom(sys, spec, train), sys, false);
      } catch (e) {
        check(
          false,
          spec.name,
          () =>
            `${(e as Error).message}\nThe system copy in ${sys} is damaged; reinstall it (sudo apt-get install --reinstall dataset-fashion-mnist) or pass root: to use another copy`,
        );
      }
    }
  // 3. Download into root.
  let downloadError = "downloading is off (download: false)";
  if (download) {
    try {
      await downloadSplit(dir, spec, train, options.mirrors ?? spec.mirrors, verbose);
      return make(loadFrom(dir, spec, train), dir, false);
    } catch (e) {
      downloadError = (e as Error).message;
    }
  }
  // 4. The embedded sample (Fashion-MNIST), else a clear error.
  const looked = [dir, ...spec.systemDirs].join(", ");
  if (spec === FASHION) return useSample(`no full copy in ${looked}, and ${downloadError}`);
  check(false, spec.name, () => `no copy found in ${looked}, and ${downloadError}`);
}

/** Fashion-MNIST (Zalando, MIT): 60,000 train / 10,000 test 28x28 images of 10 kinds of clothing. */
export function FashionMNIST(options: MNISTOptions = {}): Promise<MNISTDataset> {
  return load(FASHION, options);
}

/** MNIST handwritten digits: 60,000 train / 10,000 test 28x28 images. */
export function MNIST(options: MNISTOptions = {}): Promise<MNISTDataset> {
  return load(MNIST_SPEC, options);
}
