// `nn`: modules and layers (torch.nn). Classes keep PyTorch's names; `nn.init` and
// `nn.functional` (also exported as `F` at the top level) are namespaces, as in PyTorch.

export {
  CELU,
  ELU,
  GELU,
  Hardsigmoid,
  Hardswish,
  Hardtanh,
  LeakyReLU,
  LogSoftmax,
  Mish,
  PReLU,
  ReLU,
  ReLU6,
  SELU,
  Sigmoid,
  SiLU,
  Softmax,
  Softplus,
  Tanh,
} from "./activation";
export { BatchNorm1d, BatchNorm2d, BatchNorm3d, type BatchNormOptions } from "./batchnorm";
export { ModuleList, Sequential } from "./containers";
export {
  Conv1d,
  Conv2d,
  Conv3d,
  type ConvOptions,
  ConvTranspose2d,
  type ConvTransposeOptions,
  type PaddingMode,
} from "./conv";
export { Dropout, Dropout2d } from "./dropout";
export { Fold, PixelShuffle, PixelUnshuffle, Unfold } from "./fold";
export * as functional from "./functional";
export * as init from "./init";
export { Flatten, Identity, Linear, Unflatten } from "./linear";
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  type Reduction,
  TripletMarginLoss,
} from "./loss";
export { ContrastiveLoss, CosineEmbeddingLoss, MarginRankingLoss } from "./loss-metric";
export { HuberLoss, KLDivLoss, PoissonNLLLoss, SmoothL1Loss } from "./loss-regression";
export { ArcFace, type ArcFaceOptions, CosFace, type CosFaceOptions } from "./margin-heads";
export {
  type ForwardHook,
  type ForwardPreHook,
  type LoadResult,
  Module,
  type RemovableHandle,
  type StateDict,
  stateDictVersions,
} from "./module";
export {
  GroupNorm,
  type GroupNormOptions,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  type InstanceNormOptions,
  LayerNorm,
  type LayerNormOptions,
} from "./normalization";
export { Parameter } from "./parameter";
export {
  AdaptiveAvgPool1d,
  AdaptiveAvgPool2d,
  AdaptiveAvgPool3d,
  AdaptiveMaxPool2d,
  AdaptiveMaxPool3d,
  AvgPool1d,
  AvgPool2d,
  AvgPool3d,
  MaxPool1d,
  MaxPool2d,
  MaxPool3d,
  MaxUnpool2d,
} from "./pooling";
export { type ModuleClass, SqueezeExcitation, type SqueezeExcitationOptions } from "./squeeze-excitation";
export { Upsample, type UpsampleOptions, UpsamplingBilinear2d, UpsamplingNearest2d } from "./upsample";
export * as utils from "./utils";
