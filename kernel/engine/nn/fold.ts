// Layers over F.unfold, F.fold, F.pixelShuffle and F.pixelUnshuffle: Unfold (im2col), Fold
// (col2im), PixelShuffle and PixelUnshuffle. They hold their arguments only (no parameters).
//
// Shapes: Unfold (N, C, H, W) -> (N, C * KH * KW, L); Fold (N, C * KH * KW, L) -> (N, C,
// outputSize); PixelShuffle (*, C * r * r, H, W) -> (*, C, H * r, W * r); PixelUnshuffle the reverse.

import { namedArgs } from "../ops/arguments";
import { type FoldSize, fold, type UnfoldOptions, unfold } from "../ops/fold";
import { pixelShuffle, pixelUnshuffle } from "../ops/pixel-shuffle";
import type { Tensor } from "../tensor/tensor";
import { Module, reprArgs } from "./module";

type FoldArg = FoldSize | UnfoldOptions | undefined;

function windowRepr(m: {
  dilation: FoldSize;
  padding: FoldSize;
  stride: FoldSize;
}): [string, unknown, unknown][] {
  return [
    ["dilation", m.dilation, null],
    ["padding", m.padding, null],
    ["stride", m.stride, null],
  ];
}

/** Every sliding window as a column: `new nn.Unfold(3, { padding: 1 })` or `new nn.Unfold([2, 3], 1, 0, 2)`. */
export class Unfold extends Module {
  readonly dilation: FoldSize;
  readonly padding: FoldSize;
  readonly stride: FoldSize;
  constructor(
    readonly kernelSize: FoldSize,
    ...args: FoldArg[]
  ) {
    super();
    const o = namedArgs<UnfoldOptions>("Unfold", ["dilation", "padding", "stride"], args);
    this.dilation = o.dilation ?? 1;
    this.padding = o.padding ?? 0;
    this.stride = o.stride ?? 1;
  }
  forward(input: Tensor): Tensor {
    return unfold(input, this.kernelSize, {
      dilation: this.dilation,
      padding: this.padding,
      stride: this.stride,
    });
  }
  override extraRepr(): string {
    return reprArgs([], [["kernelSize", this.kernelSize, null], ...windowRepr(this)]);
  }
}

/** Sums columns back into images of `outputSize`: `new nn.Fold([4, 5], 2, { stride: 2 })`. */
export class Fold extends Module {
  readonly dilation: FoldSize;
  readonly padding: FoldSize;
  readonly stride: FoldSize;
  constructor(
    readonly outputSize: FoldSize,
    readonly kernelSize: FoldSize,
    ...args: FoldArg[]
  ) {
    super();
    const o = namedArgs<UnfoldOptions>("Fold", ["dilation", "padding", "stride"], args);
    this.dilation = o.dilation ?? 1;
    this.padding = o.padding ?? 0;
    this.stride = o.stride ?? 1;
  }
  forward(input: Tensor): Tensor {
    return fold(input, this.outputSize, this.kernelSize, {
      dilation: this.dilation,
      padding: this.padding,
      stride: this.stride,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [],
      [["outputSize", this.outputSize, null], ["kernelSize", this.kernelSize, null], ...windowRepr(this)],
    );
  }
}

/** (*, C * r * r, H, W) -> (*, C, H * r, W * r): `new nn.PixelShuffle(2)`. */
export class PixelShuffle extends Module {
  constructor(readonly upscaleFactor: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return pixelShuffle(input, this.upscaleFactor);
  }
  override extraRepr(): string {
    return `upscaleFactor=${this.upscaleFactor}`;
  }
}

/** (*, C, H * r, W * r) -> (*, C * r * r, H, W): `new nn.PixelUnshuffle(2)`. */
export class PixelUnshuffle extends Module {
  constructor(readonly downscaleFactor: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return pixelUnshuffle(input, this.downscaleFactor);
  }
  override extraRepr(): string {
    return `downscaleFactor=${this.downscaleFactor}`;
  }
}
