// onnx.InferenceSession through the public API: onnxruntime-node's CPU binary loads and runs
// models written by Debian's python3-onnx (test/onnx/models/make_runtime_models.py); engine
// Tensors go in and come out (a record for several outputs); asking for CUDA on this machine (no
// GPU, no CUDA binaries) falls back to the CPU with one message naming the cause and the command.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  F,
  getBackend,
  onnx,
  ReceptiveError,
  randn,
  setBackend,
  type Tensor,
  tensor,
} from "../../kernel/engine/index";
import { ortBinaryDir } from "../../kernel/engine/onnx/ort";
import { explainProviderFailure, type MachineFacts } from "../../kernel/engine/onnx/providers";
import { expectClose, expectShape } from "../helpers";
import { python, root, tempDir } from "./helpers";

const dir = tempDir("onnx-session");
python("make_runtime_models.py", [dir]);
const model = (name: string) => join(dir, `${name}.onnx`);

// The fixed weights of make_runtime_models.py's conv_relu.
const w = tensor(Array.from({ length: 18 }, (_, i) => (i - 8) / 10)).reshape([2, 1, 3, 3]);
const b = tensor([0.5, -0.25]);
const x = tensor(Array.from({ length: 3 * 16 }, (_, i) => Math.sin(i))).reshape([3, 1, 4, 4]);
const quiet = { onFallback: () => {} };

describe("onnx.InferenceSession", () => {
  it("runs a model file on the CPU and answers with an engine Tensor", async () => {
    const s = await onnx.InferenceSession.create(model("conv_relu"), { intraOpNumThreads: 1 });
    assert.equal(s.provider, "cpu");
    assert.deepEqual(s.inputNames, ["x"]);
    assert.deepEqual(s.outputNames, ["y"]);
    assert.deepEqual(s.inputs[0].shape, ["batch", 1, 4, 4]);
    const y = await s.run(x);
    expectShape(y.shape, [3, 2, 4, 4], "y");
    expectClose(y.data, F.conv2d(x, w, b, { padding: 1 }).relu().data, "conv_relu");
    assert.match(String(s), /provider=cpu/);
    await s.release();
  });

  it("loads model bytes and feeds by input name", async () => {
    const s = await onnx.InferenceSession.create(readFileSync(model("conv_relu")));
    const y = await s.run({ x });
    expectClose(y.data, F.conv2d(x, w, b, { padding: 1 }).relu().data, "conv_relu from bytes");
  });

  it("returns a record by output name when the model has several outputs", async () => {
    const s = await onnx.InferenceSession.create(model("two_outputs"));
    const a = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const c = tensor([
      [0.5, -1, 2],
      [3, 0, -2],
    ]);
    const out = await s.run<Record<string, Tensor>>({ a, b: c });
    assert.deepEqual(Object.keys(out), ["sum", "product"]);
    expectClose(out.sum.data, a.add(c).data, "sum");
    expectClose(out.product.data, a.mul(c).data, "product");
    const all = await s.runAll({ a, b: c });
    expectClose(all.product.data, a.mul(c).data, "runAll product");
  });

  it("feeds int64 tensors and returns int64 and bool tensors", async () => {
    const s = await onnx.InferenceSession.create(model("int_input"));
    const out = await s.run<Record<string, Tensor>>(tensor([1, 2, 3, 7]).long());
    assert.equal(out.doubled.dtype, "int64");
    assert.deepEqual(out.doubled.toArray(), [2, 4, 6, 14]);
    assert.equal(out.big.dtype, "bool");
    assert.deepEqual(out.big.toArray(), [false, false, true, true]);
  });

  it("reads tensors that live in the wasm backend's shared memory", async () => {
    const before = getBackend();
    setBackend("wasm");
    try {
      const big = randn([20, 1, 4, 4]);
      const xw = big.add(0); // storage allocated by the wasm backend, in shared wasm memory
      assert.equal(xw.storage.buffer.constructor.name, "SharedArrayBuffer");
      const s = await onnx.InferenceSession.create(model("conv_relu"));
      expectClose(
        (await s.run(xw)).data,
        F.conv2d(big, w, b, { padding: 1 }).relu().data,
        "wasm-backed input",
      );
    } finally {
      setBackend(before);
    }
  });
});

