// The safetensors format (https://github.com/huggingface/safetensors#format), read and written
// byte by byte: an 8-byte little-endian header length N, N bytes of JSON header
// `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}`
// (space-padded here so the data starts 8-byte aligned), then the raw little-endian tensor data,
// every byte owned by exactly one tensor. PyTorch users read it with `safetensors.torch.load_file`.
//
// Writing: F32 (float32), I64 (int64), BOOL (bool). Reading also accepts F64, F16, BF16 (to
// float32) and I32, I16, I8, U8 (to int64); a malformed or truncated file is a clear error.

import { check, ReceptiveError } from "../errors";
import { type DType, Tensor } from "../tensor/tensor";

/** Header entries at most this big (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

const WRITE: Record<DType, { code: string; bytes: number }> = {
  float32: { code: "F32", bytes: 4 },
  int64: { code: "I64", bytes: 8 },
  bool: { code: "BOOL", bytes: 1 },
};

type Reader = (view: DataView, offset: number) => number;
const READ: Record<string, { bytes: number; dtype: DType; get: Reader }> = {
  F32: { bytes: 4, dtype: "float32", get: (v, o) => v.getFloat32(o, true) },
  F64: { bytes: 8, dtype: "float32", get: (v, o) => v.getFloat64(o, true) },
  F16: { bytes: 2, dtype: "float32", get: (v, o) => halfToFloat(v.getUint16(o, true)) },
  BF16: { bytes: 2, dtype: "float32", get: (v, o) => bf16ToFloat(v.getUint16(o, true)) },
  I64: { bytes: 8, dtype: "int64", get: (v, o) => Number(v.getBigInt64(o, true)) },
  I32: { bytes: 4, dtype: "int64", get: (v, o) => v.getInt32(o, true) },
  I16: { bytes: 2, dtype: "int64", get: (v, o) => v.getInt16(o, true) },
  I8: { bytes: 1, dtype: "int64", get: (v, o) => v.getInt8(o) },
  U8: { bytes: 1, dtype: "int64", get: (v, o) => v.getUint8(o) },
  BOOL: { bytes: 1, dtype: "bool", get: (v, o) => (v.getUint8(o) !== 0 ? 1 : 0) },
};

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function bf16ToFloat(b: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, b << 16);
  return v.getFloat32(0);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The file as chunks: the header, then each tensor's bytes (streamed, so no second copy of a big model). */
export function* encodeSafetensors(
  tensors: readonly (readonly [string, Tensor])[],
  metadata: Record<string, string> = {},
): Generator<Uint8Array> {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    check(name !== "__metadata__", "save", `"__metadata__" is reserved in safetensors; rename that tensor`);
    check(!(name in header), "save", () => `tensor name "${name}" appears twice`);
    const { code, bytes } = WRITE[t.dtype];
    header[name] = { dtype: code, shape: [...t.shape], data_offsets: [offset, offset + t.numel * bytes] };
    offset += t.numel * bytes;
  }
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  yield len;
  yield json;
  for (const [, t] of tensors) yield tensorBytes(t);
}

function tensorBytes(t: Tensor): Uint8Array {
  const s = t.storage;
  if (t.dtype === "float32" && littleEndian) return new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
  const { bytes } = WRITE[t.dtype];
  const out = new Uint8Array(t.numel * bytes);
  const v = new DataView(out.buffer);
  for (let i = 0; i < t.numel; i++) {
    if (t.dtype === "float32") v.setFloat32(i * 4, s[i], true);
    else if (t.dtype === "int64") v.setBigInt64(i * 8, BigInt(Math.round(s[i])), true);
    else v.setUint8(i, s[i] !== 0 ? 1 : 0);
  }
  return out;
}

export interface Decoded {
  /** Tensors in file order. */
  tensors: [string, Tensor][];
  metadata: Record<string, string>;
}

/** Parses a whole safetensors file; `what` names it in errors (e.g. the path). */
export function decodeSafetensors(bytes: Uint8Array, what = "safetensors file"): Decoded {
  const fail: (msg: string) => never = (msg) => {
    throw new ReceptiveError("load", `${what}: ${msg}`);
  };
  if (bytes.length < 8)
    fail(`truncated: ${bytes.length} bytes, but a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`corrupt: header length ${n} is not plausible (not a safetensors file?)`);
  const headerLen = Number(n);
  if (8 + headerLen > bytes.length)
    fail(`truncated: the header needs ${headerLen} bytes but only ${bytes.length - 8} follow the length`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`corrupt: the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header))
    fail("corrupt: the header is not a JSON object");
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: [string, { dtype: string; shape: number[]; begin: number; end: number }][] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object") fail("corrupt: __metadata__ is not an object");
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== "string") fail(`corrupt: metadata "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const kind = typeof e?.dtype === "string" ? READ[e.dtype] : undefined;
    if (kind === undefined)
      fail(
        `tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; supported: ${Object.keys(READ).join(", ")}`,
      );
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`corrupt: tensor "${name}" has shape ${JSON.stringify(shape)}`);
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0))
      fail(`corrupt: tensor "${name}" has data_offsets ${JSON.stringify(offs)}`);
    const [begin, end] = offs as [number, number];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== numel * (kind as { bytes: number }).bytes)
      fail(
        `corrupt: tensor "${name}" (${e.dtype} ${JSON.stringify(shape)}) needs ${numel * (kind as { bytes: number }).bytes} bytes, its offsets span ${end - begin}`,
      );
    if (end > dataLen)
      fail(
        `truncated: tensor "${name}" ends at byte ${end} of the data, but the file holds only ${dataLen} data bytes`,
      );
    entries.push([name, { dtype: e.dtype as string, shape: shape as number[], begin, end }]);
  }
  // Every data byte belongs to exactly one tensor (no holes, no overlaps), as the format requires.
  const spans = entries.map(([, e]) => [e.begin, e.end]).sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [b, e] of spans) {
    if (b !== at)
      fail(`corrupt: tensor data has a ${b > at ? "hole" : "overlap"} at byte ${Math.min(b, at)}`);
    at = e;
  }
  if (at !== dataLen) fail(`corrupt: ${dataLen - at} bytes of data after the last tensor`);

  const tensors: [string, Tensor][] = entries.map(([name, e]) => {
    const kind = READ[e.dtype];
    const numel = e.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(numel);
    const base = dataStart + e.begin;
    if (e.dtype === "F32" && littleEndian && (bytes.byteOffset + base) % 4 === 0)
      out.set(new Float32Array(bytes.buffer, bytes.byteOffset + base, numel));
    else for (let i = 0; i < numel; i++) out[i] = kind.get(view, base + i * kind.bytes);
    return [name, new Tensor(out, e.shape, kind.dtype)];
  });
  return { tensors, metadata };
}
