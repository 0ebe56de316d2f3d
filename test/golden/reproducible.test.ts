// The committed goldens must be what the committed, seeded script makes: regenerate every family
// with PyTorch into a temporary folder and compare with test/golden/data/ case by case.
// Needs Debian's python3-torch (installed by .ci/run).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const goldenDir = join(__dirname, "..", "..", "..", "test", "golden");
const python = "/usr/bin/python3";

describe("golden files", () => {
  it("are reproduced exactly by make_goldens.py", () => {
    const torch = spawnSync(python, ["-c", "import torch"], { encoding: "utf8" });
    assert.equal(
      torch.status,
      0,
      `PyTorch is needed to check the goldens: apt-get install python3-torch\n${torch.stderr}`,
    );
    const out = mkdtempSync(join(tmpdir(), "receptive-goldens-"));
    try {
      const r = spawnSync(python, [join(goldenDir, "make_goldens.py"), "--out", out], { encoding: "utf8" });
      assert.equal(r.status, 0, `make_goldens.py failed:\n${r.stderr}`);
      const committed = readdirSync(join(goldenDir, "data")).filter((f) => f.endsWith(".json"));
      assert.deepEqual(readdirSync(out).sort(), committed.sort(), "every family has committed data");
      for (const f of committed) {
        const a = JSON.parse(readFileSync(join(goldenDir, "data", f), "utf8"));
        const b = JSON.parse(readFileSync(join(out, f), "utf8"));
        assert.equal(a.cases.length, b.cases.length, `${f}: number of cases`);
        a.cases.forEach((c: { name: string }, i: number) => {
          assert.deepEqual(
            c,
            b.cases[i],
            `${f}: case ${c.name} differs from what the script makes; run npm run goldens`,
          );
        });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
