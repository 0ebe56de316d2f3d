// `npm run bench`: every case of cases.ts on Receptive (wasm in both SIMD variants, and ref where
// it is fast enough), on PyTorch CPU, and (LeNet-5) on TensorFlow.js's wasm backend, at 1 and 2
// threads, each in a fresh process, measured in the same run; then the peak RSS of the LeNet-5
// training benchmark alone in a process of its own, Receptive and PyTorch. Prints one table row per
// case and thread count, with ratios to the peers, and writes the table with a description of the
// machine to test/bench/RESULTS.md.
// Usage: npm run bench [-- [--quick] [--rounds N] case-name-substring...]   (--quick skips the slow
// cases; --rounds N measures Receptive and PyTorch N times each, in turns whose order alternates,
// and keeps each cell's best: a machine whose speed drifts over minutes, as this project's VM does,
// then favours neither side; a substring runs only the cases whose name contains it, e.g. `node
// dist/test/bench/bench.js depthwise`, and the warm-up, latency and ONNX sections only when it names
// them or one of their cases)

import { spawnSync } from "node:child_process";
import { existsSync, realpathSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { chooseBlocking, describeCaches, KC } from "../../kernel/engine/backends/wasm/blocking";
import { compileVariant } from "../../kernel/engine/backends/wasm/loader";
import { ENGINE_NODE_FLAGS } from "../../kernel/server/node-flags";
import { parseBenchArgs } from "./args";
import { CASES } from "./cases";
import { runLatencyBench } from "./latency";
import { runOnnxBench } from "./onnx";
import { runWarmupBench } from "./warmup";

const PYTHON = "/usr/bin/python3";
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
const THREADS = [1, 2];
const { quick, rounds: ROUNDS, filters, sectionArgs } = parseBenchArgs(process.argv.slice(2));
const cases = CASES.filter(
  (c) => (filters.length === 0 || filters.some((f) => c.name.includes(f))) && !(quick && c.heavy),
);
/** The cases the tfjs peer runs (test/bench/tfjs-runner.ts). */
const TFJS_CASES = new Set(["LeNet-5 train step, batch 64", "LeNet-5 inference, batch 64"]);
const RSS_CASE = "LeNet-5 train step, batch 64";
const TFJS_NOTE =
  "TensorFlow.js's wasm backend has no Conv2DBackpropFilter kernel (tfjs issue 8474), so for its " +
  "training row the benchmark registers one written in plain TypeScript (test/bench/tfjs-conv-filter-grad.ts); " +
  "tfjs-wasm runs single-threaded in Node (its threaded build needs a browser), so it is measured at 1 thread.";

type Column = "simd" | "relaxed" | "ref" | "torch" | "tfjs";
type Metric = "value" | "perCpu";
/** results[metric][case][threads][column] = images/s or GFLOP/s (best wall-clock, or per CPU-second) */
const results: Record<Metric, Map<string, Map<number, Partial<Record<Column, number>>>>> = {
  value: new Map(),
  perCpu: new Map(),
};

/** Records a measurement; with several rounds a cell keeps its best. */
function record(metric: Metric, name: string, threads: number, column: Column, value: number): void {
  const byCase = results[metric];
  if (!byCase.has(name)) byCase.set(name, new Map());
  const row = byCase.get(name)!;
  const before = row.get(threads)?.[column];
  row.set(threads, { ...row.get(threads), [column]: Math.max(value, before ?? value) });
}

/** Peak RSS (MiB) of a process that ran only the LeNet-5 training benchmark, by column. */
const peakRss: Partial<Record<Column, number>> = {};
/** What the tfjs runner reports it ran on (version, backend, build). */
let tfjsBackend: string | null = null;

interface RunnerLine {
  case: string;
  threads: number;
  value: number;
  perCpu: number;
  rssMiB?: number;
  backend?: string;
}

/** Runs a runner process and returns the JSON lines it prints (none if it failed). */
function spawnRunner(
  column: Column,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  names: string[],
) {
  if (names.length === 0) return [];
  const r = spawnSync(command, [...args, ...names], { encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`bench: ${column} runner failed (${command} ${args.join(" ")}):\n${r.stderr}`);
    return [];
  }
  return r.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as RunnerLine);
}

/** Runs a runner process and records the throughput lines it prints. */
function run(column: Column, command: string, args: string[], env: NodeJS.ProcessEnv, names: string[]): void {
  for (const r of spawnRunner(column, command, args, env, names)) {
    record("value", r.case, r.threads, column, r.value);
    record("perCpu", r.case, r.threads, column, r.perCpu);
    if (r.backend !== undefined && column === "tfjs") tfjsBackend = r.backend;
  }
}

