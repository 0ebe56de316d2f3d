// The GEMM's cache blocking (backends/wasm/blocking.ts): the sysfs parser on fake cache trees
// (AMD-like, Intel-like, broken), the MC and NC BLIS's rules derive from them, the
// RECEPTIVE_GEMM_BLOCKING override and its errors, backendInfo().gemm, and the property that
// lets MC and NC follow the machine: GEMMs and conv2d forward + backward give bit-identical
// results under very different blockings (child processes, blocking-child.ts).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { CacheInfo, GemmInfo } from "../../kernel/engine/backends/registry";
import {
  BLOCKING_ENV,
  chooseBlocking,
  countCpuList,
  DEFAULT_MC,
  DEFAULT_NC,
  deriveBlocking,
  describeCaches,
  KC,
  parseBlockingOverride,
  parseCacheSize,
  readCaches,
} from "../../kernel/engine/backends/wasm/blocking";
import { backendInfo } from "../../kernel/engine/index";

const root = mkdtempSync(join(tmpdir(), "receptive-caches-"));
after(() => rmSync(root, { recursive: true, force: true }));

type FakeCache = { level: string; type: string; size: string; shared_cpu_list: string };

/** A fake /sys/devices/system/cpu/cpu0/cache with one index<i> directory per cache; returns its path. */
function fakeTree(name: string, caches: Partial<FakeCache>[]): string {
  const dir = join(root, name);
  caches.forEach((cache, i) => {
    mkdirSync(join(dir, `index${i}`), { recursive: true });
    for (const [file, text] of Object.entries(cache))
      writeFileSync(join(dir, `index${i}`, file), `${text}\n`);
  });
  mkdirSync(dir, { recursive: true });
  return dir;
}

// AMD EPYC (Zen 4 class, as this project's machine reports it in a 2-vCPU VM).
const AMD = fakeTree("amd", [
  { level: "1", type: "Data", size: "32K", shared_cpu_list: "0" },
  { level: "1", type: "Instruction", size: "32K", shared_cpu_list: "0" },
  { level: "2", type: "Unified", size: "1024K", shared_cpu_list: "0" },
  { level: "3", type: "Unified", size: "32768K", shared_cpu_list: "0-1" },
]);
// Intel Xeon (Sapphire Rapids class): 48 KiB L1d, 2 MiB L2 per core shared by its 2 hyperthreads,
// 105 MiB L3 for 112 logical CPUs.
const INTEL = fakeTree("intel", [
  { level: "1", type: "Data", size: "48K", shared_cpu_list: "0,56" },
  { level: "1", type: "Instruction", size: "32K", shared_cpu_list: "0,56" },
  { level: "2", type: "Unified", size: "2048K", shared_cpu_list: "0,56" },
  { level: "3", type: "Unified", size: "107520K", shared_cpu_list: "0-111" },
]);
// Intel Xeon (Ice Lake class) without SMT: 1.25 MiB L2, 48 MiB L3 for 32 cores.
const ICE_LAKE = fakeTree("ice-lake", [
  { level: "1", type: "Data", size: "48K", shared_cpu_list: "0" },
  { level: "2", type: "Unified", size: "1280K", shared_cpu_list: "0" },
  { level: "3", type: "Unified", size: "49152K", shared_cpu_list: "0-31" },
]);
// No L3 (small cores): the B block goes in L2 too.
const NO_L3 = fakeTree("no-l3", [
  { level: "1", type: "Data", size: "32K", shared_cpu_list: "0" },
  { level: "2", type: "Unified", size: "512K", shared_cpu_list: "0" },
]);
const MISSING_SIZE = fakeTree("missing-size", [
  { level: "1", type: "Data", size: "32K", shared_cpu_list: "0" },
  { level: "2", type: "Unified", shared_cpu_list: "0" },
]);
const GARBLED = fakeTree("garbled", [{ level: "2", type: "Unified", size: "lots", shared_cpu_list: "0" }]);
const ONLY_L1 = fakeTree("only-l1", [{ level: "1", type: "Data", size: "32K", shared_cpu_list: "0" }]);
const EMPTY = fakeTree("empty", []);

