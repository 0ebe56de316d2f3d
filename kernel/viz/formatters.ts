// How the engine's objects show in a notebook: one formatter per class in the display layer's
// registry (kernel/display/formatters.ts), registered when viz loads. The engine knows nothing of
// displays; a user's subclass with its own [Symbol.for("Jupyter.display")]() method still wins.

import { registerFormatter } from "../display/formatters";
import { Dataset } from "../engine/data/dataset";
import { Module } from "../engine/nn/module";
import { ModelSummary } from "../engine/nn/summary";
import { CompiledModel } from "../engine/onnx/compile";
import { OnnxModel } from "../engine/onnx/import/graph";
import { InferenceSession } from "../engine/onnx/session";
import { Tensor } from "../engine/tensor/tensor";
import { datasetBundle } from "./dataset-display";
import { moduleBundle } from "./module-display";
import { compiledBundle, onnxModelBundle, sessionBundle } from "./onnx-display";
import { summaryBundle } from "./summary-display";
import { tensorBundle } from "./tensor-display";

registerFormatter(Tensor, tensorBundle);
registerFormatter(Module, moduleBundle);
registerFormatter(Dataset, datasetBundle);
registerFormatter(ModelSummary, summaryBundle);
registerFormatter(InferenceSession, sessionBundle);
registerFormatter(CompiledModel, compiledBundle);
registerFormatter(OnnxModel, onnxModelBundle);
