// Loads onnxruntime-node on first use, so importing the engine never loads ONNX Runtime's 50 MB
// native library, and a machine without the package's binary still runs the engine (only `onnx`
// sessions fail, saying why).

import { dirname, join } from "node:path";
import { ReceptiveError } from "../errors";

export type Ort = typeof import("onnxruntime-node");

let loaded: Ort | Error | undefined;

/** onnxruntime-node, loaded once; throws a clear error where the package or its binary is missing. */
export function ort(op: string): Ort {
  if (loaded === undefined) {
    try {
      loaded = require("onnxruntime-node") as Ort;
      // NOTE: ONNX Runtime logs failed provider loads at "error" level on stderr; we report them
      // ourselves (one message per fallback), so only fatal native messages get through.
      loaded.env.logLevel = "fatal";
    } catch (e) {
      loaded = e as Error;
    }
  }
  if (loaded instanceof Error)
    throw new ReceptiveError(
      op,
      `ONNX Runtime could not be loaded on ${process.platform}-${process.arch} ` +
        `(${loaded.message.split("\n")[0]}). Install it with \`npm install onnxruntime-node\`; ` +
        "the engine itself (tensors, nn, training) works without it.",
    );
  return loaded;
}

/** The folder holding this platform's onnxruntime-node binaries (where CUDA's provider library goes). */
export function ortBinaryDir(): string | null {
  try {
    const pkg = dirname(require.resolve("onnxruntime-node/package.json"));
    return join(pkg, "bin", "napi-v6", process.platform, process.arch);
  } catch {
    return null;
  }
}
