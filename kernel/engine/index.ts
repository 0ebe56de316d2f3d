// The public surface of the `receptive` package: tensors, autograd, the functional API `F`,
// and backend selection. PyTorch names in camelCase; keyword arguments as a trailing options object.
// The engine imports nothing outside kernel/engine (test/unit/import-graph.test.ts); a notebook
// cell's `receptive` adds viz and fit (kernel/viz/notebook.ts).

export type { BackwardOptions } from "./autograd/backward";
export { enableGrad, isGradEnabled, noGrad } from "./autograd/grad-mode";
export { zeroGrad } from "./autograd/zero-grad";
export {
  availableBackends,
  type BackendInfo,
  backendInfo,
  type CacheInfo,
  type GemmInfo,
  getBackend,
  type SimdInfo,
  type StorageInfo,
  setBackend,
  type TieringInfo,
} from "./backends/registry";
export { getNumThreads, setNumThreads } from "./backends/wasm/index";
export * as data from "./data/index";
export { ReceptiveError } from "./errors";
export * as models from "./models/index";
export { load, save } from "./nn/checkpoint";
export * as F from "./nn/functional";
export * as nn from "./nn/index";
export { type ModelSummary, summary } from "./nn/summary";
export * as onnx from "./onnx/index";
export {
  abs,
  add,
  clamp,
  cos,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  lt,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  relu,
  sigmoid,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from "./ops/elementwise";
export { type GatherOptions, gather, type ScatterOptions, scatter, scatterAdd } from "./ops/indexing";
export { linear, matmul } from "./ops/matmul";
export { amax, amin, logsumexp } from "./ops/reduce";
export { flip, fliplr, flipud, type RollOptions, roll } from "./ops/reorder";
export { type CumsumOptions, cumsum } from "./ops/scan";
export { cat, chunk, split, stack } from "./ops/shape";
export { argsort, type SortOptions, sort, type TopkOptions, topk, type ValuesIndices } from "./ops/sort";
// torchvision.ops (boxes, NMS, RoI pooling, focal loss), beside `models` as in torchvision.
export * as ops from "./ops/torchvision";
export * as optim from "./optim/index";
export {
  arange,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  type RandomOptions,
  rand,
  randint,
  randn,
  randperm,
  type TensorOptions,
  tensor,
  zeros,
  zerosLike,
} from "./tensor/create";
export { defaultGenerator, Generator, manualSeed } from "./tensor/random";
export type { Shape } from "./tensor/shape";
export { type DType, type NestedArray, Tensor } from "./tensor/tensor";
