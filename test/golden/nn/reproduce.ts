// Shared by the nn, optim and training golden tests: rerun a seeded golden script into a temporary
// folder and check the committed JSON is what it makes. PyTorch's numbers vary slightly from run to
// run (its CPU kernels pick different summation orders by alignment and load: up to ~3e-5 relative
// in a transposed convolution's weight gradient), so numbers are compared with the replay
// tolerance, 1e-5 abs + 1e-4 rel; everything else (names, shapes, arguments, counts) must be identical.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function compare(a: unknown, b: unknown, path: string, misses: string[]): void {
  if (misses.length >= 5) return;
  if (typeof a === "number" && typeof b === "number") {
    if (!(a === b || Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b))) misses.push(`${path}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) misses.push(`${path}: length ${a.length} vs ${b.length}`);
    else for (const [i, x] of a.entries()) compare(x, b[i], `${path}[${i}]`, misses);
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) misses.push(`${path}: keys ${ka.join(",")} vs ${kb.join(",")}`);
    else
      for (const k of ka)
        compare((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, misses);
    return;
  }
  if (a !== b) misses.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

/** Runs `/usr/bin/python3 <script> --out <tmp>` and compares `<tmp>/<name>` with `committed`. */
export function expectReproduced(script: string, name: string, committed: string): void {
  const out = mkdtempSync(join(tmpdir(), "receptive-goldens-"));
  try {
    const r = spawnSync("/usr/bin/python3", [script, "--out", out], { encoding: "utf8" });
    assert.equal(r.status, 0, `${script} failed (it needs Debian's python3-torch):\n${r.stderr}`);
    const misses: string[] = [];
    compare(
      JSON.parse(readFileSync(committed, "utf8")),
      JSON.parse(readFileSync(join(out, name), "utf8")),
      name,
      misses,
    );
    assert.deepEqual(misses, [], `${committed} differs from what ${script} makes; rerun it`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
