// The two control words shared by the arena's prefaulter (../prefault.ts) and its thread
// (prefault-worker.ts), in 4 KiB pages of wasm memory.

/** Int32 index of the page count the arena wants touched (pages below it). */
export const REQUESTED = 0;
/** Int32 index of the page count the thread has touched so far. */
export const DONE = 1;
export const CONTROL_BYTES = 8;
/** The OS page: the unit the thread touches (one write per page maps it). */
export const TOUCH_BYTES = 4096;

/** What the thread receives at startup (workerData). */
export interface PrefaultInit {
  memory: unknown; // the shared WebAssembly.Memory
  control: SharedArrayBuffer;
}
