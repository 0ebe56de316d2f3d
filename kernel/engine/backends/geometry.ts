// The sizes of one convolution or pooling call, as one object each: the op builds it once
// (ops/conv.ts, ops/pool.ts) and passes it whole to the ref and wasm kernels,
// `conv2dForward(out, inp, weight, bias, g)`. Named fields, so a swapped padTop and padLeft reads
// as what it is instead of passing the type checker as one of 16 positional numbers.
//
// Letters: N batch, C input channels, H/W input height/width, OC output channels, KH/KW kernel size
// (the weight's or the pooling window's height/width, PyTorch's kernel_size), OH/OW output
// height/width, G groups (C/G input and OC/G output channels per group); `d` prefixes gradients.
// 1-D ops run on planes of height 1 (H = KH = OH = 1, strideH = dilationH = 1, padTop = 0).
// 3-D ops add D/KD/OD (depth), strideD, padFront, dilationD.

/**
 * One 2-D convolution (cross-correlation). Buffers: inp (N, C, H, W), weight (OC, C/G, KH, KW),
 * bias (OC), out (N, OC, OH, OW); a transposed convolution's weight is (C, OC/G, KH, KW).
 * Input row of output row oh and weight row kh: ih = oh * strideH - padTop + kh * dilationH, columns
 * likewise. Padding is implicit zeros: padTop rows above and padLeft columns left of the input; the
 * output size covers the rest (symmetric, asymmetric 'same' with an even kernel, cropped when negative).
 */
export interface ConvGeometry {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly OC: number;
  readonly KH: number;
  readonly KW: number;
  readonly OH: number;
  readonly OW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly dilationH: number;
  readonly dilationW: number;
  /** G */
  readonly groups: number;
}

/**
 * The planes a pooling kernel maps: inp (N, C, H, W) to out (N, C, OH, OW), each of the N * C
 * planes on its own. Adaptive pooling and max-unpooling need nothing more.
 */
export interface PoolPlanes {
  readonly N: number;
  readonly C: number;
  readonly H: number;
  readonly W: number;
  readonly OH: number;
  readonly OW: number;
}

/**
 * A sliding-window pool: window (oh, ow) reads rows oh * strideH - padTop + i * dilationH (i < KH),
 * columns likewise. Pooling pads both sides alike (max pooling with -inf, average pooling with
 * zeros); padTop/padLeft is the padding before the first row/column.
 */
export interface PoolGeometry extends PoolPlanes {
  readonly KH: number;
  readonly KW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly dilationH: number;
  readonly dilationW: number;
}

/**
 * One 3-D convolution (video, volumes): ConvGeometry with a depth dim D in front of H and W.
 * Buffers: inp (N, C, D, H, W), weight (OC, C/G, KD, KH, KW), bias (OC), out (N, OC, OD, OH, OW).
 * Input depth of output depth od and weight depth kd: id = od * strideD - padFront + kd * dilationD.
 */
export interface ConvGeometry3d extends ConvGeometry {
  readonly D: number;
  readonly KD: number;
  readonly OD: number;
  readonly strideD: number;
  readonly padFront: number;
  readonly dilationD: number;
}

/** The volumes a 3-D pool maps: inp (N, C, D, H, W) to out (N, C, OD, OH, OW), each (n, c) on its own. */
export interface PoolPlanes3d extends PoolPlanes {
  readonly D: number;
  readonly OD: number;
}

/** A sliding-window 3-D pool: PoolGeometry with a depth dim (window od reads depths od * strideD - padFront + i * dilationD). */
export interface PoolGeometry3d extends PoolGeometry, PoolPlanes3d {
  readonly KD: number;
  readonly strideD: number;
  readonly padFront: number;
  readonly dilationD: number;
}
