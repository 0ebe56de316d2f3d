// Every registered wasm kernel against its ref kernel, from the table of cases in kernel-cases.ts:
// each case runs on ref, then on wasm at 1 thread (ref's values: 1e-4 relative, or bit for bit
// where the case says so) and at 2 threads (the 1-thread bits; a case marked threaded must hand
// shares to a worker). A wasm kernel returns FALL_BACK exactly for the cases that say it leaves
// them to ref (then ref runs, as dispatch does, and backendInfo counts the call under ref).
// variants.test.ts runs this file in both SIMD variants (plain and relaxed). A kernel registered
// without a case fails here.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Buf, FALL_BACK, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import {
  getNumThreads,
  setNumThreads,
  wasmKernels,
  wasmUnavailableReason,
} from "../../kernel/engine/backends/wasm/index";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import "../../kernel/engine/index"; // defines every ref kernel
import { KERNEL_CASES, type KernelCase } from "./kernel-cases";
import { expectMatchesRef } from "./wasm-helpers";

// Wasm's own kernels: large GEMMs would otherwise go to ONNX Runtime's MLAS (mlas-gemm.test.ts
// tests that path), and the threaded GEMM cases here must split across wasm's threads.
process.env.RECEPTIVE_MLAS = "0";

const runtime = wasmRuntime();

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
if (runtime instanceof Error) throw runtime;
const rt = runtime;
const kernels = wasmKernels()!;
setBackend("wasm");

/** A call's written arguments and return value. */
interface Result {
  outputs: (Buf | null)[];
  returned: unknown;
}

function call(kernel: (...args: unknown[]) => unknown, c: KernelCase): Result {
  const args = c.args();
  const returned = kernel(...args);
  return { outputs: c.outputs.map((i) => args[i] as Buf | null), returned };
}

/** The wasm kernel's call; where it falls back (as the case must say), ref's, as dispatch runs it. */
function callWasm(c: KernelCase): Result {
  let fellBack = false;
  const result = call((...args) => {
    const r = kernels[c.kernel](...args);
    if (r !== FALL_BACK) return r;
    fellBack = true;
    return refKernel(c.kernel)(...args);
  }, c);
  assert.equal(
    fellBack,
    c.onRef !== undefined,
    fellBack ? "the wasm kernel left this case to ref" : `expected ref to run it: ${c.onRef}`,
  );
  return result;
}

/** Asserts two buffers hold the same bits (NaN as NaN, -0 apart from 0), naming the first differences. */
function expectSameBits(actual: Buf, expected: Buf, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const misses: string[] = [];
  for (let i = 0; i < expected.length && misses.length < 5; i++)
    if (!Object.is(actual[i], expected[i])) misses.push(`[${i}] got ${actual[i]}, expected ${expected[i]}`);
  assert.equal(misses.length, 0, `${what}:\n  ${misses.join("\n  ")}`);
}

function compare(actual: Result, expected: Result, c: KernelCase, how: "ref" | "bits", what: string): void {
  c.outputs.forEach((arg, k) => {
    const a = actual.outputs[k];
    const e = expected.outputs[k];
    assert.equal(a === null, e === null, `${what}: argument ${arg} is null on one side only`);
    if (a === null || e === null) return;
    if (how === "bits" || c.exact?.includes(arg)) expectSameBits(a, e, `${what}: argument ${arg}`);
    else expectMatchesRef(a, e, `${what}: argument ${arg}`);
  });
  if (c.returns) {
    const [a, e] = [actual.returned as number, expected.returned as number];
    assert.ok(
      how === "bits" ? Object.is(a, e) : Math.abs(a - e) <= 1e-6 * Math.abs(e),
      `${what}: returned ${a}, expected ${e}`,
    );
  }
}

describe("wasm kernels vs ref, from the table of cases", () => {
  it("has a case for every registered wasm kernel, and only for those", () => {
    const covered = new Set(KERNEL_CASES.map((c) => c.kernel));
    const missing = Object.keys(kernels).filter((k) => !covered.has(k));
    assert.deepEqual(
      missing,
      [],
      `registered wasm kernels without a case in kernel-cases.ts: ${missing.join(", ")}`,
    );
    const unknown = [...covered].filter((k) => !(k in kernels));
    assert.deepEqual(
      unknown,
      [],
      `cases for kernels the wasm backend does not register: ${unknown.join(", ")}`,
    );
  });

  it("runs the variant that was asked for", () => {
    const forced = process.env.RECEPTIVE_WASM_VARIANT;
    if (forced !== undefined) assert.equal(rt.variant, forced);
  });

  const defaultThreads = getNumThreads();
  for (const c of KERNEL_CASES)
    it(`${c.kernel}: ${c.name}`, () => {
      try {
        const expected = call(refKernel(c.kernel), c);
        setNumThreads(1);
        const one = callWasm(c);
        compare(one, expected, c, "ref", "1 thread vs ref");
        setNumThreads(2);
        const before = rt.workers.threadedCalls;
        const two = callWasm(c);
        compare(two, one, c, "bits", "2 threads vs 1");
        if (c.threaded) assert.ok(rt.workers.threadedCalls > before, "2 threads: no share went to a worker");
      } finally {
        setNumThreads(defaultThreads);
      }
    });
});
