// Engine tensors to ONNX Runtime tensors and back. float32 data passes through without a copy
// where ONNX Runtime allows it; integer and boolean tensors (stored exactly in float32 by the
// engine) are converted to the element type the model declares.

import type { Tensor as OrtTensor } from "onnxruntime-node";
import { ReceptiveError } from "../errors";
import { Tensor } from "../tensor/tensor";
import type { Ort } from "./ort";

/** ONNX Runtime's element type names that the engine can feed or receive. */
export type OrtType = OrtTensor.Type;

/** The engine Tensor as an ONNX Runtime tensor of element type `type`. */
export function toOrt(ort: Ort, t: Tensor, type: OrtType, what: string): OrtTensor {
  const dims = [...t.shape];
  const src = t.storage;
  switch (type) {
    case "float32":
      // NOTE: the wasm backend keeps larger storage in shared wasm memory, which onnxruntime-node
      // rejects ("Invalid argument"): only that storage is copied.
      return new ort.Tensor("float32", src.buffer instanceof ArrayBuffer ? src : src.slice(), dims);
    case "float64":
      return new ort.Tensor("float64", Float64Array.from(src), dims);
    case "int64":
      return new ort.Tensor(
        "int64",
        BigInt64Array.from(src, (v) => BigInt(Math.trunc(v))),
        dims,
      );
    case "int32":
      return new ort.Tensor("int32", Int32Array.from(src), dims);
    case "uint8":
      return new ort.Tensor("uint8", Uint8Array.from(src), dims);
    case "int8":
      return new ort.Tensor("int8", Int8Array.from(src), dims);
    case "bool":
      return new ort.Tensor(
        "bool",
        Uint8Array.from(src, (v) => (v !== 0 ? 1 : 0)),
        dims,
      );
    default:
      throw new ReceptiveError("onnx", `${what} has element type ${type}, which engine tensors cannot feed`);
  }
}

/** An ONNX Runtime output as an engine Tensor (float32 data is adopted, not copied). */
export function fromOrt(t: OrtTensor, what: string): Tensor {
  const dims = t.dims as readonly number[];
  switch (t.type) {
    case "float32":
      return new Tensor(t.data as Float32Array, dims);
    case "float64":
    case "int32":
    case "int16":
    case "int8":
    case "uint8":
    case "uint16":
    case "uint32":
      return new Tensor(
        Float32Array.from(t.data as ArrayLike<number>),
        dims,
        t.type.startsWith("float") ? "float32" : "int64",
      );
    case "int64":
    case "uint64":
      return new Tensor(Float32Array.from(t.data as BigInt64Array, Number), dims, "int64");
    case "bool":
      return new Tensor(Float32Array.from(t.data as Uint8Array), dims, "bool");
    default:
      throw new ReceptiveError(
        "onnx",
        `${what} has element type ${t.type}, which engine tensors cannot hold`,
      );
  }
}
