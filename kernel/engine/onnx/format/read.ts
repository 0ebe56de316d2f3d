// ONNX protobuf bytes -> IR (format/ir.ts), with errors that say what is wrong with the file:
// empty, truncated or not protobuf, not an ONNX model, weights stored outside the file, element
// types the engine cannot hold. `source` (the file name, or "the model bytes") starts each message.

import { ReceptiveError } from "../../errors";
import {
  DataType,
  dataTypeName,
  type IrAttr,
  type IrModel,
  type IrTensor,
  type IrValueInfo,
  type TensorData,
} from "./ir";
import {
  type AttributeMsg,
  codec,
  type ModelMsg,
  type TensorMsg,
  type TensorShapeDimMsg,
  type ValueInfoMsg,
} from "./proto";

const OP = "onnx.importModel";
const utf8 = new TextDecoder();

/** Parses ONNX bytes; `source` names the file in errors. */
export async function decodeModel(bytes: Uint8Array, source: string, op = OP): Promise<IrModel> {
  const fail = (what: string): never => {
    throw new ReceptiveError(op, `${source} ${what}`);
  };
  if (bytes.length === 0) fail("is empty (0 bytes): expected an ONNX model (a protobuf ModelProto)");
  let msg: ModelMsg;
  try {
    msg = (await codec()).decode(bytes);
  } catch (e) {
    return fail(
      `is not a readable ONNX file (${bytes.length} bytes; the protobuf decoder says: ${(e as Error).message}). ` +
        "It may be truncated (an interrupted download or copy) or not an ONNX model at all.",
    );
  }
  const g = msg.graph;
  if (msg.irVersion === 0n || g === undefined || msg.opsetImport.length === 0)
    fail(
      `is not an ONNX model: it decodes as protobuf but has ${[
        msg.irVersion === 0n ? "no ir_version" : "",
        g === undefined ? "no graph" : "",
        msg.opsetImport.length === 0 ? "no opset_import" : "",
      ]
        .filter(Boolean)
        .join(", ")} (first bytes: ${hexStart(bytes)})`,
    );
  const graph = g!;
  if (graph.node.length === 0 && graph.output.length === 0) fail("has an empty graph (no nodes, no outputs)");
  const opsets: Record<string, number> = {};
  for (const o of msg.opsetImport) opsets[o.domain === "ai.onnx" ? "" : o.domain] = Number(o.version);
  return {
    irVersion: Number(msg.irVersion),
    opsets,
    producerName: msg.producerName,
    producerVersion: msg.producerVersion,
    graph: {
      name: graph.name,
      nodes: graph.node.map((n, i) => ({
        name: n.name || `${n.opType}_${i}`,
        opType: n.opType,
        domain: n.domain === "ai.onnx" ? "" : n.domain,
        inputs: n.input,
        outputs: n.output,
        attrs: Object.fromEntries(n.attribute.map((a) => [a.name, attr(a, source, op)])),
      })),
      initializers: graph.initializer.map((t) => tensor(t, source, op)),
      inputs: graph.input.map(valueInfo),
      outputs: graph.output.map(valueInfo),
    },
  };
}

function hexStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

function valueInfo(v: ValueInfoMsg): IrValueInfo {
  const t = v.type?.value;
  if (t?.case !== "tensorType") return { name: v.name, elemType: 0, shape: null };
  const tt = t.value as { elemType: number; shape?: { dim: TensorShapeDimMsg[] } };
  const shape =
    tt.shape === undefined
      ? null
      : tt.shape.dim.map((d) =>
          d.value.case === "dimValue"
            ? Number(d.value.value)
            : d.value.case === "dimParam"
              ? d.value.value
              : null,
        );
  return { name: v.name, elemType: tt.elemType, shape };
}

/** A TensorProto's values, from raw_data (little-endian) or the typed repeated fields. */
export function tensor(t: TensorMsg, source: string, op = OP): IrTensor {
  const dims = t.dims.map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const what = `${source}: tensor "${t.name}"`;
  if (t.dataLocation === 1 || t.externalData.length > 0)
    throw new ReceptiveError(
      op,
      `${what} keeps its data in an external file (${t.externalData.find((e) => e.key === "location")?.value ?? "?"}); ` +
        "load the model with those files merged in (onnx.load + onnx.save without save_as_external_data)",
    );
  const raw = t.rawData.length > 0 ? t.rawData : null;
  const view = <T>(Ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T => {
    const bytes = new Uint8Array(raw!); // an aligned copy (raw may be a Node Buffer view)
    if (bytes.length !== count * Ctor.BYTES_PER_ELEMENT)
      throw new ReceptiveError(
        op,
        `${what} has ${bytes.length} bytes of data, expected ${count * Ctor.BYTES_PER_ELEMENT} for shape [${dims}] of ${dataTypeName[t.dataType]}; the file is damaged`,
      );
    return new Ctor(bytes.buffer);
  };
  let data: TensorData;
  switch (t.dataType) {
    case DataType.FLOAT:
      data = raw ? view(Float32Array) : Float32Array.from(t.floatData);
      break;
    case DataType.DOUBLE:
      data = raw ? view(Float64Array) : Float64Array.from(t.doubleData);
      break;
    case DataType.INT64:
      data = raw ? view(BigInt64Array) : BigInt64Array.from(t.int64Data);
      break;
    case DataType.INT32:
    case DataType.INT16:
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.UINT16:
    case DataType.BOOL: {
      const Ctor = {
        [DataType.INT32]: Int32Array,
        [DataType.INT16]: Int16Array,
        [DataType.INT8]: Int8Array,
        [DataType.UINT8]: Uint8Array,
        [DataType.UINT16]: Uint16Array,
        [DataType.BOOL]: Uint8Array,
      }[t.dataType]!;
      data = Int32Array.from(raw ? (view(Ctor as never) as ArrayLike<number>) : t.int32Data);
      break;
    }
    default:
      throw new ReceptiveError(
        op,
        `${what} has element type ${dataTypeName[t.dataType] ?? t.dataType}, which the engine cannot hold (float32, float64 and integers only)`,
      );
  }
  if (data.length !== count)
    throw new ReceptiveError(
      op,
      `${what} has ${data.length} values, expected ${count} for shape [${dims}]; the file is damaged`,
    );
  return { name: t.name, dims, dataType: t.dataType, data };
}

function attr(a: AttributeMsg, source: string, op: string): IrAttr {
  switch (a.type) {
    case 1:
      return { kind: "float", value: shortestFloat32(a.f) };
    case 2:
      return { kind: "int", value: Number(a.i) };
    case 3:
      return { kind: "string", value: utf8.decode(a.s) };
    case 4:
      return { kind: "tensor", value: tensor(a.t!, source, op) };
    case 6:
      return { kind: "floats", value: a.floats.map(shortestFloat32) };
    case 7:
      return { kind: "ints", value: a.ints.map(Number) };
    case 8:
      return { kind: "strings", value: a.strings.map((s) => utf8.decode(s)) };
    default:
      return { kind: "other", type: a.type };
  }
}

/** The shortest decimal that is the same float32 (attributes are float32: 1e-5 reads as 1e-5, not 0.0000099999997). */
function shortestFloat32(x: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === Math.fround(x)) return y;
  }
  return x;
}
