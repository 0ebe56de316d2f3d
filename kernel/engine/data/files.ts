// Dataset files on disk: checksums, atomic writes and the (small) download path.
//
// NOTE: a file is written to a temporary name beside its destination and renamed into place only
// after its checksum matched, so an interrupted or corrupt download never sits where a dataset
// would later read it.

import { createHash } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { check } from "../errors";

export function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export interface DownloadOptions {
  /** Expected MD5 of the downloaded bytes; a mismatch leaves no file behind. */
  md5?: string;
  /** Further checks of the bytes before they are written (throw to reject). */
  verify?: (bytes: Uint8Array) => void;
  /** Called with (bytes received, total bytes or 0 when unknown). */
  onProgress?: (received: number, total: number) => void;
  /** Give up when no bytes arrive for this long (default 30 s), so a dead network cannot hang a cell. */
  stallTimeoutMs?: number;
}

/** Downloads `url` to `dest` (atomically, after checking the MD5). Returns the bytes. */
export async function downloadFile(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<Uint8Array> {
  const stall = options.stallTimeoutMs ?? 30_000;
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(), stall);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), stall);
  };
  const chunks: Uint8Array[] = [];
  let received = 0;
  let total = 0;
  try {
    const res = await fetch(url, { signal: controller.signal });
    check(
      res.ok && res.body !== null,
      "download",
      () => `GET ${url} failed: HTTP ${res.status} ${res.statusText}`,
    );
    total = Number(res.headers.get("content-length") ?? 0);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      touch();
      chunks.push(chunk);
      received += chunk.length;
      options.onProgress?.(received, total);
    }
  } catch (e) {
    check(
      !controller.signal.aborted,
      "download",
      () =>
        `GET ${url}: no data for ${stall / 1000} s (${received} bytes received); check the network or try again`,
    );
    throw e;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(received);
  let o = 0;
  for (const c of chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  if (options.md5 !== undefined) {
    const got = md5(bytes);
    check(
      got === options.md5,
      "download",
      () =>
        `${url} has MD5 ${got}, expected ${options.md5} (${received} bytes received); the download is corrupt or truncated`,
    );
  }
  options.verify?.(bytes);
  writeFileAtomic(dest, bytes);
  return bytes;
}

/** A one-line text progress bar for stderr: `[#####.....] 52% 13.7/26.4 MB name`. */
export function progressLine(name: string, received: number, total: number): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  if (total <= 0) return `${mb(received)} MB ${name}`;
  const frac = Math.min(1, received / total);
  const filled = Math.round(frac * 20);
  return `[${"#".repeat(filled)}${".".repeat(20 - filled)}] ${Math.round(frac * 100)}% ${mb(received)}/${mb(total)} MB ${name}`;
}
