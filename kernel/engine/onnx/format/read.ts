// ONNX protobuf bytes -> IR (format/ir.ts), with errors that say what is wrong with the file:
// empty, truncated or not protobuf, not an ONNX model, weights stored outside the file, element
// types the engine cannot hold. `source` (the file name, or "the model bytes") starts each message.

import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
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

/**
 * Parses ONNX bytes; `source` names the file in errors, `folder` is where tensors stored in
 * external files are looked for (the model file's folder; null for bytes).
 */
export async function decodeModel(
  bytes: Uint8Array,
  source: string,
  op = OP,
  folder: string | null = null,
): Promise<IrModel> {
  const fail = (what: string): never => {
    throw new ReceptiveError(op, `${source} ${what}`);
  };
  if (bytes.length === 0) fail("is empty (0 bytes): expected an ONNX model (a protobuf ModelProto)");
  const other = otherFormat(bytes);
  if (other !== null) fail(`is ${other.what}, not an ONNX model${other.fix ? `: ${other.fix}` : ""}`);
  let msg: ModelMsg;
  try {
    msg = (await codec()).decode(bytes);
  } catch (e) {
    const said = (e as Error).message;
    // ONNX files start with ir_version (field 1, varint: byte 0x08).
    if (bytes[0] === 0x08 && /premature EOF|EOF/i.test(said))
      return fail(
        `is truncated: its ${bytes.length} bytes end in the middle of the model (an interrupted download or copy?); ` +
          "download or copy it again",
      );
    return fail(
      `is not a readable ONNX file (${bytes.length} bytes, starting ${hexStart(bytes)}; the protobuf decoder says: ${said}). ` +
        "It may be damaged or not an ONNX model at all.",
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
      initializers: graph.initializer.map((t) => tensor(t, source, op, folder)),
      inputs: graph.input.map(valueInfo),
      outputs: graph.output.map(valueInfo),
    },
  };
}

/** What a file is when its first bytes say it is something other than ONNX, else null. */
function otherFormat(bytes: Uint8Array): { what: string; fix?: string } | null {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  const text = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if (starts(0x89, 0x50, 0x4e, 0x47)) return { what: "a PNG image" };
  if (starts(0xff, 0xd8, 0xff)) return { what: "a JPEG image" };
  if (starts(0x50, 0x4b, 0x03, 0x04))
    return {
      what: "a zip archive (PyTorch saves .pt/.pth checkpoints as one)",
      fix: "export the model with torch.onnx.export",
    };
  if (
    bytes.length > 9 &&
    bytes[8] === 0x7b &&
    bytes[9] === 0x22 &&
    starts(bytes[0], bytes[1], bytes[2], bytes[3], 0, 0, 0, 0)
  )
    return { what: "a safetensors file (weights without a graph)", fix: "load it into a model with load()" };
  if (text.startsWith("{") || text.startsWith("[")) return { what: "a JSON file" };
  if (text.startsWith("<"))
    return { what: "an HTML or XML file", fix: "was a web page saved instead of the model?" };
  if (bytes.subarray(0, 256).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127)))
    return { what: "a text file" };
  return null;
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
export function tensor(t: TensorMsg, source: string, op = OP, folder: string | null = null): IrTensor {
  const dims = t.dims.map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const what = `${source}: tensor "${t.name}"`;
  let raw = t.rawData.length > 0 ? t.rawData : null;
  if (t.dataLocation === 1 || t.externalData.length > 0) raw = externalData(t, what, op, folder);
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
    case DataType.FLOAT16: {
      // Half floats (raw_data, or one per int32_data entry) widened to float32.
      const halves = raw ? view(Uint16Array) : Uint16Array.from(t.int32Data);
      data = Float32Array.from(halves, halfToFloat);
      break;
    }
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
  return {
    name: t.name,
    dims,
    dataType: t.dataType === DataType.FLOAT16 ? DataType.FLOAT : t.dataType,
    data,
  };
}

/** An IEEE 754 half (as its 16 bits) as a number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** The bytes of a tensor kept in an external file next to the model (ONNX's external data). */
function externalData(t: TensorMsg, what: string, op: string, folder: string | null): Uint8Array {
  const entry = (k: string) => t.externalData.find((e) => e.key === k)?.value;
  const location = entry("location");
  if (folder === null)
    throw new ReceptiveError(
      op,
      `${what} keeps its data in an external file (${location ?? "?"}); load the model from its file path so that file can be found next to it`,
    );
  if (location === undefined || isAbsolute(location) || normalize(location).startsWith(".."))
    throw new ReceptiveError(
      op,
      `${what} names its external data file as "${location ?? ""}"; ONNX requires a path inside the model's folder`,
    );
  const file = join(folder, location);
  if (!existsSync(file))
    throw new ReceptiveError(
      op,
      `${what} keeps its data in "${location}", which is not in ${folder}; copy that file next to the model`,
    );
  const all = readFileSync(file);
  const offset = Number(entry("offset") ?? 0);
  const length = entry("length") === undefined ? all.length - offset : Number(entry("length"));
  if (offset + length > all.length)
    throw new ReceptiveError(
      op,
      `${what} reads bytes ${offset} to ${offset + length} of "${location}", which has ${all.length}; that file is truncated`,
    );
  return all.subarray(offset, offset + length);
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