/** Runs only the LeNet-5 training benchmark in a fresh process and records its peak RSS. */
function runRss(column: Column, command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const line = spawnRunner(column, command, args, env, [RSS_CASE]).find((r) => r.case === RSS_CASE);
  if (line?.rssMiB !== undefined) peakRss[column] = line.rssMiB;
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
/** Receptive runs under its kernel process's engine flags (kernel/server/node-flags.ts); relaxed SIMD's is added per variant. */
const engineFlags = ENGINE_NODE_FLAGS.filter((f) => f !== RELAXED_FLAG);
const names = cases.map((c) => c.name);
const loadBefore = loadavg()[0];

const torchEnv = (t: string): NodeJS.ProcessEnv => {
  // glibc serves blocks over its mmap threshold (128 KiB until a big free raises it, and its trim
  // threshold with it) with fresh pages each time: PyTorch's 32ch 112x112 depthwise row measured
  // 2.4-3.1 GFLOP/s when it ran first and 30-34 after another case had raised them. Fixed
  // thresholds measure the peer at its steady state in every row, whatever ran before it.
  const env: NodeJS.ProcessEnv = {
    OMP_NUM_THREADS: t,
    MKL_NUM_THREADS: t,
    OPENBLAS_NUM_THREADS: t,
    MALLOC_MMAP_THRESHOLD_: String(64 * 2 ** 20),
    MALLOC_TRIM_THRESHOLD_: String(256 * 2 ** 20),
  };
  if (existsSync(OPENBLAS_DIR))
    env.LD_LIBRARY_PATH = [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return env;
};
const torchScript = join(__dirname, "../../../test/bench/torch_cases.py");
const tfjsNames = names.filter((n) => TFJS_CASES.has(n));

for (let round = 0; round < ROUNDS; round++)
  for (const threads of THREADS) {
    const t = String(threads);
    console.error(`bench: ${threads} thread(s)${ROUNDS > 1 ? `, round ${round + 1} of ${ROUNDS}` : ""}...`);
    const torch = () => {
      if (torchVersion !== null) run("torch", PYTHON, [torchScript, t], torchEnv(t), names);
    };
    if (round % 2 === 1) torch(); // every other round PyTorch goes first
    run(
      "simd",
      process.execPath,
      [...engineFlags, runner, "wasm", t],
      { RECEPTIVE_WASM_VARIANT: "simd" },
      names,
    );
    if (relaxed !== null)
      run(
        "relaxed",
        process.execPath,
        [...engineFlags, ...relaxed, runner, "wasm", t],
        { RECEPTIVE_WASM_VARIANT: "relaxed" },
        names,
      );
    if (round % 2 === 0) torch();
    if (round > 0) continue; // ref and tfjs once: nothing goals compare them with
    if (threads === 1)
      run(
        "ref",
        process.execPath,
        [...engineFlags, runner, "ref", t],
        {},
        cases.filter((c) => c.refToo).map((c) => c.name),
      );
    if (threads === 1) run("tfjs", process.execPath, [join(__dirname, "tfjs-runner.js"), t], {}, tfjsNames);
  }

if (names.includes(RSS_CASE)) {
  console.error("bench: peak RSS of the LeNet-5 training benchmark alone...");
  const variant = relaxed === null ? "simd" : "relaxed";
  runRss(variant, process.execPath, [...engineFlags, ...(relaxed ?? []), runner, "wasm", "1"], {
    RECEPTIVE_WASM_VARIANT: variant,
  });
  if (torchVersion !== null) runRss("torch", PYTHON, [torchScript, "1"], torchEnv("1"));
}

/** Receptive's best wasm variant for a case and thread count. */
const best = (name: string, threads: number, metric: Metric = "value"): number | undefined => {
  const r = results[metric].get(name)?.get(threads);
  const v = [r?.simd, r?.relaxed].filter((x): x is number => x !== undefined);
  return v.length > 0 ? Math.max(...v) : undefined;
};

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
  "tfjs-wasm (Receptive's best / it)",
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
        !TFJS_CASES.has(c.name)
          ? "not run"
          : threads > 1
            ? "1 thread only"
            : r.tfjs === undefined
              ? "peer failed"
              : `${fmt(r.tfjs)} (${((best(c.name, threads, metric) ?? 0) / r.tfjs).toFixed(1)}x)`,
      ]);
    }
  return [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}
const wallTable = table("value", THREADS);
const cpuTable = table("perCpu", [1]);

// The issue's goals that this run can check, met or missed by how much.
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
const tfjsRatio = (name: string) => {
  const v = best(name, 1);
  const p = results.value.get(name)?.get(1)?.tfjs;
  return v === undefined || p === undefined ? undefined : v / p;
};
const bestOf = (name: string, metric: Metric = "value") => {
  const v = THREADS.map((t) => best(name, t, metric)).filter((x): x is number => x !== undefined);
  const p = THREADS.map((t) => torchAt(name, t, metric)).filter((x): x is number => x !== undefined);
  return v.length === 0 || p.length === 0 ? undefined : Math.max(...v) / Math.max(...p);
};
const rssRatio =
  peakRss.torch === undefined || (peakRss.relaxed ?? peakRss.simd) === undefined
    ? undefined
    : (peakRss.relaxed ?? peakRss.simd)! / peakRss.torch;
