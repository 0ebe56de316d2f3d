// Both compiled variants, plain SIMD and relaxed SIMD (fused multiply-add), pass the kernel tests:
// each runs the wasm kernel tests in a child process forced to that variant. Relaxed SIMD needs
// --experimental-wasm-relaxed-simd on Node 20 (newer runtimes have it on); the child gets the flag
// only when this runtime needs it, and the test is skipped where even the flag cannot enable it.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compileVariant } from "../../kernel/engine/backends/wasm/loader";

const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";

/** Node flags under which this runtime compiles relaxed SIMD, or null if none do. */
function relaxedFlags(): string[] | null {
  if (!(compileVariant("relaxed") instanceof Error)) return [];
  const probe = spawnSync(
    process.execPath,
    [
      RELAXED_FLAG,
      "-e",
      `process.exit(require(${JSON.stringify(require.resolve("../../kernel/engine/backends/wasm/loader"))}).compileVariant("relaxed") instanceof Error ? 1 : 0)`,
    ],
    { encoding: "utf8" },
  );
  return probe.status === 0 ? [RELAXED_FLAG] : null;
}

function runKernelTests(variant: string, flags: string[]): void {
  // Without NODE_TEST_CONTEXT the child runs its own test run instead of deferring to ours.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const files = [
    "kernels.test.js",
    "conv-forward-direct.test.js",
    "conv-backward-direct.test.js",
    "winograd.test.js",
    "winograd-weight.test.js",
    "exports.test.js",
  ].map((f) => join(__dirname, f));
  const args = [...flags, "--test", "--test-reporter=tap", ...files];
  const r = spawnSync(process.execPath, args, {
    encoding: "utf8",
    env: { ...env, RECEPTIVE_WASM_VARIANT: variant },
    timeout: 300_000,
    maxBuffer: 1 << 28, // a failing assertion on big arrays prints every element (1 MiB would kill it)
  });
  const output = `${r.stdout.slice(-4000)}\n${r.stderr}`;
  assert.equal(r.status, 0, `${variant} variant failed its kernel tests:\n${output}`);
  const passed = Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
  assert.ok(passed >= 100, `${variant} variant: expected the kernel tests to run, got:\n${output}`);
}

describe("wasm variants", () => {
  it("plain SIMD passes the kernel tests", () => runKernelTests("simd", []));

  const flags = relaxedFlags();
  it(
    "relaxed SIMD passes the kernel tests",
    { skip: flags === null && "this runtime cannot run relaxed SIMD" },
    () => runKernelTests("relaxed", flags!),
  );
});
