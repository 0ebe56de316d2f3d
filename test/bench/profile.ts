// A per-kernel profile of one benchmark case: registers a backend that wraps every kernel of the
// active one (its own implementation, or ref's where it falls back) with a timer, runs the case,
// and prints where the time goes, per step, in CPU time of the process (all its threads), which a
// shared machine disturbs far less than wall-clock time, and in wall-clock time (threads' idle time shows there). Usage: node profile.js <case> [threads]
// Env: STEPS (default 50); BY_SHAPE=1 splits each kernel's row by its calls' sizes and flags
// (its numeric and null arguments), e.g. one row per conv layer and gradient.

import {
  backendInfo,
  FALL_BACK,
  type KernelFn,
  kernelNames,
  refKernel,
  registerBackend,
  setBackend,
} from "../../kernel/engine/backends/registry";
import { wasmKernels, wasmStorage } from "../../kernel/engine/backends/wasm/index";
import * as R from "../../kernel/engine/index";
import { CASES } from "./cases";

const [filter = "LeNet", threadsArg = "1"] = process.argv.slice(2);
R.setNumThreads(Number(threadsArg));
const c = CASES.find((k) => k.name.includes(filter));
if (c === undefined) throw new Error(`no case matches '${filter}'`);

/** CPU milliseconds this process has used so far (user + system, all threads). */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const base = backendInfo();
const fallbacks = new Set(base.fallbacks);
const totals = new Map<string, { ms: number; wallMs: number; calls: number }>();
const byShape = process.env.BY_SHAPE === "1";

/**
 * The profile row of a call: the kernel's name, with BY_SHAPE its numeric and null arguments and
 * the sizes of a geometry argument (ConvGeometry, PoolGeometry).
 */
function rowOf(name: string, args: unknown[]): string {
  if (!byShape) return name;
  const show = (a: unknown): string =>
    typeof a === "number"
      ? String(a)
      : a === null
        ? "-"
        : typeof a === "object" && !ArrayBuffer.isView(a) && !Array.isArray(a)
          ? Object.values(a as object).join(",")
          : "";
  const shape = args.map(show).filter((a) => a !== "");
  return `${name}(${shape.join(",")})`;
}
const kernels: Record<string, KernelFn> = {};
for (const name of kernelNames()) {
  // What dispatch would call on the base backend: its own kernel, or ref's where it falls back.
  const impl = base.name === "wasm" && !fallbacks.has(name) ? wasmKernels()![name] : refKernel(name);
  kernels[name] = (...args) => {
    const t = cpuMs();
    const w = performance.now();
    let r = impl(...args);
    let row = rowOf(name, args);
    if (r === FALL_BACK) {
      // The wasm kernel left this call to ref (float64, small tensors, an op it lacks): time ref's.
      r = refKernel(name)(...args);
      row = `${row} [ref]`;
    }
    const entry = totals.get(row) ?? { ms: 0, wallMs: 0, calls: 0 };
    entry.ms += cpuMs() - t;
    entry.wallMs += performance.now() - w;
    entry.calls++;
    totals.set(row, entry);
    return r;
  };
}
// Tensors keep their storage where the base backend puts it (wasm memory): without `allocate`, every
// tensor was an ordinary array, copied in and out around each kernel, and the profile timed those copies.
registerBackend({
  name: "profiled",
  priority: -1,
  kernels,
  describe: () => `profiled ${base.description}`,
  allocate: base.name === "wasm" ? wasmStorage()?.allocate : undefined,
});
setBackend("profiled");

const { step } = c.setup();
for (let i = 0; i < 3; i++) step();
totals.clear();
const steps = Number(process.env.STEPS ?? 50);
const storage0 = wasmStorage()?.stats;
const [reclaims0, gcMs0] = [storage0?.reclaims ?? 0, storage0?.gcMs ?? 0];
const t0 = performance.now();
const c0 = cpuMs();
for (let i = 0; i < steps; i++) step();
const total = (cpuMs() - c0) / steps;
const wall = (performance.now() - t0) / steps;
let inKernels = 0;
let inKernelsWall = 0;
console.log(
  `${c.name} on ${base.description}: ${total.toFixed(2)} ms CPU per step (${wall.toFixed(2)} ms wall clock)`,
);
console.log("   CPU ms      %   wall ms  kernel");
for (const [name, { ms, wallMs, calls }] of [...totals].sort((a, b) => b[1].ms - a[1].ms)) {
  inKernels += ms / steps;
  inKernelsWall += wallMs / steps;
  const kernel = name.split("(")[0];
  const where = fallbacks.has(kernel) || base.name === "ref" || name.endsWith("[ref]") ? "ref" : base.name;
  console.log(
    `  ${(ms / steps).toFixed(2).padStart(7)} ${((100 * ms) / steps / total).toFixed(1).padStart(5)}%  ${(wallMs / steps).toFixed(2).padStart(7)}  ${name} (${where}, ${calls / steps} calls)`,
  );
}
console.log(
  `  ${(total - inKernels).toFixed(2).padStart(7)} ${((100 * (total - inKernels)) / total).toFixed(1).padStart(5)}%  ${(wall - inKernelsWall).toFixed(2).padStart(7)}  outside kernels (ops, autograd, allocation, GC)`,
);
const storage = wasmStorage()?.stats;
if (storage !== undefined) {
  const gcMs = (storage.gcMs - gcMs0) / steps;
  console.log(
    `  of which storage reclaims (full GCs): ${gcMs.toFixed(2)} ms wall per step, ${((100 * gcMs) / wall).toFixed(1)}% (${storage.reclaims - reclaims0} in ${steps} steps; storage ${(storage.usedBytes / 2 ** 20).toFixed(0)} MiB)`,
  );
}
