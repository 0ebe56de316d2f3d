// `onnx.exportModel`: a module's eval-mode forward as an ONNX file (or bytes), at opsets 13 to the
// newest the bundled ONNX Runtime runs.

import { resolve } from "node:path";
import { check } from "../../errors";
import { writeAtomic } from "../../nn/checkpoint";
import { Module } from "../../nn/index";
import { Tensor } from "../../tensor/tensor";
import type { IrModel } from "../format/ir";
import { encodeModel } from "../format/write";
import { traceGraph } from "./trace";

export interface ExportOptions {
  /** ONNX opset of the default domain; 13 to 26 (the newest ONNX Runtime 1.31 runs). Default 17. */
  opset?: number;
  /** Leave dim 0 of the inputs (and of outputs that keep it) dynamic ("batch"). Default true. */
  dynamicBatch?: boolean;
  /** Names of the graph inputs; default "input", "input_1", ... */
  inputNames?: readonly string[];
  /** Names of the graph outputs; default "output", "output_1", ... */
  outputNames?: readonly string[];
}

export const MIN_OPSET = 13;
export const MAX_OPSET = 26;
export const DEFAULT_OPSET = 17;

/** The IR version that came with each opset (ONNX 1.13: opset 18, IR 8; 1.14: 19, IR 9; ...). */
export function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  if (opset <= 24) return 11;
  if (opset === 25) return 12;
  return 13;
}

const version = (): string => {
  try {
    return (require("../../../../../package.json") as { version: string }).version;
  } catch {
    return "";
  }
};

/** The model as ONNX bytes (what `exportModel` writes). */
export async function exportBytes(
  module: Module,
  sampleInput: Tensor | readonly Tensor[],
  options: ExportOptions = {},
  op = "onnx.exportModel",
): Promise<Uint8Array> {
  check(module instanceof Module, op, `expected an nn.Module to export, got ${typeof module}`);
  const samples = sampleInput instanceof Tensor ? [sampleInput] : sampleInput;
  check(
    Array.isArray(samples) && samples.length > 0 && samples.every((s) => s instanceof Tensor),
    op,
    "sampleInput must be a Tensor (or an array of Tensors, one per forward argument), e.g. randn([1, 3, 32, 32])",
  );
  const opset = options.opset ?? DEFAULT_OPSET;
  check(
    Number.isInteger(opset) && opset >= MIN_OPSET && opset <= MAX_OPSET,
    op,
    `opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET} (the newest ONNX Runtime 1.31 runs), got ${opset}`,
  );
  const graph = traceGraph(module, samples, {
    opset,
    dynamicBatch: options.dynamicBatch ?? true,
    inputNames: options.inputNames,
    outputNames: options.outputNames,
    op,
  });
  const model: IrModel = {
    irVersion: irVersionFor(opset),
    opsets: { "": opset },
    producerName: "receptive",
    producerVersion: version(),
    graph,
  };
  return encodeModel(model);
}

/**
 * Writes `module`'s eval-mode forward on `sampleInput` as an ONNX file (atomically).
 * Example: `await onnx.exportModel(net, randn([1, 3, 32, 32]), "net.onnx", { dynamicBatch: true })`.
 */
export async function exportModel(
  module: Module,
  sampleInput: Tensor | readonly Tensor[],
  path: string,
  options: ExportOptions = {},
): Promise<void> {
  check(
    typeof path === "string" && path.length > 0,
    "onnx.exportModel",
    'path must be a file name such as "net.onnx"',
  );
  const bytes = await exportBytes(module, sampleInput, options);
  writeAtomic(resolve(path), [bytes]);
}
