// DataLoader: batches of a dataset as an async iterator, `for await (const [x, y] of loader)`.
//
// NOTE: it awaits a macrotask (setImmediate) before every batch, so a training loop gives the
// event loop a turn each step: live displays update and an interrupt (Stop) lands within a batch.
// Shuffling draws a fresh permutation each epoch from its own generator: `seed` makes the whole
// sequence of epochs reproducible.

import { check } from "../errors";
import { defaultGenerator, Generator } from "../tensor/random";
import { defaultCollate } from "./collate";
import type { Dataset } from "./dataset";

export interface DataLoaderOptions {
  batchSize?: number;
  shuffle?: boolean;
  /** Seed of the shuffling generator (default: draw from the global generator). */
  seed?: number;
  generator?: Generator;
  /** Drop the last batch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Builds a batch from a list of samples (default: stack tensors, numbers to a tensor). */
  collateFn?: (samples: unknown[]) => any;
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class DataLoader<T = unknown> implements AsyncIterable<any> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  private readonly generator: Generator;
  private readonly collateFn: ((samples: unknown[]) => any) | null;

  constructor(
    readonly dataset: Dataset<T>,
    { batchSize = 1, shuffle = false, seed, generator, dropLast = false, collateFn }: DataLoaderOptions = {},
  ) {
    check(
      Number.isInteger(batchSize) && batchSize > 0,
      "DataLoader",
      () => `batchSize must be a positive integer, got ${batchSize}`,
    );
    check(
      dataset !== null && typeof dataset === "object" && typeof dataset.get === "function",
      "DataLoader",
      "expects a Dataset (an object with length and get(i)); wrap tensors with new data.TensorDataset(x, y)",
    );
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.generator = generator ?? (seed !== undefined ? new Generator(seed) : defaultGenerator);
    this.collateFn = collateFn ?? null;
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch of one epoch (shuffled when asked). */
  batchIndices(): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle
      ? Array.from(this.generator.permutation(n))
      : Array.from({ length: n }, (_, i) => i);
    const out: number[][] = [];
    for (let b = 0; b < this.length; b++) out.push(order.slice(b * this.batchSize, (b + 1) * this.batchSize));
    return out;
  }

  /** One collated batch of the given sample indices. */
  batch(indices: readonly number[]): any {
    if (this.collateFn === null && this.dataset.getBatch) {
      const fast = this.dataset.getBatch(indices);
      if (fast !== undefined) return fast;
    }
    const samples = indices.map((i) => this.dataset.get(i));
    return (this.collateFn ?? defaultCollate)(samples);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<any> {
    for (const indices of this.batchIndices()) {
      await nextTick();
      yield this.batch(indices);
    }
  }
}
