// The ONNX model as plain data: what the exporter builds, the writer encodes, the reader decodes
// and the importer runs. Only the parts of the format a CNN uses; numbers are JS numbers (int64
// dims and attributes beyond 2^53 do not occur in these models).

/** ONNX's TensorProto.DataType numbers for the element types we read and write. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** ONNX element type number -> name, for messages. */
export const dataTypeName: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]),
);

export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

export interface IrTensor {
  name: string;
  dims: number[];
  dataType: number;
  data: TensorData;
}

export type IrAttr =
  | { kind: "int"; value: number }
  | { kind: "float"; value: number }
  | { kind: "string"; value: string }
  | { kind: "ints"; value: number[] }
  | { kind: "floats"; value: number[] }
  | { kind: "strings"; value: string[] }
  | { kind: "tensor"; value: IrTensor }
  | { kind: "other"; type: number };

export interface IrNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, IrAttr>;
}

/** A graph input or output: element type and shape (a string for a named dynamic dim, null unknown). */
export interface IrValueInfo {
  name: string;
  elemType: number;
  shape: (number | string | null)[] | null;
}

export interface IrGraph {
  name: string;
  nodes: IrNode[];
  initializers: IrTensor[];
  inputs: IrValueInfo[];
  outputs: IrValueInfo[];
}

export interface IrModel {
  irVersion: number;
  /** Opset version per domain ("" is the default ONNX domain). */
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  graph: IrGraph;
}

export const int = (value: number): IrAttr => ({ kind: "int", value });
export const float = (value: number): IrAttr => ({ kind: "float", value });
export const ints = (value: readonly number[]): IrAttr => ({ kind: "ints", value: [...value] });
export const str = (value: string): IrAttr => ({ kind: "string", value });
