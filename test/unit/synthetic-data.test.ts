// The offline datasets of the later lectures: Shapes (images, classes, boxes and masks that agree
// with each other, seeded), Pairs / Triplets for metric learning and the Noisy wrapper for
// denoising, through the public `data` namespace and a DataLoader.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { data, ops, ReceptiveError, type Tensor, tensor } from "../../kernel/engine/index";
import { expectClose } from "../helpers";

function throwsClearly(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

/** The first batch of 4 a DataLoader yields. */
async function firstBatch(dataset: data.Dataset): Promise<unknown> {
  for await (const batch of new data.DataLoader(dataset, { batchSize: 4 })) return batch;
}

const values = (t: Tensor) => [...t.contiguous().storage.subarray(0, t.numel)];

describe("data.Shapes", () => {
  it("boxes, labels and the mask describe the drawn shape; each class has its own fill ratio", () => {
    const ds = new data.Shapes({ size: 40, count: 150, seed: 7, noise: 0 });
    assert.equal(ds.length, 150);
    assert.deepEqual(ds.classes, ["circle", "square", "triangle"]);
    const fill: number[][] = [[], [], []];
    for (let i = 0; i < ds.length; i++) {
      const [image, label, { boxes, labels, mask }] = ds.get(i);
      assert.deepEqual(image.shape, [1, 40, 40]);
      assert.deepEqual(boxes.shape, [1, 4]);
      assert.deepEqual(values(labels), [label]);
      assert.equal(mask.dtype, "int64");
      const m = values(mask);
      // the box is the tight bound (pixel edges) of the mask's pixels, all of value label + 1
      let [x1, y1, x2, y2, n] = [40, 40, 0, 0, 0];
      m.forEach((v, p) => {
        if (v === 0) return;
        assert.equal(v, label + 1);
        const [y, x] = [Math.floor(p / 40), p % 40];
        [x1, y1, x2, y2] = [Math.min(x1, x), Math.min(y1, y), Math.max(x2, x + 1), Math.max(y2, y + 1)];
        n++;
      });
      assert.deepEqual(values(boxes), [x1, y1, x2, y2]);
      // without noise, shape pixels are brighter than any background pixel
      const px = values(image);
      const shapeMin = Math.min(...px.filter((_, p) => m[p] !== 0));
      const backMax = Math.max(...px.filter((_, p) => m[p] === 0));
      assert.ok(shapeMin >= 0.6 && backMax <= 0.3, `shape ${shapeMin}, background ${backMax}`);
      fill[label].push(n / ((x2 - x1) * (y2 - y1)));
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    for (const f of fill) assert.ok(f.length > 30, `class counts ${fill.map((a) => a.length)}`);
    assert.ok(Math.abs(mean(fill[0]) - Math.PI / 4) < 0.06, `circle fill ${mean(fill[0])}`);
    assert.equal(mean(fill[1]), 1);
    assert.ok(Math.abs(mean(fill[2]) - 0.5) < 0.08, `triangle fill ${mean(fill[2])}`);
  });

  it("is seeded: the same sample in any order, another seed gives other images", () => {
    const a = new data.Shapes({ count: 10, seed: 1, channels: 3 });
    const b = new data.Shapes({ count: 10, seed: 1, channels: 3 });
    const c = new data.Shapes({ count: 10, seed: 2, channels: 3 });
    const later = values(a.get(9)[0]);
    assert.deepEqual(values(b.get(9)[0]), later);
    assert.deepEqual(values(a.get(9)[0]), later);
    assert.notDeepEqual(values(c.get(9)[0]), later);
    assert.deepEqual(a.get(9)[0].shape, [3, 32, 32]);
  });

  it("several shapes per image do not overlap, and batches collate for classification and detection", async () => {
    const ds = new data.Shapes({ size: 64, count: 20, shapesPerImage: [2, 4], shapeSize: [0.15, 0.3] });
    const counts = new Set<number>();
    for (let i = 0; i < ds.length; i++) {
      const { boxes, labels } = ds.get(i)[2];
      const K = boxes.shape[0];
      counts.add(K);
      assert.deepEqual(labels.shape, [K]);
      const iou = values(ops.boxIou(boxes, boxes));
      iou.forEach((v, k) => {
        assert.equal(v, Math.floor(k / K) === k % K ? 1 : 0);
      });
    }
    assert.ok(counts.size >= 2 && [...counts].every((k) => k >= 2 && k <= 4), `counts ${[...counts]}`);
    const one = new data.Shapes({ count: 8, size: 16 });
    const [x, y, target] = (await firstBatch(one)) as [Tensor, Tensor, data.ShapesTarget];
    assert.deepEqual(x.shape, [4, 1, 16, 16]);
    assert.deepEqual([y.shape, y.dtype], [[4], "int64"]);
    assert.deepEqual(target.boxes.shape, [4, 1, 4]);
    assert.deepEqual(target.mask.shape, [4, 16, 16]);
  });

  it("refuses bad options, naming them", () => {
    throwsClearly(() => new data.Shapes({ size: 2 }), /^Shapes: size must be a whole number >= 4/);
    throwsClearly(() => new data.Shapes({ shapesPerImage: [3, 1] }), /^Shapes: shapesPerImage must be/);
    throwsClearly(() => new data.Shapes({ channels: 2 as 1 }), /^Shapes: channels must be 1 or 3, got 2/);
    throwsClearly(
      () => new data.Shapes({ count: 3 }).get(3),
      /index 3 is out of range for a dataset of 3 samples/,
    );
  });
});

/** A labelled dataset whose image i is filled with the value i, so images can be traced back. */
function traceable(labels: number[]): data.TensorDataset {
  const x = tensor(labels.map((_, i) => [[[i, i]]])); // (N, 1, 1, 2)
  return new data.TensorDataset(x, tensor(labels, { dtype: "int64" }));
}
const itemOf = (img: unknown) => (img as Tensor).storage[0];

describe("data.Pairs and data.Triplets", () => {
  const labels = [0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 2, 0];
  it("pairs are balanced and `same` tells whether the classes match", () => {
    const pairs = new data.Pairs(traceable(labels), { count: 40, seed: 3 });
    assert.equal(pairs.length, 40);
    let same = 0;
    for (let i = 0; i < pairs.length; i++) {
      const [a, b, s] = pairs.get(i);
      assert.equal(itemOf(a), i % labels.length);
      assert.equal(s, labels[itemOf(a)] === labels[itemOf(b)] ? 1 : 0);
      if (s === 1) assert.notEqual(itemOf(a), itemOf(b), "a same-class pair of one image with itself");
      same += s;
    }
    assert.equal(same, 20);
    assert.deepEqual(pairs.get(5), new data.Pairs(traceable(labels), { count: 40, seed: 3 }).get(5));
  });

  it("triplets: the positive shares the anchor's class, the negative does not; all classes appear", async () => {
    const triplets = new data.Triplets(traceable(labels), { seed: 1 });
    const negatives = new Set<number>();
    for (let i = 0; i < triplets.length; i++) {
      const [a, p, n] = triplets.get(i).map(itemOf);
      assert.equal(labels[p], labels[a]);
      assert.notEqual(p, a);
      assert.notEqual(labels[n], labels[a]);
      negatives.add(labels[n]);
    }
    assert.equal(negatives.size, 3);
    // they batch through a DataLoader
    const [a] = (await firstBatch(triplets)) as Tensor[];
    assert.deepEqual(a.shape, [4, 1, 1, 2]);
  });

  it("needs labels and two classes", () => {
    throwsClearly(
      () => new data.Triplets(traceable([1, 1, 1])),
      /^Triplets: needs items of at least 2 classes .* got 1 class/,
    );
    throwsClearly(
      () => new data.Pairs(new data.TensorDataset(tensor([1, 2, 3]))),
      /^Pairs: item 0 of the dataset has no class label .* Fix: pass \{ labels: \[\.\.\.\] \}/,
    );
    // labels given directly
    const pairs = new data.Pairs(new data.TensorDataset(tensor([[5], [6], [7]])), { labels: [0, 1, 0] });
    assert.equal(pairs.get(1)[2], 0);
  });
});

describe("data.Noisy", () => {
  const clean = new data.Shapes({ count: 4, size: 32, noise: 0, channels: 3 });
  it("gaussian noise of the asked std, seeded per sample, with the clean image as target", () => {
    const noisy = new data.Noisy(clean, { std: 0.2, clip: false, seed: 5 });
    const [x, target] = noisy.get(2);
    assert.deepEqual(values(target), values(clean.get(2)[0]));
    const d = values(x).map((v, i) => v - values(target)[i]);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const std = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    assert.ok(Math.abs(mean) < 0.02 && Math.abs(std - 0.2) < 0.02, `mean ${mean} std ${std}`);
    assert.deepEqual(values(noisy.get(2)[0]), values(x));
    assert.notDeepEqual(values(new data.Noisy(clean, { std: 0.2, seed: 6 }).get(2)[0]), values(x));
    const clipped = values(new data.Noisy(clean, { std: 0.5 }).get(0)[0]);
    assert.ok(clipped.every((v) => v >= 0 && v <= 1));
  });

  it("takes RawImage bytes as [0, 1] floats", () => {
    const raw: data.RawImage = { data: Uint8Array.from([0, 51, 255, 102]), height: 2, width: 2, channels: 1 };
    const ds = { length: 1, get: () => [raw, 3] } as unknown as data.Dataset;
    const [x, clean] = new data.Noisy(ds, { std: 0.05, seed: 1 }).get(0);
    expectClose(values(clean), [0, 0.2, 1, 0.4], "clean");
    assert.deepEqual(x.shape, [1, 2, 2]);
    assert.ok(values(x).some((v, i) => v !== values(clean)[i]));
  });

  it("salt and pepper replaces about `amount` of the elements with 0 or 1", () => {
    const [x, target] = new data.Noisy(clean, { mode: "saltPepper", amount: 0.2 }).get(1);
    const t = values(target);
    const changed = values(x).filter((v, i) => v !== t[i]);
    const share = changed.length / t.length;
    assert.ok(share > 0.15 && share < 0.22, `changed ${share}`);
    assert.ok(changed.every((v) => v === 0 || v === 1));
    throwsClearly(() => new data.Noisy(clean, { mode: "speckle" as "gaussian" }), /^Noisy: mode must be/);
    throwsClearly(() => new data.Noisy(clean, { amount: 2 }), /^Noisy: amount must be in \[0, 1\], got 2/);
  });
});
