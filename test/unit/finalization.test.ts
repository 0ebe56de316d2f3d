// finalization.ts: a process whose finalization registries hold many targets exits cleanly when a
// GC runs during its exit. Node 20 ran V8's cleanup task, posted by such a GC, while tearing the
// process down, where JavaScript is refused: the process died with "illegal access" after its work
// was done (a plain FinalizationRegistry in the child below aborts every time on Node 20.20).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const dist = join(__dirname, "../../kernel/engine");

/**
 * A child that registers 40,000 targets with an exit-safe registry, half of them kept alive until
 * an 'exit' listener drops them and collects, then ends on its own (no process.exit(): that path
 * skips the teardown).
 */
const child = `
const { fullGc } = require(${JSON.stringify(join(dist, "backends/wasm/gc-hooks.js"))});
const { exitSafeRegistry } = require(${JSON.stringify(join(dist, "finalization.js"))});
const gc = fullGc();
if (gc === null) { console.log("no gc"); process.exit(3); }
const models = exitSafeRegistry(FinalizationRegistry, () => {});
const kept = [];
for (let i = 0; i < 20000; i++) {
  const a = new Float32Array(16);
  const b = new Float32Array(16);
  models.register(a, i);
  models.register(b, i);
  if (i % 2) kept.push(a, b);
}
process.on("exit", () => {
  kept.length = 0;
  gc();
  console.log("exit listener ran");
});
`;

describe("finalization registries at exit", () => {
  it("a GC during exit that finds registered targets dead does not kill the process at teardown", () => {
    for (let run = 0; run < 3; run++) {
      const r = spawnSync(process.execPath, ["-e", child], { encoding: "utf8", timeout: 60_000 });
      assert.equal(r.stderr, "", "nothing on stderr (no 'illegal access' at teardown)");
      assert.equal(r.status, 0, `the child exited with ${r.status} (signal ${r.signal})`);
      assert.equal(r.stdout.trim(), "exit listener ran");
    }
  });
});
