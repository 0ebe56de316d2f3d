// Runs benchmark cases on Receptive in this process and prints one JSON line per case:
// {case, backend, variant, threads, value, perCpu, rssMiB} (best wall-clock and per-CPU-second
// throughput; peak RSS of the process so far). Spawned by bench.ts once per (variant, thread count)
// so each run gets a fresh process (and the relaxed-SIMD flag when it needs one).
// Usage: node receptive-runner.js <backend: wasm|ref> <threads> <case name>...

import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import * as R from "../../kernel/engine/index";
import { CASES } from "./cases";
import { measure } from "./timing";

const runtime = wasmRuntime();

const [backend, threadsArg, ...names] = process.argv.slice(2);
R.setBackend(backend);
R.setNumThreads(Number(threadsArg));
const variant = backend === "wasm" && !(runtime instanceof Error) ? runtime.variant : "ref";
for (const c of CASES.filter((k) => names.includes(k.name))) {
  const { step, work } = c.setup();
  const scale = { "GFLOP/s": 1e9, "Melem/s": 1e6, "images/s": 1 }[c.unit];
  const { best, perCpuSecond } = measure(step, work, { rounds: c.rounds });
  const threads = R.getNumThreads();
  console.log(
    JSON.stringify({
      case: c.name,
      backend,
      variant,
      threads,
      value: best / scale,
      perCpu: perCpuSecond / scale,
      rssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
}
