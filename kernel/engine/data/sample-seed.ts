// One generator per (seed, sample index) for the synthetic and wrapping datasets: sample i is the
// same whatever order a DataLoader asks for it in, and on every epoch.

import { Generator } from "../tensor/random";

/** A generator for sample `index` of a dataset seeded with `seed`. */
export function sampleGenerator(seed: number, index: number): Generator {
  return new Generator((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
}

/** Checks a dataset's `seed` option: a whole number. */
export function isSeed(seed: unknown): seed is number {
  return typeof seed === "number" && Number.isInteger(seed);
}
