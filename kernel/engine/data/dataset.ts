// Datasets (torch.utils.data): anything with a length and an indexed `get`. TensorDataset
// wraps tensors that share their first dimension; Subset and randomSplit carve a dataset up.

import { check, fmtShape } from "../errors";
import { defaultGenerator, type Generator } from "../tensor/random";
import type { Tensor } from "../tensor/tensor";

export abstract class Dataset<T = unknown> {
  /** Number of samples. */
  abstract get length(): number;
  /** The i-th sample, e.g. [image, label]. */
  abstract get(index: number): T;
  /**
   * Optional fast path for a DataLoader: the collated batch of these samples in one go
   * (datasets of stored arrays implement it to skip per-sample tensors).
   */
  getBatch?(indices: readonly number[]): unknown;

  protected checkIndex(index: number): void {
    check(
      Number.isInteger(index) && index >= 0 && index < this.length,
      this.constructor.name,
      () => `index ${index} is out of range for a dataset of ${this.length} samples`,
    );
  }
}

/** Samples are the i-th rows of each tensor: `new TensorDataset(x, y).get(i)` is `[x[i], y[i]]`. */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    super();
    check(tensors.length > 0, "TensorDataset", "needs at least one tensor");
    const n = tensors[0].shape[0];
    for (const t of tensors)
      check(
        t.ndim > 0 && t.shape[0] === n,
        "TensorDataset",
        () =>
          `all tensors must have the same size in dim 0, got ${tensors.map((x) => fmtShape(x.shape)).join(" and ")}`,
      );
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0].shape[0];
  }
  get(index: number): Tensor[] {
    this.checkIndex(index);
    return this.tensors.map((t) => t.get(index));
  }
  override getBatch(indices: readonly number[]): Tensor[] {
    return this.tensors.map((t) => t.indexSelect(0, indices));
  }
}

/** The samples of `dataset` at `indices`, in that order. */
export class Subset<T> extends Dataset<T> {
  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: readonly number[],
  ) {
    super();
    for (const i of indices)
      check(
        Number.isInteger(i) && i >= 0 && i < dataset.length,
        "Subset",
        () => `index ${i} is out of range for a dataset of ${dataset.length} samples`,
      );
  }
  get length(): number {
    return this.indices.length;
  }
  get(index: number): T {
    this.checkIndex(index);
    return this.dataset.get(this.indices[index]);
  }
  override getBatch(indices: readonly number[]): unknown {
    const inner = indices.map((i) => this.indices[i]);
    return this.dataset.getBatch ? this.dataset.getBatch(inner) : undefined;
  }
}

/** Splits a dataset into non-overlapping random subsets of the given lengths (e.g. train/validation). */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  { generator = defaultGenerator }: { generator?: Generator } = {},
): Subset<T>[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  check(
    total === dataset.length,
    "randomSplit",
    () => `sum of lengths (${total}) does not equal the length of the dataset (${dataset.length})`,
  );
  const perm = generator.permutation(dataset.length);
  let o = 0;
  return lengths.map((n) => {
    const idx = Array.from(perm.subarray(o, o + n));
    o += n;
    return new Subset(dataset, idx);
  });
}
