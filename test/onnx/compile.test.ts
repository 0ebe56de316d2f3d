// onnx.compile and InferenceSession.create(module): a module's eval-mode forward through ONNX
// Runtime equals the engine's within 1e-4, for any batch size and for new input sizes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { models, noGrad, onnx, ReceptiveError, randn, type Tensor } from "../../kernel/engine/index";
import { expectClose } from "../helpers";
import { randomize } from "./helpers";

const engine = (net: { eval(): unknown; forward(x: Tensor): Tensor }, x: Tensor) => {
  net.eval();
  return noGrad(() => net.forward(x));
};

describe("onnx.compile", () => {
  it("runs a model's eval-mode forward through ONNX Runtime for any batch and input size", async () => {
    const net = models.resnet18({ numClasses: 10, cifar: true, width: 16 });
    randomize(net, 1);
    net.train();
    const fast = await onnx.compile(net, { intraOpNumThreads: 1 });
    assert.equal(await fast.provider(), null, "nothing is exported before the first call");
    for (const shape of [
      [5, 3, 32, 32],
      [1, 3, 32, 32],
      [2, 3, 24, 40],
    ]) {
      const x = randn(shape);
      const got = await fast.forward(x);
      assert.equal(net.training, true, "compile leaves the module's mode alone");
      expectClose(got.data, engine(net, x).data, `compiled resnet18 on ${shape}`, { atol: 1e-4, rtol: 1e-4 });
      net.train();
    }
    assert.equal(await fast.provider(), "cpu");
    assert.match(String(fast), /Compiled\(ResNet\) through ONNX Runtime/);
  });

  it("exports at once given a sampleInput, and reports export problems then", async () => {
    const net = models.lenet5();
    const fast = await onnx.compile(net, { sampleInput: randn([1, 1, 28, 28]) });
    assert.equal(await fast.provider(), "cpu");
    await assert.rejects(onnx.compile(net, { sampleInput: randn([1, 3, 28, 28]) }), /Conv2d|channels/);
  });
});

describe("onnx.InferenceSession.create(module)", () => {
  it("exports the module with the sample input and runs it", async () => {
    const net = models.mobilenetV2({ numClasses: 5, widthMult: 0.25 });
    randomize(net, 2);
    const session = await onnx.InferenceSession.create(net, {
      sampleInput: randn([1, 3, 32, 32]),
      intraOpNumThreads: 1,
    });
    const x = randn([3, 3, 32, 32]);
    expectClose((await session.run(x)).data, engine(net, x).data, "mobilenetV2 session", {
      atol: 1e-4,
      rtol: 1e-4,
    });
  });

  it("asks for a sample input", async () => {
    await assert.rejects(
      onnx.InferenceSession.create(models.lenet5()),
      (e: Error) => e instanceof ReceptiveError && /pass \{ sampleInput: randn/.test(e.message),
    );
  });
});
