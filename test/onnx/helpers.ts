// Helpers for the ONNX tests: a temporary folder per test file, and Debian's Python (python3-onnx,
// python3-torch) run on the committed scripts under test/onnx/models/.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { manualSeed, nn, noGrad, rand } from "../../kernel/engine/index";

const { Dropout, Linear, ReLU, Sequential } = nn;

import { requirePython } from "../helpers";

export const root = join(__dirname, "..", "..", "..");
export const scripts = join(root, "test", "onnx", "models");

/** A fresh temporary folder, removed when the test file finishes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `receptive-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `/usr/bin/python3 test/onnx/models/<script> ...args` and returns its stdout; fails with its stderr. */
export function python(
  script: string,
  args: string[],
  modules: Record<string, string> = { onnx: "python3-onnx" },
): string {
  requirePython(modules);
  const r = spawnSync("/usr/bin/python3", [join(scripts, script), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  assert.equal(r.status, 0, `${script} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Debian's ONNX checker (full check) on each file; fails listing every file it rejects. */
export function checkOnnx(files: readonly string[]): void {
  const results = JSON.parse(python("check_models.py", [...files])) as Record<string, string>;
  const rejected = Object.entries(results).filter(([, r]) => r !== "ok");
  assert.deepEqual(
    rejected,
    [],
    `the ONNX checker rejects:\n${rejected.map(([f, r]) => `  ${f}: ${r}`).join("\n")}`,
  );
  assert.equal(Object.keys(results).length, files.length);
}

/**
 * Gives every parameter and buffer of `model` seeded random values (batch-norm variances positive),
 * so that exported graphs are checked on weights where every term matters.
 */
export function randomize(model: nn.Module, seed: number): void {
  manualSeed(seed);
  noGrad(() => {
    for (const [name, p] of [...model.namedParameters(), ...model.namedBuffers()]) {
      if (p.dtype !== "float32") continue;
      const fanIn = p.ndim >= 2 ? p.numel / p.shape[0] : 1;
      const r = rand([...p.shape]);
      if (name.endsWith("runningVar")) p.copy_(r.add(0.5));
      else if (p.ndim === 1 && name.endsWith("weight")) p.copy_(r.add(0.5));
      else p.copy_(r.sub(0.5).mul(2 * Math.sqrt(3 / fanIn)));
    }
  });
}

/**
 * AlexNet and VGG with a 32-unit classifier of the same layer types instead of the 4096-unit one
 * (100+ million parameters, which would only make the files and the tests slow).
 */
export function smallClassifier<M extends nn.Module & { classifier: nn.Sequential }>(
  m: M,
  features: number,
  classes: number,
): M {
  m.classifier = new Sequential(
    new Dropout(),
    new Linear(features, 32),
    new ReLU(),
    new Dropout(),
    new Linear(32, 32),
    new ReLU(),
    new Linear(32, classes),
  );
  return m;
}
