// PyTorch -> ONNX -> the engine: torchvision's ResNet-18, VGG-11, MobileNetV2, AlexNet and a
// LeNet-5, exported by Debian's torch 1.13 at opsets 11, 13 and 17 (test/onnx/models/
// make_torch_models.py, seeded random weights, made in a temporary folder), imported with
// onnx.importModel: outputs equal ONNX Runtime's and PyTorch's within 1e-4. Then the lecture's
// transfer-learning recipe on each: freeze the backbone, replace the head, train a few steps: the
// loss goes down and the frozen weights do not move.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { F, manualSeed, nn, noGrad, onnx, optim, randint, Tensor } from "../../kernel/engine/index";
import { expectClose, expectShape } from "../helpers";
import { python, tempDir } from "./helpers";

const dir = tempDir("onnx-torch");
python("make_torch_models.py", [dir], { torch: "python3-torch", torchvision: "python3-torchvision" });
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<
  string,
  { input: number[]; output: number[]; head: string; headIn: number; files: Record<string, string> }
>;

function readF32(file: string, shape: number[]): Tensor {
  const b = readFileSync(join(dir, file));
  return new Tensor(new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length)), shape);
}

describe("models exported by PyTorch", () => {
  it("covers the five architectures at opsets 11, 13 and 17", () => {
    assert.deepEqual(Object.keys(manifest), ["lenet5", "resnet18", "vgg11", "mobilenet_v2", "alexnet"]);
    for (const m of Object.values(manifest)) assert.deepEqual(Object.keys(m.files), ["11", "13", "17"]);
  });

  for (const [name, m] of Object.entries(manifest)) {
    describe(name, () => {
      const x = readF32(`${name}.input.bin`, m.input);
      const torchOut = readF32(`${name}.output.bin`, m.output);

      for (const [opset, file] of Object.entries(m.files))
        it(`opset ${opset}: the imported module's outputs equal ONNX Runtime's and PyTorch's`, async () => {
          const net = await onnx.importModel(join(dir, file));
          net.eval();
          const got = noGrad(() => net.forward(x)) as Tensor;
          const session = await onnx.InferenceSession.create(join(dir, file), { intraOpNumThreads: 1 });
          const ort = await session.run(x);
          await session.release();
          expectShape(got.shape, m.output, name);
          expectClose(got.data, ort.data, `${name} opset ${opset}: engine vs ONNX Runtime`, {
            atol: 1e-4,
            rtol: 1e-4,
          });
          expectClose(got.data, torchOut.data, `${name} opset ${opset}: engine vs PyTorch`, {
            atol: 1e-4,
            rtol: 1e-4,
          });
        });

      it("fine-tunes a new head on the frozen backbone", async () => {
        const net = await onnx.importModel(join(dir, m.files["17"]));
        net.requiresGrad_(false);
        const frozen = net.namedParameters().map(([k, p]) => [k, p.data] as const);
        manualSeed(3);
        const head = new nn.Linear(m.headIn, 3);
        if (name === "resnet18")
          (net as unknown as { fc: nn.Module }).fc = head; // the lecture's recipe, verbatim
        else net.setSubmodule(m.head, head, { strict: true }); // "classifier.6", PyTorch's set_submodule
        assert.equal(net.getSubmodule(m.head), head);
        net.eval(); // the backbone as a fixed feature extractor (dropout off)
        const trainable = net.parameters().filter((p) => p.requiresGrad);
        assert.deepEqual(trainable, head.parameters(), "only the new head trains");
        const opt = new optim.Adam(trainable, { lr: 1e-3 });
        const labels = randint(0, 3, [m.input[0]]);
        const losses: number[] = [];
        for (let step = 0; step < 5; step++) {
          opt.zeroGrad();
          const loss = F.crossEntropy(net.forward(x) as Tensor, labels);
          loss.backward();
          opt.step();
          losses.push(loss.item());
        }
        assert.ok(losses[4] < losses[0], `loss went down: ${losses.map((l) => l.toFixed(4)).join(" -> ")}`);
        const now = new Map(net.namedParameters());
        const backbone = frozen.filter(([k]) => !k.startsWith(`${m.head}.`));
        assert.ok(backbone.length >= 4);
        for (const [k, before] of backbone)
          assert.deepEqual(now.get(k)!.data, before, `frozen ${k} unchanged`);
      });
    });
  }
});
