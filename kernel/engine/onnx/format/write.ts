// IR -> ONNX protobuf bytes (format/ir.ts -> ModelProto). Tensor data goes in raw_data as
// little-endian bytes, as ONNX requires.

import { endianness } from "node:os";
import type { IrAttr, IrModel, IrTensor, IrValueInfo } from "./ir";
import {
  type AttributeMsg,
  codec,
  type DeepPartial,
  type ModelMsg,
  type TensorMsg,
  type ValueInfoMsg,
} from "./proto";

/** AttributeProto.AttributeType numbers. */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const utf8 = new TextEncoder();

export function tensorMsg(t: IrTensor): DeepPartial<TensorMsg> {
  if (endianness() !== "LE") throw new Error("onnx: writing ONNX files needs a little-endian machine");
  return {
    name: t.name,
    dims: t.dims.map(BigInt),
    dataType: t.dataType,
    rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
  };
}

function attrMsg(name: string, a: IrAttr): DeepPartial<AttributeMsg> {
  switch (a.kind) {
    case "int":
      return { name, type: AttrType.INT, i: BigInt(a.value) };
    case "float":
      return { name, type: AttrType.FLOAT, f: a.value };
    case "string":
      return { name, type: AttrType.STRING, s: utf8.encode(a.value) };
    case "ints":
      return { name, type: AttrType.INTS, ints: a.value.map(BigInt) };
    case "floats":
      return { name, type: AttrType.FLOATS, floats: a.value };
    case "strings":
      return { name, type: AttrType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case "tensor":
      return { name, type: AttrType.TENSOR, t: tensorMsg(a.value) };
    default:
      throw new Error(`onnx: cannot write attribute ${name} of type ${a.type}`);
  }
}

function valueInfoMsg(v: IrValueInfo): DeepPartial<ValueInfoMsg> {
  const dim = (v.shape ?? []).map((d) =>
    typeof d === "number"
      ? { value: { case: "dimValue" as const, value: BigInt(d) } }
      : typeof d === "string"
        ? { value: { case: "dimParam" as const, value: d } }
        : {},
  );
  const tensorType = { elemType: v.elemType, ...(v.shape === null ? {} : { shape: { dim } }) };
  return {
    name: v.name,
    type: { value: { case: "tensorType", value: tensorType } },
  } as DeepPartial<ValueInfoMsg>;
}

/** The model's ONNX bytes. */
export async function encodeModel(m: IrModel): Promise<Uint8Array> {
  const msg: DeepPartial<ModelMsg> = {
    irVersion: BigInt(m.irVersion),
    opsetImport: Object.entries(m.opsets).map(([domain, version]) => ({ domain, version: BigInt(version) })),
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    graph: {
      name: m.graph.name,
      node: m.graph.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, a]) => attrMsg(k, a)),
      })),
      initializer: m.graph.initializers.map(tensorMsg),
      input: m.graph.inputs.map(valueInfoMsg),
      output: m.graph.outputs.map(valueInfoMsg),
    },
  };
  return (await codec()).encode(msg);
}
