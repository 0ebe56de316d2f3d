// A minimal reader for (ustar / GNU) tar archives, enough to take the CIFAR-10 batches out of
// cifar-10-binary.tar.gz: regular files only, names with the ustar prefix joined.
// https://www.gnu.org/software/tar/manual/html_node/Standard.html

import { check } from "../errors";

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

function field(block: Uint8Array, start: number, length: number): string {
  const bytes = block.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? bytes.subarray(0, end) : bytes);
}

/** The regular files of a tar archive, in order (`data` views into `bytes`). */
export function readTar(bytes: Uint8Array, what = "tar archive"): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + 512 <= bytes.length) {
    const header = bytes.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const sizeText = field(header, 124, 12).trim();
    const size = Number.parseInt(sizeText || "0", 8);
    check(
      Number.isFinite(size) && size >= 0,
      "readTar",
      () => `${what}: bad size field "${sizeText}" at byte ${offset}`,
    );
    const type = String.fromCharCode(header[156] || 48);
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith("ustar") ? field(header, 345, 155) : "";
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const start = offset + 512;
    check(
      start + size <= bytes.length,
      "readTar",
      () =>
        `${what} is truncated: ${name} needs ${size} bytes at ${start}, the archive ends at ${bytes.length}`,
    );
    const data = bytes.subarray(start, start + size);
    longName = null;
    if (type === "L")
      longName = field(data, 0, size); // GNU long name for the next entry
    else if (type === "0" || type === "\0") entries.push({ name, data });
    offset = start + Math.ceil(size / 512) * 512;
  }
  check(
    offset + 512 <= bytes.length || bytes.subarray(offset).every((b) => b === 0),
    "readTar",
    () => `${what} is truncated inside a header at byte ${offset}`,
  );
  return entries;
}

/** Builds a tar archive of regular files (tests and tools). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    const header = new Uint8Array(512);
    const put = (s: string, at: number) => header.set(enc.encode(s), at);
    check(e.name.length < 100, "writeTar", () => `name too long for a plain tar header: ${e.name}`);
    put(e.name, 0);
    put("0000644\0", 100);
    put("0000000\0", 108);
    put("0000000\0", 116);
    put(`${e.data.length.toString(8).padStart(11, "0")}\0`, 124);
    put("00000000000\0", 136);
    header[156] = 48; // '0': regular file
    put("ustar\0", 257);
    put("00", 263);
    header.fill(32, 148, 156); // checksum computed with its own field as spaces
    const sum = header.reduce((a, b) => a + b, 0);
    put(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    parts.push(header, e.data, new Uint8Array((512 - (e.data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
