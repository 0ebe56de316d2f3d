// Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d, AdaptiveMaxPool2d/3d,
// MaxUnpool2d over F's pooling ops.
//
// Shape (MaxPool2d): (N, C, H, W) -> (N, C, OH, OW) with
//   OH = floor((H + 2*padding - dilation*(KH-1) - 1) / stride) + 1   (ceil with ceilMode).
// The stride defaults to the kernel size.

import type { Tensor } from "../tensor/tensor";
import {
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveAvgPool3d,
  adaptiveMaxPool2d,
  adaptiveMaxPool3d,
  avgPool1d,
  avgPool2d,
  avgPool3d,
  maxPool1d,
  maxPool2d,
  maxPool3d,
  maxUnpool2d,
} from "./functional";
import { Module, reprArgs } from "./module";

type IntOrTuple = number | readonly number[];

export interface MaxPoolOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  returnIndices?: boolean;
  ceilMode?: boolean;
}

abstract class MaxPoolNd extends Module {
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly dilation: IntOrTuple;
  readonly returnIndices: boolean;
  readonly ceilMode: boolean;
  constructor(
    readonly kernelSize: IntOrTuple,
    {
      stride = null,
      padding = 0,
      dilation = 1,
      returnIndices = false,
      ceilMode = false,
    }: MaxPoolOptions = {},
  ) {
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.dilation = dilation;
    this.returnIndices = returnIndices;
    this.ceilMode = ceilMode;
  }
  protected get options() {
    return {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      ceilMode: this.ceilMode,
      returnIndices: this.returnIndices,
    };
  }
  override extraRepr(): string {
    return reprArgs(
      [this.kernelSize],
      [
        ["stride", this.stride, this.kernelSize],
        ["padding", this.padding, 0],
        ["dilation", this.dilation, 1],
        ["returnIndices", this.returnIndices, false],
        ["ceilMode", this.ceilMode, false],
      ],
    );
  }
}

/** Max over windows of (N, C, L). With returnIndices, forward returns [output, indices]. */
export class MaxPool1d extends MaxPoolNd {
  forward(input: Tensor): any {
    return maxPool1d(input, this.kernelSize, this.options);
  }
}

/** Max over windows of (N, C, H, W). With returnIndices, forward returns [output, indices] for MaxUnpool2d. */
export class MaxPool2d extends MaxPoolNd {
  forward(input: Tensor): any {
    return maxPool2d(input, this.kernelSize, this.options);
  }
}

/** Max over windows of (N, C, D, H, W) (video clips, volumes). With returnIndices, forward returns [output, indices]. */
export class MaxPool3d extends MaxPoolNd {
  forward(input: Tensor): any {
    return maxPool3d(input, this.kernelSize, this.options);
  }
}

