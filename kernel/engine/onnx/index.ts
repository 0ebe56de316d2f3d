// `onnx`: models in and out of the ONNX format. `InferenceSession` runs a model with ONNX Runtime
// (CUDA where there is a GPU), fed with engine Tensors; `exportModel` writes a module as ONNX.

export { CompiledModel, type CompileOptions, compile } from "./compile";
export { DEFAULT_OPSET, type ExportOptions, exportModel, MAX_OPSET, MIN_OPSET } from "./export/export";
export { cudaInstallCommand, type ExecutionProvider } from "./providers";
export { InferenceSession, type ModuleSource, type SessionOptions, type ValueInfo } from "./session";
