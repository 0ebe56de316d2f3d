// How onnx objects show in a notebook (the kernel's toMimeBundle, through the formatters viz
// registers for them, kernel/viz/onnx-display.ts): a
// session as its provider, inputs and outputs with the fallback note; an imported model with fixed
// input sizes as its summary table with op types; a compiled model as its module under the
// provider line.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { toMimeBundle } from "../../kernel/display/mime";
import { models, nn, onnx, randn } from "../../kernel/engine/index";
import "../../kernel/viz/index";
import { tempDir } from "./helpers";

const display = toMimeBundle;
const dir = tempDir("onnx-display");

describe("onnx displays", () => {
  it("a session shows its provider, inputs and outputs, and why CUDA did not run", async () => {
    const file = join(dir, "lenet.onnx");
    await onnx.exportModel(models.lenet5(), randn([1, 1, 28, 28]), file);
    const session = await onnx.InferenceSession.create(file, {
      executionProviders: ["cuda", "cpu"],
      onFallback: () => {},
    });
    const b = display(session);
    assert.match(String(b["text/html"]), /<b>InferenceSession<\/b> .*lenet\.onnx on <b>cpu<\/b>/);
    assert.match(
      String(b["text/html"]),
      /<td>input<\/td><td><code>input<\/code><\/td><td>float32<\/td><td>\[batch, 1, 28, 28\]<\/td>/,
    );
    if (session.fallbacks.length > 0)
      assert.match(String(b["text/html"]), /CUDA was asked for but cannot run here/);
    assert.match(String(b["text/plain"]), /provider=cpu/);
  });

  it("an imported model with fixed input sizes shows its summary, layers named by op type", async () => {
    const file = join(dir, "net.onnx");
    const net = new nn.Sequential(
      new nn.Conv2d(1, 2, 3),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(2 * 6 * 6, 3),
    );
    await onnx.exportModel(net, randn([1, 1, 8, 8]), file);
    const b = display(await onnx.importModel(file));
    const table = String(b["text/html"]);
    for (const type of ["Conv2d", "ReLU", "Flatten", "Linear"]) assert.match(table, new RegExp(type));
    assert.match(table, /Total params: 239/);
    assert.match(String(b["text/plain"]), /^OnnxModel\(/);
  });

  it("a compiled model shows its module under the provider line", async () => {
    const fast = await onnx.compile(models.lenet5());
    assert.match(
      String(display(fast)["text/html"]),
      /<b>Compiled<\/b> through ONNX Runtime \(exported on the first call\)/,
    );
    await fast.forward(randn([2, 1, 28, 28]));
    assert.match(String(display(fast)["text/html"]), /through ONNX Runtime \(cpu\)/);
  });
});
