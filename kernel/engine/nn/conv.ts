// Convolution layers: Conv1d, Conv2d, Conv3d (with paddingMode), ConvTranspose2d. They hold the
// weight and bias and call F.conv1d / F.conv2d / F.conv3d / F.convTranspose2d.
//
// Shape (Conv2d): input (N, IC, H, W) -> output (N, OC, OH, OW) with
//   OH = floor((H + 2*padding - dilation*(KH-1) - 1) / stride) + 1   (same for OW).
// Weight (OC, IC/groups, KH, KW); ConvTranspose2d's weight is (IC, OC/groups, KH, KW) and
//   OH = (H-1)*stride - 2*padding + dilation*(KH-1) + outputPadding + 1.
// NOTE: paddingMode other than "zeros" pads with F.pad first and convolves with padding 0, as
// PyTorch does; padding "same" with an even kernel size pads one more on the right/bottom.

import { check, fmtShape } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { empty } from "./empty";
import { conv1d, conv2d, conv3d, convTranspose2d, pad } from "./functional";
import { Module, reprArgs } from "./module";
import { Parameter } from "./parameter";
import { resetWeightAndBias } from "./reset";
import { ntuple } from "./tuples";

export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

export interface ConvOptions {
  stride?: number | readonly number[];
  /** A number, one per spatial dim, or "valid" (0) / "same" (output size = input size, stride 1 only). */
  padding?: number | readonly number[] | "same" | "valid";
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
  paddingMode?: PaddingMode;
}

export interface ConvTransposeOptions {
  stride?: number | readonly number[];
  padding?: number | readonly number[];
  outputPadding?: number | readonly number[];
  dilation?: number | readonly number[];
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly outputPadding: number[];
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    op: string,
    n: number,
    transposed: boolean,
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    o: ConvOptions & { outputPadding?: number | readonly number[] },
  ) {
    super();
    const groups = o.groups ?? 1;
    for (const [name, v] of [
      ["inChannels", inChannels],
      ["outChannels", outChannels],
      ["groups", groups],
    ] as const)
      check(Number.isInteger(v) && v > 0, op, () => `${name} must be a positive integer, got ${v}`);
    check(
      inChannels % groups === 0,
      op,
      () => `inChannels (${inChannels}) must be divisible by groups (${groups})`,
    );
    check(
      outChannels % groups === 0,
      op,
      () => `outChannels (${outChannels}) must be divisible by groups (${groups})`,
    );
    const paddingMode = o.paddingMode ?? "zeros";
    check(
      ["zeros", "reflect", "replicate", "circular"].includes(paddingMode),
      op,
      `paddingMode must be "zeros", "reflect", "replicate" or "circular", got "${paddingMode}"`,
    );
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = ntuple(op, "kernelSize", kernelSize, n);
    this.stride = ntuple(op, "stride", o.stride ?? 1, n);
    this.dilation = ntuple(op, "dilation", o.dilation ?? 1, n);
    const padding = o.padding ?? 0;
    if (padding === "same" || padding === "valid") {
      check(
        padding === "valid" || this.stride.every((s) => s === 1),
        op,
        `padding "same" is not supported for strided convolutions (stride ${JSON.stringify(this.stride)}); give the padding as a number`,
      );
      this.padding = padding;
    } else this.padding = ntuple(op, "padding", padding, n);
    this.outputPadding = ntuple(op, "outputPadding", o.outputPadding ?? 0, n);
    this.groups = groups;
    this.paddingMode = paddingMode;
    const wshape = transposed
      ? [inChannels, outChannels / groups, ...this.kernelSize]
      : [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = new Parameter(empty(wshape, op));
    this.bias = (o.bias ?? true) ? new Parameter(empty([outChannels])) : null;
    this.resetParameters();
  }

  resetParameters(): void {
    resetWeightAndBias(this.weight, this.bias);
  }

  /** Numeric padding per spatial dim, and F.pad's [left, right, top, bottom] for the explicit-pad path. */
  protected paddings(): { sym: number[] | null; explicit: number[] } {
    const n = this.kernelSize.length;
    const lr: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      if (this.padding === "valid") lr.push([0, 0]);
      else if (this.padding === "same") {
        const total = this.dilation[i] * (this.kernelSize[i] - 1);
        lr.push([Math.floor(total / 2), total - Math.floor(total / 2)]);
      } else lr.push([this.padding[i], this.padding[i]]);
    }
    const symmetric = lr.every(([l, r]) => l === r);
    // F.pad lists the last dim first: [left, right, top, bottom].
    const explicit = [...lr].reverse().flat();
    return { sym: symmetric ? lr.map(([l]) => l) : null, explicit };
  }

  /** Input after non-zero padding modes (or asymmetric "same"), and the padding left for the conv. */
  protected padInput(input: Tensor): [Tensor, number[]] {
    const { sym, explicit } = this.paddings();
    const n = this.kernelSize.length;
    if (this.paddingMode !== "zeros") return [pad(input, explicit, this.paddingMode), Array(n).fill(0)];
    if (sym === null) return [pad(input, explicit, "constant"), Array(n).fill(0)];
    return [input, sym];
  }

  override extraRepr(): string {
    const n = this.kernelSize.length;
    const zeros = Array(n).fill(0);
    return reprArgs(
      [this.inChannels, this.outChannels],
      [
        ["kernelSize", this.kernelSize, null],
        ["stride", this.stride, 1],
        ["padding", this.padding, zeros],
        ["dilation", this.dilation, 1],
        ["outputPadding", this.outputPadding, zeros],
        ["groups", this.groups, 1],
        ["bias", this.bias !== null, true],
        ["paddingMode", this.paddingMode, "zeros"],
      ],
    );
  }
}

