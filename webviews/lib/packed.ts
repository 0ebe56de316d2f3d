// Decodes the numbers of a payload (`NumericData`: a JSON list, or base64 of little-endian float32
// or uint8 bytes) into a Float32Array, checking the length the payload's shape promises.

import type { NumericData } from "../../kernel/display/payloads-viz";

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function decodeNumeric(data: NumericData, expected: number, what: string): Float32Array {
  let out: Float32Array;
  if (Array.isArray(data)) {
    out = Float32Array.from(data, (v) => (v === null ? Number.NaN : v));
  } else if (data !== null && typeof data === "object" && typeof data.base64 === "string") {
    const bytes = base64Bytes(data.base64);
    if (data.dtype === "uint8") out = Float32Array.from(bytes);
    else if (data.dtype === "float32") {
      if (bytes.length % 4 !== 0)
        throw new Error(`${what}: float32 data has ${bytes.length} bytes, not a multiple of 4`);
      if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
        out = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4); // no copy
      } else {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        out = new Float32Array(bytes.length / 4);
        for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
      }
    } else throw new Error(`${what}: unknown dtype ${JSON.stringify((data as { dtype: unknown }).dtype)}`);
  } else {
    throw new Error(`${what}: expected a number list or { dtype, base64 }, got ${typeof data}`);
  }
  if (out.length !== expected) {
    throw new Error(`${what}: the shape needs ${expected} values, the data has ${out.length}`);
  }
  return out;
}
