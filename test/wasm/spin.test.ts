// Spinning between threaded calls (backends/wasm/spin.ts): a thread spins only until its
// condition holds or its time is up, never while spinning is turned off, and the calling thread
// turns it off when the cores are oversubscribed (it waits long for a core).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { CONTROL_BYTES, NO_SPIN_UNTIL } from "../../kernel/engine/backends/wasm/threads/protocol";
import { oversubscriptionCheck, spinUntil } from "../../kernel/engine/backends/wasm/threads/spin";

const control = () => new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));

describe("wasm worker threads spinning", () => {
  it("spins until the condition holds, or until its time is up", () => {
    const ints = control();
    let checks = 0;
    assert.equal(
      spinUntil(ints, 50, () => ++checks === 1000),
      true,
    );
    assert.equal(checks, 1000);
    const start = performance.now();
    assert.equal(
      spinUntil(ints, 5, () => false),
      false,
    );
    const spent = performance.now() - start;
    assert.ok(spent >= 5 && spent < 1000, `spun ${spent} ms for a 5 ms spin`);
  });

  it("does not spin while spinning is turned off", () => {
    const ints = control();
    Atomics.store(ints, NO_SPIN_UNTIL, Math.ceil(Date.now() / 1000) + 10);
    let checks = 0;
    assert.equal(
      spinUntil(ints, 1000, () => {
        checks++;
        return false;
      }),
      false,
    );
    assert.equal(checks, 1, "one look, no spin");
  });

  it("is turned off when the calling thread waits long for a core", {
    skip: !existsSync("/proc/thread-self/schedstat") && "needs Linux schedstat",
  }, async () => {
    const ints = control();
    const check = oversubscriptionCheck(ints);
    // Twice as many busy processes as cores, besides this thread: it must wait for a core.
    const cores = availableParallelism();
    const hogs = Array.from({ length: 2 * cores }, () =>
      spawn(process.execPath, ["-e", "const t = Date.now(); while (Date.now() - t < 5000);"], {
        stdio: "ignore",
      }),
    );
    try {
      await new Promise((r) => setTimeout(r, 200)); // let them start
      const start = performance.now();
      while (Atomics.load(ints, NO_SPIN_UNTIL) === 0 && performance.now() - start < 3000) check();
      assert.ok(Atomics.load(ints, NO_SPIN_UNTIL) > Date.now() / 1000, "spinning was not turned off");
    } finally {
      for (const h of hogs) h.kill();
    }
  });
});
