// `npm run bench`: every case of cases.ts on Receptive (wasm in both SIMD variants, and ref where
// it is fast enough) and on PyTorch CPU, at 1 and 2 threads, each in a fresh process, measured in
// the same run. Prints one table row per case and thread count, with ratios to PyTorch, and writes
// the table with a description of the machine to test/bench/RESULTS.md.
// Usage: npm run bench [-- case-name-substring...]

import { spawnSync } from "node:child_process";
import { existsSync, realpathSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { compileVariant } from "../../kernel/engine/backends/wasm/loader";
import { CASES } from "./cases";

const PYTHON = "/usr/bin/python3";
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
const THREADS = [1, 2];
const filters = process.argv.slice(2);
const cases = CASES.filter((c) => filters.length === 0 || filters.some((f) => c.name.includes(f)));

type Column = "simd" | "relaxed" | "ref" | "torch";
type Metric = "value" | "perCpu";
/** results[metric][case][threads][column] = images/s or GFLOP/s (best wall-clock, or per CPU-second) */
const results: Record<Metric, Map<string, Map<number, Partial<Record<Column, number>>>>> = {
  value: new Map(),
  perCpu: new Map(),
};

function record(metric: Metric, name: string, threads: number, column: Column, value: number): void {
  const byCase = results[metric];
  if (!byCase.has(name)) byCase.set(name, new Map());
  const row = byCase.get(name)!;
  row.set(threads, { ...row.get(threads), [column]: value });
}

/** Runs a runner process and records the JSON lines it prints. */
function run(column: Column, command: string, args: string[], env: NodeJS.ProcessEnv, names: string[]): void {
  if (names.length === 0) return;
  const r = spawnSync(command, [...args, ...names], { encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`bench: ${column} runner failed (${command} ${args.join(" ")}):\n${r.stderr}`);
    return;
  }
  for (const line of r.stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const r = JSON.parse(line) as { case: string; threads: number; value: number; perCpu: number };
    record("value", r.case, r.threads, column, r.value);
    record("perCpu", r.case, r.threads, column, r.perCpu);
  }
}

/** Node flags under which relaxed SIMD compiles, or null when it cannot run here. */
function relaxedFlags(): string[] | null {
  if (!(compileVariant("relaxed") instanceof Error)) return [];
  const loader = require.resolve("../../kernel/engine/backends/wasm/loader");
  const probe = spawnSync(process.execPath, [
    RELAXED_FLAG,
    "-e",
    `process.exit(require(${JSON.stringify(loader)}).compileVariant("relaxed") instanceof Error ? 1 : 0)`,
  ]);
  return probe.status === 0 ? [RELAXED_FLAG] : null;
}

const torchVersion = (() => {
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
})();
const relaxed = relaxedFlags();
/**
 * PyTorch's BLAS. Debian's torch loads libblas.so.3, which is the slow reference BLAS unless an
 * optimized one is chosen system-wide. We point only the peer process at OpenBLAS when it is
 * installed (libopenblas0-pthread), so the system default (and the PyTorch goldens) stay as they are.
 */
const OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread";
const blas = existsSync(join(OPENBLAS_DIR, "libblas.so.3"))
  ? `OpenBLAS (${OPENBLAS_DIR}, via LD_LIBRARY_PATH)`
  : (() => {
      try {
        return `${realpathSync("/usr/lib/x86_64-linux-gnu/libblas.so.3")} (install libopenblas0-pthread for a realistic peer)`;
      } catch {
        return "unknown";
      }
    })();
const runner = join(__dirname, "receptive-runner.js");
const names = cases.map((c) => c.name);
const loadBefore = loadavg()[0];

for (const threads of THREADS) {
  const t = String(threads);
  console.error(`bench: ${threads} thread(s)...`);
  run("simd", process.execPath, [runner, "wasm", t], { RECEPTIVE_WASM_VARIANT: "simd" }, names);
  if (relaxed !== null)
    run(
      "relaxed",
      process.execPath,
      [...relaxed, runner, "wasm", t],
      { RECEPTIVE_WASM_VARIANT: "relaxed" },
      names,
    );
  if (threads === 1)
    run(
      "ref",
      process.execPath,
      [runner, "ref", t],
      {},
      cases.filter((c) => c.refToo).map((c) => c.name),
    );
  if (torchVersion !== null) {
    const env: NodeJS.ProcessEnv = { OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
    if (existsSync(OPENBLAS_DIR))
      env.LD_LIBRARY_PATH = [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
    run("torch", PYTHON, [join(__dirname, "../../../test/bench/torch_cases.py"), t], env, names);
  }
}

// The table: values with their ratio to PyTorch beside them, never a bare number.
const fmt = (v: number | undefined) => (v === undefined ? "—" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (v: number | undefined, peer: number | undefined) =>
  v === undefined || peer === undefined ? "" : ` (${(v / peer).toFixed(2)}x)`;
const header = [
  "case",
  "threads",
  "unit",
  "Receptive wasm SIMD",
  "Receptive wasm relaxed SIMD",
  "Receptive ref",
  "PyTorch CPU",
];
function table(metric: Metric, threadCounts: number[]): string {
  const rows: string[][] = [];
  for (const c of cases)
    for (const threads of threadCounts) {
      const r = results[metric].get(c.name)?.get(threads) ?? {};
      const peer = r.torch;
      rows.push([
        c.name,
        String(threads),
        c.unit,
        fmt(r.simd) + ratio(r.simd, peer),
        relaxed === null ? "not supported here" : fmt(r.relaxed) + ratio(r.relaxed, peer),
        !c.refToo || threads > 1 ? "not run (slow)" : fmt(r.ref) + ratio(r.ref, peer),
        torchVersion === null ? "peer not installed" : fmt(peer),
      ]);
    }
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
const wallTable = table("value", THREADS);
const cpuTable = table("perCpu", [1]);

// The issue's goals that this run can check, met or missed by how much.
const best = (name: string, threads: number, metric: Metric = "value"): number | undefined => {
  const r = results[metric].get(name)?.get(threads);
  const v = [r?.simd, r?.relaxed].filter((x): x is number => x !== undefined);
  return v.length > 0 ? Math.max(...v) : undefined;
};
const verdict = (value: number, target: number) =>
  value >= target ? "met" : `missed by ${(100 * (1 - value / target)).toFixed(0)}%`;
/** A goal line; `perCpu`, for 1-thread goals, repeats the check on per-CPU-second figures. */
const goal = (
  what: string,
  value: number | undefined,
  target: number,
  unit: string,
  perCpu?: number,
): string =>
  value === undefined
    ? `- ${what}: not measured`
    : `- ${what}: ${value.toFixed(2)}${unit} vs goal ${target}${unit}: ${verdict(value, target)}` +
      (perCpu === undefined
        ? ""
        : `; per CPU-second ${perCpu.toFixed(2)}${unit}: ${verdict(perCpu, target)}`);
const torchAt = (name: string, threads: number, metric: Metric = "value") =>
  results[metric].get(name)?.get(threads)?.torch;
const perTorch = (name: string, threads: number, metric: Metric = "value") => {
  const v = best(name, threads, metric);
  const p = torchAt(name, threads, metric);
  return v === undefined || p === undefined ? undefined : v / p;
};
const g1 = best("sgemm 1024", 1);
const g2 = best("sgemm 1024", 2);
const goals = [
  goal("SGEMM 1024, 1 thread (best variant)", g1, 45, " GFLOP/s", best("sgemm 1024", 1, "perCpu")),
  goal("SGEMM 1024, 2 threads / 1 thread", g1 && g2 ? g2 / g1 : undefined, 1.7, "x"),
  goal(
    "LeNet-5 training, 1 thread, vs PyTorch 1 thread",
    perTorch("LeNet-5 train step, batch 64", 1),
    1,
    "x",
    perTorch("LeNet-5 train step, batch 64", 1, "perCpu"),
  ),
  goal(
    "LeNet-5 training, 2 threads, vs PyTorch 2 threads",
    perTorch("LeNet-5 train step, batch 64", 2),
    1,
    "x",
  ),
].join("\n");

const loadMax = Math.max(loadBefore, loadavg()[0]);
const shared = loadMax > 0.5 * cpus().length;
const machine = [
  `- CPU: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  `- Node ${process.version}; relaxed SIMD ${relaxed === null ? "unavailable" : relaxed.length === 0 ? "on by default" : `with ${RELAXED_FLAG}`}`,
  `- PyTorch: ${torchVersion ?? "not installed"} (${PYTHON}), OMP/MKL/OPENBLAS_NUM_THREADS = thread count; BLAS: ${blas}`,
  `- 1-minute load average before/after the run: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)} (above ~0.5 the machine was shared and numbers are noisy)`,
].join("\n");
const doc = `# Benchmark results (\`npm run bench\`)

Written by test/bench/bench.ts on ${new Date().toISOString()}. Each cell is the best of 20 batches
of ~100 ms after a warm-up, in a fresh process per backend and thread count; in parentheses, the
ratio to PyTorch CPU at the same thread count measured in the same run. Higher is better.

${machine}

## Best batch, wall clock

${wallTable}

## Per CPU-second of the process, 1 thread

Work divided by the CPU time the process used over all batches: on a shared machine this is much
less disturbed by other processes than wall-clock time (it still includes cache and SMT
contention). It says nothing about thread scaling, so only 1-thread rows are shown.

${cpuTable}

Goals of issue 3 this run checks:

${goals}
${shared ? `\nNOTE: the machine was shared during this run (load average up to ${loadMax.toFixed(1)} on ${cpus().length} cores): wall-clock ratios, thread scaling and any "met" based on them are unreliable; the per-CPU-second figures are the better guide.\n` : ""}
Where LeNet's time goes: \`node dist/test/bench/profile.js LeNet [threads]\` prints a per-kernel profile.
`;
console.log(
  `\n${machine}\n\nbest batch, wall clock:\n${wallTable}\n\nper CPU-second, 1 thread:\n${cpuTable}\n\n${goals}`,
);
if (filters.length === 0) {
  writeFileSync(join(__dirname, "../../../test/bench/RESULTS.md"), doc);
  console.log("\nbench: wrote test/bench/RESULTS.md");
}
