// The words pager.ts and pager-thread.ts share: an Int32Array over a 16-byte SharedArrayBuffer.

import type { WasmMemory } from "../wasm-api";

/** Requests made so far (the pager thread waits for it to change). */
export const SEQ = 0;
/** The requested range [FROM, TO), in pages of PAGE bytes. */
export const FROM = 1;
export const TO = 2;
/** Pages touched so far. */
export const TOUCHED = 3;
/** The OS page size the pager touches one word of (4 KiB on x86 Linux; a larger page is touched more than once). */
export const PAGE = 4096;

export interface PagerInit {
  memory: WasmMemory;
  control: SharedArrayBuffer;
}
