// onnx.toPyTorch through the public API: for every model in models (and a module with its own ops
// and parameters), the written model.py + weights.safetensors load in Debian's torch 1.13
// (test/onnx/models/run_pytorch_export.py) with the same state-dict keys as the file holds, and
// give the engine's eval-mode outputs within 1e-4.

import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  models,
  nn,
  noGrad,
  onnx,
  ReceptiveError,
  randn,
  type Tensor,
  tensor,
} from "../../kernel/engine/index";
import { expectClose } from "../helpers";
import { python, randomize, smallClassifier, tempDir } from "./helpers";

const dir = tempDir("onnx-pytorch");
const torch = { torch: "python3-torch" };

/** The tensor names in a safetensors file's header. */
function safetensorsKeys(file: string): string[] {
  const b = readFileSync(file);
  const n = Number(b.readBigUInt64LE(0));
  return Object.keys(JSON.parse(b.subarray(8, 8 + n).toString("utf8"))).filter((k) => k !== "__metadata__");
}

/** A module with its own parameter, ops between its layers, and a Dropout. */
class Custom extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3, { padding: 1 });
  drop = new nn.Dropout(0.3);
  scale = new nn.Parameter(tensor([0.5, -1, 2, 1.5]).reshape([1, 4, 1, 1]));
  head = new nn.Linear(4, 3);
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x).mul(this.scale).relu();
    const features = this.drop.forward(y.mean([2, 3]).sub(0.1)).mul(2);
    return this.head.forward(features).add(y.sum([2, 3]).div(16).sum(1, true));
  }
}

const cases: [string, () => nn.Module, number[]][] = [
  ["lenet5", () => models.lenet5(), [2, 1, 28, 28]],
  ["tinyVGG", () => models.tinyVGG({ numClasses: 3 }), [2, 3, 64, 64]],
  ["alexnet", () => smallClassifier(models.alexnet({ numClasses: 10 }), 256 * 6 * 6, 10), [2, 3, 64, 64]],
  ["vgg11Bn", () => smallClassifier(models.vgg11Bn({ numClasses: 10 }), 512 * 7 * 7, 10), [2, 3, 32, 32]],
  ["resnet18", () => models.resnet18({ numClasses: 10, cifar: true, width: 8 }), [2, 3, 32, 32]],
  ["resnet50", () => models.resnet50({ numClasses: 10, width: 8 }), [2, 3, 64, 64]],
  ["mobilenetV1", () => models.mobilenetV1({ numClasses: 10, widthMult: 0.25 }), [2, 3, 32, 32]],
  ["mobilenetV2", () => models.mobilenetV2({ numClasses: 10, widthMult: 0.35 }), [2, 3, 32, 32]],
  ["custom module", () => new Custom(), [2, 3, 4, 4]],
];

describe("onnx.toPyTorch", () => {
  for (const [name, make, shape] of cases)
    it(`${name}: torch loads model.py and weights.safetensors and matches the engine`, async () => {
      const net = make();
      randomize(net, 21);
      const out = join(dir, name.replace(/\W+/g, "_"));
      const files = await onnx.toPyTorch(net, out, { sampleInput: randn([1, ...shape.slice(1)]) });
      const x = randn(shape);
      writeFileSync(join(out, "input.bin"), x.storage);
      const report = JSON.parse(
        python(
          "run_pytorch_export.py",
          [out, join(out, "input.bin"), shape.join(","), join(out, "output.bin")],
          torch,
        ),
      ) as { keys: string[]; shape: number[]; params: number };
      assert.deepEqual(
        report.keys,
        safetensorsKeys(files.weights),
        "same state-dict keys as the weights file",
      );
      assert.equal(
        report.params,
        net.parameters().reduce((a, p) => a + p.numel, 0),
        "same parameter count",
      );
      net.eval();
      const want = noGrad(() => net.forward(x));
      const b = readFileSync(join(out, "output.bin"));
      const got = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
      assert.deepEqual(report.shape, [...want.shape]);
      expectClose(got, want.data, `${name}: PyTorch vs engine`, { atol: 1e-4, rtol: 1e-4 });
    });

  it("keeps Dropout in the forward, so the model trains in PyTorch as it did here", async () => {
    const out = join(dir, "dropout");
    await onnx.toPyTorch(smallClassifier(models.alexnet({ numClasses: 4 }), 256 * 6 * 6, 4), out, {
      sampleInput: randn([1, 3, 64, 64]),
    });
    const source = readFileSync(join(out, "model.py"), "utf8");
    assert.match(source, /self\.classifier\[0\]\(/, "classifier.0 is the first Dropout");
    assert.match(source, /nn\.Dropout\(\)/);
  });

  it("guesses the input of the course's models, and asks for one when it cannot", async () => {
    await onnx.toPyTorch(models.lenet5(), join(dir, "guessed"));
    assert.match(readFileSync(join(dir, "guessed", "model.py"), "utf8"), /input of shape \(1, 1, 28, 28\)/);
    await assert.rejects(
      onnx.toPyTorch(
        new nn.Sequential(new nn.Conv2d(2, 2, 3), new nn.Flatten(), new nn.Linear(2 * 3 * 3, 2)),
        join(dir, "x"),
      ),
      (e: Error) => e instanceof ReceptiveError && /pass \{ sampleInput: randn/.test(e.message),
    );
  });
});
