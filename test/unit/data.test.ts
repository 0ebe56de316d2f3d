// data: IDX parsing, datasets, the DataLoader (batching, seeded shuffling, dropLast, yielding to
// the event loop), transforms, atomic writes and downloads over real local HTTP, and
// Fashion-MNIST on Debian's real files, on the embedded sample, and on corrupt copies.

import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import * as jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { arange, data, Generator, type Tensor, tensor } from "../../kernel/engine/index";

const DEBIAN = "/usr/share/datasets/fashion-mnist";
const tmp = () => mkdtempSync(join(tmpdir(), "receptive-data-"));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("IDX files", () => {
  it("round-trips and reads gzipped files", () => {
    const bytes = data.encodeIdxUint8([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 255]));
    const a = data.parseIdx(bytes);
    assert.deepEqual(a.dims, [2, 3]);
    assert.deepEqual([...a.data], [1, 2, 3, 4, 5, 255]);
    assert.deepEqual([...data.parseIdx(gzipSync(bytes)).data], [1, 2, 3, 4, 5, 255]);
  });
  it("rejects bad magic, truncation and broken gzip with clear errors", () => {
    const bytes = data.encodeIdxUint8([2, 3], new Uint8Array(6));
    assert.throws(
      () => data.parseIdx(Uint8Array.from([1, 2, 3, 4, 5]), "x.idx"),
      /x.idx does not start with an IDX magic/,
    );
    assert.throws(
      () => data.parseIdx(bytes.subarray(0, 15), "x.idx"),
      /should hold 18 bytes .* but has 15; it is truncated/,
    );
    const gz = gzipSync(bytes);
    assert.throws(
      () => data.parseIdx(gz.subarray(0, gz.length - 6), "x.gz"),
      /x.gz is not a valid gzip file .* truncated or corrupt/,
    );
  });
});

