// The optimizers dispatch to the update kernels (sgdUpdate, adamUpdate: checked against ref bit
// for bit in kernel-cases.ts).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type KernelFn, registerBackend, setBackend } from "../../kernel/engine/backends/registry";
import { wasmKernels, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { nn, optim, randn } from "../../kernel/engine/index";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

describe("wasm optimizer updates", () => {
  it("optim.SGD and optim.Adam run through the update kernels", () => {
    const calls: string[] = [];
    const kernels: Record<string, KernelFn> = {};
    for (const name of ["sgdUpdate", "adamUpdate"])
      kernels[name] = (...args) => {
        calls.push(name);
        return wasmKernels()![name](...args);
      };
    registerBackend({ name: "optim-spy", priority: -1, hidden: true, kernels });
    setBackend("optim-spy");
    try {
      const layer = new nn.Linear(3, 2);
      for (const opt of [
        new optim.SGD(layer.parameters(), { lr: 0.1, momentum: 0.9 }),
        new optim.AdamW(layer.parameters()),
      ]) {
        opt.zeroGrad();
        layer
          .forward(randn([4, 3]))
          .sum()
          .backward();
        opt.step();
      }
      assert.deepEqual(calls, ["sgdUpdate", "sgdUpdate", "adamUpdate", "adamUpdate"]);
    } finally {
      setBackend("wasm");
    }
  });
});
