// A noisy-image wrapper for denoising (autoencoders, Noise2Void): `new data.Noisy(mnist,
// { mode: "gaussian", std: 0.3 })` gives [noisy, clean] with both images as float tensors (C, H, W).
//
// NOTE: the noise of sample i is drawn from (seed, i): the same on every epoch and in any order.
// Images are taken as they come (a Tensor, or a RawImage turned into [0, 1] floats as toTensor
// does); Gaussian noise is clipped to [0, 1] unless `clip: false`; salt-and-pepper sets an element
// to 1 (salt) or 0 (pepper), each element on its own (as skimage's random_noise).

import { check } from "../errors";
import { Tensor } from "../tensor/tensor";
import { Dataset } from "./dataset";
import { isSeed, sampleGenerator } from "./sample-seed";
import { isRawImage, type RawImage, toTensor } from "./transforms";

export interface NoisyOptions {
  /** "gaussian" (default) adds N(0, std^2); "saltPepper" replaces a share `amount` of the elements. */
  mode?: "gaussian" | "saltPepper";
  /** Gaussian: standard deviation. Default 0.1. */
  std?: number;
  /** Salt-and-pepper: the share of elements replaced, in [0, 1]. Default 0.05. */
  amount?: number;
  /** Salt-and-pepper: the share of replaced elements set to 1 rather than 0. Default 0.5. */
  saltVsPepper?: number;
  /** Gaussian: clip the result to [0, 1]. Default true. */
  clip?: boolean;
  /** Default 0. */
  seed?: number;
}

/** Wraps a dataset of images (or [image, ...] items) into [noisy, clean] pairs. */
export class Noisy extends Dataset<[Tensor, Tensor]> {
  private readonly options: Required<NoisyOptions>;
  constructor(
    readonly dataset: Dataset,
    options: NoisyOptions = {},
  ) {
    super();
    const op = "Noisy";
    const o = {
      mode: "gaussian",
      std: 0.1,
      amount: 0.05,
      saltVsPepper: 0.5,
      clip: true,
      seed: 0,
      ...options,
    } as const;
    check(
      o.mode === "gaussian" || o.mode === "saltPepper",
      op,
      () => `mode must be "gaussian" or "saltPepper", got ${JSON.stringify(o.mode)}`,
    );
    check(o.std >= 0, op, () => `std must be >= 0, got ${o.std}`);
    for (const key of ["amount", "saltVsPepper"] as const)
      check(o[key] >= 0 && o[key] <= 1, op, () => `${key} must be in [0, 1], got ${o[key]}`);
    check(isSeed(o.seed), op, () => `seed must be a whole number, got ${String(o.seed)}`);
    this.options = o;
  }

  get length(): number {
    return this.dataset.length;
  }

  get(index: number): [Tensor, Tensor] {
    this.checkIndex(index);
    const item = this.dataset.get(index);
    const image = Array.isArray(item) ? item[0] : item;
    check(
      image instanceof Tensor || isRawImage(image),
      "Noisy",
      () => `item ${index}'s image must be a Tensor or a RawImage, got ${typeof image}`,
    );
    const clean = toTensor()(image as Tensor | RawImage).detach();
    const g = sampleGenerator(this.options.seed, index);
    const { mode, std, amount, saltVsPepper, clip } = this.options;
    const src = clean.contiguous().storage;
    const out = new Float32Array(clean.numel);
    for (let i = 0; i < out.length; i++) {
      if (mode === "gaussian") {
        const v = src[i] + std * g.normal();
        out[i] = clip ? Math.min(1, Math.max(0, v)) : v;
      } else if (g.uniform() < amount) out[i] = g.uniform() < saltVsPepper ? 1 : 0;
      else out[i] = src[i];
    }
    return [new Tensor(out, clean.shape), clean];
  }
}
