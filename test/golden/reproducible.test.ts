// The committed goldens must be what the committed, seeded script makes: regenerate every family
// with PyTorch into a temporary folder and compare with test/golden/data/ case by case. Inputs,
// arguments and shapes must match exactly; PyTorch's outputs, gradients and after-call values within
// the replay tolerance, since their last bits depend on the CPU (regenerated.ts).
// Needs Debian's python3-torch (installed by .ci/run).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compareJson, withRegenerated } from "./regenerated";

const goldenDir = join(__dirname, "..", "..", "..", "test", "golden");
const script = join(goldenDir, "make_goldens.py");
const computed = new Set(["outputs", "grads", "after"]);

describe("golden files", () => {
  it("are reproduced by make_goldens.py (inputs exactly, PyTorch's results within tolerance)", () => {
    withRegenerated(script, (out) => {
      const committed = readdirSync(join(goldenDir, "data")).filter((f) => f.endsWith(".json"));
      assert.deepEqual(readdirSync(out).sort(), committed.sort(), "every family has committed data");
      for (const f of committed) {
        const a = JSON.parse(readFileSync(join(goldenDir, "data", f), "utf8"));
        const b = JSON.parse(readFileSync(join(out, f), "utf8"));
        assert.equal(a.cases.length, b.cases.length, `${f}: number of cases`);
        const { cases: _a, ...headerA } = a;
        const { cases: _b, ...headerB } = b;
        assert.deepEqual(headerA, headerB, `${f}: header`);
        a.cases.forEach((c: { name: string }, i: number) => {
          const misses: string[] = [];
          compareJson(c, b.cases[i], computed, misses);
          assert.deepEqual(
            misses,
            [],
            `${f}: case ${c.name} differs from what the script makes; run npm run goldens`,
          );
        });
      }
    });
  });

  it("a changed input is caught exactly, a last-bit change in an output is not", () => {
    const c = { inputs: [{ data: [0.5, 1.25] }], outputs: [{ data: [-1.01272559] }] };
    const misses: string[] = [];
    compareJson(
      c,
      { inputs: [{ data: [0.5, 1.2500001] }], outputs: [{ data: [-1.01272571] }] },
      computed,
      misses,
    );
    assert.deepEqual(misses, [".inputs[0].data[1]: 1.25 vs 1.2500001"]);
    misses.length = 0;
    compareJson(c, { inputs: c.inputs, outputs: [{ data: [-1.0132] }] }, computed, misses);
    assert.equal(misses.length, 1, "an output off by 5e-4 is a difference");
  });
});
