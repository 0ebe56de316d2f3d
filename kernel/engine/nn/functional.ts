// `F`: the functional API (torch.nn.functional). Math lives in ops/; this file only gathers it.
// Everything an ops/<family>.ts file exports is public as F.<name>.

export * from "../ops/conv";
export * from "../ops/distance";
export * from "../ops/dropout";
// The elementwise activations (relu ... silu, gelu, prelu).
export {
  celu,
  elu,
  type GeluOptions,
  gelu,
  hardsigmoid,
  hardswish,
  hardtanh,
  leakyRelu,
  mish,
  prelu,
  relu,
  relu6,
  type SoftplusOptions,
  selu,
  sigmoid,
  silu,
  softplus,
  tanh,
} from "../ops/elementwise";
export * from "../ops/fold";
// Layer, group and instance normalisation (issue 17).
export * from "../ops/group-norm";
export { type OneHotOptions, oneHot } from "../ops/indexing";
export {
  type InterpolateMode,
  type InterpolateOptions,
  interpolate,
  upsample,
  upsampleBilinear,
  upsampleNearest,
} from "../ops/interpolate";
export * from "../ops/layer-norm";
export * from "../ops/loss";
export * from "../ops/loss-metric";
export * from "../ops/loss-regression";
export { linear } from "../ops/matmul";
export * from "../ops/norm";
export * from "../ops/normalize";
export * from "../ops/pad";
export * from "../ops/pixel-shuffle";
export * from "../ops/pool";
export * from "../ops/pool3d";
export * from "../ops/softmax";
