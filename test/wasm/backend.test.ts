// The wasm backend as users meet it: the default when WebAssembly SIMD exists, described by
// backendInfo() (which counts the calls each backend ran), switchable back to ref, falling back to
// ref per kernel it lacks, bounded memory
// across repeated calls, and worker threads that never keep the process alive.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { conv2dForward } from "../../kernel/engine/backends/ref/conv";
import { whereForward } from "../../kernel/engine/backends/ref/elementwise";
import { linearBackward, linearForward } from "../../kernel/engine/backends/ref/matmul";
import { backendInfo, getBackend, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import * as R from "../../kernel/engine/index";
import { f32Random } from "./wasm-helpers";

const runtime = wasmRuntime();

describe("wasm backend", () => {
  it("is the default backend and describes itself", () => {
    if (runtime instanceof Error) throw runtime;
    assert.equal(getBackend(), "wasm");
    assert.equal(R.availableBackends()[0], "wasm");
    const info = backendInfo();
    assert.match(info.description, /^WebAssembly SIMD( \(relaxed\))?, \d+ threads?$/);
    assert.equal(info.description.includes("(relaxed)"), runtime.variant === "relaxed");
    assert.equal(info.simd?.variant, runtime.variant);
    assert.ok((info.simd?.why ?? "").length > 0, "backendInfo().simd.why says why this variant runs");
    assert.ok(info.kernels >= 3, `wasm implements ${info.kernels} kernels`);
  });

  it("can be switched off with setBackend('ref') and back on", () => {
    try {
      R.setBackend("ref");
      assert.equal(R.getBackend(), "ref");
      const x = R.tensor([[1, 2, 3]]);
      const w = R.tensor([
        [1, 0, 1],
        [0, 1, 0],
      ]);
      assert.deepEqual(R.linear(x, w).toArray(), [[4, 2]]);
    } finally {
      setBackend("wasm");
    }
    assert.equal(R.getBackend(), "wasm");
  });

  it("falls back to ref for kernels it does not implement", () => {
    const info = backendInfo();
    assert.ok(info.fallbacks.includes("whereForward"), `fallbacks: ${info.fallbacks.join(", ")}`);
    const shape = [2, 3];
    const strides = [3, 1];
    const cond = Float32Array.of(1, 0, 1, 0, 0, 1);
    const a = f32Random(6, 1);
    const b = f32Random(6, 2);
    const out = new Float32Array(6);
    whereForward(out, cond, a, b, shape, strides, strides, strides);
    const expected = new Float32Array(6);
    refKernel("whereForward")(expected, cond, a, b, shape, strides, strides, strides);
    assert.deepEqual(out, expected);
  });

  it("counts per kernel (and op) which backend ran each call: ref's calls never count as wasm", () => {
    const before = backendInfo().calls;
    const ran = (kernel: string, backend: string) =>
      (backendInfo().calls[kernel]?.[backend] ?? 0) - (before[kernel]?.[backend] ?? 0);
    R.relu(R.randn([1000])); // wasm
    R.exp(R.randn([1000])); // exp has no wasm kernel: ref
    R.relu(R.randn([10])); // fewer than 256 elements: ref
    const g = { N: 1, C: 1, H: 3, W: 3, OC: 1, KH: 2, KW: 2, OH: 2, OW: 2 };
    const sizes = {
      ...g,
      strideH: 1,
      strideW: 1,
      padTop: 0,
      padLeft: 0,
      dilationH: 1,
      dilationW: 1,
      groups: 1,
    };
    const f64 = (n: number) => new Float64Array(n).fill(0.5);
    conv2dForward(f64(4), f64(9), f64(4), null, sizes); // float64 buffers: ref
    assert.deepEqual(
      [ran("unaryForward(relu)", "wasm"), ran("unaryForward(relu)", "ref"), ran("unaryForward(exp)", "ref")],
      [1, 1, 1],
    );
    assert.equal(ran("unaryForward(exp)", "wasm"), 0);
    assert.deepEqual([ran("conv2dForward", "ref"), ran("conv2dForward", "wasm")], [1, 0]);
    setBackend("ref");
    try {
      R.relu(R.randn([1000]));
      assert.equal(ran("unaryForward(relu)", "ref"), 2, "on the ref backend every call counts under ref");
    } finally {
      setBackend("wasm");
    }
  });

  it("trains a linear layer through autograd on wasm kernels", () => {
    R.manualSeed(0);
    const x = R.randn([16, 9]);
    const w = R.randn([5, 9], { requiresGrad: true });
    const bias = R.randn([5], { requiresGrad: true });
    R.linear(x, w, bias).square().sum().backward();
    const gw = w.grad!.toArray();
    const gb = bias.grad!.toArray();
    try {
      R.setBackend("ref");
      const w2 = R.tensor(w.toArray() as number[][], { requiresGrad: true });
      const b2 = R.tensor(bias.toArray() as number[], { requiresGrad: true });
      R.linear(x, w2, b2).square().sum().backward();
      const close = (p: number[], q: number[]) =>
        p.every((v, i) => Math.abs(v - q[i]) <= 1e-4 * (1 + Math.abs(q[i])));
      assert.ok(
        close((gw as number[][]).flat(), (w2.grad!.toArray() as number[][]).flat()),
        "weight gradient",
      );
      assert.ok(close(gb as number[], b2.grad!.toArray() as number[]), "bias gradient");
    } finally {
      setBackend("wasm");
    }
  });

  it("does not grow its memory across repeated calls of the same sizes", () => {
    if (runtime instanceof Error) throw runtime;
    const [B, IC, OC] = [64, 400, 120];
    const inp = f32Random(B * IC, 1);
    const weight = f32Random(OC * IC, 2);
    const bias = f32Random(OC, 3);
    const out = new Float32Array(B * OC);
    const [dinp, dweight, dbias] = [
      new Float32Array(B * IC),
      new Float32Array(OC * IC),
      new Float32Array(OC),
    ];
    const step = () => {
      linearForward(out, inp, weight, bias, B, IC, OC);
      linearBackward(dinp, dweight, dbias, out, inp, weight, B, IC, OC);
    };
    step();
    const capacity = runtime.arena.capacity;
    for (let i = 0; i < 50; i++) step();
    assert.equal(runtime.arena.capacity, capacity);
  });

  it("lets a process that used worker threads exit on its own", () => {
    const backend = join(__dirname, "../../kernel/engine/backends/wasm/index.js");
    const matmulJs = join(__dirname, "../../kernel/engine/backends/ref/matmul.js");
    const script = `
      require(${JSON.stringify(matmulJs)});
      const wasm = require(${JSON.stringify(backend)});
      wasm.setNumThreads(2);
      const { matmul } = require(${JSON.stringify(matmulJs)});
      const n = 208, a = new Float32Array(n * n).fill(1), out = new Float32Array(n * n);
      matmul(out, a, a, 1, n, n, n);
      if (out[n * n - 1] !== n) throw new Error("wrong product " + out[n * n - 1]);
      console.log(require(${JSON.stringify(join(__dirname, "../../kernel/engine/backends/wasm/runtime.js"))}).wasmRuntime().workers.workerCount);
    `;
    // A hang (workers keeping the process alive) shows up as the 60 s kill, not as a slow pass.
    // RECEPTIVE_MLAS=0: the product must run in wasm, on the workers (MLAS would take it).
    const env = { ...process.env, RECEPTIVE_MLAS: "0" };
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000, env });
    assert.equal(r.signal, null, "the process had to be killed: worker threads kept it alive");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "1", "the product ran on one worker thread");
  });

  it("spawns its worker threads when the backend starts and on setNumThreads, and a threaded call uses them", () => {
    const backend = join(__dirname, "../../kernel/engine/backends/wasm/index.js");
    const matmulJs = join(__dirname, "../../kernel/engine/backends/ref/matmul.js");
    const runtimeJs = join(__dirname, "../../kernel/engine/backends/wasm/runtime.js");
    // Before any kernel call the workers boot (counted as booting, not yet waited for); growing the
    // thread count spawns more; the first threaded call waits for them and they become workers.
    const script = `
      require(${JSON.stringify(matmulJs)});
      const wasm = require(${JSON.stringify(backend)});
      const { workers } = require(${JSON.stringify(runtimeJs)}).wasmRuntime();
      const counts = [];
      wasm.setNumThreads(2);
      counts.push([workers.bootingCount, workers.workerCount]);
      wasm.setNumThreads(3);
      counts.push([workers.bootingCount, workers.workerCount]);
      const { matmul } = require(${JSON.stringify(matmulJs)});
      const n = 256, a = new Float32Array(n * n).fill(1), out = new Float32Array(n * n);
      matmul(out, a, a, 1, n, n, n);
      if (out[n * n - 1] !== n) throw new Error("wrong product " + out[n * n - 1]);
      counts.push([workers.bootingCount, workers.workerCount]);
      console.log(JSON.stringify(counts));
    `;
    const env = { ...process.env, RECEPTIVE_MLAS: "0" }; // the product in wasm, not on MLAS
    const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000, env });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), [
      [1, 0],
      [2, 0],
      [0, 2],
    ]);
  });
});