describe("datasets and the DataLoader", () => {
  const x = arange(0, 10).float().reshape(10, 1);
  const y = arange(0, 10);
  const ds = new data.TensorDataset(x, y);

  it("TensorDataset indexes rows; mismatched sizes are an error", () => {
    assert.equal(ds.length, 10);
    const [xi, yi] = ds.get(3);
    assert.deepEqual(xi.toArray(), [3]);
    assert.equal(yi.item(), 3);
    assert.throws(() => ds.get(10), /index 10 is out of range for a dataset of 10 samples/);
    assert.throws(
      () => new data.TensorDataset(x, arange(0, 9)),
      /same size in dim 0, got \[10, 1\] and \[9\]/,
    );
  });

  it("batches in order, with length and dropLast", async () => {
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    assert.equal(loader.length, 3);
    const batches = (await collect(loader)) as Tensor[][];
    assert.deepEqual(
      batches.map(([bx]) => bx.shape[0]),
      [4, 4, 2],
    );
    assert.deepEqual(batches[2][1].toArray(), [8, 9]);
    assert.equal(batches[0][1].dtype, "int64");
    const dropped = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    assert.equal(dropped.length, 2);
    assert.equal((await collect(dropped)).length, 2);
  });

  it("shuffles every epoch, covering each sample once; a seed makes it reproducible", async () => {
    const ys = async (loader: data.DataLoader) =>
      ((await collect(loader)) as Tensor[][]).flatMap(([, by]) => by.toArray() as number[]);
    const a = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    const e1 = await ys(a);
    const e2 = await ys(a);
    assert.deepEqual(
      [...e1].sort((p, q) => p - q),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.notDeepEqual(e1, e2, "a new permutation each epoch");
    assert.notDeepEqual(e1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b = new data.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    assert.deepEqual(await ys(b), e1);
    assert.deepEqual(await ys(b), e2);
  });

  it("yields to the event loop before every batch", async () => {
    let ticks = 0;
    let running = true;
    const spin = () => {
      if (!running) return;
      ticks++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const seen: number[] = [];
    for await (const _ of new data.DataLoader(ds, { batchSize: 2 })) seen.push(ticks);
    running = false;
    assert.equal(seen.length, 5);
    for (let i = 1; i < seen.length; i++)
      assert.ok(seen[i] > seen[i - 1], `macrotasks ran between batches ${i - 1} and ${i}`);
  });

  it("collates tuples of tensors and numbers; the fast path equals the per-sample path", () => {
    class Pairs extends data.Dataset<[Tensor, number]> {
      get length() {
        return 4;
      }
      get(i: number): [Tensor, number] {
        return [tensor([i, i * 2]), i % 2];
      }
    }
    const loader = new data.DataLoader(new Pairs(), { batchSize: 4 });
    const [bx, by] = loader.batch([0, 1, 2, 3]);
    assert.deepEqual(bx.toArray(), [
      [0, 0],
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
    assert.deepEqual(by.toArray(), [0, 1, 0, 1]);
    assert.equal(by.dtype, "int64");
    const slow = data.defaultCollate([2, 5, 7].map((i) => ds.get(i))) as Tensor[];
    const fast = new data.DataLoader(ds).batch([2, 5, 7]) as Tensor[];
    assert.deepEqual(fast[0].toArray(), slow[0].toArray());
    assert.deepEqual(fast[1].toArray(), slow[1].toArray());
  });

  it("randomSplit and Subset", () => {
    const [a, b] = data.randomSplit(ds, [7, 3], { generator: new Generator(1) });
    assert.equal(a.length + b.length, 10);
    const all = [...a.indices, ...b.indices].sort((p, q) => p - q);
    assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(b.get(0)[1].item(), b.indices[0]);
    assert.throws(
      () => data.randomSplit(ds, [5, 3]),
      /sum of lengths \(8\) does not equal the length of the dataset \(10\)/,
    );
  });
});

describe("transforms", () => {
  const { transforms: T } = data;
  // 2x3 RGB image; pixel (y, x) has channels (10y + x, 100 + 10y + x, 200 + x).
  const img: data.RawImage = {
    height: 2,
    width: 3,
    channels: 3,
    data: Uint8Array.from({ length: 18 }, (_, k) => {
      const c = k % 3;
      const p = Math.floor(k / 3);
      const yy = Math.floor(p / 3);
      const xx = p % 3;
      return c === 0 ? 10 * yy + xx : c === 1 ? 100 + 10 * yy + xx : 200 + xx;
    }),
  };

  it("toTensor: (H, W, C) bytes -> (C, H, W) floats in [0, 1]", () => {
    const t = T.toTensor()(img);
    assert.deepEqual(t.shape, [3, 2, 3]);
    assert.ok(Math.abs(t.storage[1 * 6 + 1 * 3 + 2] - 112 / 255) < 1e-7);
    assert.ok(Math.abs(t.storage[2 * 6 + 0 * 3 + 1] - 201 / 255) < 1e-7);
  });
  it("normalize per channel, with clear errors", () => {
    const t = T.normalize([0.5, 0, 1], [0.5, 1, 2])(tensor([[[1]], [[3]], [[5]]]));
    assert.deepEqual(t.toArray(), [[[1]], [[3]], [[2]]]);
    const batch = T.normalize(
      [1, 2],
      [2, 4],
    )(
      tensor([
        [[[3]], [[6]]],
        [[[5]], [[10]]],
      ]),
    );
    assert.deepEqual(batch.toArray(), [
      [[[1]], [[1]]],
      [[[2]], [[2]]],
    ]);
    assert.throws(() => T.normalize([0.5], [0]), /std contains a zero/);
    assert.throws(
      () => T.normalize([0.5, 0.5], [1, 1])(tensor([[[1]]])),
      /C = 2 channels, got shape \[1, 1, 1\]/,
    );
  });
  it("randomHorizontalFlip mirrors (p = 1) or keeps (p = 0) the image", () => {
    const t = tensor([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    assert.deepEqual(T.randomHorizontalFlip(1)(t).toArray(), [
      [
        [3, 2, 1],
        [6, 5, 4],
      ],
    ]);
    assert.equal(T.randomHorizontalFlip(0)(t), t);
    const flipped = T.randomHorizontalFlip(1)(img) as data.RawImage;
    assert.deepEqual([...flipped.data.subarray(0, 3)], [2, 102, 202]);
  });
  it("randomCrop with padding returns a window of the zero-padded image", () => {
    const base = arange(0, 16).float().reshape(1, 4, 4);
    const crop = T.randomCrop(4, { padding: 2, generator: new Generator(3) });
    const offsets = new Set<string>();
    for (let trial = 0; trial < 40; trial++) {
      const out = crop(base) as Tensor;
      assert.deepEqual(out.shape, [1, 4, 4]);
      // Find the window: the offset (dy, dx) in [-2, 2] that explains every pixel.
      let match: string | null = null;
      for (let dy = -2; dy <= 2 && match === null; dy++)
        for (let dx = -2; dx <= 2 && match === null; dx++) {
          const ok = out.storage.every((v, k) => {
            const sy = Math.floor(k / 4) + dy;
            const sx = (k % 4) + dx;
            return v === (sy >= 0 && sy < 4 && sx >= 0 && sx < 4 ? sy * 4 + sx : 0);
          });
          if (ok) match = `${dy},${dx}`;
        }
      assert.ok(match !== null, `crop ${trial} is not a window of the padded image`);
      offsets.add(match);
    }
    assert.ok(offsets.size > 5, `crops should vary, saw ${offsets.size} offsets`);
    assert.throws(
      () => T.randomCrop(5)(base),
      /crop size \[5, 5\] is larger than the \(padded\) image \[4, 4\]/,
    );
    assert.deepEqual((T.randomCrop(6, { padIfNeeded: true })(base) as Tensor).shape, [1, 6, 6]);
  });
  it("resize (bilinear, half-pixel centres) and centerCrop (Python rounding)", () => {
    assert.deepEqual(T.resize([1, 4])(tensor([[[0, 1]]])).toArray(), [[[0, 0.25, 0.75, 1]]]);
    const flat = T.resize(3)({
      height: 4,
      width: 8,
      channels: 1,
      data: new Uint8Array(32).fill(77),
    }) as data.RawImage;
    assert.deepEqual([flat.height, flat.width], [3, 6]);
    assert.ok(flat.data.every((v) => v === 77));
    const grid = arange(0, 25).float().reshape(1, 5, 5);
    // (5 - 2) / 2 = 1.5 rounds to 2 (half to even), as torchvision's center_crop: rows and columns 2-3.
    assert.deepEqual((T.centerCrop(2)(grid) as Tensor).toArray(), [
      [
        [12, 13],
        [17, 18],
      ],
    ]);
    assert.deepEqual((T.centerCrop([3, 1])(grid) as Tensor).toArray(), [[[7], [12], [17]]]);
    assert.throws(
      () => T.centerCrop(6)(grid),
      /crop size \[6, 6\] is larger than the image \[5, 5\]; resize first/,
    );
  });
  it("compose applies in order", () => {
    const f = T.compose([T.toTensor(), T.normalize([0], [0.5])]);
    const out = f({ height: 1, width: 1, channels: 1, data: Uint8Array.from([255]) });
    assert.deepEqual(out.toArray(), [[[2]]]);
  });
});

describe("dataset files: atomic writes and downloads (real HTTP on localhost)", () => {
  let server: Server;
  let base = "";
  const served = new Map<string, Uint8Array>();
  before(async () => {
    server = createServer((req, res) => {
      const body = served.get(req.url ?? "");
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-length": body.length });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (const f of ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
      served.set(`/${f}`, readFileSync(join(DEBIAN, f)));
  });
  after(() => server.close());

  it("writeFileAtomic leaves only the final file", () => {
    const dir = tmp();
    data.writeFileAtomic(join(dir, "sub", "a.bin"), Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...readFileSync(join(dir, "sub", "a.bin"))], [1, 2, 3]);
    assert.deepEqual(readdirSync(join(dir, "sub")), ["a.bin"]);
  });

  it("downloadFile checks the MD5 before the file appears; a mismatch leaves nothing behind", async () => {
    const dir = tmp();
    served.set("/small.bin", Uint8Array.from([9, 8, 7]));
    const got = await data.downloadFile(`${base}small.bin`, join(dir, "small.bin"), {
      md5: data.md5(Uint8Array.from([9, 8, 7])),
    });
    assert.deepEqual([...got], [9, 8, 7]);
    assert.deepEqual([...readFileSync(join(dir, "small.bin"))], [9, 8, 7]);
    await assert.rejects(
      data.downloadFile(`${base}small.bin`, join(dir, "other.bin"), { md5: "0".repeat(32) }),
      /has MD5 .* expected 0{32} .* corrupt or truncated/,
    );
    assert.deepEqual(readdirSync(dir), ["small.bin"]);
    await assert.rejects(data.downloadFile(`${base}missing.bin`, join(dir, "m.bin")), /failed: HTTP 404/);
    // A server that answers the headers and then goes silent.
    const silent = createServer((_req, res) => {
      res.writeHead(200, { "content-length": 100 });
      res.write(Uint8Array.from([1, 2, 3]));
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as AddressInfo).port;
    try {
      await assert.rejects(
        data.downloadFile(`http://127.0.0.1:${port}/x`, join(dir, "x.bin"), { stallTimeoutMs: 300 }),
        /no data for 0.3 s \(3 bytes received\)/,
      );
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
    assert.deepEqual(readdirSync(dir), ["small.bin"]);
  });

  it("a corrupt copy in root is an error without download, and is re-downloaded with it", async () => {
    const root = tmp();
    const dir = join(root, "FashionMNIST");
    mkdirSync(dir);
    const good = readFileSync(join(DEBIAN, "t10k-images-idx3-ubyte.gz"));
    writeFileSync(join(dir, "t10k-images-idx3-ubyte.gz"), good.subarray(0, good.length - 1000));
    copyFileSync(join(DEBIAN, "t10k-labels-idx1-ubyte.gz"), join(dir, "t10k-labels-idx1-ubyte.gz"));
    await assert.rejects(
      data.FashionMNIST({ root, train: false, download: false, verbose: false }),
      /t10k-images-idx3-ubyte.gz is not a valid gzip file .* truncated or corrupt.*\n.*pass download: true/s,
    );
    const ds = await data.FashionMNIST({
      root,
      train: false,
      download: true,
      mirrors: [base],
      verbose: false,
    });
    assert.equal(ds.source, dir);
    assert.equal(ds.length, 10000);
    assert.deepEqual(readFileSync(join(dir, "t10k-images-idx3-ubyte.gz")), good);
    assert.deepEqual(readdirSync(dir).sort(), ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]);
  });

  it("a well-formed file with the wrong content fails its checksum", async () => {
    const root = tmp();
    const dir = join(root, "FashionMNIST");
    mkdirSync(dir);
    copyFileSync(join(DEBIAN, "t10k-images-idx3-ubyte.gz"), join(dir, "t10k-images-idx3-ubyte.gz"));
    writeFileSync(
      join(dir, "t10k-labels-idx1-ubyte.gz"),
      gzipSync(data.encodeIdxUint8([10000], new Uint8Array(10000))),
    );
    await assert.rejects(
      data.FashionMNIST({ root, train: false, download: false, verbose: false }),
      /t10k-labels-idx1-ubyte.gz does not match its checksum/,
    );
  });

  it("MNIST with no copy anywhere and downloading off is a clear error", async () => {
    const root = tmp();
    await assert.rejects(
      data.MNIST({ root, download: false }),
      /MNIST: no copy found in .*MNIST.*, and downloading is off/,
    );
  });
});

describe("Fashion-MNIST: Debian's real files and the embedded sample", () => {
  it("finds the system copy; 60,000 / 10,000 images, 10 balanced classes, pixels in [0, 1]", async () => {
    const root = tmp();
    for (const [train, n] of [
      [true, 60000],
      [false, 10000],
    ] as const) {
      const ds = await data.FashionMNIST({ train, root, download: false, verbose: false });
      assert.equal(ds.source, DEBIAN);
      assert.equal(ds.isSample, false);
      assert.equal(ds.length, n);
      const counts = new Array(10).fill(0);
      for (const l of ds.labels) counts[l]++;
      assert.deepEqual(counts, new Array(10).fill(n / 10));
      const [x, y] = ds.get(0);
      assert.deepEqual(x.shape, [1, 28, 28]);
      assert.equal(typeof y, "number");
      let min = 255;
      let max = 0;
      for (const v of ds.images) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.deepEqual([min, max], [0, 255]);
      const [bx, by] = ds.getBatch([0, 5])!;
      assert.deepEqual(bx.shape, [2, 1, 28, 28]);
      assert.deepEqual(bx.get(0).data, x.data);
      assert.ok(bx.data.every((v) => v >= 0 && v <= 1));
      assert.deepEqual(by.toArray(), [ds.labels[0], ds.labels[5]]);
    }
  });

  it("the sample: 2,000 / 500 images, 200 / 50 per class, identical to the full dataset's images", async () => {
    const full = await data.FashionMNIST({ train: true, root: tmp(), download: false, verbose: false });
    for (const [train, n] of [
      [true, 2000],
      [false, 500],
    ] as const) {
      const s = await data.FashionMNIST({ train, sample: true, verbose: false });
      assert.equal(s.isSample, true);
      assert.equal(s.length, n);
      const counts = new Array(10).fill(0);
      for (const l of s.labels) counts[l]++;
      assert.deepEqual(counts, new Array(10).fill(n / 10));
      assert.deepEqual(s.classes[9], "Ankle boot");
    }
    const s = await data.FashionMNIST({ train: true, sample: true, verbose: false });
    // The sample keeps file order: its first image is the full set's first image.
    assert.deepEqual(s.image(0).data, full.image(0).data);
    assert.equal(s.labels[0], full.labels[0]);
    const loader = new data.DataLoader(s, { batchSize: 64, shuffle: true, seed: 0 });
    assert.equal(loader.length, 32);
    const [x, y] = loader.batch([0, 1, 2]);
    assert.deepEqual(x.shape, [3, 1, 28, 28]);
    assert.equal(y.dtype, "int64");
    assert.ok(
      existsSync(join(__dirname, "..", "..", "..", "kernel", "engine", "data", "sample", "README.md")),
    );
  });
});

describe("CIFAR-10 (binary batches)", () => {
  // Record i: label i % 10, red plane = i, green = 100 + pixel % 50, blue = 255.
  function batchBytes(n: number): Uint8Array {
    const out = new Uint8Array(n * 3073);
    for (let i = 0; i < n; i++) {
      out[i * 3073] = i % 10;
      for (let p = 0; p < 1024; p++) {
        out[i * 3073 + 1 + p] = i % 256;
        out[i * 3073 + 1 + 1024 + p] = 100 + (p % 50);
        out[i * 3073 + 1 + 2048 + p] = 255;
      }
    }
    return out;
  }

  it("tar archives round-trip (the reader takes the batches out of cifar-10-binary.tar.gz)", () => {
    const entries = [
      {
        name: "cifar-10-batches-bin/batches.meta.txt",
        data: new TextEncoder().encode("airplane\nautomobile\n"),
      },
      { name: "cifar-10-batches-bin/test_batch.bin", data: batchBytes(3) },
    ];
    const back = data.readTar(data.writeTar(entries));
    assert.deepEqual(
      back.map((e) => [e.name, e.data.length]),
      entries.map((e) => [e.name, e.data.length]),
    );
    assert.deepEqual(back[1].data, entries[1].data);
    const tar = data.writeTar(entries);
    assert.throws(
      () => data.readTar(tar.subarray(0, 1500), "x.tar"),
      /x.tar is truncated inside a header at byte 1024/,
    );
    assert.throws(
      () => data.readTar(tar.subarray(0, 2000), "x.tar"),
      /x.tar is truncated: cifar-10-batches-bin\/test_batch.bin needs 9219 bytes/,
    );
  });

  it("parses records: labels, planar pixels; wrong sizes and labels are errors", () => {
    const { labels, images } = data.parseCifarBatch(batchBytes(12), "b.bin", 12);
    assert.deepEqual([...labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    assert.equal(images[3 * 3072], 3);
    assert.equal(images[3 * 3072 + 1024 + 7], 107);
    assert.throws(
      () => data.parseCifarBatch(batchBytes(12).subarray(0, 3073 * 11), "b.bin", 12),
      /b.bin should hold 12 records .* it is truncated/,
    );
    const bad = batchBytes(2);
    bad[3073] = 12;
    assert.throws(() => data.parseCifarBatch(bad, "b.bin", 2), /record 1 has label 12, outside 0..9/);
  });

  it("loads an extracted test batch: (3, 32, 32) tensors, HWC raw images, fast batches", async () => {
    const root = tmp();
    mkdirSync(join(root, "CIFAR10", "cifar-10-batches-bin"), { recursive: true });
    writeFileSync(join(root, "CIFAR10", "cifar-10-batches-bin", "test_batch.bin"), batchBytes(10000));
    const ds = await data.CIFAR10({ root, train: false, download: false });
    assert.equal(ds.length, 10000);
    assert.deepEqual(ds.classes.slice(0, 2), ["airplane", "automobile"]);
    const raw = ds.image(7);
    assert.deepEqual([raw.height, raw.width, raw.channels], [32, 32, 3]);
    assert.deepEqual([...raw.data.subarray(0, 6)], [7, 100, 255, 7, 101, 255]);
    const [x, y] = ds.get(7);
    assert.deepEqual(x.shape, [3, 32, 32]);
    assert.ok(Math.abs(x.storage[1024 + 1] - 101 / 255) < 1e-7);
    assert.equal(y, 7);
    const [bx, by] = ds.getBatch([7, 8])!;
    assert.deepEqual(bx.get(0).data, x.data);
    assert.deepEqual(by.toArray(), [7, 8]);
    const counts = new Array(10).fill(0);
    for (const l of ds.labels) counts[l]++;
    assert.deepEqual(counts, new Array(10).fill(1000));
  });

  it("no copy and no download, or a corrupt archive, are clear errors", async () => {
    const root = tmp();
    await assert.rejects(
      data.CIFAR10({ root, download: false }),
      /CIFAR10: no copy found in .*CIFAR10 .*downloading is off/,
    );
    mkdirSync(join(root, "CIFAR10"));
    writeFileSync(join(root, "CIFAR10", "cifar-10-binary.tar.gz"), gzipSync(data.writeTar([])));
    await assert.rejects(
      data.CIFAR10({ root, download: false }),
      /cifar-10-binary.tar.gz does not match its MD5 .*\nDelete it, or pass download: true/,
    );
  });
});

describe("ImageFolder (PNG and JPEG through pngjs / jpeg-js)", () => {
  // A w x h RGBA picture whose pixel (y, x) is (10 x, 20 y, 200, alpha 128).
  function rgba(w: number, h: number): Buffer {
    const d = Buffer.alloc(w * h * 4);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) d.set([10 * x, 20 * y, 200, 128], 4 * (y * w + x));
    return d;
  }
  function pngFile(w: number, h: number): Buffer {
    const png = new PNG({ width: w, height: h });
    rgba(w, h).copy(png.data);
    return PNG.sync.write(png);
  }
  function folder(): string {
    const root = tmp();
    for (const c of ["dog", "cat"]) mkdirSync(join(root, c));
    writeFileSync(join(root, "cat", "b.png"), pngFile(4, 3));
    writeFileSync(join(root, "cat", "a.PNG"), pngFile(4, 3));
    writeFileSync(join(root, "cat", "notes.txt"), "not an image");
    writeFileSync(
      join(root, "dog", "x.jpg"),
      jpeg.encode({ data: rgba(8, 8), width: 8, height: 8 }, 95).data,
    );
    return root;
  }

  it("lists classes sorted, samples by class then name, and decodes PNG exactly", () => {
    const root = folder();
    const ds = new data.ImageFolder(root);
    assert.deepEqual(ds.classes, ["cat", "dog"]);
    assert.deepEqual(ds.classToIdx, { cat: 0, dog: 1 });
    assert.deepEqual(
      ds.samples.map(([p, c]) => [p.slice(root.length + 1), c]),
      [
        ["cat/a.PNG", 0],
        ["cat/b.png", 0],
        ["dog/x.jpg", 1],
      ],
    );
    const img = ds.image(0);
    assert.deepEqual([img.height, img.width, img.channels], [3, 4, 3]);
    assert.deepEqual([...img.data.subarray(3 * (2 * 4 + 3), 3 * (2 * 4 + 3) + 3)], [30, 40, 200]);
    const [x, y] = ds.get(1);
    assert.deepEqual(x.shape, [3, 3, 4]);
    assert.equal(y, 0);
    const gray = new data.ImageFolder(root, { channels: 1 }).image(0);
    assert.equal(gray.channels, 1);
    assert.equal(gray.data[2 * 4 + 3], Math.round((30 * 299 + 40 * 587 + 200 * 114) / 1000));
  });

  it("decodes JPEG (lossy: close to the original) and batches with transforms", async () => {
    const ds = new data.ImageFolder(folder(), {
      transform: data.transforms.compose([data.transforms.randomCrop(3), data.transforms.toTensor()]),
    });
    const jpg = ds.image(2);
    assert.deepEqual([jpg.height, jpg.width, jpg.channels], [8, 8, 3]);
    const want = [10 * 5, 20 * 6, 200];
    const got = [...jpg.data.subarray(3 * (6 * 8 + 5), 3 * (6 * 8 + 5) + 3)];
    got.forEach((v, c) => {
      assert.ok(Math.abs(v - want[c]) <= 12, `JPEG channel ${c}: ${v} vs ${want[c]}`);
    });
    const batches = (await collect(new data.DataLoader(ds, { batchSize: 3 }))) as Tensor[][];
    assert.deepEqual(batches[0][0].shape, [3, 3, 3, 3]);
    assert.deepEqual(batches[0][1].toArray(), [0, 0, 1]);
  });

  it("explains empty folders and corrupt images", () => {
    const empty = tmp();
    assert.throws(
      () => new data.ImageFolder(empty),
      /has no class folders; arrange images as root\/<class>\/<image>.png/,
    );
    assert.throws(() => new data.ImageFolder(join(empty, "missing")), /cannot read folder/);
    const root = folder();
    const good = readFileSync(join(root, "cat", "a.PNG"));
    writeFileSync(join(root, "cat", "a.PNG"), good.subarray(0, good.length - 20));
    const ds = new data.ImageFolder(root);
    assert.throws(() => ds.get(0), /a.PNG could not be decoded .* corrupt or truncated/);
    writeFileSync(join(root, "cat", "b.png"), "GIF89a...");
    assert.throws(() => ds.get(1), /b.png is neither a PNG nor a JPEG file/);
  });

  it("refuses images over maxPixels from the header, before decoding (decompression bombs)", () => {
    const root = folder();
    // A 46-byte file claiming 20000 x 20000 pixels (400 megapixels, 1.6 GB as RGBA).
    const bomb = Buffer.from(pngFile(1, 1));
    bomb.writeUInt32BE(20000, 16);
    bomb.writeUInt32BE(20000, 20);
    writeFileSync(join(root, "cat", "a.PNG"), bomb);
    const ds = new data.ImageFolder(root);
    assert.throws(
      () => ds.get(0),
      /^ReceptiveError: decodeImage: .*a\.PNG is 20000 x 20000 = 400\.0 megapixels, more than the limit of 50 megapixels .*maxPixels: 400000000/,
    );
    // The limit is configurable and applies to JPEG too (its SOF header).
    writeFileSync(join(root, "cat", "b.png"), pngFile(200, 100));
    writeFileSync(
      join(root, "dog", "x.jpg"),
      jpeg.encode({ data: rgba(300, 200), width: 300, height: 200 }, 90).data,
    );
    const small = new data.ImageFolder(root, { maxPixels: 10_000 });
    assert.throws(
      () => small.get(1),
      /b\.png is 200 x 100 = 0\.0 megapixels, more than the limit of 0\.01 megapixels/,
    );
    assert.throws(
      () => small.get(2),
      /x\.jpg is 300 x 200 = 0\.1 megapixels, more than the limit of 0\.01 megapixels/,
    );
    assert.deepEqual(ds.get(1)[0].shape, [3, 100, 200]);
    assert.deepEqual(ds.get(2)[0].shape, [3, 200, 300]);
    assert.equal(data.decodeImage(readFileSync(join(root, "dog", "x.jpg")), "x.jpg", 3, 60_000).width, 300);
  });

  it("names broken symbolic links and files gone since listing", () => {
    const root = folder();
    symlinkSync(join(root, "nowhere.png"), join(root, "cat", "c.png"));
    assert.throws(
      () => new data.ImageFolder(root),
      /^ReceptiveError: ImageFolder: .*cat\/c\.png is a broken symbolic link: it points to .*nowhere\.png, which cannot be read \(ENOENT\)\. Remove the link or restore its target$/,
    );
    rmSync(join(root, "cat", "c.png"));
    symlinkSync(join(root, "gone"), join(root, "bird"));
    assert.throws(() => new data.ImageFolder(root), /bird is a broken symbolic link: it points to .*gone/);
    rmSync(join(root, "bird"));
    // Links that resolve are followed, as PyTorch does.
    symlinkSync(join(root, "cat", "b.png"), join(root, "cat", "c.png"));
    const ds = new data.ImageFolder(root);
    assert.equal(ds.length, 4);
    rmSync(join(root, "cat", "a.PNG"));
    assert.throws(
      () => ds.get(0),
      /^ReceptiveError: ImageFolder: cannot read image .*a\.PNG \(ENOENT: .*\); it was moved, deleted or made unreadable after the dataset listed it: restore it, or create the ImageFolder again$/,
    );
  });
});
