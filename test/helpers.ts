// Shared test helpers: closeness checks that print the first mismatching elements, and
// a tiny float64 finite-difference gradient check for ref kernels.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

export const ATOL = 1e-5;
export const RTOL = 1e-4;

type Numbers = ArrayLike<number>;

/** Asserts |actual - expected| <= atol + rtol * |expected| elementwise; reports the first misses. */
export function expectClose(
  actual: Numbers,
  expected: Numbers,
  what: string,
  { atol = ATOL, rtol = RTOL }: { atol?: number; rtol?: number } = {},
): void {
  assert.equal(
    actual.length,
    expected.length,
    `${what}: length ${actual.length}, expected ${expected.length}`,
  );
  const misses: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok =
      (Number.isNaN(e) && Number.isNaN(a)) || a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) {
      count++;
      if (misses.length < 5)
        misses.push(`[${i}] got ${a}, expected ${e} (diff ${Math.abs(a - e).toExponential(2)})`);
    }
  }
  if (count > 0)
    assert.fail(`${what}: ${count} of ${expected.length} elements differ:\n  ${misses.join("\n  ")}`);
}

export function expectShape(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.deepEqual([...actual], [...expected], `${what}: shape [${actual}] expected [${expected}]`);
}

/**
 * Checks analytic gradients of a scalar-valued f64 function against central differences.
 * `f(inputs)` returns the loss; `grads(inputs)` returns d(loss)/d(input) for each input.
 */
export function gradcheck(
  name: string,
  inputs: Float64Array[],
  f: (inputs: Float64Array[]) => number,
  grads: (inputs: Float64Array[]) => (Float64Array | null)[],
  { eps = 1e-6, atol = 1e-5, rtol = 1e-4 }: { eps?: number; atol?: number; rtol?: number } = {},
): void {
  const analytic = grads(inputs);
  inputs.forEach((x, k) => {
    const g = analytic[k];
    if (g === null) return;
    const numeric = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      x[i] = v + eps;
      const up = f(inputs);
      x[i] = v - eps;
      const down = f(inputs);
      x[i] = v;
      numeric[i] = (up - down) / (2 * eps);
    }
    expectClose(g, numeric, `${name}: d/d(input ${k})`, { atol, rtol });
  });
}

/** Deterministic f64 values in [-1, 1) for gradient checks. */
export function f64Random(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** sum(out * w): the scalar loss gradient checks differentiate. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Fails (never skips) when Debian's Python lacks a module a test needs, with the apt-get command
 * that installs it; .ci/run installs them all. `modules` maps Python module names to packages.
 */
export function requirePython(modules: Record<string, string>): void {
  const names = Object.keys(modules);
  const r = spawnSync("/usr/bin/python3", ["-c", `import ${names.join(", ")}`], { encoding: "utf8" });
  if (r.status === 0) return;
  throw new Error(
    `this test needs Debian's Python with ${names.join(", ")}: ` +
      `apt-get install ${[...new Set(Object.values(modules))].join(" ")} (.ci/run does)\n${r.stderr ?? r.error}`,
  );
}
