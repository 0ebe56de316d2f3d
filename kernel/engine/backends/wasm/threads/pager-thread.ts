// The pager thread (pager.ts): waits for a request, touches one word of each of its pages with an
// atomic `or 0` (faulting the page in without changing any value), and waits again. A newer
// request replaces an unfinished one.

import { workerData } from "node:worker_threads";
import { FROM, PAGE, type PagerInit, SEQ, TO, TOUCHED } from "./pager-protocol";

const { memory, control } = workerData as PagerInit;
const ints = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ints, SEQ, seen);
  seen = Atomics.load(ints, SEQ);
  const words = new Int32Array(memory.buffer); // the memory as grown so far
  const to = Math.min(Atomics.load(ints, TO), words.byteLength / PAGE);
  for (let page = Atomics.load(ints, FROM); page < to; page++) {
    if (Atomics.load(ints, SEQ) !== seen) break; // a newer request
    Atomics.or(words, (page * PAGE) >> 2, 0);
    Atomics.add(ints, TOUCHED, 1);
  }
}
