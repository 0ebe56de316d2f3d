// ONNX Runtime in the benchmark: inference at batch 64, 1 and 2 threads, measured in the same run:
// raw onnxruntime-node (its own tensors, no conversion), our InferenceSession (engine Tensors in
// and out; goal: overhead <= 5%), onnx.compile (goal: within 5% of raw), the engine's wasm
// forward, and PyTorch CPU's eval forward (test/bench/torch_cases.py, the same case names); then
// export and import times of ResNet-18. Prints ratios; `npm run bench` also writes the "ONNX
// Runtime" section of test/bench/RESULTS.md. Alone: `node dist/test/bench/onnx.js [case-substring]`
// (prints only).

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { Tensor as OrtTensor } from "onnxruntime-node";
import * as R from "../../kernel/engine/index";
import { measure } from "./timing";

const ROOT = join(__dirname, "..", "..", "..");
const RESULTS_FILE = join(ROOT, "test", "bench", "RESULTS.md");
const SECTION_TITLE = "## ONNX Runtime";
const THREADS = [1, 2];
const OPENBLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

interface OnnxCase {
  name: string;
  model: () => R.nn.Module;
  input: number[];
  heavy?: boolean;
}

const CASES: OnnxCase[] = [
  { name: "LeNet-5 inference, batch 64", model: () => R.models.lenet5(), input: [64, 1, 28, 28] },
  ...[16, 64].map((width) => ({
    name: `ResNet-18-CIFAR width ${width} inference, batch 64`,
    model: () => R.models.resnet18({ cifar: true, width, numClasses: 10 }),
    input: [64, 3, 32, 32],
    heavy: width >= 64,
  })),
];

type Column = "raw" | "session" | "compile" | "wasm" | "torch";
type Row = Partial<Record<Column, number>>;

/** Like timing.ts's measure, for async steps: warm up, then the best of `rounds` batches of ~batchMs. */
async function measureAsync(
  step: () => Promise<unknown>,
  work: number,
  rounds = 10,
  batchMs = 100,
): Promise<number> {
  await step();
  await step();
  const t0 = performance.now();
  let probe = 0;
  while (performance.now() - t0 < batchMs) {
    await step();
    probe++;
  }
  const reps = Math.max(1, Math.round((probe * batchMs) / (performance.now() - t0)));
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) await step();
    best = Math.max(best, (work * reps) / ((performance.now() - t) / 1000));
  }
  return best;
}

function torchPeer(threads: number, names: string[]): Map<string, number> {
  const out = new Map<string, number>();
  const t = String(threads);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: t,
    MKL_NUM_THREADS: t,
    OPENBLAS_NUM_THREADS: t,
  };
  if (existsSync(OPENBLAS_DIR))
    env.LD_LIBRARY_PATH = [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const r = spawnSync("/usr/bin/python3", [join(ROOT, "test", "bench", "torch_cases.py"), t, ...names], {
    encoding: "utf8",
    env,
  });
  if (r.status !== 0) {
    console.error(`bench onnx: the PyTorch peer failed:\n${r.stderr}`);
    return out;
  }
  for (const line of r.stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const j = JSON.parse(line) as { case: string; value: number };
    out.set(j.case, j.value);
  }
  return out;
}

async function runCase(c: OnnxCase, threads: number, dir: string): Promise<Row> {
  const ort = require("onnxruntime-node") as typeof import("onnxruntime-node");
  R.manualSeed(0);
  const model = c.model();
  model.eval();
  const x = R.randn(c.input);
  const file = join(dir, `${c.name.replace(/\W+/g, "_")}.onnx`);
  await R.onnx.exportModel(model, x, file);
  const work = c.input[0];
  const options = { intraOpNumThreads: threads, graphOptimizationLevel: "all" as const };
  const raw = await ort.InferenceSession.create(file, { ...options, executionProviders: ["cpu"] });
  const feeds: Record<string, OrtTensor> = { input: new ort.Tensor("float32", x.data, [...x.shape]) };
  const session = await R.onnx.InferenceSession.create(file, options);
  const compiled = await R.onnx.compile(model, { ...options, sampleInput: x });
  const row: Row = {
    raw: await measureAsync(() => raw.run(feeds), work),
    session: await measureAsync(() => session.run(x), work),
    compile: await measureAsync(() => compiled.forward(x), work),
  };
  R.setNumThreads(threads);
  row.wasm = measure(() => R.noGrad(() => model.forward(x)), work, { rounds: c.heavy ? 3 : 10 }).best;
  await raw.release();
  await session.release();
  return row;
}

