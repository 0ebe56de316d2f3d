// Helpers for the ONNX tests: a temporary folder per test file, and Debian's Python (python3-onnx,
// python3-torch) run on the committed scripts under test/onnx/models/.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
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
