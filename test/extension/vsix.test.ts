// `npm run package` (scripts/package.mjs): the .vsix holds the extension's main bundle, the
// renderer and panel bundles, the kernel with its runtime dependencies and wasm kernels, and the
// course notebooks, and no sources or source maps; unzipped, its own kernel runs a cell on stdio
// with ONNX Runtime on the CPU, and still runs (ONNX Runtime "not available") without the binary.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KernelClient } from "../../extension/src/kernel-client";
import { kernelLaunch } from "../../extension/src/kernel-launch";
import { queryBackend } from "../../extension/src/kernel-queries";

const ROOT = join(__dirname, "..", "..", "..");
const version = JSON.parse(readFileSync(join(ROOT, "extension", "package.json"), "utf8")).version;
const VSIX = join(ROOT, "extension", `receptive-${version}.vsix`);
const PYTHON = "/usr/bin/python3"; // its zipfile module lists and extracts the archive

describe("npm run package: the .vsix", () => {
  let entries: string[] = [];
  let unpacked = "";
  before(() => {
    // The test suite has built dist/ already (npm test builds first); package what is there.
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "package.mjs"), "--no-build"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, `npm run package failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /package: extension\/receptive-[\d.]+\.vsix [\d.]+ MiB/);
    const list = spawnSync(PYTHON, ["-m", "zipfile", "-l", VSIX], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(list.status, 0, list.stderr);
    entries = list.stdout
      .split("\n")
      .slice(1)
      .map((line) => line.replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+\s*$/, "").trim())
      .filter(Boolean);
    unpacked = mkdtempSync(join(tmpdir(), "receptive-vsix-"));
    const x = spawnSync(PYTHON, ["-m", "zipfile", "-e", VSIX, unpacked], { encoding: "utf8" });
    assert.equal(x.status, 0, x.stderr);
  });
  after(() => {
    if (unpacked) rmSync(unpacked, { recursive: true, force: true });
  });

  test("is written to extension/receptive-<version>.vsix", () => {
    assert.ok(existsSync(VSIX));
    assert.ok(statSync(VSIX).size > 1 << 20);
  });

  test("holds the manifest, the extension main, the renderer, the panel, the kernel and the notebooks", () => {
    const manifest = JSON.parse(readFileSync(join(unpacked, "extension", "package.json"), "utf8"));
    const expected = [
      "extension.vsixmanifest",
      "extension/package.json",
      `extension/${manifest.main.replace(/^\.\//, "")}`,
      `extension/${manifest.contributes.notebookRenderer[0].entrypoint.replace(/^\.\//, "")}`,
      "extension/dist/webviews/panel.js",
      "extension/kernel/package.json",
      "extension/kernel/dist/kernel/cli.js",
      "extension/kernel/dist/kernel/engine/index.d.ts",
      "extension/kernel/dist/kernel/engine/backends/wasm/kernels-simd.wasm",
      "extension/kernel/dist/kernel/engine/backends/wasm/kernels-relaxed.wasm",
      "extension/kernel/node_modules/tslab/package.json",
      "extension/kernel/node_modules/@tslab/typescript-for-tslab/lib/typescript.js",
      "extension/notebooks/05-lenet-fashion-mnist.ipynb",
    ];
    const missing = expected.filter((e) => !entries.includes(e));
    assert.deepEqual(missing, [], `missing from the vsix (it has ${entries.length} entries)`);
  });

  test("leaves out sources, source maps, the TypeScript server and zeromq", () => {
    const unwanted = entries.filter(
      (e) =>
        e.startsWith("extension/src/") ||
        e.endsWith(".map") ||
        e === "extension/tsconfig.json" ||
        /typescript-for-tslab\/lib\/tsserver/.test(e) ||
        /node_modules\/zeromq\//.test(e), // only the Jupyter transport loads it; the extension uses stdio
    );
    assert.deepEqual(unwanted.slice(0, 10), []);
  });

  test("its kernel runs a cell on stdio, with the wasm backend", async () => {
    const cliPath = join(unpacked, "extension", "kernel", "dist", "kernel", "cli.js");
    const cwd = mkdtempSync(join(tmpdir(), "receptive-vsix-cwd-"));
    const client = new KernelClient(kernelLaunch({ cliPath, cwd }));
    try {
      const hello = await client.start();
      assert.equal(hello.implementationVersion, version);
      const reply = await client.execute(
        'import { tensor, F } from "receptive";\nconst k: number = F.conv2d(tensor([[[[1, 2], [3, 4]]]]), tensor([[[[1, 1], [1, 1]]]])).item();\nk',
      );
      assert.equal(reply.status, "ok", JSON.stringify(reply.error));
      assert.equal(reply.result?.["text/plain"], "10");
      const backend = await queryBackend(client);
      assert.equal(backend.name, "wasm");
      // The .vsix carries this platform's ONNX Runtime binary, and it loads.
      assert.equal(backend.onnxRuntime?.description, "CPU");
    } finally {
      await client.shutdown();
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  test("without this platform's ONNX Runtime binary its kernel still runs, and says ONNX Runtime is not available", async () => {
    // As when a .vsix for another platform is installed here: only its binary folder differs.
    const ort = join(unpacked, "extension", "kernel", "node_modules", "onnxruntime-node");
    const bin = join(ort, "bin", "napi-v6", process.platform, process.arch);
    assert.ok(existsSync(bin), `${bin} is in the .vsix`);
    rmSync(bin, { recursive: true });
    const cliPath = join(unpacked, "extension", "kernel", "dist", "kernel", "cli.js");
    const cwd = mkdtempSync(join(tmpdir(), "receptive-vsix-cwd-"));
    const client = new KernelClient(kernelLaunch({ cliPath, cwd }));
    try {
      await client.start();
      const reply = await client.execute(
        'import { F, tensor } from "receptive";\nF.relu(tensor([-1, 2])).sum().item()',
      );
      assert.equal(reply.status, "ok", JSON.stringify(reply.error));
      assert.equal(reply.result?.["text/plain"], "2");
      const backend = await queryBackend(client);
      assert.equal(backend.name, "wasm");
      assert.equal(backend.onnxRuntime?.available, false);
      assert.equal(backend.onnxRuntime?.description, "not available");
      assert.match(
        backend.onnxRuntime?.notes[0] ?? "",
        new RegExp(
          `^ONNX Runtime could not be loaded on ${process.platform}-${process.arch} \\(.*onnxruntime_binding\\.node.*\\)\\. Install it with`,
        ),
      );
    } finally {
      await client.shutdown();
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