export interface AvgPoolOptions {
  stride?: IntOrTuple | null;
  padding?: IntOrTuple;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** Mean over windows of (N, C, H, W). */
export class AvgPool2d extends Module {
  protected readonly pool = avgPool2d;
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
  constructor(
    readonly kernelSize: IntOrTuple,
    {
      stride = null,
      padding = 0,
      ceilMode = false,
      countIncludePad = true,
      divisorOverride = null,
    }: AvgPoolOptions = {},
  ) {
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
  }
  forward(input: Tensor): Tensor {
    return this.pool(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
      divisorOverride: this.divisorOverride,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [this.kernelSize],
      [
        ["stride", this.stride, this.kernelSize],
        ["padding", this.padding, 0],
        ["ceilMode", this.ceilMode, false],
        ["countIncludePad", this.countIncludePad, true],
        ["divisorOverride", this.divisorOverride, null],
      ],
    );
  }
}

/** Mean over windows of (N, C, D, H, W); the options of AvgPool2d, each size a number or [d, h, w]. */
export class AvgPool3d extends AvgPool2d {
  protected override readonly pool = avgPool3d;
}

/** Mean pooling to a fixed output size [OH, OW] whatever the input size (null keeps that dim). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }
  override extraRepr(): string {
    return reprArgs([this.outputSize]);
  }
}

/** Inverse of MaxPool2d: puts each value back at its argmax position, zeros elsewhere. */
export class MaxUnpool2d extends Module {
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  constructor(
    readonly kernelSize: IntOrTuple,
    { stride = null, padding = 0 }: { stride?: IntOrTuple | null; padding?: IntOrTuple } = {},
  ) {
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
  }
  /** `outputSize` ([OH, OW] or the full shape) resolves the ambiguity when the pooled input had odd sizes. */
  forward(input: Tensor, indices: Tensor, outputSize?: readonly number[]): Tensor {
    return maxUnpool2d(input, indices, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      outputSize,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [this.kernelSize],
      [
        ["stride", this.stride, this.kernelSize],
        ["padding", this.padding, 0],
      ],
    );
  }
}

/** Mean over windows of (N, C, L). */
export class AvgPool1d extends Module {
  readonly stride: IntOrTuple;
  readonly padding: IntOrTuple;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  constructor(
    readonly kernelSize: IntOrTuple,
    {
      stride = null,
      padding = 0,
      ceilMode = false,
      countIncludePad = true,
    }: Omit<AvgPoolOptions, "divisorOverride"> = {},
  ) {
    super();
    this.stride = stride ?? kernelSize;
    this.padding = padding;
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
  }
  forward(input: Tensor): Tensor {
    return avgPool1d(input, this.kernelSize, {
      stride: this.stride,
      padding: this.padding,
      ceilMode: this.ceilMode,
      countIncludePad: this.countIncludePad,
    });
  }
  override extraRepr(): string {
    return reprArgs(
      [this.kernelSize],
      [
        ["stride", this.stride, this.kernelSize],
        ["padding", this.padding, 0],
        ["ceilMode", this.ceilMode, false],
        ["countIncludePad", this.countIncludePad, true],
      ],
    );
  }
}

/** Mean pooling of (N, C, L) to a fixed output length. */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number | readonly number[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool1d(input, this.outputSize);
  }
  override extraRepr(): string {
    return reprArgs([this.outputSize]);
  }
}

/** Max pooling to a fixed output size [OH, OW]; with returnIndices, forward returns [output, indices]. */
export class AdaptiveMaxPool2d extends Module {
  readonly returnIndices: boolean;
  constructor(
    readonly outputSize: number | readonly (number | null)[],
    { returnIndices = false }: { returnIndices?: boolean } = {},
  ) {
    super();
    this.returnIndices = returnIndices;
  }
  forward(input: Tensor): any {
    return adaptiveMaxPool2d(input, this.outputSize, { returnIndices: this.returnIndices });
  }
  override extraRepr(): string {
    return reprArgs([this.outputSize], [["returnIndices", this.returnIndices, false]]);
  }
}

/** Mean pooling of (N, C, D, H, W) to a fixed output size [OD, OH, OW] (null keeps that dim); 1 is global pooling. */
export class AdaptiveAvgPool3d extends Module {
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return adaptiveAvgPool3d(input, this.outputSize);
  }
  override extraRepr(): string {
    return reprArgs([this.outputSize]);
  }
}

/** Max pooling of (N, C, D, H, W) to a fixed output size [OD, OH, OW]; with returnIndices, forward returns [output, indices]. */
export class AdaptiveMaxPool3d extends Module {
  readonly returnIndices: boolean;
  constructor(
    readonly outputSize: number | readonly (number | null)[],
    { returnIndices = false }: { returnIndices?: boolean } = {},
  ) {
    super();
    this.returnIndices = returnIndices;
  }
  forward(input: Tensor): any {
    return adaptiveMaxPool3d(input, this.outputSize, { returnIndices: this.returnIndices });
  }
  override extraRepr(): string {
    return reprArgs([this.outputSize], [["returnIndices", this.returnIndices, false]]);
  }
}
