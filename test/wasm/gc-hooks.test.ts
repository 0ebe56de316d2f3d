// gc-hooks.ts: the registry's pending callbacks run when the process exits. A GC shortly before
// exit leaves V8's cleanup task pending; Node 20 ran it while tearing the environment down, where
// JavaScript is refused, and a test process died with "illegal access" after its work was done.
// Drained on 'exit', every collected target's callback has run before teardown.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const hooks = join(__dirname, "../../kernel/engine/backends/wasm/gc-hooks.js");

/** A child that registers 1,000 targets, drops them, collects, and exits at once. */
const child = `
const { fullGc, makeFinalizationRegistry } = require(${JSON.stringify(hooks)});
let called = 0;
const registry = makeFinalizationRegistry(() => called++);
if (registry.cleanupSome === undefined) { console.log("no cleanupSome"); process.exit(3); }
(() => { for (let i = 0; i < 1000; i++) registry.register(new Float32Array(64), i); })();
fullGc()();
process.on("exit", () => console.log("called " + called)); // after the drain: registered later
process.exit(0);
`;

describe("gc-hooks: finalization callbacks at exit", () => {
  it("runs the callbacks of targets collected just before exit while JavaScript still may run", () => {
    for (let run = 0; run < 3; run++) {
      const r = spawnSync(process.execPath, ["-e", child], { encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, `the child failed: ${r.stderr}`);
      assert.equal(r.stderr, "", "nothing on stderr (no 'illegal access' at teardown)");
      assert.equal(r.stdout.trim(), "called 1000", "every collected target's callback ran before teardown");
    }
  });
});
