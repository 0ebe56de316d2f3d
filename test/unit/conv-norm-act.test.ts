// Conv2dNormActivation's fused BatchNorm2d + ReLU6 (models/conv-norm-act.ts, one batchNorm op with
// its output clamped: ops/batch-norm-clamp.ts) against the same block run child by child: the
// same bits in the output, every gradient and the running statistics, on each backend, in
// training and evaluation; and child by child again as soon as a hook watches a child.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setBackend } from "../../kernel/engine/backends/registry";
import { manualSeed, models, nn, randn, type Tensor } from "../../kernel/engine/index";

/** A block whose batch norm output crosses both clamp bounds (weight 4, bias 1: values past 0 and 6). */
function block(): InstanceType<typeof models.Conv2dNormActivation> {
  manualSeed(7);
  const m = new models.Conv2dNormActivation(5, 12, { kernelSize: 3, stride: 2 });
  const bn = m.get(1) as nn.BatchNorm2d;
  bn.weight!.storage.fill(4);
  bn.bias!.storage.fill(1);
  return m;
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0))
      assert.fail(`${what}: element ${i}: fused ${actual[i]}, child by child ${expected[i]}`);
}

/** Output, input gradient and parameter gradients of one step (backward of sum(out * w)). */
function run(m: nn.Module, x: Tensor, w: Tensor) {
  const xi = x.detach().requiresGrad_();
  const out = m.forward(xi);
  out.mul(w).sum().backward();
  return { out, xGrad: xi.grad!, params: m.parameters().map((p) => p.grad!) };
}

describe("Conv2dNormActivation: BatchNorm2d + ReLU6 as one op", () => {
  for (const backend of ["wasm", "ref"])
    for (const training of [true, false])
      it(`matches the block run child by child bit for bit (${backend}, ${training ? "training" : "eval"})`, () => {
        setBackend(backend);
        try {
          manualSeed(3);
          const x = randn([6, 5, 18, 18]);
          const w = randn([6, 12, 9, 9]);
          const fused = block();
          const plain = block();
          // Any hook on a child makes the block run child by child.
          plain.get(2).registerForwardHook(() => undefined);
          for (const m of [fused, plain]) m.train(training);
          const a = run(fused, x, w);
          const b = run(plain, x, w);
          assert.equal(
            a.out.gradFn?.name,
            "batchNorm",
            "the fused block's output comes from one batchNorm op",
          );
          assert.equal(b.out.gradFn?.name, "relu6", "with a hook, the block's output comes from ReLU6");
          const clamped = (a.out.storage as Float32Array).filter((v) => v === 0 || v === 6).length;
          assert.ok(
            clamped > 100,
            `only ${clamped} outputs at a clamp bound: the test would not cover the mask`,
          );
          assertSameBits(a.out.storage, b.out.storage, "output");
          assertSameBits(a.xGrad.storage, b.xGrad.storage, "input gradient");
          for (const [i, g] of a.params.entries())
            assertSameBits(g.storage, b.params[i].storage, `gradient of parameter ${i}`);
          const [bnA, bnB] = [fused.get(1) as nn.BatchNorm2d, plain.get(1) as nn.BatchNorm2d];
          assertSameBits(bnA.runningMean!.storage, bnB.runningMean!.storage, "running mean");
          assertSameBits(bnA.runningVar!.storage, bnB.runningVar!.storage, "running variance");
        } finally {
          setBackend("wasm");
        }
      });

  it("runs child by child while a hook watches a child, and as one op again once it is removed", () => {
    const m = block();
    const x = randn([2, 5, 8, 8], { requiresGrad: true });
    const handle = m.get(1).registerForwardPreHook(() => undefined);
    assert.equal(m.forward(x).gradFn?.name, "relu6");
    handle.remove();
    assert.equal(m.forward(x).gradFn?.name, "batchNorm");
  });

  it("runs child by child when a child was replaced", () => {
    const m = block();
    m.addModule("2", new nn.ReLU());
    const out = m.forward(randn([2, 5, 8, 8], { requiresGrad: true }));
    assert.equal(out.gradFn?.name, "relu");
  });
});
