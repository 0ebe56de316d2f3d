// U-Net (Ronneberger et al. 2015): a contracting path of double 3x3 convs and 2x2 max-pools that
// doubles the channels at each of `depth` levels, an expanding path that upsamples ("up-conv",
// halving the channels), concatenates the contracting path's feature map of the same level (the
// skip connection) and applies a double conv, and a 1x1 conv to one score map per class.
// The paper's network is unet({ inChannels: 1, numClasses: 2, width: 64, depth: 4, padding:
// "valid" }): 31,030,658 parameters, a 572x572 input giving a 388x388 map (unpadded convs, skips
// center-cropped). The default `padding: "same"` keeps the input's size (it must be divisible by
// 2^depth). `up: "bilinear"` replaces the transposed conv by bilinear upsampling and a 1x1 conv.
//
// Shape: (N, inChannels, H, W) -> (N, numClasses, H, W) ("same"), smaller with "valid".

import { check } from "../errors";
import { ReLU } from "../nn/activation";
import { BatchNorm2d } from "../nn/batchnorm";
import { ModuleList, Sequential } from "../nn/containers";
import { Conv2d, ConvTranspose2d } from "../nn/conv";
import { Module } from "../nn/module";
import { MaxPool2d } from "../nn/pooling";
import { Upsample } from "../nn/upsample";
import { cat } from "../ops/shape";
import type { Tensor } from "../tensor/tensor";
import { positiveInt } from "./options";

/** (Conv3x3 -> [BatchNorm] -> ReLU) twice. */
export class DoubleConv extends Sequential {
  constructor(inChannels: number, outChannels: number, { padding = 1, batchNorm = false } = {}) {
    const conv = (cin: number) => new Conv2d(cin, outChannels, 3, { padding, bias: !batchNorm });
    const norm = (): Module[] => (batchNorm ? [new BatchNorm2d(outChannels)] : []);
    super(conv(inChannels), ...norm(), new ReLU(), conv(outChannels), ...norm(), new ReLU());
  }
}

export interface UNetOptions {
  inChannels?: number;
  numClasses?: number;
  /** Channels of the first level; level i has width * 2^i. The paper's is 64. */
  width?: number;
  /** Number of pooling steps (the paper's is 4). */
  depth?: number;
  /** "same" (padded 3x3 convs: the output has the input's size) or "valid" (the paper's unpadded convs). */
  padding?: "same" | "valid";
  /** "transposed" (a 2x2 stride-2 transposed conv, the paper's up-conv) or "bilinear" (upsample, then a 1x1 conv). */
  up?: "transposed" | "bilinear";
  /** Batch norm after every 3x3 conv (not in the paper; trains faster). Default false. */
  batchNorm?: boolean;
}

export class UNet extends Module {
  readonly depth: number;
  readonly padding: "same" | "valid";
  encoders: ModuleList;
  pool: MaxPool2d;
  ups: ModuleList;
  decoders: ModuleList;
  head: Conv2d;
  constructor({
    inChannels = 1,
    numClasses = 2,
    width = 64,
    depth = 4,
    padding = "same",
    up = "transposed",
    batchNorm = false,
  }: UNetOptions = {}) {
    super();
    positiveInt("unet", "inChannels", inChannels);
    positiveInt("unet", "numClasses", numClasses);
    positiveInt("unet", "width", width);
    positiveInt("unet", "depth", depth);
    check(
      padding === "same" || padding === "valid",
      "unet",
      () => `padding must be "same" or "valid", got "${padding}"`,
    );
    check(
      up === "transposed" || up === "bilinear",
      "unet",
      () => `up must be "transposed" or "bilinear", got "${up}"`,
    );
    this.depth = depth;
    this.padding = padding;
    const opts = { padding: padding === "same" ? 1 : 0, batchNorm };
    const ch = (level: number) => width * 2 ** level;
    this.encoders = new ModuleList(
      Array.from(
        { length: depth + 1 },
        (_, i) => new DoubleConv(i === 0 ? inChannels : ch(i - 1), ch(i), opts),
      ),
    );
    this.pool = new MaxPool2d(2);
    this.ups = new ModuleList();
    this.decoders = new ModuleList();
    for (let i = depth; i > 0; i--) {
      this.ups.append(
        up === "transposed"
          ? new ConvTranspose2d(ch(i), ch(i - 1), 2, { stride: 2 })
          : new Sequential(
              new Upsample({ scaleFactor: 2, mode: "bilinear" }),
              new Conv2d(ch(i), ch(i - 1), 1),
            ),
      );
      this.decoders.append(new DoubleConv(ch(i), ch(i - 1), opts));
    }
    this.head = new Conv2d(width, numClasses, 1);
  }

  forward(x: Tensor): Tensor {
    check(x.ndim === 4, "unet", () => `expects input (N, C, H, W), got shape [${x.shape}]`);
    const skips: Tensor[] = [];
    for (let i = 0; i <= this.depth; i++) {
      if (i > 0) {
        const [h, w] = x.shape.slice(2);
        check(
          h % 2 === 0 && w % 2 === 0,
          "unet",
          () =>
            `level ${i - 1}'s feature map is ${h}x${w}, which 2x2 pooling cannot halve evenly; ` +
            (this.padding === "same"
              ? `use an input whose height and width are multiples of ${2 ** this.depth}`
              : "use an input size that stays even at every level (the paper's is 572)"),
        );
        x = this.pool.forward(x);
      }
      x = this.encoders.get(i).forward(x);
      skips.push(x);
    }
    for (let j = 0; j < this.depth; j++) {
      x = this.ups.get(j).forward(x);
      const skip = centerCrop(skips[this.depth - 1 - j], x.shape[2], x.shape[3]);
      x = this.decoders.get(j).forward(cat([skip, x], 1));
    }
    return this.head.forward(x);
  }
}

/** The middle h x w window of t (N, C, H, W): how the paper fits a skip to the smaller upsampled map. */
function centerCrop(t: Tensor, h: number, w: number): Tensor {
  const [H, W] = t.shape.slice(2);
  check(
    H >= h && W >= w,
    "unet",
    () => `a skip connection (${H}x${W}) is smaller than the upsampled map (${h}x${w})`,
  );
  return t.narrow(2, (H - h) >> 1, h).narrow(3, (W - w) >> 1, w);
}

/** U-Net with the paper's defaults for the options not given (but "same" padding). */
export function unet(options: UNetOptions = {}): UNet {
  return new UNet(options);
}
