// The Conv2DBackpropFilter kernel the benchmark supplies to tfjs's wasm backend gives the filter
// gradient tfjs's own cpu backend computes: same padding, valid with stride 2, odd sizes.

import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { expectClose } from "../helpers";
import { registerConv2DBackpropFilter } from "./tfjs-conv-filter-grad";

type Shape4 = [number, number, number, number];

const cases: [string, Shape4, Shape4, number, "same" | "valid"][] = [
  // [what, x shape (B, H, W, C), filter shape (FH, FW, C, OC), stride, pad]
  ["LeNet conv1: 5x5 same", [3, 28, 28, 1], [5, 5, 1, 6], 1, "same"],
  ["odd sizes, 3x2 valid, stride 2", [2, 9, 7, 3], [3, 2, 3, 5], 2, "valid"],
  ["4x4 same, stride 2 (uneven padding)", [1, 10, 11, 2], [4, 4, 2, 3], 2, "same"],
];

async function filterGrad(
  backend: string,
  x: number[],
  xs: Shape4,
  dy: number[],
  fs: Shape4,
  stride: number,
  pad: "same" | "valid",
) {
  await tf.setBackend(backend);
  const xt = tf.tensor4d(x, xs);
  const out = tf.conv2d(xt, tf.zeros(fs), stride, pad);
  const dyt = tf.tensor4d(dy, out.shape);
  // The gradient of sum(conv2d(x, w) * dy) with respect to w runs Conv2DBackpropFilter.
  const dw = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, w as tf.Tensor4D, stride, pad), dyt)))(
    tf.zeros(fs),
  );
  const values = dw.dataSync().slice();
  tf.dispose([xt, out, dyt, dw]);
  return values;
}

describe("bench: tfjs-wasm Conv2DBackpropFilter", () => {
  for (const [what, xs, fs, stride, pad] of cases)
    it(`matches tfjs's cpu kernel: ${what}`, async () => {
      await tf.setBackend("wasm");
      registerConv2DBackpropFilter(tf);
      const x = Array.from({ length: xs.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 0.7));
      await tf.setBackend("cpu");
      const outShape = tf.conv2d(tf.zeros(xs) as tf.Tensor4D, tf.zeros(fs) as tf.Tensor4D, stride, pad).shape;
      const dy = Array.from({ length: outShape.reduce((a, b) => a * b) }, (_, i) => Math.cos(i * 0.3));
      const expected = await filterGrad("cpu", x, xs, dy, fs, stride, pad);
      const actual = await filterGrad("wasm", x, xs, dy, fs, stride, pad);
      expectClose(actual, expected, what, { rtol: 1e-4, atol: 1e-4 });
    });
});