describe("GEMM blocking: reading the caches", () => {
  it("parses sysfs sizes and CPU lists", () => {
    assert.equal(parseCacheSize("32K"), 32768);
    assert.equal(parseCacheSize("1024K\n"), 1 << 20);
    assert.equal(parseCacheSize("2M"), 2 << 20);
    assert.equal(parseCacheSize("512"), 512);
    assert.ok(Number.isNaN(parseCacheSize("32 KB")));
    assert.ok(Number.isNaN(parseCacheSize("")));
    assert.equal(countCpuList("0"), 1);
    assert.equal(countCpuList("0-1"), 2);
    assert.equal(countCpuList("0,56"), 2);
    assert.equal(countCpuList("0-3,8-11\n"), 8);
    assert.ok(Number.isNaN(countCpuList("3-1")));
    assert.ok(Number.isNaN(countCpuList("zero")));
  });

  it("reads an AMD-like and an Intel-like tree", () => {
    assert.deepEqual(readCaches(AMD), [
      { level: 1, type: "Data", bytes: 32 << 10, sharedBy: 1 },
      { level: 1, type: "Instruction", bytes: 32 << 10, sharedBy: 1 },
      { level: 2, type: "Unified", bytes: 1 << 20, sharedBy: 1 },
      { level: 3, type: "Unified", bytes: 32 << 20, sharedBy: 2 },
    ] satisfies CacheInfo[]);
    assert.deepEqual(readCaches(INTEL), [
      { level: 1, type: "Data", bytes: 48 << 10, sharedBy: 2 },
      { level: 1, type: "Instruction", bytes: 32 << 10, sharedBy: 2 },
      { level: 2, type: "Unified", bytes: 2 << 20, sharedBy: 2 },
      { level: 3, type: "Unified", bytes: 105 << 20, sharedBy: 112 },
    ] satisfies CacheInfo[]);
  });

  it("describes what it read in one line", () => {
    const amd = readCaches(AMD);
    assert.ok(!(amd instanceof Error));
    assert.equal(describeCaches(amd), "L1d 32 KiB, L1i 32 KiB, L2 1 MiB, L3 32 MiB / 2 CPUs");
    const intel = readCaches(INTEL);
    assert.ok(!(intel instanceof Error));
    assert.equal(
      describeCaches(intel),
      "L1d 48 KiB / 2 CPUs, L1i 32 KiB / 2 CPUs, L2 2 MiB / 2 CPUs, L3 105 MiB / 112 CPUs",
    );
    assert.equal(describeCaches([]), "none read");
  });

  it("returns an Error naming the file for missing or malformed files, and for no tree at all", () => {
    const missing = readCaches(MISSING_SIZE);
    assert.ok(missing instanceof Error && /index1[/\\]size/.test(missing.message), String(missing));
    const garbled = readCaches(GARBLED);
    assert.ok(
      garbled instanceof Error && /index0[/\\]size: not a size/.test(garbled.message),
      String(garbled),
    );
    const empty = readCaches(EMPTY);
    assert.ok(empty instanceof Error && /lists no caches/.test(empty.message), String(empty));
    assert.ok(readCaches(join(root, "no-such-dir")) instanceof Error);
  });
});

