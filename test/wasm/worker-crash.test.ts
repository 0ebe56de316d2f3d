// A worker thread that dies must not hang the kernel: killed between calls, it is replaced
// (with a warning) and the next threaded kernel gives the right answer; killed before it claims
// its share, the caller runs that share; hung in the middle of a share, the caller's wait times
// out, the call throws a clear WorkerThreadError, and the call after it runs on fresh workers with
// the right answer.

import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { conv2dForward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { CLAIM } from "../../kernel/engine/backends/wasm/threads/protocol";
import { WorkerThreadError } from "../../kernel/engine/backends/wasm/threads/workers";
import { convGeometry, convLengths, expectMatchesRef, f32Random } from "./wasm-helpers";

const runtime = wasmRuntime();

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
if (runtime instanceof Error) throw runtime;
const rt = runtime;
setBackend("wasm");

// A conv big enough to be split across 2 threads (N images, one share per thread).
const g = convGeometry({ N: 8, C: 8, H: 16, W: 15, OC: 16, KH: 3, KW: 3, pad: [1, 1, 1, 1] });
const n = convLengths(g);
const inp = f32Random(n.inp, 1);
const weight = f32Random(n.weight, 2);
const expected = new Float32Array(n.out);
refKernel("conv2dForward")(expected, inp, weight, null, g);

function conv(): Float32Array {
  const out = new Float32Array(expected.length);
  conv2dForward(out, inp, weight, null, g);
  return out;
}

/** Collects the process warnings emitted while `f` runs (they are emitted on the next tick). */
async function warningsDuring(f: () => void): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error) => seen.push(w.message);
  process.on("warning", listener);
  try {
    f();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off("warning", listener);
  }
  return seen;
}

describe("wasm worker thread crash handling", () => {
  const threadsBefore = getNumThreads();
  const timeoutBefore = rt.workers.waitTimeoutMs;

  it("replaces a worker that died between calls and still computes the right result", async () => {
    setNumThreads(2);
    try {
      expectMatchesRef(conv(), expected, "before the crash");
      assert.equal(rt.workers.workerCount, 1, "one worker thread runs the second share");
      const victim = rt.workers.workerThreads[0];
      await victim.terminate(); // the 'exit' event reaches the workers' owner on the event loop
      let out: Float32Array = new Float32Array(0);
      const warnings = await warningsDuring(() => {
        out = conv();
      });
      expectMatchesRef(out, expected, "after the crash");
      assert.ok(
        warnings.some((w) => /worker thread exited unexpectedly; restarting the worker threads/.test(w)),
        `expected a restart warning, got ${JSON.stringify(warnings)}`,
      );
      assert.equal(rt.workers.workerCount, 1);
      assert.notEqual(rt.workers.workerThreads[0], victim, "a fresh worker");
    } finally {
      setNumThreads(threadsBefore);
    }
  });

  it("runs the share of a worker killed as a call starts, then replaces the worker", async () => {
    setNumThreads(2);
    try {
      expectMatchesRef(conv(), expected, "warm");
      const victim = rt.workers.workerThreads[0];
      const exited = once(victim, "exit");
      void victim.terminate(); // no await: the next call still counts on it
      // Give the thread time to die without letting WorkerThreads see its 'exit' (an event-loop event).
      const until = performance.now() + 200;
      while (performance.now() < until);
      expectMatchesRef(conv(), expected, "the caller ran the dead worker's share");
      await exited;
      const warnings = await warningsDuring(() => expectMatchesRef(conv(), expected, "after the restart"));
      assert.ok(
        warnings.some((w) => /worker thread exited unexpectedly; restarting the worker threads/.test(w)),
      );
      assert.notEqual(rt.workers.workerThreads[0], victim, "a fresh worker");
    } finally {
      setNumThreads(threadsBefore);
    }
  });

  it("times out on a worker that hangs in the middle of a share, throws a clear error, then restarts", async () => {
    setNumThreads(2);
    try {
      expectMatchesRef(conv(), expected, "warm");
      rt.workers.waitTimeoutMs = 300;
      // The worker's share: a GEMM of 256 x 256 x 256 repeated 16,000 times (several seconds of
      // TurboFan code, which the kernels are from the start: tiering.ts), far past the deadline,
      // also when a loaded machine made the caller wait long for the claim (the deadline is at
      // least 200x the caller's share); this thread's share waits until the worker has claimed its own.
      const n = 256;
      const [a, b, c] = [0, 1, 2].map(() => rt.arena.resident(n * n).byteOffset);
      const scratch = rt.arena.resident(rt.kernels.sgemmScratchBytes(n, n, n) / 4).byteOffset;
      const gemm = (batches: number) => [
        0,
        batches,
        0,
        0,
        0,
        n,
        n,
        n,
        a,
        n,
        1,
        b,
        n,
        1,
        c,
        0,
        0,
        n,
        0,
        n,
        scratch,
      ];
      const control = (rt.workers as unknown as { ints: Int32Array }).ints; // the workers' control words
      const t0 = performance.now();
      let claimed = t0; // when the worker had claimed its share: the wait starts there
      let error: unknown = null;
      const warnings = await warningsDuring(() => {
        try {
          rt.workers.run("sgemm", [gemm(0), gemm(16000)], (_args, share) => {
            assert.equal(share, 0);
            // Until the worker has claimed share 1 (the claim word's next share reaches 2).
            while ((Atomics.load(control, CLAIM) & 127) < 2 && performance.now() - t0 < 10_000);
            claimed = performance.now();
          });
        } catch (e) {
          error = e;
        }
      });
      // On a loaded machine the worker may take seconds to start its share; from then on the
      // caller must give up after the 300 ms timeout, not wait for the seconds-long GEMM.
      const waited = performance.now() - claimed;
      assert.ok(error instanceof WorkerThreadError, `expected a WorkerThreadError, got ${String(error)}`);
      const message = (error as Error).message;
      assert.match(message, /did not finish sgemm within \d+ ms \(a worker died or hung\)/);
      assert.match(message, /will restart on the next call/);
      assert.match(message, /setNumThreads\(1\)/);
      assert.ok(waited < 5_000, `the caller waited ${waited} ms after the worker claimed its share`);
      assert.ok(
        warnings.some((w) => w === message),
        "the same message as a process warning",
      );
      // The next call starts fresh workers and is right.
      rt.workers.waitTimeoutMs = timeoutBefore;
      expectMatchesRef(conv(), expected, "after the restart");
      assert.equal(rt.workers.workerCount, 1);
      assert.equal(rt.workers.startupFailure, null, "threads stay on after one failure");
    } finally {
      rt.workers.waitTimeoutMs = timeoutBefore;
      setNumThreads(threadsBefore);
    }
  });
});
