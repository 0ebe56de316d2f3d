// The wasm plumbing derived from the AssemblyScript sources (scripts/wasm-exports.mjs, run by
// build-wasm.mjs): which functions become exports (not @inline or @internal helpers), which are
// @threaded, enums as op codes, the errors for what JS cannot call; and that the compiled module
// has exactly the exports its generated TypeScript view declares, with their parameter counts, so
// a stale build is refused with a clear reason instead of calling the wrong function.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { KERNEL_ARITY, THREADED_KERNELS, Unary } from "../../kernel/engine/backends/wasm/exports.generated";
import { staleExports, wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";

const runtime = wasmRuntime();

type Kernel = {
  name: string;
  file: string;
  params: { name: string; type: string }[];
  returns: string;
  threaded: boolean;
};
type Generator = {
  readKernels(dir: string): { kernels: Kernel[]; enums: { name: string; members: [string, number][] }[] };
  typescriptView(kernels: Kernel[], enums: unknown[]): string;
};

/** scripts/wasm-exports.mjs (an ES module; a variable path keeps tsc from resolving it). */
async function generator(): Promise<Generator> {
  const path = join(__dirname, "../../../scripts/wasm-exports.mjs");
  return (await import(path)) as Generator;
}

/** readKernels over one assembly file with `source`. */
async function read(source: string) {
  const dir = mkdtempSync(join(tmpdir(), "receptive-exports-"));
  try {
    writeFileSync(join(dir, "family.ts"), source);
    return (await generator()).readKernels(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SAMPLE = `
import { madd } from "./simd";

/** A helper: not exported at all. */
function helper(x: i32): i32 { return x; }

/** Inlined into its callers. */
// @ts-ignore: decorator
@inline export function inlined(p: usize): void {}

/**
 * Shared with other assembly files.
 * @internal a helper, not a wasm export
 */
export function shared(p: usize, n: i32): void {}

/**
 * Planes [p0, p1) of out = f(inp).
 * @threaded
 */
export function fooForward(
  p0: i32,
  p1: i32,
  geo: usize,
  out: usize,
  inp: usize,
): void {}

/** Bytes of scratch fooForward needs. */
export function fooScratchBytes(geo: usize, scale: f32): i32 { return 0; }

export const enum Op {
  first = 0,
  second = 1, // a comment
  third,
}
`;

describe("wasm kernels' TypeScript view, generated from the AssemblyScript sources", () => {
  it("exports every exported function but @inline and @internal helpers, and marks @threaded ones", async () => {
    const { kernels, enums } = await read(SAMPLE);
    assert.deepEqual(
      kernels.map((k) => [k.name, k.params.map((p) => p.name).join(","), k.returns, k.threaded]),
      [
        ["fooForward", "p0,p1,geo,out,inp", "void", true],
        ["fooScratchBytes", "geo,scale", "i32", false],
      ],
    );
    assert.deepEqual(enums, [
      {
        name: "Op",
        file: "family.ts",
        members: [
          ["first", 0],
          ["second", 1],
          ["third", 2],
        ],
      },
    ]);
    const view = (await generator()).typescriptView(kernels, enums);
    assert.match(view, /fooForward\(p0: number, p1: number, geo: number, out: number, inp: number\): void;/);
    assert.match(view, /THREADED_KERNELS = \[\n {2}"fooForward",\n\]/);
    assert.match(view, /export const Op = \{\n {2}first: 0,\n {2}second: 1,\n {2}third: 2,\n\} as const;/);
  });

  it("refuses what JS cannot call, naming the file and the function", async () => {
    await assert.rejects(
      read("/** x */\nexport function f(a: i64): void {}"),
      /family\.ts: f: parameter a has type i64/,
    );
    await assert.rejects(
      read("/** x */\nexport function f(a: v128): void {}"),
      /family\.ts: f: parameter a has type v128/,
    );
    await assert.rejects(
      read("/**\n * x\n * @threaded\n */\nexport function f(a: i32): i32 { return a; }"),
      /family\.ts: f: a threaded kernel returns nothing/,
    );
    await assert.rejects(
      read("/** x */\nexport function f(a: i32 = 1): void {}"),
      /cannot read parameter 'a: i32 = 1'/,
    );
  });

  it("matches the compiled module: the same exports, with the same parameter counts", () => {
    if (runtime instanceof Error) throw runtime;
    const instance = runtime.kernels as unknown as Record<string, unknown>;
    const exported = Object.keys(instance)
      .filter((k) => typeof instance[k] === "function")
      .sort();
    assert.deepEqual(exported, Object.keys(KERNEL_ARITY).sort());
    assert.equal(staleExports(instance), null);
    for (const name of THREADED_KERNELS) assert.ok(name in KERNEL_ARITY, name);
    assert.equal(Unary.relu, 0, "op codes come from assembly/elementwise.ts's enum Unary");
  });

  it("refuses a module whose exports differ from the view (a stale build)", () => {
    if (runtime instanceof Error) throw runtime;
    const { sgemm: _, ...withoutSgemm } = runtime.kernels as unknown as Record<string, unknown>;
    assert.equal(staleExports(withoutSgemm), "the compiled module has no kernel sgemm");
    const fewer = { ...withoutSgemm, sgemm: (a: number) => a };
    assert.equal(
      staleExports(fewer),
      `sgemm has 1 parameters in the compiled module, ${KERNEL_ARITY.sgemm} in its source`,
    );
  });
});
