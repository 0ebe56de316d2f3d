// The IDX format of MNIST-style datasets: a 4-byte magic (0, 0, type code, number of dims),
// one big-endian uint32 per dim, then the values in row-major order. Files may be gzipped.
// http://yann.lecun.com/exdb/mnist/ (bottom of the page)

import { gunzipSync } from "node:zlib";
import { check } from "../errors";

export interface IdxArray {
  /** The sizes of each dimension, e.g. [60000, 28, 28]. */
  dims: number[];
  /** The values; Uint8Array for the unsigned-byte files MNIST uses. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { name: string; size: number }> = {
  8: { name: "uint8", size: 1 },
  9: { name: "int8", size: 1 },
  11: { name: "int16", size: 2 },
  12: { name: "int32", size: 4 },
  13: { name: "float32", size: 4 },
  14: { name: "float64", size: 8 },
};

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes. zlib checks the trailing CRC-32 and length, so a truncated or
 * corrupted file fails here instead of yielding wrong pixels.
 */
export function gunzip(bytes: Uint8Array, what = "file"): Uint8Array {
  try {
    return gunzipSync(bytes);
  } catch (e) {
    check(
      false,
      "gunzip",
      `${what} is not a valid gzip file (${(e as Error).message}); it is truncated or corrupt`,
    );
  }
}

/** Parses IDX bytes (gzipped or not). `what` names the file in error messages. */
export function parseIdx(bytes: Uint8Array, what = "IDX file"): IdxArray {
  const raw = isGzip(bytes) ? gunzip(bytes, what) : bytes;
  check(raw.length >= 4, "parseIdx", () => `${what} is too short (${raw.length} bytes) to be an IDX file`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const type = TYPES[raw[2]];
  check(
    raw[0] === 0 && raw[1] === 0 && type !== undefined && raw[3] > 0,
    "parseIdx",
    () =>
      `${what} does not start with an IDX magic number (got bytes ${[...raw.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ")}); it is not an IDX file or is corrupt`,
  );
  const ndim = raw[3];
  const header = 4 + 4 * ndim;
  check(raw.length >= header, "parseIdx", () => `${what} is truncated inside its header`);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = header + count * type.size;
  check(
    raw.length === expected,
    "parseIdx",
    () =>
      `${what} should hold ${expected} bytes for dims [${dims.join(", ")}] of ${type.name}, but has ${raw.length}; it is ${raw.length < expected ? "truncated" : "corrupt"}`,
  );
  const body = raw.subarray(header);
  let data: IdxArray["data"];
  switch (type.name) {
    case "uint8":
      data = Uint8Array.from(body);
      break;
    case "int8":
      data = new Int8Array(body.slice().buffer);
      break;
    default: {
      // Multi-byte values are big-endian.
      const arr =
        type.name === "int16"
          ? new Int16Array(count)
          : type.name === "int32"
            ? new Int32Array(count)
            : type.name === "float32"
              ? new Float32Array(count)
              : new Float64Array(count);
      const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
      for (let i = 0; i < count; i++) {
        const o = i * type.size;
        arr[i] =
          type.name === "int16"
            ? v.getInt16(o, false)
            : type.name === "int32"
              ? v.getInt32(o, false)
              : type.name === "float32"
                ? v.getFloat32(o, false)
                : v.getFloat64(o, false);
      }
      data = arr;
    }
  }
  return { dims, data };
}

/** Serialises unsigned bytes as IDX (type 0x08), as the sample-making script does. */
export function encodeIdxUint8(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}
