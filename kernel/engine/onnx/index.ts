// `onnx`: models in and out of the ONNX format. `InferenceSession` runs a model with ONNX Runtime
// (CUDA where there is a GPU), fed with engine Tensors.

export { cudaInstallCommand, type ExecutionProvider } from "./providers";
export { InferenceSession, type SessionOptions, type ValueInfo } from "./session";