/** Milliseconds of one export (in memory) and one import of ResNet-18 (width 64, CIFAR). */
async function exportImportTimes(dir: string): Promise<{ exportMs: number; importMs: number; mb: number }> {
  R.manualSeed(0);
  const model = R.models.resnet18({ cifar: true, width: 64, numClasses: 10 });
  const file = join(dir, "resnet18.onnx");
  const x = R.randn([1, 3, 32, 32]);
  await R.onnx.exportModel(model, x, file); // warm-up
  let t = performance.now();
  await R.onnx.exportModel(model, x, file);
  const exportMs = performance.now() - t;
  const bytes = readFileSync(file);
  await R.onnx.importModel(bytes);
  t = performance.now();
  await R.onnx.importModel(bytes);
  return { exportMs, importMs: performance.now() - t, mb: bytes.length / 2 ** 20 };
}

/** The CPU and how busy the machine was when the section started (ratios move on a loaded machine). */
function machine(): string {
  const cpu = cpus();
  const [one, five] = loadavg();
  return `CPU: ${cpu[0]?.model ?? "unknown"}, ${cpu.length} logical cores; load average ${one.toFixed(2)} (1 min), ${five.toFixed(2)} (5 min) at the start.`;
}

const fmt = (v: number | undefined) => (v === undefined ? "n/a" : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? "n/a" : `${(a / b).toFixed(2)}x`;

export async function runOnnxBench(
  filters: string[],
  { write = false }: { write?: boolean } = {},
): Promise<void> {
  const quick = filters.includes("--quick");
  const wanted = filters.filter((f) => f !== "--quick");
  const cases = CASES.filter(
    (c) => (wanted.length === 0 || wanted.some((f) => c.name.includes(f))) && !(quick && c.heavy),
  );
  if (cases.length === 0) return;
  const dir = mkdtempSync(join(tmpdir(), "receptive-bench-onnx-"));
  const lines: string[] = [
    SECTION_TITLE,
    "",
    "Inference in images/s (best of short batches), measured in one run: raw onnxruntime-node " +
      `${require("onnxruntime-node/package.json").version} CPU on our exported model (opset 17), our ` +
      "InferenceSession (engine Tensors in and out), onnx.compile, the engine's wasm forward, PyTorch CPU eval.",
    "Goals: session and compile within 5% of raw (ratio >= 0.95).",
    "",
    machine(),
    "",
    "| case | threads | raw ORT | session / raw | compile / raw | ORT / wasm | ORT / PyTorch |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  console.log(lines.find((l) => l.startsWith("CPU: ")));
  try {
    for (const threads of THREADS) {
      const torch = torchPeer(
        threads,
        cases.map((c) => c.name),
      );
      for (const c of cases) {
        const row = await runCase(c, threads, dir);
        row.torch = torch.get(c.name);
        const line = `| ${c.name} | ${threads} | ${fmt(row.raw)} | ${ratio(row.session, row.raw)} | ${ratio(row.compile, row.raw)} | ${ratio(row.raw, row.wasm)} | ${ratio(row.raw, row.torch)} |`;
        console.log(line);
        lines.push(line);
      }
    }
    const t = await exportImportTimes(dir);
    const timing = `ResNet-18-CIFAR width 64 (${t.mb.toFixed(1)} MB): export ${t.exportMs.toFixed(0)} ms, import ${t.importMs.toFixed(0)} ms.`;
    console.log(timing);
    lines.push("", timing, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!write) return;
  const doc = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, "utf8") : "";
  const start = doc.indexOf(SECTION_TITLE);
  const next = start < 0 ? -1 : doc.indexOf("\n## ", start + SECTION_TITLE.length);
  const section = lines.join("\n");
  const updated =
    start < 0
      ? `${doc.trimEnd()}\n\n${section}\n`
      : `${doc.slice(0, start)}${section}${next < 0 ? "\n" : doc.slice(next)}`;
  writeFileSync(RESULTS_FILE, updated);
}

if (require.main === module) void runOnnxBench(process.argv.slice(2));