describe("GEMM blocking: MC and NC from BLIS's rules", () => {
  const derived = (dir: string) => {
    const caches = readCaches(dir);
    assert.ok(!(caches instanceof Error), String(caches));
    const d = deriveBlocking(caches);
    assert.ok(!(d instanceof Error), String(d));
    return d;
  };

  it("AMD EPYC: A block in half of the 1 MiB L2, B block capped at 4 MiB", () => {
    const d = derived(AMD);
    assert.equal(d.mc, 512); // 512 KiB / (256 * 4 bytes per row)
    assert.equal(d.nc, 4096); // half of 16 MiB per CPU is 8192 columns, capped
    assert.match(d.why, /MC 512 .*L2 1 MiB/);
    assert.match(d.why, /capped at 4096/);
    assert.match(d.why, /B micro-panel 8 KiB within half of L1d 32 KiB/);
  });

  it("Intel Sapphire Rapids: L2 and L3 shared by hyperthreads and cores", () => {
    const d = derived(INTEL);
    assert.equal(d.mc, 512); // 2 MiB / 2 hyperthreads / 2 / 1 KiB
    assert.equal(d.nc, 480); // 105 MiB / 112 / 2 / 1 KiB = 480
  });

  it("Intel Ice Lake: 1.25 MiB L2 and a small L3 share", () => {
    const d = derived(ICE_LAKE);
    assert.equal(d.mc, 640);
    assert.equal(d.nc, 768); // 1.5 MiB / 2 / 1 KiB
  });

  it("without an L3 both blocks follow L2; results are whole micro-tiles within bounds", () => {
    const d = derived(NO_L3);
    assert.equal(d.mc, 256);
    assert.equal(d.nc, 256);
    assert.match(d.why, /no L3 listed/);
    const tiny = deriveBlocking([{ level: 2, type: "Unified", bytes: 8 << 10, sharedBy: 4 }]);
    assert.ok(!(tiny instanceof Error));
    assert.deepEqual([tiny.mc, tiny.nc], [32, 256]);
    assert.match(tiny.why, /raised to 32/);
    for (const dir of [AMD, INTEL, ICE_LAKE, NO_L3]) {
      const { mc, nc } = derived(dir);
      assert.ok(mc % 4 === 0 && nc % 8 === 0, `${dir}: MC ${mc} and NC ${nc} must be whole micro-tiles`);
    }
  });

  it("falls back to the defaults, saying why, when the caches cannot be read or have no L2", () => {
    for (const [dir, reason] of [
      [MISSING_SIZE, /index1[/\\]size/],
      [ONLY_L1, /no L2 cache listed/],
      [join(root, "no-such-dir"), /no-such-dir/],
    ] as const) {
      const b = chooseBlocking(undefined, dir);
      assert.deepEqual([b.mc, b.nc], [DEFAULT_MC, DEFAULT_NC]);
      assert.match(b.why, /^defaults: MC 128, NC 1024 \(/);
      assert.match(b.why, reason);
    }
    const amd = chooseBlocking(undefined, AMD);
    assert.deepEqual([amd.mc, amd.nc], [512, 4096]);
    assert.match(amd.why, /^from .*amd: MC 512/);
    assert.equal(amd.caches.length, 4);
  });
});

describe("GEMM blocking: RECEPTIVE_GEMM_BLOCKING", () => {
  it("overrides the caches", () => {
    const b = chooseBlocking("64,512", AMD);
    assert.deepEqual([b.mc, b.nc], [64, 512]);
    assert.equal(b.why, `${BLOCKING_ENV}=64,512`);
    assert.deepEqual(parseBlockingOverride(" 4 , 8 "), { mc: 4, nc: 8 });
  });

  it("rejects malformed values with a clear error", () => {
    for (const [text, problem] of [
      ["128", /not two whole numbers/],
      ["128,1024,3", /not two whole numbers/],
      ["a,b", /not two whole numbers/],
      ["-4,8", /not two whole numbers/],
      ["130,1024", /MC 130 is not a positive multiple of 4/],
      ["0,1024", /MC 0 is not a positive multiple of 4/],
      ["128,1020", /NC 1020 is not a positive multiple of 8/],
      ["128,1048576", /above 65536/],
    ] as const)
      assert.throws(
        () => chooseBlocking(text, AMD),
        (e: Error) =>
          e.message.startsWith(`${BLOCKING_ENV}: expected MC,NC`) &&
          e.message.includes(`got '${text}'`) &&
          problem.test(e.message),
        text,
      );
  });

  it("a malformed value fails the first op with that error (child process)", () => {
    const r = spawnSync(
      process.execPath,
      [
        "-e",
        `const R = require(${JSON.stringify(require.resolve("../../kernel/engine/index"))}); R.randn([3, 3]);`,
      ],
      { encoding: "utf8", env: { ...process.env, [BLOCKING_ENV]: "102,1024" } },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /RECEPTIVE_GEMM_BLOCKING: expected MC,NC .* got '102,1024': MC 102 is not/);
  });
});

describe("GEMM blocking: backendInfo()", () => {
  it("reports the caches read and the blocking chosen, with why", () => {
    const gemm = backendInfo().gemm;
    if (backendInfo().name !== "wasm") return; // ref has no GEMM blocking
    assert.ok(gemm !== undefined);
    assert.equal(gemm.kc, KC, "blocking.ts's KC is the compiled kernels' (assembly/gemm.ts)");
    assert.equal(KC, 256);
    assert.ok(gemm.mc % 4 === 0 && gemm.nc % 8 === 0);
    const expected = chooseBlocking();
    const { mlas, ...blocking } = gemm; // mlas: see mlas-gemm.test.ts
    assert.ok(mlas !== undefined);
    assert.deepEqual(blocking, { ...expected, kc: KC } satisfies GemmInfo);
    assert.match(gemm.why, /^(from \/sys|defaults: |RECEPTIVE_GEMM_BLOCKING=)/);
  });
});

describe("GEMM blocking never changes a result", () => {
  /** The child's report under one blocking (blocking-child.ts). */
  function runChild(blocking: string) {
    const r = spawnSync(process.execPath, [join(__dirname, "blocking-child.js")], {
      encoding: "utf8",
      env: { ...process.env, [BLOCKING_ENV]: blocking },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `child with ${BLOCKING_ENV}=${blocking} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as {
      backend: string;
      gemm: GemmInfo;
      threads: number;
      maxGemmError: number;
      hashes: Record<string, string>;
    };
  }

  it("sgemm (plain, batched, transposed, backward) and conv2d forward + backward: bit-identical under 4,8 / 128,1024 / 1024,4096", () => {
    // 4,8: every micro-tile its own block; 128,1024: the old constants; 1024,4096: one block
    // for every matrix here. Threads: 2, so C is also split between threads.
    const runs = ["4,8", "128,1024", "1024,4096"].map((b) => ({ b, report: runChild(b) }));
    for (const { b, report } of runs) {
      if (report.backend !== "wasm") return; // no WebAssembly SIMD: nothing blocks
      assert.deepEqual([report.gemm.mc, report.gemm.nc].join(","), b, "the override reached the kernels");
      assert.equal(report.threads, 2);
      assert.ok(report.maxGemmError < 1e-5, `${b}: GEMM error ${report.maxGemmError} against float64`);
      assert.ok(Object.keys(report.hashes).length >= 20, "every result was hashed");
    }
    const [first, ...rest] = runs;
    for (const { b, report } of rest)
      for (const [name, hash] of Object.entries(first.report.hashes))
        assert.equal(report.hashes[name], hash, `${name}: ${first.b} and ${b} differ`);
  });
});
