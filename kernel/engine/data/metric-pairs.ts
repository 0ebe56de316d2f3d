// Pairs and triplets from any labelled dataset, for metric learning (siamese networks with a
// contrastive loss, triplet loss): `new data.Pairs(mnist)` gives [x1, x2, same] and
// `new data.Triplets(mnist)` gives [anchor, positive, negative].
//
// NOTE: sample i uses dataset item i % length as its first image and draws its partners from
// (seed, i), so the same i gives the same pair on every epoch. Labels are read once, up front,
// from each item's second element (a number or a one-element tensor) unless `labels` is given.

import { check } from "../errors";
import { Tensor } from "../tensor/tensor";
import { Dataset } from "./dataset";
import { isSeed, sampleGenerator } from "./sample-seed";

export interface MetricPairsOptions {
  /** Number of pairs or triplets. Default: the dataset's length. */
  count?: number;
  /** Default 0. */
  seed?: number;
  /** The class of each item, if reading them from the dataset would be slow. */
  labels?: readonly number[];
}

/** The label of item i of a [x, y, ...] dataset, as a number. */
function labelOf(op: string, item: unknown, i: number): number {
  const y = Array.isArray(item) ? item[1] : undefined;
  const value = y instanceof Tensor && y.numel === 1 ? y.item() : y;
  check(
    typeof value === "number" && Number.isFinite(value),
    op,
    () =>
      `item ${i} of the dataset has no class label (expected [image, label] with a number or one-element tensor label). ` +
      `Fix: pass { labels: [...] }, one class per item`,
  );
  return value;
}

/** The dataset's items grouped by class: the label of each item and the items of each class. */
class ClassIndex {
  readonly labels: number[];
  readonly byClass = new Map<number, number[]>();
  constructor(op: string, dataset: Dataset, labels: readonly number[] | undefined) {
    this.labels = labels
      ? [...labels]
      : Array.from({ length: dataset.length }, (_, i) => labelOf(op, dataset.get(i), i));
    check(
      this.labels.length === dataset.length,
      op,
      () =>
        `labels has ${this.labels.length} entries for a dataset of ${dataset.length} items; pass one per item`,
    );
    this.labels.forEach((y, i) => {
      const members = this.byClass.get(y) ?? [];
      members.push(i);
      this.byClass.set(y, members);
    });
    check(
      this.byClass.size >= 2,
      op,
      () =>
        `needs items of at least 2 classes to draw different-class partners, got ${this.byClass.size} class(es)`,
    );
  }
}

/** The image (first element) of a dataset item. */
function imageOf(item: unknown): unknown {
  return Array.isArray(item) ? item[0] : item;
}

abstract class MetricDataset<T> extends Dataset<T> {
  protected readonly index: ClassIndex;
  protected readonly count: number;
  protected readonly seed: number;
  constructor(
    op: string,
    readonly dataset: Dataset,
    options: MetricPairsOptions,
  ) {
    super();
    const { count = dataset.length, seed = 0, labels } = options;
    check(Number.isInteger(count) && count >= 0, op, () => `count must be a whole number >= 0, got ${count}`);
    check(isSeed(seed), op, () => `seed must be a whole number, got ${String(seed)}`);
    this.index = new ClassIndex(op, dataset, labels);
    this.count = count;
    this.seed = seed;
  }
  get length(): number {
    return this.count;
  }
  /** An item of class y other than `not` when the class has one, drawn with g. */
  protected sameClass(g: ReturnType<typeof sampleGenerator>, y: number, not: number): number {
    const members = this.index.byClass.get(y) as number[];
    if (members.length === 1) return members[0];
    const k = g.int(members.length - 1);
    return members[k] >= not ? members[k + 1] : members[k]; // members are sorted
  }
  /** An item of any class but y, drawn with g (a class uniformly, then an item of it). */
  protected otherClass(g: ReturnType<typeof sampleGenerator>, y: number): number {
    const others = [...this.index.byClass.keys()].filter((c) => c !== y);
    const members = this.index.byClass.get(others[g.int(others.length)]) as number[];
    return members[g.int(members.length)];
  }
  protected image(i: number): unknown {
    return imageOf(this.dataset.get(i));
  }
}

/**
 * [x1, x2, same] pairs: same is 1 when both images have the same class, else 0; even samples
 * are same-class pairs and odd ones different-class pairs, so the two are balanced.
 */
export class Pairs extends MetricDataset<[unknown, unknown, number]> {
  constructor(dataset: Dataset, options: MetricPairsOptions = {}) {
    super("Pairs", dataset, options);
  }
  get(index: number): [unknown, unknown, number] {
    this.checkIndex(index);
    const g = sampleGenerator(this.seed, index);
    const a = index % this.dataset.length;
    const y = this.index.labels[a];
    const same = index % 2 === 0;
    const b = same ? this.sameClass(g, y, a) : this.otherClass(g, y);
    return [this.image(a), this.image(b), same ? 1 : 0];
  }
}

/** [anchor, positive, negative] triplets: the positive shares the anchor's class, the negative does not. */
export class Triplets extends MetricDataset<[unknown, unknown, unknown]> {
  constructor(dataset: Dataset, options: MetricPairsOptions = {}) {
    super("Triplets", dataset, options);
  }
  get(index: number): [unknown, unknown, unknown] {
    this.checkIndex(index);
    const g = sampleGenerator(this.seed, index);
    const a = index % this.dataset.length;
    const y = this.index.labels[a];
    return [this.image(a), this.image(this.sameClass(g, y, a)), this.image(this.otherClass(g, y))];
  }
}
