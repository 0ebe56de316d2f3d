// The kernel process starts with what the fast backend needs: on Node 20 the relaxed-SIMD flag, so
// cells run on the wasm backend's fused-multiply-add kernels (Node 22+ has them on by default); and
// they are compiled eagerly to TurboFan there too (tiering.ts sets its flags at run time, in any process).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const cli = join(__dirname, "..", "..", "kernel", "cli.js");

describe("kernel process flags", () => {
  it("cells run on the relaxed-SIMD wasm kernels, compiled eagerly", () => {
    const dir = mkdtempSync(join(tmpdir(), "receptive-relaxed-"));
    try {
      const nb = {
        cells: [
          {
            cell_type: "code",
            id: "a",
            metadata: {},
            execution_count: null,
            outputs: [],
            source: [
              'import { backendInfo } from "receptive";\n',
              'backendInfo().description + " | tiering " + backendInfo().tiering?.tiering',
            ],
          },
        ],
        metadata: {
          kernelspec: { name: "receptive", display_name: "Receptive (TypeScript)", language: "typescript" },
        },
        nbformat: 4,
        nbformat_minor: 5,
      };
      writeFileSync(join(dir, "in.ipynb"), JSON.stringify(nb));
      const r = spawnSync(
        process.execPath,
        [cli, "run", join(dir, "in.ipynb"), "--out", join(dir, "out.ipynb")],
        {
          encoding: "utf8",
        },
      );
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(readFileSync(join(dir, "out.ipynb"), "utf8"));
      const text = out.cells[0].outputs[0].data["text/plain"];
      assert.match(String(text), /WebAssembly SIMD \(relaxed\)/);
      assert.match(String(text), /\| tiering eager/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