describe("onnx.InferenceSession providers", () => {
  // NOTE: these machines have no GPU; the CUDA path itself cannot run here. On a machine with a
  // GPU and the CUDA binaries installed, the first test would see provider "cuda".
  const cudaLib = join(ortBinaryDir() ?? "", "libonnxruntime_providers_cuda.so");
  const cudaCanRun = existsSync(cudaLib) && existsSync("/dev/nvidia0");

  it("falls back from CUDA to the CPU with one message naming the cause and the enabling command", async () => {
    const messages: string[] = [];
    const s = await onnx.InferenceSession.create(model("conv_relu"), {
      executionProviders: ["cuda", "cpu"],
      onFallback: (m) => messages.push(m),
    });
    if (cudaCanRun) {
      assert.equal(s.provider, "cuda");
      return;
    }
    assert.equal(s.provider, "cpu");
    assert.equal(messages.length, 1);
    assert.deepEqual(s.fallbacks.length, 1);
    assert.match(messages[0], /CUDA was asked for but cannot run here/);
    if (!existsSync(cudaLib)) {
      assert.match(messages[0], /installed without its CUDA binaries/);
      assert.ok(messages[0].includes(onnx.cudaInstallCommand), messages[0]);
    } else assert.match(messages[0], /no NVIDIA GPU driver|CUDA 12 runtime/);
    expectClose((await s.run(x)).data, F.conv2d(x, w, b, { padding: 1 }).relu().data, "after fallback");
  });

  it("prints that one message and nothing from ONNX Runtime's native log", () => {
    const code = `
      const { onnx } = require("receptive");
      onnx.InferenceSession.create(${JSON.stringify(model("conv_relu"))}, { executionProviders: ["cuda", "cpu"] })
        .then((s) => console.log("provider", s.provider));`;
    const r = spawnSync(process.execPath, ["-e", code], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    if (cudaCanRun) return;
    assert.equal(r.stdout.trim(), "provider cpu");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
    assert.match(lines[0], /^onnx: CUDA was asked for but cannot run here/);
  });

  it("without a provider to fall back to, says why CUDA cannot run", async () => {
    if (cudaCanRun) return;
    await assert.rejects(
      onnx.InferenceSession.create(model("conv_relu"), { executionProviders: ["cuda"], ...quiet }),
      (e: Error) =>
        e instanceof ReceptiveError &&
        /no execution provider could run/.test(e.message) &&
        /CUDA/.test(e.message) &&
        /Add "cpu" to executionProviders/.test(e.message),
    );
  });

  it("where ONNX Runtime's binary is missing, the engine still runs and onnx says why", () => {
    // A preload that makes require("onnxruntime-node") fail, as on a platform without its binary.
    const preload = join(tempDir("onnx-missing"), "no-ort.js");
    writeFileSync(
      preload,
      `const M = require("module"); const resolve = M._resolveFilename;
       M._resolveFilename = function (request, ...rest) {
         if (request === "onnxruntime-node") throw new Error("Cannot find module 'onnxruntime-node'");
         return resolve.call(this, request, ...rest);
       };`,
    );
    const code = `
      const { F, models, onnx, randn, tensor } = require("receptive");
      console.log("engine", F.relu(tensor([-1, 2])).toArray().join(","));
      (async () => {
        await onnx.exportModel(models.lenet5(), randn([1, 1, 28, 28]), ${JSON.stringify(join(dir, "no-ort.onnx"))});
        const back = await onnx.importModel(${JSON.stringify(join(dir, "no-ort.onnx"))});
        console.log("import", back.parameters().length);
        await onnx.InferenceSession.create(${JSON.stringify(model("conv_relu"))}).catch((e) => console.log(e.message));
        console.log("runtimeInfo", JSON.stringify(await onnx.runtimeInfo()));
      })();`;
    const r = spawnSync(process.execPath, ["--require", preload, "-e", code], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^engine 0,2$/m);
    assert.match(r.stdout, /^import 10$/m);
    assert.match(
      r.stdout,
      /onnx\.InferenceSession\.create: ONNX Runtime could not be loaded on \w+-\w+ \(Cannot find module 'onnxruntime-node'\)\. Install it with `npm install onnxruntime-node`; the engine itself \(tensors, nn, training\) works without it\./,
    );
    // What the extension's status bar shows: "not available", the reason on hover.
    const info = JSON.parse(r.stdout.match(/^runtimeInfo (.*)$/m)?.[1] ?? "null");
    assert.deepEqual(info, {
      available: false,
      version: null,
      provider: null,
      description: "not available",
      notes: [
        `ONNX Runtime could not be loaded on ${process.platform}-${process.arch} (Cannot find module 'onnxruntime-node'). Install it with \`npm install onnxruntime-node\`; the engine itself (tensors, nn, training) works without it.`,
      ],
    });
  });

  it("runtimeInfo: the CPU here, with why CUDA cannot run (what the extension's status bar shows)", async () => {
    const info = await onnx.runtimeInfo();
    assert.equal(info.available, true);
    assert.equal(info.provider, "cpu");
    assert.equal(info.description, "CPU");
    assert.match(info.version ?? "", /^1\.\d+\.\d+$/);
    // This machine has neither the CUDA binaries nor a GPU: ruled out from those facts, with the fix.
    assert.equal(info.notes.length, 1);
    assert.match(
      info.notes[0],
      /^CUDA: onnxruntime-node was installed without its CUDA binaries .*ONNXRUNTIME_NODE_INSTALL=cuda12/,
    );
    assert.equal(await onnx.runtimeInfo(), info, "asked once per process");
  });

  describe("explaining a CUDA failure", () => {
    const bin = tempDir("onnx-bin");
    const withLib = join(bin, "with");
    mkdirSync(withLib);
    writeFileSync(join(withLib, "libonnxruntime_providers_cuda.so"), "");
    const facts = (o: Partial<MachineFacts>): MachineFacts => ({
      platform: "linux",
      arch: "x64",
      binaryDir: bin,
      nvidiaDriver: false,
      ...o,
    });
    const failed = "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library";

    it("names the missing CUDA binaries and the install command", () => {
      const m = explainProviderFailure("cuda", failed, facts({}));
      assert.match(m, /installed without its CUDA binaries \(libonnxruntime_providers_cuda\.so is not in/);
      assert.ok(
        m.includes("ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js"),
      );
    });
    it("names a missing GPU driver when the binaries are there", () => {
      assert.match(
        explainProviderFailure("cuda", failed, facts({ binaryDir: withLib })),
        /no NVIDIA GPU driver/,
      );
    });
    it("names the CUDA and cuDNN libraries when the GPU is there", () => {
      const m = explainProviderFailure("cuda", failed, facts({ binaryDir: withLib, nvidiaDriver: true }));
      assert.match(m, /CUDA 12 runtime and cuDNN 9/);
      assert.ok(m.includes(failed));
    });
    it("says which platforms have CUDA binaries at all", () => {
      assert.match(
        explainProviderFailure("cuda", failed, facts({ platform: "darwin", arch: "arm64" })),
        /only for linux-x64 and win32-x64/,
      );
    });
  });
});
