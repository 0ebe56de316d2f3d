// F.crossEntropy (softmax, log-softmax and the nll gather, wasm kernels checked one by one in
// kernel-cases.ts) on the wasm backend against the ref backend, value and gradient.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setBackend } from "../../kernel/engine/backends/registry";
import { wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { F, randint, randn } from "../../kernel/engine/index";
import { expectMatchesRef } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

describe("wasm crossEntropy", () => {
  it("F.crossEntropy on wasm matches ref, value and gradient", () => {
    const logits = randn([33, 10], { requiresGrad: true });
    const target = randint(0, 10, [33]);
    const run = () => {
      logits.grad = null;
      const loss = F.crossEntropy(logits, target, { labelSmoothing: 0.1 });
      loss.backward();
      return { loss: loss.item(), grad: logits.grad!.storage.slice() };
    };
    const wasm = run();
    setBackend("ref");
    try {
      const ref = run();
      assert.ok(
        Math.abs(wasm.loss - ref.loss) <= 1e-6 * Math.abs(ref.loss),
        `loss ${wasm.loss} vs ${ref.loss}`,
      );
      expectMatchesRef(wasm.grad, ref.grad, "dlogits");
    } finally {
      setBackend("wasm");
    }
  });
});
