// The importer's op table: ONNX op type -> builders by opset, merged from the layer ops
// (ops-layers.ts) and the function ops (ops-tensor.ts). `entryFor` picks the definition in force
// at the model's opset.

import type { Build, OpEntry } from "./generic";
import { layerOps } from "./ops-layers";
import { tensorOps } from "./ops-tensor";

export const opTable: Record<string, OpEntry> = { ...tensorOps };
for (const [op, entry] of Object.entries(layerOps)) opTable[op] = { ...opTable[op], ...entry };

/** The builder for `opType` at `opset`, or undefined when the op (at that opset) is not supported. */
export function entryFor(opType: string, opset: number): Build | undefined {
  const entry = opTable[opType];
  if (entry === undefined) return undefined;
  const since = Object.keys(entry)
    .map(Number)
    .filter((v) => v <= opset)
    .sort((a, b) => b - a)[0];
  return since === undefined ? undefined : entry[since];
}

/** The op types the importer supports, for messages and docs. */
export const supportedOps = (): string[] => [...Object.keys(opTable), "Constant"].sort();
