// Entry point of the wasm kernels: everything exported here is callable from the TypeScript
// backend (backends/wasm/*.ts). Kernels take byte addresses into the shared memory and sizes;
// they never allocate (the runtime is the `stub`), so JS owns every byte of memory.

export { isRelaxed, heapBase } from "./info";
export { sgemm, sgemmScratchBytes, packedScratchBytes, packedAFloats, addColumnSums } from "./gemm";
export { conv2dForward, convForwardColFloats } from "./conv-forward";
export { conv2dBackwardInput } from "./conv-backward-input";
export { conv2dBackwardWeight, addChannelSums } from "./conv-backward-weight";
export { depthwiseForward, depthwisePaddedWidth, depthwisePaddedHeight } from "./depthwise";
export { unaryForward, unaryBackward, binaryForward, binaryBackward } from "./elementwise";
export { maxPool2dForward, maxPool2dBackward } from "./pool";
export { batchNormForward, batchNormBackward } from "./norm";
export {
  depthwiseBackwardInput,
  depthwiseBackwardWeight,
} from "./depthwise-backward";
export { avgPool2dForward, avgPool2dBackward, adaptiveAvgPool2dForward, adaptiveAvgPool2dBackward } from "./avg-pool";
export {
  softmaxForward,
  softmaxBackward,
  logSoftmaxForward,
  logSoftmaxBackward,
  nllLossForward,
  nllLossBackward,
} from "./softmax";
export { sgdUpdate, adamUpdate } from "./optim";
export { convDirectForward, convDirectTable, convDirectTableBytes, convDirectPlanesBytes } from "./conv-direct";
export {
  winogradForward,
  winogradScratchBytes,
  winogradWeights,
  winogradPackWeights,
  winogradGradientTiles,
  winogradGradientPaddedFloats,
  winogradWeightGradient,
} from "./winograd";
export {
  conv2dBackwardWeightDirect,
  conv2dBackwardInputDirect,
  directWeightScratchBytes,
  directWeightUnits,
  directInputScratchBytes,
  directInputColumns,
} from "./conv-direct-grad";
export { fillZero, copyBytes } from "./elementwise";
export {
  winograd4Forward,
  winograd4ScratchBytes,
  winograd4Weights,
  winograd4GradientTiles,
  winograd4GradientScratchFloats,
  winograd4WeightGradient,
} from "./winograd4";
export { sumChunks, winogradWeightChunks } from "./winograd-weight";
export { batchNormForwardChannels, batchNormBackwardChannels } from "./norm";
