// A plain `node script.mjs` that imports "receptive" (the README's tour) gets the kernels the
// notebook kernel process gets: on Node 20 the loader turns relaxed SIMD on at run time instead of
// needing --experimental-wasm-relaxed-simd, and backendInfo().simd says which variant runs and why.
// Each case runs a script in a child `node` process, from a directory where "receptive" is
// installed (a node_modules symlink to this package), as a user's script would.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const PACKAGE_ROOT = join(__dirname, "..", "..", "..");
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
const nodeMajor = Number(process.versions.node.split(".")[0]);

// Two LeNet-5 training steps at 2 threads (threaded kernels reach the workers), then what ran.
const SCRIPT = `import * as R from "receptive";
R.setNumThreads(2);
R.manualSeed(0);
const model = R.models.lenet5();
const opt = new R.optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
const x = R.randn([64, 1, 28, 28]);
const y = R.randint(0, 10, [64]);
const losses = [];
for (let i = 0; i < 2; i++) {
  opt.zeroGrad();
  const loss = R.F.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  losses.push(loss.item());
}
const info = R.backendInfo();
console.log(JSON.stringify({ simd: info.simd, description: info.description, losses }));
`;

const dir = mkdtempSync(join(tmpdir(), "receptive-plain-"));
mkdirSync(join(dir, "node_modules"));
symlinkSync(PACKAGE_ROOT, join(dir, "node_modules", "receptive"), "dir");
writeFileSync(join(dir, "script.mjs"), SCRIPT);
after(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  simd: { variant: string; why: string };
  description: string;
  losses: number[];
}

function runScript(flags: string[], env: NodeJS.ProcessEnv = {}): Report {
  const { RECEPTIVE_WASM_VARIANT: _, NODE_OPTIONS: __, ...base } = process.env;
  const r = spawnSync(process.execPath, [...flags, "script.mjs"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...base, ...env },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `script failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Report;
}

describe("a plain node script importing receptive", () => {
  const plain = runScript([]);
  const flagged = runScript([RELAXED_FLAG]);

  it("runs the relaxed-SIMD kernels without engine flags, and says why", () => {
    assert.equal(plain.simd.variant, "relaxed", JSON.stringify(plain));
    assert.match(plain.description, /^WebAssembly SIMD \(relaxed\), 2 threads$/);
    if (nodeMajor < 22) assert.match(plain.simd.why, /enabled at run time/);
    else assert.match(plain.simd.why, /on by default/);
  });

  it("trains to the same numbers as a process started with the flag (the kernel process's)", () => {
    assert.match(flagged.simd.why, nodeMajor < 22 ? /enabled by the command line/ : /on by default/);
    assert.ok(plain.losses.every(Number.isFinite), `losses: ${plain.losses}`);
    assert.deepEqual(plain.losses, flagged.losses);
  });

  it("reports a variant forced by RECEPTIVE_WASM_VARIANT", () => {
    const forced = runScript([], { RECEPTIVE_WASM_VARIANT: "simd" });
    assert.deepEqual(forced.simd, { variant: "simd", why: "forced by RECEPTIVE_WASM_VARIANT=simd" });
    assert.match(forced.description, /^WebAssembly SIMD, 2 threads$/);
  });
});
