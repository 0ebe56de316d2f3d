// The prefault thread (../prefault.ts): touches the wasm memory's pages ahead of the arena, so that
// the OS maps them here, on an idle core, instead of in the middle of a kernel. It waits on the
// control word REQUESTED (a page count, 4 KiB pages), writes to every page from DONE up to it and
// publishes DONE; then waits again. The write is `Atomics.add(…, 0)`: an atomic read-modify-write
// that leaves the word as it is even if a kernel writes the same word at the same moment (a plain
// write of the value read could undo the kernel's), and a write, which a read is not (reading an
// untouched page maps the shared zero page; the first write would still fault).

import { workerData } from "node:worker_threads";
import type { WasmMemory } from "../wasm-api";
import { DONE, type PrefaultInit, REQUESTED, TOUCH_BYTES } from "./prefault-protocol";

const { memory, control } = workerData as PrefaultInit;
const ctl = new Int32Array(control);
let words = new Int32Array((memory as WasmMemory).buffer);

for (;;) {
  const want = Atomics.load(ctl, REQUESTED);
  let done = Atomics.load(ctl, DONE);
  if (done >= want) {
    Atomics.wait(ctl, REQUESTED, want);
    continue;
  }
  // The memory grew since this view was made: a new buffer object covers the new pages.
  if (words.length * 4 < want * TOUCH_BYTES) words = new Int32Array((memory as WasmMemory).buffer);
  const end = Math.min(want, Math.floor((words.length * 4) / TOUCH_BYTES));
  for (; done < end; done++) {
    Atomics.add(words, (done * TOUCH_BYTES) / 4, 0);
    if ((done & 255) === 255) Atomics.store(ctl, DONE, done + 1); // progress, every MiB
  }
  Atomics.store(ctl, DONE, done);
}
