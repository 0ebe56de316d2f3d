// Step-through arithmetic against the engine's conv2d: the lecture's 6x6 vertical-edge example
// (rows [0, 30, 30, 0]), the slides' captions step by step, and padded/strided convolutions.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, type NestedArray, tensor } from "../../kernel/engine/index";
import {
  outputSoFar,
  productsEquation,
  sizeFormula,
  stepCaption,
  walkConvolution,
} from "../../webviews/lib/conv-steps";

const lightToDark = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const vertical = [
  [1, 0, -1],
  [1, 0, -1],
  [1, 0, -1],
];

function engineConv(
  input: number[][],
  kernel: number[][],
  options: { stride?: number; padding?: number } = {},
) {
  const x = tensor(input).reshape([1, 1, input.length, input[0].length]);
  const w = tensor(kernel).reshape([1, 1, kernel.length, kernel[0].length]);
  const out = F.conv2d(x, w, options);
  return out.reshape([out.shape[2], out.shape[3]]).toArray() as NestedArray as number[][];
}

describe("convolution step-through", () => {
  it("the lecture's 6x6 edge example: 16 steps whose values are the engine's 4x4 output", () => {
    const walk = walkConvolution({ version: 1, input: lightToDark, kernel: vertical });
    assert.equal(walk.steps.length, 16);
    assert.deepEqual(outputSoFar(walk, 16), engineConv(lightToDark, vertical));
    assert.deepEqual(outputSoFar(walk, 16), [
      [0, 30, 30, 0],
      [0, 30, 30, 0],
      [0, 30, 30, 0],
      [0, 30, 30, 0],
    ]);
  });

  it("fills the output one cell per step, in reading order", () => {
    const walk = walkConvolution({ version: 1, input: lightToDark, kernel: vertical });
    assert.deepEqual(outputSoFar(walk, 0)[0], [null, null, null, null]);
    assert.deepEqual(outputSoFar(walk, 1)[0], [0, null, null, null]);
    assert.deepEqual(outputSoFar(walk, 2)[0], [0, 30, null, null]);
    assert.deepEqual(outputSoFar(walk, 5)[1], [0, null, null, null]);
  });

  it("captions the steps the way the slides do", () => {
    const walk = walkConvolution({ version: 1, input: lightToDark, kernel: vertical });
    const captions = [0, 1, 2, 3, 4, 5, 6, 16].map((k) => stepCaption(walk, k));
    assert.deepEqual(captions, [
      "Convolution: a 6x6 image * a 3x3 filter = a 4x4 output",
      "Start from top left...",
      "Move one pixel to the next...",
      "Next in the row...",
      "Next in the row...",
      "Move down one pixel and begin from the leftmost...",
      "Next in the row...",
      "Patiently to the bottom end...",
    ]);
    assert.equal(sizeFormula(walk), "n - f + 1 = 6 - 3 + 1 = 4");
  });

  it("captions say the stride the window jumps and the dilation that spreads the filter", () => {
    const strided = walkConvolution({ version: 1, input: lightToDark, kernel: vertical, stride: 2 });
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((k) => stepCaption(strided, k)),
      [
        "Convolution: a 6x6 image * a 3x3 filter (stride 2) = a 2x2 output",
        "Start from top left...",
        "Move 2 pixels to the next (stride 2)...",
        "Move down 2 pixels (stride 2) and begin from the leftmost...",
        "Patiently to the bottom end...",
      ],
    );
    // Dilation 2: the 3x3 filter arrives spread out to 5x5 (viz.convSteps sends it so).
    const spread = [0, 1, 2, 3, 4].map((r) => [0, 1, 2, 3, 4].map((c) => (r % 2 || c % 2 ? 0 : 1)));
    const dilated = walkConvolution({ version: 1, input: lightToDark, kernel: spread, dilation: 2 });
    assert.equal(
      stepCaption(dilated, 0),
      "Convolution: a 6x6 image * a 3x3 filter (dilation 2) = a 2x2 output",
    );
    assert.equal(
      stepCaption(dilated, 1),
      "Start from top left: the filter's taps are 2 pixels apart (dilation 2)...",
    );
    assert.equal(stepCaption(dilated, 2), "Move one pixel to the next...");
    assert.throws(
      () => walkConvolution({ version: 1, input: lightToDark, kernel: vertical, dilation: 0 }),
      /dilation must be a positive integer/,
    );
  });

  it("writes out the products of each window", () => {
    const walk = walkConvolution({ version: 1, input: lightToDark, kernel: vertical });
    assert.equal(
      productsEquation(walk, 1),
      "10×1 + 10×0 + 10×(-1) + 10×1 + 10×0 + 10×(-1) + 10×1 + 10×0 + 10×(-1) = 0",
    );
    assert.equal(
      productsEquation(walk, 2),
      "10×1 + 10×0 + 0×(-1) + 10×1 + 10×0 + 0×(-1) + 10×1 + 10×0 + 0×(-1) = 30",
    );
    assert.deepEqual(walk.steps[1].products, [
      [10, 0, -0],
      [10, 0, -0],
      [10, 0, -0],
    ]);
  });

  it("agrees with the engine for padding, stride and bias", () => {
    const input = Array.from({ length: 7 }, (_, r) =>
      Array.from({ length: 5 }, (_, c) => (((r * 5 + c) * 7) % 11) - 5),
    );
    const kernel = [
      [1, -2, 0],
      [3, 1, -1],
    ];
    for (const [stride, padding] of [
      [1, 1],
      [2, 0],
      [2, 1],
      [3, 2],
    ]) {
      const walk = walkConvolution({ version: 1, input, kernel, stride, padding, bias: 0.5 });
      const expected = engineConv(input, kernel, { stride, padding }).map((row) => row.map((v) => v + 0.5));
      assert.deepEqual(
        outputSoFar(walk, walk.steps.length),
        expected,
        `stride ${stride}, padding ${padding}`,
      );
    }
    const padded = walkConvolution({ version: 1, input, kernel, stride: 2, padding: 1 });
    assert.equal(sizeFormula(padded), "⌊(n + 2p - f) / s⌋ + 1 = ⌊(7 + 2 - 2) / 2⌋ + 1 = 4");
    assert.match(productsEquation(walkConvolution({ version: 1, input, kernel, bias: 2 }), 1), / \+ 2 = /);
  });

  it("rejects payloads it cannot walk", () => {
    assert.throws(
      () => walkConvolution({ version: 1, input: [], kernel: vertical }),
      /input must be a non-empty list of rows/,
    );
    assert.throws(
      () => walkConvolution({ version: 1, input: [[1, 2], [3]], kernel: [[1]] }),
      /every row of input must hold 2 numbers/,
    );
    assert.throws(
      () => walkConvolution({ version: 1, input: [[1]], kernel: vertical }),
      /does not fit a 1x1 input/,
    );
    assert.throws(
      () => walkConvolution({ version: 1, input: lightToDark, kernel: vertical, stride: 0 }),
      /stride must be a positive integer/,
    );
  });
});
