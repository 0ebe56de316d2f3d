// `import ... from "receptive"` resolves through the package's exports map, from CommonJS and ESM,
// anywhere inside the project (the notebooks folder included).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = join(__dirname, "..", "..", "..");

function run(cwd: string, args: string[]): string {
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe("the receptive package", () => {
  it("is importable by name from the notebooks folder with require and import", () => {
    const cwd = join(root, "notebooks");
    const cjs = run(cwd, [
      "-e",
      'const { F, tensor } = require("receptive"); console.log(F.conv2d(tensor([[[[1]]]]), tensor([[[[2]]]])).item())',
    ]);
    assert.equal(cjs, "2");
    const esm = run(cwd, [
      "--input-type=module",
      "-e",
      'import { F, tensor } from "receptive"; console.log(F.relu(tensor([-1, 3])).toArray().join(","))',
    ]);
    assert.equal(esm, "0,3");
  });

  it("runs the README's lecture example", () => {
    const out = run(root, [
      "-e",
      `const { tensor, F } = require("receptive");
       const img = tensor([0, 1, 2, 3, 4, 5].map(() => [10, 10, 10, 0, 0, 0])).reshape([1, 1, 6, 6]);
       const k = tensor([[1, 0, -1], [1, 0, -1], [1, 0, -1]]).reshape([1, 1, 3, 3]);
       console.log(JSON.stringify(F.conv2d(img, k).toArray()));`,
    ]);
    assert.deepEqual(JSON.parse(out), [
      [
        [
          [0, 30, 30, 0],
          [0, 30, 30, 0],
          [0, 30, 30, 0],
          [0, 30, 30, 0],
        ],
      ],
    ]);
  });
});
