// Makes the embedded Fashion-MNIST sample from Debian's dataset-fashion-mnist files:
// the first 200 training and the first 50 test images of each class (2,000 + 500), in file order,
// written as gzipped IDX files next to this script. Run: node kernel/engine/data/sample/make-sample.mjs
// Then update SAMPLE_CHECKSUMS in ../mnist.ts with the printed SHA-256 values.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const src = process.argv[2] ?? "/usr/share/datasets/fashion-mnist";
const here = dirname(fileURLToPath(import.meta.url));
const PER_CLASS = { train: 200, t10k: 50 };

function idx(dims, body) {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
  return Buffer.concat([head, body]);
}

for (const split of ["train", "t10k"]) {
  const images = gunzipSync(readFileSync(join(src, `${split}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(src, `${split}-labels-idx1-ubyte.gz`)));
  const n = labels.readUInt32BE(4);
  const taken = new Array(10).fill(0);
  const chosen = [];
  for (let i = 0; i < n; i++) {
    const c = labels[8 + i];
    if (taken[c] < PER_CLASS[split]) {
      taken[c]++;
      chosen.push(i);
    }
  }
  const img = Buffer.alloc(chosen.length * 784);
  const lab = Buffer.alloc(chosen.length);
  chosen.forEach((i, k) => {
    images.copy(img, k * 784, 16 + i * 784, 16 + (i + 1) * 784);
    lab[k] = labels[8 + i];
  });
  for (const [name, raw] of [
    [`${split}-images-idx3-ubyte.gz`, idx([chosen.length, 28, 28], img)],
    [`${split}-labels-idx1-ubyte.gz`, idx([chosen.length], lab)],
  ]) {
    writeFileSync(join(here, name), gzipSync(raw, { level: 9 }));
    console.log(`${name}: ${chosen.length} items, sha256 ${createHash("sha256").update(raw).digest("hex")}`);
  }
}
