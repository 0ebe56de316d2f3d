// Checks that committed goldens are what their seeded scripts make. A script is rerun into a
// temporary folder and its output compared with the committed files. Inputs, names, shapes,
// arguments and counts must be identical. Numbers PyTorch computed are compared with the replay
// tolerance, 1e-5 abs + 1e-4 rel: its CPU kernels pick different summation orders by instruction
// set, alignment and load, so the last bits differ between an AMD EPYC and an Intel Xeon
// (-1.01272559 vs -1.01272571), and up to ~3e-5 relative run to run in a transposed convolution's
// weight gradient.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const python = "/usr/bin/python3";

/** Which numbers may differ within the tolerance: all of them, or only those under these keys. */
export type Computed = "all" | ReadonlySet<string>;

export const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-5 + 1e-4 * Math.abs(b);

/** Compares two JSON values; appends up to 5 differences to `misses` as "path: a vs b". */
export function compareJson(a: unknown, b: unknown, computed: Computed, misses: string[], path = ""): void {
  const tolerant = computed === "all";
  if (misses.length >= 5) return;
  if (typeof a === "number" && typeof b === "number") {
    if (tolerant ? !close(a, b) : !Object.is(a, b)) misses.push(`${path}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) misses.push(`${path}: length ${a.length} vs ${b.length}`);
    else for (const [i, x] of a.entries()) compareJson(x, b[i], computed, misses, `${path}[${i}]`);
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (ka.join() !== kb.join()) {
      misses.push(`${path}: keys ${ka.join(",")} vs ${kb.join(",")}`);
      return;
    }
    for (const k of ka) {
      const under = tolerant || computed.has(k) ? "all" : computed;
      compareJson(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        under,
        misses,
        `${path}.${k}`,
      );
    }
    return;
  }
  if (a !== b) misses.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

/**
 * Where Debian keeps the reference BLAS and LAPACK (libblas3, liblapack3). Golden scripts run on
 * them whichever BLAS the system has chosen: the committed goldens were made so, and with OpenBLAS
 * (libopenblas0-pthread, which the benchmark's peer wants) PyTorch sums in other orders; GoogLeNet's
 * training-mode forward then lands 1.3e-4 relative away, past the tolerance.
 */
const REFERENCE_BLAS_DIRS = ["/usr/lib/x86_64-linux-gnu/blas", "/usr/lib/x86_64-linux-gnu/lapack"];

/** The environment of a golden script: PyTorch on the reference BLAS where it is installed. */
export function goldenScriptEnv(): NodeJS.ProcessEnv {
  const dirs = REFERENCE_BLAS_DIRS.filter((d) => existsSync(d));
  const path = [...dirs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  return path === "" ? process.env : { ...process.env, LD_LIBRARY_PATH: path };
}

/** Runs `/usr/bin/python3 <script> --out <tmp>` and hands the folder to `check`, then removes it. */
export function withRegenerated(script: string, check: (out: string) => void): void {
  const deps = spawnSync(python, ["-c", "import torch, torchvision"], { encoding: "utf8" });
  assert.equal(
    deps.status,
    0,
    `${script} needs Debian's PyTorch: apt-get install python3-torch python3-torchvision\n${deps.stderr}`,
  );
  const out = mkdtempSync(join(tmpdir(), "receptive-goldens-"));
  try {
    const r = spawnSync(python, [script, "--out", out], { encoding: "utf8", env: goldenScriptEnv() });
    assert.equal(r.status, 0, `${script} failed:\n${r.stderr}`);
    check(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Compares the JSON file `committed` with `<out>/<name>` (see `compareJson` for `computed`). */
export function expectSameJson(committed: string, made: string, computed: Computed, script: string): void {
  const misses: string[] = [];
  compareJson(
    JSON.parse(readFileSync(committed, "utf8")),
    JSON.parse(readFileSync(made, "utf8")),
    computed,
    misses,
  );
  assert.deepEqual(misses, [], `${committed} differs from what ${script} makes; rerun it`);
}

/** Reruns `script` and compares its `name` with the committed file; every number within tolerance. */
export function expectReproduced(script: string, name: string, committed: string): void {
  withRegenerated(script, (out) => expectSameJson(committed, join(out, name), "all", script));
}

interface SafetensorsFile {
  header: Record<string, unknown>;
  tensor(name: string): Buffer;
}

function readSafetensorsFile(path: string): SafetensorsFile {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<string, unknown>;
  const tensor = (name: string) => {
    const [a, b] = (header[name] as { data_offsets: [number, number] }).data_offsets;
    return buf.subarray(8 + n + a, 8 + n + b);
  };
  return { header, tensor };
}

/**
 * Compares two safetensors files: the header (names, dtypes, shapes, offsets, metadata) and every
 * tensor's bytes exactly, except the float32 tensors named in `computed`, compared within tolerance.
 */
export function expectSameSafetensors(committed: string, made: string, computed: ReadonlySet<string>): void {
  const a = readSafetensorsFile(committed);
  const b = readSafetensorsFile(made);
  const misses: string[] = [];
  compareJson(a.header, b.header, new Set(), misses, "header");
  for (const name of Object.keys(a.header)) {
    if (name === "__metadata__" || misses.length) continue;
    const [x, y] = [a.tensor(name), b.tensor(name)];
    if (!computed.has(name)) {
      if (!x.equals(y)) misses.push(`${name}: bytes differ`);
      continue;
    }
    const fx = new Float32Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.length));
    const fy = new Float32Array(y.buffer.slice(y.byteOffset, y.byteOffset + y.length));
    for (let i = 0; i < fx.length && misses.length < 5; i++)
      if (!close(fx[i], fy[i])) misses.push(`${name}[${i}]: ${fx[i]} vs ${fy[i]}`);
  }
  assert.deepEqual(misses, [], `${committed} differs from what its script makes; rerun it`);
}
