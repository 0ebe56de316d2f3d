// The status bar item's text and tooltip (extension/src/status-bar.ts): the engine backend and ONNX
// Runtime's provider side by side once the kernel is idle; "not available" with the reason on hover
// where ONNX Runtime's platform binary is missing; kernels older than onnx.runtimeInfo still show
// their backend. (extension-host.test.ts and test/e2e/vscode.test.ts check it with a real kernel.)

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { BackendInfo } from "../../extension/src/kernel-queries";
import { statusBarItem } from "../../extension/src/status-bar";

const wasm = "WebAssembly SIMD (relaxed), 2 threads";
const cudaNote = "CUDA: onnxruntime-node was installed without its CUDA binaries (...)";
const cpu: BackendInfo = {
  name: "wasm",
  description: wasm,
  onnxRuntime: { available: true, version: "1.31.1", provider: "cpu", description: "CPU", notes: [cudaNote] },
};
const missingReason =
  "ONNX Runtime could not be loaded on linux-x64 (Cannot find module '../bin/napi-v6/linux/x64/onnxruntime_binding.node'). Install it with `npm install onnxruntime-node`; the engine itself (tensors, nn, training) works without it.";
const missing: BackendInfo = {
  name: "wasm",
  description: wasm,
  onnxRuntime: {
    available: false,
    version: null,
    provider: null,
    description: "not available",
    notes: [missingReason],
  },
};

describe("the status bar item", () => {
  test("idle: the engine backend, then ONNX Runtime's provider; the tooltip says why not CUDA", () => {
    const item = statusBarItem({ status: "idle", version: "0.1.0", backend: cpu });
    assert.equal(item.text, `$(circuit-board) Receptive: ${wasm} · ONNX Runtime: CPU`);
    assert.equal(
      item.tooltip,
      [
        "Receptive kernel 0.1.0 (idle)",
        `Backend: ${wasm}`,
        "ONNX Runtime 1.31.1: CPU",
        `  ${cudaNote}`,
        "Click to restart the kernel.",
      ].join("\n"),
    );
  });

  test("ONNX Runtime's binary missing: 'not available', and the reason on hover", () => {
    const item = statusBarItem({ status: "idle", version: "0.1.0", backend: missing });
    assert.equal(item.text, `$(circuit-board) Receptive: ${wasm} · ONNX Runtime: not available`);
    assert.match(
      item.tooltip,
      /\nONNX Runtime: not available\n {2}ONNX Runtime could not be loaded on linux-x64 \(/,
    );
  });

  test("busy, starting, before and during the query, and a kernel that reports no ONNX Runtime", () => {
    assert.equal(statusBarItem({ status: "busy", backend: cpu }).text, "$(circuit-board) Receptive: busy");
    assert.equal(statusBarItem({ status: "starting" }).text, "$(circuit-board) Receptive: starting");
    assert.equal(statusBarItem({ status: "idle" }).text, "$(circuit-board) Receptive: ready");
    assert.equal(statusBarItem({ status: "idle", backend: "asking" }).text, "$(circuit-board) Receptive: …");
    const old = statusBarItem({
      status: "idle",
      backend: { name: "ref", description: "reference (JavaScript)" },
    });
    assert.equal(old.text, "$(circuit-board) Receptive: reference (JavaScript)");
    assert.doesNotMatch(old.tooltip, /ONNX/);
  });
});
