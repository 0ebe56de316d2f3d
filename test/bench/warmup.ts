// The warm-up section of `npm run bench`: how much slower a new model's first training steps are
// than its steady state, from a plain `node script` (no engine flags, as the README's tour runs),
// in a fresh process per model and thread count. Steps 1..10 are timed one by one (wall clock and
// CPU time of the process); steady state is the median step of the second half of a longer run.
// Prints one table row per case: the first steps' mean / steady (1.00 = no warm-up cost), for
// steps 1-10 and 2-10 (step 1 also pays one-time costs: first compilation, first page faults), and
// the same ratio of PyTorch CPU (test/bench/torch_cases.py --warmup) as the peer; and the issue's
// short run, steps 6-45 in all (40 steps after 5 warm-up steps), as PyTorch's time / ours (higher is
// better, as the benchmark's other ratios). Each case runs under this Node and, where it can be had
// (scripts/e2e/install-code-server.mjs --node-only: the npm registry, cached), under Node 24, whose
// V8 13 differs in what the engine relies on (no FinalizationRegistry.cleanupSome, relaxed SIMD on
// by default): users run both.
// Usage: node warmup.js [case-name-substring...]   (bench.ts runs it when no filter or "warm-up" is given)

import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { installNode24 } from "../e2e/code-server";
import { CASES } from "./cases";

const PYTHON = "/usr/bin/python3";
const TORCH_SCRIPT = join(__dirname, "../../../test/bench/torch_cases.py");

const WARMUP_CASES = ["LeNet-5 train step, batch 64", "ResNet-18-CIFAR width 16 train step, batch 32"];
const FIRST = 10;
/** The short run of the goal: RUN_STEPS steps after RUN_FROM warm-up steps. */
const RUN_FROM = 5;
const RUN_STEPS = 40;

interface WarmupLine {
  case: string;
  threads: number;
  wallMs: number[];
  cpuMs: number[];
  steadyWallMs: number;
  steadyCpuMs: number;
  /** Steps 6..45 in all (a 40-step run after 5 warm-up steps, the goal; 6..40 in a 40-step run), wall and CPU ms. */
  runWallMs: number;
  runCpuMs: number;
}

/** In the child: runs the case's steps and prints one WarmupLine. */
function child(name: string, threads: number): void {
  // Imported here so the parent's process never loads the engine.
  const R = require("../../kernel/engine/index") as typeof import("../../kernel/engine/index");
  R.setNumThreads(threads);
  const c = CASES.find((k) => k.name === name)!;
  const { step } = c.setup();
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const steps = stepsOf(name);
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < steps; i++) {
    const w = performance.now();
    const t = cpu();
    step();
    cpuMs.push(cpu() - t);
    wallMs.push(performance.now() - w);
  }
  const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
  const line: WarmupLine = {
    case: name,
    threads,
    wallMs: wallMs.slice(0, FIRST),
    cpuMs: cpuMs.slice(0, FIRST),
    steadyWallMs: median(wallMs.slice(steps / 2)),
    steadyCpuMs: median(cpuMs.slice(steps / 2)),
    runWallMs: sum(wallMs.slice(RUN_FROM, RUN_FROM + RUN_STEPS)),
    runCpuMs: sum(cpuMs.slice(RUN_FROM, RUN_FROM + RUN_STEPS)),
  };
  console.log(JSON.stringify(line));
}

/** Steps per run: enough for the second half to be steady. */
const stepsOf = (name: string) => (name.startsWith("LeNet") ? 300 : 40);

/** PyTorch's line for the same case and thread count (torch_cases.py --warmup), or null when it did not run. */
function torchWarmup(name: string, threads: number): WarmupLine | null {
  const t = String(threads);
  const r = spawnSync(PYTHON, [TORCH_SCRIPT, "--warmup", t, String(stepsOf(name)), name], {
    encoding: "utf8",
    env: { ...process.env, OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t },
  });
  const out = r.stdout?.split("\n").find((l) => l.startsWith("{"));
  return r.status !== 0 || out === undefined ? null : (JSON.parse(out) as WarmupLine);
}

/** The runtimes to run the children under: this Node, and Node 24 where it can be installed. */
function runtimes(): { label: string; exec: string }[] {
  const here = { label: `Node ${process.versions.node}`, exec: process.execPath };
  if (process.versions.node.startsWith("24.")) return [here];
  try {
    const exec = installNode24();
    const version = execFileSync(exec, ["--version"], { encoding: "utf8" }).trim().slice(1);
    return [here, { label: `Node ${version}`, exec }];
  } catch (e) {
    console.error(`warm-up: no Node 24 (${(e as Error).message.split("\n")[0]}); its rows are left out`);
    return [here];
  }
}

const sum = (a: number[]) => a.reduce((p, q) => p + q, 0);
const mean = (a: number[]) => sum(a) / a.length;

/** Runs every warm-up case in a child per thread count; prints and returns the table. */
export function runWarmupBench(args: string[] = []): string | null {
  const filters = args.filter((a) => !a.startsWith("--"));
  const names = WARMUP_CASES.filter(
    (n) => filters.length === 0 || filters.some((f) => n.includes(f) || "warm-up".includes(f)),
  );
  if (names.length === 0) return null;
  const rows: string[] = [
    "| case | threads | runtime | steps 1-10 / steady, wall | steps 2-10 / steady, wall | steps 1-10 / steady, CPU | steps 2-10 / steady, CPU | steady step, wall / CPU ms | steps 1..10, CPU ms | PyTorch steps 1-10 / steady, CPU | steps 6-45 vs PyTorch's, wall / CPU |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const nodes = runtimes();
  for (const name of names)
    for (const threads of [1, 2]) {
      const torch = torchWarmup(name, threads);
      for (const node of nodes) {
        const r = spawnSync(node.exec, [__filename, "--child", name, String(threads)], {
          encoding: "utf8",
        });
        const out = r.stdout.split("\n").find((l) => l.startsWith("{"));
        if (r.status !== 0 || out === undefined) {
          console.error(`warm-up: ${name} at ${threads} threads on ${node.label} failed:\n${r.stderr}`);
          continue;
        }
        const l = JSON.parse(out) as WarmupLine;
        const ratio = (a: number[], steady: number) => `${(mean(a) / steady).toFixed(2)}x`;
        rows.push(
          `| ${name} | ${threads} | ${node.label} | ${ratio(l.wallMs, l.steadyWallMs)} | ${ratio(l.wallMs.slice(1), l.steadyWallMs)} | ` +
            `${ratio(l.cpuMs, l.steadyCpuMs)} | ${ratio(l.cpuMs.slice(1), l.steadyCpuMs)} | ` +
            `${l.steadyWallMs.toFixed(1)} / ${l.steadyCpuMs.toFixed(1)} | ${l.cpuMs.map((t) => t.toFixed(1)).join(" ")} | ` +
            (torch === null
              ? "— | — |"
              : `${ratio(torch.cpuMs, torch.steadyCpuMs)} | ` +
                `${(torch.runWallMs / l.runWallMs).toFixed(2)}x / ${(torch.runCpuMs / l.runCpuMs).toFixed(2)}x |`),
        );
      }
    }
  const table = rows.join("\n");
  console.log(`\nwarm-up (a new model's first steps vs its steady state, plain node script):\n${table}`);
  return table;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === "--child") child(argv[1], Number(argv[2]));
  else runWarmupBench(argv);
}
