// Upsampling layers over F.interpolate: Upsample (any mode), UpsamplingNearest2d and
// UpsamplingBilinear2d (PyTorch's older names: nearest, and bilinear with alignCorners true).
//
// Shape: (N, C, L), (N, C, H, W) or (N, C, D, H, W) -> the same with each spatial size replaced
// by size[i], or floor(L_i * scaleFactor[i]).

import {
  type InterpolateArg,
  type InterpolateMode,
  type InterpolateOptions,
  type InterpolateSize,
  interpolate,
  interpolateOptions,
  type ScaleFactor,
} from "../ops/interpolate";
import type { Tensor } from "../tensor/tensor";
import { Module, reprArgs } from "./module";

export type UpsampleOptions = Omit<InterpolateOptions, "antialias">;

/**
 * Resizes its input by `scaleFactor` or to `size` with F.interpolate: `new nn.Upsample({
 * scaleFactor: 2, mode: "bilinear" })`, or positionally as in PyTorch, `new nn.Upsample(null, 2)`.
 */
export class Upsample extends Module {
  readonly size: InterpolateSize | null;
  readonly scaleFactor: ScaleFactor | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;
  constructor(...args: InterpolateArg[]) {
    super();
    const o = interpolateOptions(this.constructor.name, args);
    this.size = o.size ?? null;
    this.scaleFactor = o.scaleFactor ?? null;
    this.mode = o.mode ?? "nearest";
    this.alignCorners = o.alignCorners ?? null;
    this.recomputeScaleFactor = o.recomputeScaleFactor ?? null;
  }
  forward(input: Tensor): Tensor {
    return interpolate(input, {
      size: this.size,
      scaleFactor: this.scaleFactor,
      mode: this.mode,
      alignCorners: this.alignCorners,
      recomputeScaleFactor: this.recomputeScaleFactor,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [
        ["size", this.size, null],
        ["scaleFactor", this.scaleFactor, null],
        ["mode", this.mode, ""],
        ["alignCorners", this.alignCorners, null],
        ["recomputeScaleFactor", this.recomputeScaleFactor, null],
      ],
    );
  }
}

/** Nearest-neighbour upsampling of (N, C, H, W): Upsample with mode 'nearest'. */
export class UpsamplingNearest2d extends Upsample {
  constructor(size?: InterpolateSize | null, scaleFactor?: ScaleFactor | null) {
    super(size ?? null, scaleFactor ?? null, "nearest");
  }
}

/** Bilinear upsampling of (N, C, H, W) with alignCorners true (PyTorch's UpsamplingBilinear2d). */
export class UpsamplingBilinear2d extends Upsample {
  constructor(size?: InterpolateSize | null, scaleFactor?: ScaleFactor | null) {
    super(size ?? null, scaleFactor ?? null, "bilinear", true);
  }
}
