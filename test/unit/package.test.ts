// `import ... from "receptive"` resolves through the package's exports map, from CommonJS and ESM,
// anywhere inside the project (the notebooks folder included). In a plain script it is the engine
// alone, started by the first op; `receptive/viz` is the notebook pictures and `fit`.

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

  it("is the engine alone in a plain script: no notebook code, no image decoders, no wasm until the first op", () => {
    // Counts wasm modules compiled (the wasm backend's start) before and after the first op.
    const out = run(join(root, "notebooks"), [
      "-e",
      `let compiled = 0;
       const Module = WebAssembly.Module;
       WebAssembly.Module = function (bytes) { compiled++; return new Module(bytes); };
       const R = require("receptive");
       const notebook = Object.keys(require.cache).filter((f) => /[\\/]kernel[\\/](viz|display|server)[\\/]/.test(f));
       const decoders = Object.keys(require.cache).filter((f) => /node_modules[\\/](pngjs|jpeg-js)[\\/]/.test(f));
       const atImport = compiled;
       const y = R.relu(R.randn([4, 300]));
       console.log(JSON.stringify({ notebook, decoders, atImport, afterOp: compiled, backend: R.getBackend(), viz: "viz" in R, sum: y.sum().item() >= 0 }));`,
    ]);
    const r = JSON.parse(out);
    assert.deepEqual(r.notebook, [], "files of kernel/viz, kernel/display or kernel/server loaded");
    assert.deepEqual(r.decoders, [], "the image decoders load with the first image, not at import");
    assert.equal(r.atImport, 0, "importing compiled wasm");
    assert.ok(r.afterOp >= 1, "the first op starts the wasm backend");
    assert.equal(r.backend, "wasm");
    assert.equal(r.viz, false);
    assert.equal(r.sum, true);
  });

  it("has receptive/viz: the viz helpers and fit, from require and import", () => {
    const cwd = join(root, "notebooks");
    const cjs = run(cwd, [
      "-e",
      'const viz = require("receptive/viz"); console.log(typeof viz.fit, viz.convSteps([[1, 2], [3, 4]], [[1]]).output.join(";"))',
    ]);
    assert.equal(cjs, "function 1,2;3,4");
    const esm = run(cwd, [
      "--input-type=module",
      "-e",
      'import { fit, curves } from "receptive/viz"; console.log(typeof fit, typeof curves)',
    ]);
    assert.equal(esm, "function function");
  });
});
