// Margin heads for face recognition / metric learning: ArcFace (Deng et al. 2019, additive angular
// margin) and CosFace (Wang et al. 2018, additive cosine margin). Each holds one weight row per class
// and maps embeddings (N, inFeatures) and their labels (N) to logits (N, numClasses) for
// F.crossEntropy: s * cos(theta_j), with the margin applied to the true class only:
//
//   ArcFace: s * cos(theta_y + m)        CosFace: s * (cos(theta_y) - m)
//
// where theta_j is the angle between the embedding and weight row j. Without labels, forward gives
// the margin-free logits s * cos(theta_j) (for inference). Composites: autograd differentiates them.

import { check, fmtShape } from "../errors";
import { clamp, sqrt, square, sub, where } from "../ops/elementwise";
import { norm } from "../ops/reduce";
import { Tensor } from "../tensor/tensor";
import { empty } from "./empty";
import { linear } from "./functional";
import { xavierUniform_ } from "./init";
import { Module, reprArgs } from "./module";
import { Parameter } from "./parameter";

export interface ArcFaceOptions {
  /** The scale: the radius of the hypersphere the logits live on. Default 64. */
  s?: number;
  /** The additive angular margin, in radians. Default 0.5. */
  m?: number;
  /**
   * Apply the margin only where cos(theta_y) > 0 (default false: where theta_y + m would pass pi,
   * use cos(theta_y) - m sin(m) instead, keeping the logit decreasing in theta_y).
   */
  easyMargin?: boolean;
}

export interface CosFaceOptions {
  /** The scale. Default 64. */
  s?: number;
  /** The additive cosine margin. Default 0.35. */
  m?: number;
}

/** The smallest sin^2(theta) ArcFace takes the root of (see ArcFace). */
const SIN2_MIN = 1e-12;

/** x / max(||x||, 1e-12) along dim 1 (F.normalize). */
function l2Normalize(x: Tensor): Tensor {
  return x.div(clamp(norm(x, 2, 1, true), 1e-12, null));
}

abstract class MarginHead extends Module {
  weight: Parameter;

  constructor(
    readonly inFeatures: number,
    readonly numClasses: number,
    readonly s: number,
    readonly m: number,
  ) {
    super();
    const name = this.constructor.name;
    for (const [arg, v] of [
      ["inFeatures", inFeatures],
      ["numClasses", numClasses],
    ] as const)
      check(Number.isInteger(v) && v > 0, name, () => `${arg} must be a positive integer, got ${v}`);
    check(typeof s === "number" && s > 0, name, () => `s (the scale) must be a positive number, got ${s}`);
    check(
      typeof m === "number" && m >= 0,
      name,
      () => `m (the margin) must be a non-negative number, got ${m}`,
    );
    this.weight = new Parameter(empty([numClasses, inFeatures]));
    xavierUniform_(this.weight);
  }

  /** cos(theta) (N, numClasses) between each embedding and each class's weight row. */
  protected cosine(input: Tensor): Tensor {
    const name = this.constructor.name;
    check(
      input instanceof Tensor && input.ndim === 2 && input.shape[1] === this.inFeatures,
      name,
      () =>
        `input must be embeddings (N, ${this.inFeatures}), got ${input instanceof Tensor ? `shape ${fmtShape(input.shape)}` : String(input)}`,
    );
    return linear(l2Normalize(input), l2Normalize(this.weight));
  }

  /** A (N, numClasses) mask, 1 at each row's label. */
  protected oneHot(target: Tensor, N: number): Tensor {
    const name = this.constructor.name;
    check(
      target instanceof Tensor && target.ndim === 1 && target.shape[0] === N,
      name,
      () =>
        `target must hold one class index per embedding, shape [${N}], got ${target instanceof Tensor ? fmtShape(target.shape) : String(target)}`,
    );
    const C = this.numClasses;
    const mask = new Float32Array(N * C);
    target.storage.forEach((y, i) => {
      check(
        Number.isInteger(y) && y >= 0 && y < C,
        name,
        () => `target must be class indices in [0, ${C}), found ${y} at position ${i}`,
      );
      mask[i * C + y] = 1;
    });
    return new Tensor(mask, [N, C], "bool");
  }

  protected abstract withMargin(cos: Tensor): Tensor;

  /** Logits (N, numClasses): s * cos(theta), the true class (target, (N)) with its margin. */
  forward(input: Tensor, target?: Tensor): Tensor {
    const cos = this.cosine(input);
    if (target === undefined) return cos.mul(this.s);
    return where(this.oneHot(target, input.shape[0]), this.withMargin(cos), cos).mul(this.s);
  }
}

/**
 * ArcFace head: logits s * cos(theta_j + m [j = y]) for F.crossEntropy (Deng et al. 2019,
 * https://arxiv.org/abs/1801.07698). Example: `const head = new nn.ArcFace(128, 10, { s: 30, m: 0.5 });
 * F.crossEntropy(head.forward(embeddings, labels), labels)`.
 * NOTE: cos(theta + m) = cos(theta) cos(m) - sin(theta) sin(m), sin(theta) = sqrt(clamp(1 - cos^2, 0, 1)),
 * as insightface and arcface-pytorch compute it, but clamped at SIN2_MIN instead of 0: where an
 * embedding points exactly along (or against) a weight row, 1 - cos^2 is 0 in float32 and sqrt's
 * gradient 0.5 / 0 would make every gradient NaN (arcface-pytorch's does); the clamp passes none
 * there instead. The values change only there (sin 1e-6 instead of 0): a float32 1 - cos^2 is 0 or
 * at least 2^-24.
 */
export class ArcFace extends MarginHead {
  readonly easyMargin: boolean;
  constructor(
    inFeatures: number,
    numClasses: number,
    { s = 64, m = 0.5, easyMargin = false }: ArcFaceOptions = {},
  ) {
    super(inFeatures, numClasses, s, m);
    this.easyMargin = easyMargin;
  }

  protected withMargin(cos: Tensor): Tensor {
    const { m } = this;
    const sin = sqrt(clamp(sub(1, square(cos)), SIN2_MIN, 1));
    const phi = sub(cos.mul(Math.cos(m)), sin.mul(Math.sin(m)));
    if (this.easyMargin) return where(cos.gt(0), phi, cos);
    // Past theta = pi - m, cos(theta + m) would rise again: continue with a linear penalty.
    return where(cos.gt(Math.cos(Math.PI - m)), phi, cos.sub(Math.sin(Math.PI - m) * m));
  }

  override extraRepr(): string {
    return reprArgs(
      [this.inFeatures, this.numClasses],
      [
        ["s", this.s, 64],
        ["m", this.m, 0.5],
        ["easyMargin", this.easyMargin, false],
      ],
    );
  }
}

/**
 * CosFace head (large margin cosine loss): logits s * (cos(theta_j) - m [j = y]) for F.crossEntropy
 * (Wang et al. 2018, https://arxiv.org/abs/1801.09414).
 */
export class CosFace extends MarginHead {
  constructor(inFeatures: number, numClasses: number, { s = 64, m = 0.35 }: CosFaceOptions = {}) {
    super(inFeatures, numClasses, s, m);
  }

  protected withMargin(cos: Tensor): Tensor {
    return cos.sub(this.m);
  }

  override extraRepr(): string {
    return reprArgs(
      [this.inFeatures, this.numClasses],
      [
        ["s", this.s, 64],
        ["m", this.m, 0.35],
      ],
    );
  }
}
