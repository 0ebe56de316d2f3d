// The wasm softmax, log-softmax and negative log-likelihood kernels (crossEntropy's pieces)
// against ref: softmax over the last dim and a middle dim (inner > 1), odd sizes, large logits
// (the max must be subtracted), class weights, ignoreIndex, and += on the gradients.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nllLossBackward, nllLossForward } from "../../kernel/engine/backends/ref/loss";
import {
  logSoftmaxBackward,
  logSoftmaxForward,
  softmaxBackward,
  softmaxForward,
} from "../../kernel/engine/backends/ref/softmax";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { F, randint, randn } from "../../kernel/engine/index";
import { expectMatchesRef, f32Random, intGenerator } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

type Fn = (...args: unknown[]) => unknown;

// [outer, D, inner, scale of the logits]
const shapes: number[][] = [
  [64, 10, 1, 3], // a classifier's logits
  [7, 13, 1, 1],
  [3, 5, 11, 2], // softmax over dim 1 of (3, 5, 11)
  [2, 1, 9, 1], // D = 1
  [4, 6, 1, 200], // large logits: exp overflows without the max
];

describe("wasm softmax and nll loss vs ref", () => {
  it("are wasm kernels, not ref fallbacks", () => {
    const { fallbacks } = backendInfo();
    for (const k of [
      "softmaxForward",
      "softmaxBackward",
      "logSoftmaxForward",
      "logSoftmaxBackward",
      "nllLossForward",
      "nllLossBackward",
    ])
      assert.ok(!fallbacks.includes(k), k);
  });

  for (const [outer, D, inner, scale] of shapes)
    for (const [fwd, bwd, name] of [
      [softmaxForward, softmaxBackward, "softmax"],
      [logSoftmaxForward, logSoftmaxBackward, "logSoftmax"],
    ] as const)
      it(`${name} (${outer}, ${D}, ${inner}) x ${scale}: forward, and backward accumulates`, () => {
        const n = outer * D * inner;
        const inp = f32Random(n, n + D).map((v) => v * scale);
        const expected = new Float32Array(n);
        refKernel(fwd === softmaxForward ? "softmaxForward" : "logSoftmaxForward")(
          expected,
          inp,
          outer,
          D,
          inner,
        );
        const actual = new Float32Array(n).fill(Number.NaN);
        (fwd as Fn)(actual, inp, outer, D, inner);
        expectMatchesRef(actual, expected, `${name} out`);
        assert.ok(actual.every(Number.isFinite), `${name}: finite outputs`);
        const dout = f32Random(n, 2);
        const e = f32Random(n, 3);
        refKernel(bwd === softmaxBackward ? "softmaxBackward" : "logSoftmaxBackward")(
          e,
          dout,
          expected,
          outer,
          D,
          inner,
        );
        const a = f32Random(n, 3);
        (bwd as Fn)(a, dout, expected, outer, D, inner);
        expectMatchesRef(a, e, `${name} dinp`);
      });

  // [N, C, inner]
  for (const [N, C, inner] of [
    [64, 10, 1],
    [5, 7, 1],
    [3, 4, 9],
  ])
    for (const weighted of [false, true])
      for (const ignoreIndex of [-100, 2])
        it(`nllLoss (${N}, ${C}, ${inner}), weighted=${weighted}, ignoreIndex=${ignoreIndex}`, () => {
          const next = intGenerator(N * C + inner);
          const inp = f32Random(N * C * inner, 4);
          const target = new Float32Array(N * inner).map(() => next(0, C - 1));
          const weight = weighted ? f32Random(C, 5).map((v) => v + 1.5) : null;
          const e = new Float32Array(N * inner);
          const totalE = refKernel("nllLossForward")(
            e,
            inp,
            target,
            weight,
            N,
            C,
            inner,
            ignoreIndex,
          ) as number;
          const a = new Float32Array(N * inner).fill(Number.NaN);
          const totalA = (nllLossForward as Fn)(a, inp, target, weight, N, C, inner, ignoreIndex) as number;
          expectMatchesRef(a, e, "losses");
          assert.ok(
            Math.abs(totalA - totalE) <= 1e-6 * Math.abs(totalE),
            `total weight ${totalA} vs ${totalE}`,
          );
          const dl = f32Random(N * inner, 6);
          const ge = f32Random(N * C * inner, 7);
          refKernel("nllLossBackward")(ge, dl, target, weight, N, C, inner, ignoreIndex);
          const ga = f32Random(N * C * inner, 7);
          (nllLossBackward as Fn)(ga, dl, target, weight, N, C, inner, ignoreIndex);
          expectMatchesRef(ga, ge, "dinp");
        });

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
