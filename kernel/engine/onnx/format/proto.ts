// The ONNX protobuf codec: onnx-buf (ONNX's onnx.proto compiled by Buf's protoc-gen-es) with
// @bufbuild/protobuf. Both are ES modules, loaded once on first use with import() (the engine is
// CommonJS), so the codec costs nothing until a model is read or written.
//
// NOTE: the message shapes below are the fields of onnx.proto this project reads and writes, in
// protobuf-es's naming (camelCase, int64 as bigint). They are declared here rather than taken from
// onnx-buf's types because TypeScript 5.0 (the build's compiler) cannot name an ES module's types
// from a CommonJS file.

export interface TensorShapeDimMsg {
  value:
    | { case: "dimValue"; value: bigint }
    | { case: "dimParam"; value: string }
    | { case: undefined; value?: undefined };
}
export interface TypeMsg {
  value:
    | { case: "tensorType"; value: { elemType: number; shape?: { dim: TensorShapeDimMsg[] } } }
    | { case: string | undefined; value?: unknown };
}
export interface ValueInfoMsg {
  name: string;
  type?: TypeMsg;
}
export interface TensorMsg {
  name: string;
  dims: bigint[];
  dataType: number;
  rawData: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: bigint[];
  doubleData: number[];
  dataLocation: number;
  externalData: { key: string; value: string }[];
}
export interface AttributeMsg {
  name: string;
  type: number;
  f: number;
  i: bigint;
  s: Uint8Array;
  t?: TensorMsg;
  floats: number[];
  ints: bigint[];
  strings: Uint8Array[];
}
export interface NodeMsg {
  name: string;
  opType: string;
  domain: string;
  input: string[];
  output: string[];
  attribute: AttributeMsg[];
}
export interface GraphMsg {
  name: string;
  node: NodeMsg[];
  initializer: TensorMsg[];
  input: ValueInfoMsg[];
  output: ValueInfoMsg[];
}
export interface ModelMsg {
  irVersion: bigint;
  opsetImport: { domain: string; version: bigint }[];
  producerName: string;
  producerVersion: string;
  graph?: GraphMsg;
}

/** A model message without protobuf-es's bookkeeping fields: what the writer builds. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? DeepPartial<U>[] : DeepPartial<T[K]>;
};

export interface Codec {
  encode(model: DeepPartial<ModelMsg>): Uint8Array;
  decode(bytes: Uint8Array): ModelMsg;
}

let loading: Promise<Codec> | undefined;

/** The codec, loaded on first use. */
export function codec(): Promise<Codec> {
  loading ??= (async () => {
    const [pb, schema] = await Promise.all([import("@bufbuild/protobuf"), import("onnx-buf")]);
    const Model = schema.ModelProtoSchema;
    return {
      encode: (model) => pb.toBinary(Model, pb.create(Model, model as never)),
      decode: (bytes) => pb.fromBinary(Model, bytes) as unknown as ModelMsg,
    };
  })();
  return loading;
}
