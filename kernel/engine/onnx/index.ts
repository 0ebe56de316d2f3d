// `onnx`: models in and out of the ONNX format. `InferenceSession` runs a model with ONNX Runtime
// (CUDA where there is a GPU), fed with engine Tensors; `exportModel` writes a module as ONNX,
// `compile` runs a module through ONNX Runtime, `importModel` reads ONNX as a trainable module,
// `toPyTorch` writes a module as PyTorch code and weights.

export { CompiledModel, type CompileOptions, compile } from "./compile";
export { DEFAULT_OPSET, type ExportOptions, exportModel, MAX_OPSET, MIN_OPSET } from "./export/export";
export { OnnxModel, Scope } from "./import/graph";
export { importModel } from "./import/import";
export { OnnxOp } from "./import/modules";
export { supportedOps } from "./import/op-table";
export { cudaInstallCommand, type ExecutionProvider } from "./providers";
export { type ToPyTorchOptions, toPyTorch } from "./pytorch/write";
export { type RuntimeInfo, runtimeInfo } from "./runtime-info";
export { InferenceSession, type ModuleSource, type SessionOptions, type ValueInfo } from "./session";
