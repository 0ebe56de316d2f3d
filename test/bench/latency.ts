// Kernel latency, Receptive's Jupyter kernel against tslab's own kernel, measured in the same run
// by the same Python jupyter_client driver (kernel_latency.py): start to ready (start_kernel until
// a kernel_info reply) over fresh kernels, and a trivial cell's round trip (execute_request to its
// `idle` status) after a warm-up. Prints ratios to tslab and the goals of issue 5, and writes the
// "Kernel latency" section of test/bench/RESULTS.md. Runs alone (`node dist/test/bench/latency.js`)
// or at the end of `npm run bench`.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelspec, KERNEL_NAME } from "../../kernel/server/jupyter/kernelspec";
import { writeFileAtomically } from "../../kernel/server/notebook-file";

const ROOT = join(__dirname, "..", "..", "..");
const PYTHON = "/usr/bin/python3";
const DRIVER = join(ROOT, "test", "bench", "kernel_latency.py");
const TSLAB_BIN = join(ROOT, "node_modules", "tslab", "bin", "tslab");
export const RESULTS_FILE = join(ROOT, "test", "bench", "RESULTS.md");
const SECTION_TITLE = "## Kernel latency";

const STARTS = 3;
const WARMUP = 10;
const RUNS = 40;
const CELL = "1 + 1";
const GOAL_ROUND_TRIP_MS = 50;
const GOAL_START_S = 2;

export interface KernelLatency {
  label: string;
  startSeconds: number[];
  roundTripSeconds: number[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** A kernelspec prefix holding Receptive's kernelspec and one for tslab's own kernel. */
function kernelspecs(): string {
  const prefix = mkdtempSync(join(tmpdir(), "receptive-latency-"));
  installKernelspec({ prefix });
  const tslab = join(prefix, "share", "jupyter", "kernels", "tslab-bench");
  mkdirSync(tslab, { recursive: true });
  const argv = [process.execPath, TSLAB_BIN, "kernel", "--config-path", "{connection_file}"];
  writeFileSync(
    join(tslab, "kernel.json"),
    JSON.stringify({ argv, display_name: "tslab (TypeScript)", language: "typescript" }),
  );
  return prefix;
}

function measure(kernelName: string, label: string, prefix: string): KernelLatency {
  const cwd = mkdtempSync(join(tmpdir(), "receptive-latency-nb-"));
  const r = spawnSync(PYTHON, [DRIVER, kernelName, cwd, String(STARTS), String(WARMUP), String(RUNS), CELL], {
    encoding: "utf8",
    env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`latency: the ${label} driver failed (exit ${r.status}):\n${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
  return { label, startSeconds: out.startSeconds, roundTripSeconds: out.roundTripSeconds };
}

/** Measures both kernels, Receptive first. */
export function measureKernelLatency(): KernelLatency[] {
  const prefix = kernelspecs();
  return [measure(KERNEL_NAME, "Receptive", prefix), measure("tslab-bench", "tslab", prefix)];
}

const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** The RESULTS.md section: one row per kernel, ratios to tslab, the goals. */
export function latencySection(results: KernelLatency[], load: [number, number]): string {
  const [ours, peer] = results;
  const rows = results.map((k) => {
    const start = median(k.startSeconds);
    const rt = median(k.roundTripSeconds);
    const vs =
      k === peer
        ? "1.00x"
        : `${ratio(start, median(peer.startSeconds))} / ${ratio(rt, median(peer.roundTripSeconds))}`;
    return `| ${k.label} | ${start.toFixed(2)} s | ${ms(rt)} | ${ms(quantile(k.roundTripSeconds, 0.9))} | ${ms(Math.min(...k.roundTripSeconds))} | ${vs} |`;
  });
  const rtOurs = median(ours.roundTripSeconds) * 1000;
  const startOurs = median(ours.startSeconds);
  const goal = (what: string, value: string, met: boolean) =>
    `- ${what}: ${value} (${met ? "met" : "NOT met"})`;
  return `${SECTION_TITLE}

Written by test/bench/latency.ts on ${new Date().toISOString()}. Driver: Debian's python3-jupyter-client
(test/bench/kernel_latency.py), the same for both kernels, in the same run. Start to ready: median of
${STARTS} fresh kernels, \`start_kernel\` until a \`kernel_info\` reply. Round trip: the cell \`${CELL}\`,
\`execute_request\` sent until its \`idle\` status arrives, ${RUNS} runs after ${WARMUP} warm-up runs.
Lower is better; the last column is Receptive's time divided by tslab's (start / round trip).
1-minute load average before/after: ${load[0].toFixed(2)} / ${load[1].toFixed(2)} on ${cpus().length} cores${load[1] > 0.5 * cpus().length || load[0] > 0.5 * cpus().length ? " (a shared machine: times are inflated and noisy)" : ""}.

| Kernel | Start to ready | Round trip median | p90 | min | vs tslab |
| ------ | -------------- | ----------------- | --- | --- | -------- |
${rows.join("\n")}

Goals of issue 5:

${goal(`trivial cell round trip median < ${GOAL_ROUND_TRIP_MS} ms`, `${rtOurs.toFixed(1)} ms`, rtOurs < GOAL_ROUND_TRIP_MS)}
${goal(`kernel start to ready < ${GOAL_START_S} s`, `${startOurs.toFixed(2)} s`, startOurs < GOAL_START_S)}
`;
}

/** Replaces the "Kernel latency" section of `file` (up to the next `## ` heading), or appends it. */
export function writeLatencySection(file: string, section: string): void {
  const doc = existsSync(file) ? readFileSync(file, "utf8") : "";
  const at = doc.indexOf(`\n${SECTION_TITLE}\n`);
  let next: string;
  if (at < 0) next = `${doc.trimEnd()}\n\n${section}`;
  else {
    const end = doc.indexOf("\n## ", at + 1 + SECTION_TITLE.length);
    next = `${doc.slice(0, at).trimEnd()}\n\n${section}${end < 0 ? "" : `\n${doc.slice(end + 1)}`}`;
  }
  writeFileAtomically(file, next.startsWith("\n") ? next.trimStart() : next);
}

/**
 * Measures, prints and writes the section. `args` are bench.ts's: with case filters that do not
 * include "latency", it does nothing.
 */
export function runLatencyBench(args: string[] = []): void {
  const filters = args.filter((a) => !a.startsWith("--"));
  if (filters.length > 0 && !filters.some((f) => "latency".includes(f) || f.includes("latency"))) return;
  const check = spawnSync(PYTHON, ["-c", "import jupyter_client"], { encoding: "utf8" });
  if (check.status !== 0) {
    console.log("latency: skipped (needs Debian's python3-jupyter-client for the driver)");
    return;
  }
  console.log(
    `\nlatency: Receptive's and tslab's Jupyter kernels, ${STARTS} starts and ${RUNS} round trips each ...`,
  );
  const before = loadavg()[0];
  const results = measureKernelLatency();
  const section = latencySection(results, [before, loadavg()[0]]);
  console.log(`\n${section}`);
  writeLatencySection(RESULTS_FILE, section);
  console.log("latency: wrote the Kernel latency section of test/bench/RESULTS.md");
}

if (require.main === module) runLatencyBench(process.argv.slice(2));