/** 1-D convolution over (N, IC, L) -> (N, OC, OL). */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvOptions = {},
  ) {
    super("Conv1d", 1, false, inChannels, outChannels, kernelSize, options);
  }
  forward(input: Tensor): Tensor {
    const [x, padding] = this.padInput(input);
    return conv1d(x, this.weight, this.bias, {
      stride: this.stride,
      padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/** 2-D convolution over (N, IC, H, W) -> (N, OC, OH, OW). Example: new Conv2d(1, 6, 5, { padding: 2 }). */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvOptions = {},
  ) {
    super("Conv2d", 2, false, inChannels, outChannels, kernelSize, options);
  }
  forward(input: Tensor): Tensor {
    const [x, padding] = this.padInput(input);
    return conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * 3-D convolution over (N, IC, D, H, W) -> (N, OC, OD, OH, OW), e.g. over the frames of a video
 * clip: new Conv3d(3, 64, [3, 7, 7], { stride: [1, 2, 2], padding: [1, 3, 3] }).
 */
export class Conv3d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvOptions = {},
  ) {
    super("Conv3d", 3, false, inChannels, outChannels, kernelSize, options);
  }
  forward(input: Tensor): Tensor {
    const [x, padding] = this.padInput(input);
    return conv3d(x, this.weight, this.bias, {
      stride: this.stride,
      padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * Transposed 2-D convolution ("deconvolution"), the gradient of Conv2d with respect to its input:
 * upsamples (N, IC, H, W) -> (N, OC, OH, OW). `forward(x, outputSize)` picks outputPadding so the
 * output has the requested [OH, OW] (or [N, OC, OH, OW]).
 */
export class ConvTranspose2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    options: ConvTransposeOptions = {},
  ) {
    super("ConvTranspose2d", 2, true, inChannels, outChannels, kernelSize, options);
  }
  forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    const padding = this.padding as number[];
    let outputPadding = this.outputPadding;
    if (outputSize !== undefined) {
      const want = outputSize.slice(-2);
      check(
        want.length === 2,
        "ConvTranspose2d",
        () => `outputSize must end with [OH, OW], got ${JSON.stringify(outputSize)}`,
      );
      outputPadding = want.map((size, i) => {
        const min =
          (input.shape[input.ndim - 2 + i] - 1) * this.stride[i] -
          2 * padding[i] +
          this.dilation[i] * (this.kernelSize[i] - 1) +
          1;
        const max = min + this.stride[i] - 1;
        check(
          size >= min && size <= max,
          "ConvTranspose2d",
          () =>
            `requested an output size of ${JSON.stringify(want)}, but valid sizes for dim ${i + 2} range from ${min} to ${max} (for an input of shape ${fmtShape(input.shape)})`,
        );
        return size - min;
      });
    }
    return convTranspose2d(input, this.weight, this.bias, {
      stride: this.stride,
      padding,
      outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}
