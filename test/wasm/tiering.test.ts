// The kernel module is compiled eagerly (tiering.ts): once the backend has started, every kernel
// reaches TurboFan code in the background, including kernels nothing has called yet, and
// backendInfo().tiering says so. V8 reports a function's tier with its test-only natives
// (%IsTurboFanFunction, %IsLiftoffFunction under --allow-natives-syntax), so each case runs in a
// child `node` process; under RECEPTIVE_WASM_TIERING=lazy (V8's default) an uncalled kernel is not
// compiled at all, which shows the check can tell the two apart. A command-line tier flag is left alone.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const ENGINE = join(__dirname, "../../kernel/engine/index.js");
const RUNTIME = join(__dirname, "../../kernel/engine/backends/wasm/runtime.js");

// Starts the backend without running any op, then waits (up to a generous minute) until every
// kernel is TurboFan code; prints the tiering report and each kernel's tier.
const SCRIPT = `
const R = require(${JSON.stringify(ENGINE)});
const info = R.backendInfo();
const { kernels } = require(${JSON.stringify(RUNTIME)}).wasmRuntime();
const names = Object.keys(kernels).filter((n) => typeof kernels[n] === "function");
const turbofan = () => names.filter((n) => %IsTurboFanFunction(kernels[n]));
const pause = new Int32Array(new SharedArrayBuffer(4));
const deadline = Date.now() + 60000;
while (turbofan().length < names.length && Date.now() < deadline && process.argv.at(-1) === "wait") Atomics.wait(pause, 0, 0, 50);
const uncalled = "conv2dTransposeForward" in kernels ? "conv2dTransposeForward" : names.find((n) => !/heapBase|isRelaxed/.test(n));
console.log(JSON.stringify({
  tiering: info.tiering,
  kernels: names.length,
  turbofan: turbofan().length,
  uncalled,
  uncalledCompiled: %IsTurboFanFunction(kernels[uncalled]) || %IsLiftoffFunction(kernels[uncalled]),
}));
`;

interface Report {
  tiering: { tiering: string; why: string };
  kernels: number;
  turbofan: number;
  uncalled: string;
  uncalledCompiled: boolean;
}

function run(flags: string[], env: NodeJS.ProcessEnv = {}, wait = true): Report {
  const { RECEPTIVE_WASM_TIERING: _, NODE_OPTIONS: __, ...base } = process.env;
  const r = spawnSync(
    process.execPath,
    ["--allow-natives-syntax", ...flags, "-e", SCRIPT, wait ? "wait" : "now"],
    {
      encoding: "utf8",
      env: { ...base, ...env },
      timeout: 120_000,
    },
  );
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Report;
}

describe("wasm kernel tiering", () => {
  it("compiles every kernel to TurboFan in the background once the backend starts, and says so", () => {
    const eager = run([]);
    assert.equal(eager.tiering.tiering, "eager", JSON.stringify(eager));
    assert.match(
      eager.tiering.why,
      /set at run time \(--no-wasm-lazy-compilation --no-wasm-dynamic-tiering\)/,
    );
    assert.ok(eager.kernels >= 50, `expected the kernel exports, got ${eager.kernels}`);
    assert.equal(
      eager.turbofan,
      eager.kernels,
      `kernels still not TurboFan after a minute: ${JSON.stringify(eager)}`,
    );
  });

  it("leaves an uncalled kernel uncompiled under RECEPTIVE_WASM_TIERING=lazy (V8's default)", () => {
    const lazy = run([], { RECEPTIVE_WASM_TIERING: "lazy" }, false);
    assert.deepEqual(lazy.tiering, { tiering: "lazy", why: "forced by RECEPTIVE_WASM_TIERING=lazy" });
    assert.equal(lazy.uncalledCompiled, false, `${lazy.uncalled} was compiled without a call`);
    assert.ok(lazy.turbofan < lazy.kernels, JSON.stringify(lazy));
  });

  it("keeps a tier flag given on the command line", () => {
    const given = run(["--no-liftoff"], {}, false);
    assert.deepEqual(given.tiering, { tiering: "lazy", why: "set by the command line (--no-liftoff)" });
    assert.equal(given.uncalledCompiled, false, `${given.uncalled} was compiled without a call`);
  });
});