const rssLine =
  rssRatio === undefined
    ? "- LeNet-5 training peak RSS vs PyTorch: not measured"
    : `- LeNet-5 training peak RSS vs PyTorch (its own process each, 1 thread): ${(peakRss.relaxed ?? peakRss.simd)!.toFixed(0)} MiB vs ${peakRss.torch!.toFixed(0)} MiB = ${rssRatio.toFixed(2)}x vs goal <= 1.5x: ${rssRatio <= 1.5 ? "met" : `missed by ${(100 * (rssRatio / 1.5 - 1)).toFixed(0)}%`}`;
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
  goal(
    "LeNet-5 training, our best vs PyTorch's best (any thread count)",
    bestOf("LeNet-5 train step, batch 64"),
    1,
    "x",
  ),
  ...[16, 64].flatMap((w) =>
    THREADS.map((t) =>
      goal(
        `ResNet-18-CIFAR width ${w} training, ${t} thread${t > 1 ? "s" : ""}, vs PyTorch`,
        perTorch(`ResNet-18-CIFAR width ${w} train step, batch 32`, t),
        w === 16 ? 0.8 : 0.6,
        "x",
        t === 1 ? perTorch(`ResNet-18-CIFAR width ${w} train step, batch 32`, 1, "perCpu") : undefined,
      ),
    ),
  ),
  goal("LeNet-5 training, 1 thread, vs tfjs-wasm", tfjsRatio("LeNet-5 train step, batch 64"), 10, "x"),
  rssLine,
].join("\n");

// A new model's first steps vs its steady state, from a plain node script (warmup.ts).
const warmupTable = runWarmupBench(sectionArgs);
const loadMax = Math.max(loadBefore, loadavg()[0]);
const shared = loadMax > 0.5 * cpus().length;
// The runners inherit this environment, so they choose this same blocking (blocking.ts).
const blocking = chooseBlocking();
const machine = [
  `- CPU: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
  `- Caches (CPU 0): ${describeCaches(blocking.caches)}; wasm GEMM blocking MC ${blocking.mc}, NC ${blocking.nc}, KC ${KC} (${blocking.why})`,
  `- Node ${process.version}; relaxed SIMD ${relaxed === null ? "unavailable" : relaxed.length === 0 ? "on by default" : `with ${RELAXED_FLAG}`}; Receptive runs under its kernel process's engine flags: ${engineFlags.join(" ")}`,
  `- PyTorch: ${torchVersion ?? "not installed"} (${PYTHON}), OMP/MKL/OPENBLAS_NUM_THREADS = thread count; BLAS: ${blas}`,
  `- TensorFlow.js: ${tfjsBackend ?? "not run"}. NOTE: ${TFJS_NOTE}`,
  `- 1-minute load average before/after the run: ${loadBefore.toFixed(2)} / ${loadavg()[0].toFixed(2)} (above ~0.5 the machine was shared and numbers are noisy)`,
].join("\n");
const doc = `# Benchmark results (\`npm run bench\`)

Written by test/bench/bench.ts on ${new Date().toISOString()}${quick ? " (--quick: slow cases skipped)" : ""}. Each cell is
the best of 20 batches of ~100 ms (3 batches for the slow cases: width-64 ResNet, EfficientNet-B0,
GoogLeNet) after a warm-up, in a
fresh process per backend and thread count${ROUNDS > 1 ? ` (Receptive and PyTorch: best of ${ROUNDS} rounds, each a fresh process, in turns whose order alternates)` : ""}; in parentheses, the ratio to PyTorch CPU at the same
thread count measured in the same run (for tfjs-wasm: Receptive's best variant divided by tfjs).
Higher is better.

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
${warmupTable === null ? "" : `## Warm-up: a new model's first steps vs its steady state\n\nFrom a plain \`node script\` (no engine flags), a fresh process per row, under this Node and under Node 24 where it can be installed (its V8 13 has no FinalizationRegistry.cleanupSome; storage reclaims rely on collected.ts there): the mean of steps 1-10 (and 2-10) divided by the median step of the second half of the run (\`node dist/test/bench/warmup.js\`). PyTorch's short run is the same for both runtimes' rows.\n\n${warmupTable}\n\n`}Where LeNet's time goes: \`node dist/test/bench/profile.js LeNet [threads]\` prints a per-kernel profile.
`;
console.log(
  `\n${machine}\n\nbest batch, wall clock:\n${wallTable}\n\nper CPU-second, 1 thread:\n${cpuTable}\n\n${goals}`,
);
if (filters.length === 0 && !quick) {
  writeFileSync(join(__dirname, "../../../test/bench/RESULTS.md"), doc);
  console.log("\nbench: wrote test/bench/RESULTS.md");
}
runLatencyBench(sectionArgs); // kernel start and cell round trip vs tslab (latency.ts)
// ONNX Runtime inference vs our session, compile, wasm and PyTorch; export/import times (onnx.ts)
void runOnnxBench(sectionArgs, { write: filters.length === 0 && !quick });
