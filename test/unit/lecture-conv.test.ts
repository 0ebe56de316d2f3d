// The lectures' worked convolution examples as tests: every number below is quoted from a seed
// deck in /work/shared/seeds (named at each test), plus the output-size formula checked against
// real conv2d output shapes over a grid of sizes, kernels, paddings, strides and dilations.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, type NestedArray, type Tensor, tensor, zeros } from "../../kernel/engine/index";
import { convOutputSize, convParameterCount } from "../../kernel/engine/ops/conv-shape";
import { expectClose, expectShape } from "../helpers";

/** A (H, W) matrix as a (1, 1, H, W) image. */
const img = (rows: number[][]) => tensor(rows).reshape([1, 1, rows.length, rows[0].length]);
/** A (KH, KW) matrix as a (1, 1, KH, KW) kernel. */
const ker = img;
/** The (H, W) plane of a (1, 1, H, W) result as nested arrays. */
const plane = (t: Tensor): NestedArray => t.reshape([t.shape[2], t.shape[3]]).toArray();

const vertical = [
  [1, 0, -1],
  [1, 0, -1],
  [1, 0, -1],
];
const horizontal = [
  [1, 1, 1],
  [0, 0, 0],
  [-1, -1, -1],
];

describe("seed 004 (VNU, Special topics: CNNs): edge detection", () => {
  // "10 10 10 0 0 0" six times: bright left half, dark right half.
  const lightToDark = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);

  it("the 6x6 vertical-edge example gives the 4x4 map of rows [0, 30, 30, 0]", () => {
    const out = F.conv2d(img(lightToDark), ker(vertical));
    expectShape(out.shape, [1, 1, 4, 4], "6x6 * 3x3 => 4x4"); // "Why 4x4?": n - f + 1 = 6 - 3 + 1
    assert.deepEqual(plane(out), [
      [0, 30, 30, 0],
      [0, 30, 30, 0],
      [0, 30, 30, 0],
      [0, 30, 30, 0],
    ]);
  });

  it("step by step: each output is the sum of the window times the filter", () => {
    // "Start from top left..." -> 0; "Move one pixel to the next..." -> 30; "Next in the row" -> 30, 0.
    const out = F.conv2d(img(lightToDark), ker(vertical)).storage;
    const window = (r: number, c: number) => {
      let s = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) s += lightToDark[r + i][c + j] * vertical[i][j];
      return s;
    };
    assert.deepEqual([window(0, 0), window(0, 1), window(0, 2), window(0, 3)], [0, 30, 30, 0]);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) assert.equal(out[r * 4 + c], window(r, c), `output (${r}, ${c})`);
  });

  it("a dark-to-light transition gives -30: the sign tells the direction of the edge", () => {
    const darkToLight = Array.from({ length: 6 }, () => [0, 0, 0, 10, 10, 10]);
    assert.deepEqual(plane(F.conv2d(img(darkToLight), ker(vertical))), [
      [0, -30, -30, 0],
      [0, -30, -30, 0],
      [0, -30, -30, 0],
      [0, -30, -30, 0],
    ]);
  });

  it("the horizontal-edge example gives rows [0 0 0 0], [30 10 -10 -30] x2, [0 0 0 0]", () => {
    // NOTE: the seed's text shows the filter laid over the image's top-left corner (as in its
    // step-by-step slides), so its first three rows read "1 1 1 0 0 0 / 0 0 0 0 0 0 / -1 -1 -1 0 0 0".
    // The image underneath is the checkerboard of 10s whose bottom half is "0 0 0 10 10 10"; the
    // seed's 4x4 result below pins it down.
    const checker = [
      [10, 10, 10, 0, 0, 0],
      [10, 10, 10, 0, 0, 0],
      [10, 10, 10, 0, 0, 0],
      [0, 0, 0, 10, 10, 10],
      [0, 0, 0, 10, 10, 10],
      [0, 0, 0, 10, 10, 10],
    ];
    assert.deepEqual(plane(F.conv2d(img(checker), ker(horizontal))), [
      [0, 0, 0, 0],
      [30, 10, -10, -30],
      [30, 10, -10, -30],
      [0, 0, 0, 0],
    ]);
  });

  // The deck's 6x6 example for learned kernels and strided convolution.
  const example = [
    [3, 0, 10, 5, 24, 2],
    [8, 4, 5, 6, 10, 7],
    [23, 3, 1, 0, 0, 0],
    [21, 4, 0, 0, 0, 23],
    [23, 0, 0, 0, 45, 23],
    [0, 3, 0, 12, 34, 32],
  ];

  it("learning kernels: the gradient of each weight W_ij sums the pixels it touched", () => {
    // "Learning values of kernels automatically": W11..W33 are trained by backprop.
    const w = tensor([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]).reshape([1, 1, 3, 3]);
    w.requiresGrad_();
    F.conv2d(img(example), w).sum().backward();
    const expected: number[] = [];
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0; // W_ij meets pixel (r + i, c + j) for every output position (r, c) of the 4x4 map
        for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) s += example[r + i][c + j];
        expected.push(s);
      }
    expectClose(w.grad!.storage, expected, "dL/dW");
  });

  it("strided convolution: stride 2, padding 0 on the 6x6 gives (6 - 3) / 2 + 1 => 2x2", () => {
    // The seed's figure (and so its filter) is missing; with the deck's vertical-edge filter the
    // windows start at rows/cols 0 and 2 (the window at 4 would run past the border):
    //   (0,0): (3-10) + (8-5) + (23-1)  =  18     (0,1): (10-24) + (5-10) + (1-0)  = -18
    //   (1,0): (23-1) + (21-0) + (23-0) =  66     (1,1): (1-0) + (0-0) + (0-45)    = -44
    const out = F.conv2d(img(example), ker(vertical), null, { stride: 2, padding: 0 });
    expectShape(out.shape, [1, 1, 2, 2], "strided output");
    assert.deepEqual(plane(out), [
      [18, -18],
      [66, -44],
    ]);
    assert.equal(convOutputSize(6, 3, { stride: 2 }), Math.floor((6 + 2 * 0 - 3) / 2 + 1));
  });

  it("'valid' = no padding (6x6 * 3x3 => 4x4); 'same' pads p = (f - 1) / 2 for odd f", () => {
    const x = img(example);
    expectShape(F.conv2d(x, zeros([1, 1, 3, 3]), null, { padding: "valid" }).shape, [1, 1, 4, 4], "valid");
    for (const f of [3, 5, 7]) {
      const k = ker(Array.from({ length: f }, (_, i) => Array.from({ length: f }, (_, j) => i * f + j - 3)));
      const same = F.conv2d(x, k, null, { padding: "same" });
      const explicit = F.conv2d(x, k, null, { padding: (f - 1) / 2 });
      expectShape(same.shape, [1, 1, 6, 6], `same ${f}x${f}`); // n - f + 2p + 1 = n
      expectClose(same.storage, explicit.storage, `'same' = padding ${(f - 1) / 2} for ${f}x${f}`);
    }
  });

  it("parameters of a conv layer: F*F*D1 weights per filter, (F*F*D1)*K weights and K biases", () => {
    // K = 10 filters of 3x3 over a D1 = 3 channel volume (the CS231n summary in the deck).
    const weight = zeros([10, 3, 3, 3]);
    const bias = zeros([10]);
    const out = F.conv2d(zeros([1, 3, 32, 32]), weight, bias, { padding: 1 });
    expectShape(out.shape, [1, 10, 32, 32], "D2 = K");
    assert.equal(weight.numel, 3 * 3 * 3 * 10);
    assert.equal(weight.numel + bias.numel, convParameterCount(3, 10, 3));
    assert.equal(convParameterCount(3, 10, 3), 280);
  });
});

describe("seed 003 (Strojove uceni II): the 6x6 example, padding tables, correlation", () => {
  // "Single Channel Image", 1 x 1 x 6 x 6.
  const image = [
    [5, 0, 8, 7, 8, 1],
    [1, 9, 5, 0, 7, 7],
    [6, 0, 2, 4, 6, 6],
    [9, 7, 6, 6, 8, 4],
    [8, 3, 8, 5, 1, 3],
    [7, 2, 7, 0, 1, 0],
  ];
  const identity = [
    [0, 0, 0],
    [0, 1, 0],
    [0, 0, 0],
  ];

  it("the identity filter on the region 5 0 8 / 1 9 5 / 6 0 2 adds up to 9", () => {
    const out = F.conv2d(img(image), ker(identity));
    assert.equal(out.storage[0], 9);
    // Valid: the 4x4 interior of the image. 'same': the image itself.
    assert.deepEqual(
      plane(out),
      image.slice(1, 5).map((r) => r.slice(1, 5)),
    );
    assert.deepEqual(plane(F.conv2d(img(image), ker(identity), null, { padding: "same" })), image);
  });

  it("frameworks compute correlation: the filter is not flipped", () => {
    const topLeft = [
      [1, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    // Correlation reads the window's top-left pixel; a flipped (true) convolution would read the bottom-right.
    assert.deepEqual(
      plane(F.conv2d(img(image), ker(topLeft))),
      image.slice(0, 4).map((r) => r.slice(0, 4)),
    );
  });

  it("valid, same and full output sizes: 4x4, 6x6 and 8x8", () => {
    const x = img(image);
    const k = ker(identity);
    expectShape(F.conv2d(x, k, null, { padding: "valid" }).shape, [1, 1, 4, 4], "valid");
    expectShape(F.conv2d(x, k, null, { padding: "same" }).shape, [1, 1, 6, 6], "same");
    expectShape(F.conv2d(x, k, null, { padding: 2 }).shape, [1, 1, 8, 8], "full (padding k - 1)");
  });

  it("the replication padding table", () => {
    assert.deepEqual(plane(F.pad(img(image), [1, 1, 1, 1], "replicate")), [
      [5, 5, 0, 8, 7, 8, 1, 1],
      [5, 5, 0, 8, 7, 8, 1, 1],
      [1, 1, 9, 5, 0, 7, 7, 7],
      [6, 6, 0, 2, 4, 6, 6, 6],
      [9, 9, 7, 6, 6, 8, 4, 4],
      [8, 8, 3, 8, 5, 1, 3, 3],
      [7, 7, 2, 7, 0, 1, 0, 0],
      [7, 7, 2, 7, 0, 1, 0, 0],
    ]);
  });

  it("the reflection padding table", () => {
    assert.deepEqual(plane(F.pad(img(image), [1, 1, 1, 1], "reflect")), [
      [9, 1, 9, 5, 0, 7, 7, 7],
      [0, 5, 0, 8, 7, 8, 1, 8],
      [9, 1, 9, 5, 0, 7, 7, 7],
      [0, 6, 0, 2, 4, 6, 6, 6],
      [7, 9, 7, 6, 6, 8, 4, 8],
      [3, 8, 3, 8, 5, 1, 3, 1],
      [2, 7, 2, 7, 0, 1, 0, 1],
      [3, 8, 3, 8, 5, 1, 3, 1],
    ]);
  });

  it("the circular padding table", () => {
    assert.deepEqual(plane(F.pad(img(image), [1, 1, 1, 1], "circular")), [
      [0, 7, 2, 7, 0, 1, 0, 7],
      [1, 5, 0, 8, 7, 8, 1, 5],
      [7, 1, 9, 5, 0, 7, 7, 1],
      [6, 6, 0, 2, 4, 6, 6, 6],
      [4, 9, 7, 6, 6, 8, 4, 9],
      [3, 8, 3, 8, 5, 1, 3, 8],
      [0, 7, 2, 7, 0, 1, 0, 7],
      [1, 5, 0, 8, 7, 8, 1, 5],
    ]);
  });

  it("the Laplacian filter is a linear operation h * x = Wx", () => {
    const laplacian = ker([
      [0, 1, 0],
      [1, -4, 1],
      [0, 1, 0],
    ]);
    const x = img(image);
    const out = F.conv2d(x, laplacian).storage;
    // Output (0, 0) centres on the 9: 0 (up) + 0 (down) + 1 (left) + 5 (right) - 4 * 9 = -30.
    assert.equal(out[0], -30);
    // W has one row per output pixel: column j is the response to the j-th basis image.
    const cols: Float32Array[] = [];
    for (let j = 0; j < 36; j++) {
      const e = new Array<number>(36).fill(0);
      e[j] = 1;
      cols.push(F.conv2d(tensor(e).reshape([1, 1, 6, 6]), laplacian).storage);
    }
    const wx = Array.from({ length: 16 }, (_, i) => cols.reduce((s, col, j) => s + col[i] * x.storage[j], 0));
    expectClose(out, wx, "conv(x) vs W x");
  });

  it("dilation 2 spreads a 3x3 filter over 5x5: 6x6 => 2x2", () => {
    const out = F.conv2d(img(image), ker(identity), null, { dilation: 2 });
    // The centre tap still reads the window's centre pixel: (2, 2), (2, 3), (3, 2), (3, 3).
    assert.deepEqual(plane(out), [
      [2, 4],
      [6, 6],
    ]);
  });
});

describe("seed 000 (HSE/Yandex, Convolutional Neural Networks)", () => {
  it("the 5x5 image with the x1 x0 x1 filter gives a 3x3 (5-3+1) feature starting with 4", () => {
    const image = [
      [1, 1, 1, 0, 0],
      [0, 1, 1, 1, 0],
      [0, 0, 1, 1, 1],
      [0, 0, 1, 1, 0],
      [0, 1, 1, 0, 0],
    ];
    const filter = [
      [1, 0, 1],
      [0, 1, 0],
      [1, 0, 1],
    ];
    const out = F.conv2d(img(image), ker(filter));
    expectShape(out.shape, [1, 1, 3, 3], "3x3 (5-3+1)");
    assert.equal(out.storage[0], 4);
  });

  it("the -1/8 edge kernel answers 0 on flat regions and peaks on a lone bright pixel", () => {
    const edge = ker([
      [-1, -1, -1],
      [-1, 8, -1],
      [-1, -1, -1],
    ]);
    const flat = img(Array.from({ length: 5 }, () => [7, 7, 7, 7, 7]));
    assert.deepEqual(plane(F.conv2d(flat, edge)), [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const dot = img([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
    assert.deepEqual(plane(F.conv2d(dot, edge)), [
      [-1, -1, -1],
      [-1, 8, -1],
      [-1, -1, -1],
    ]);
  });

  it("number of learnable parameters: C_out * (C_in * size(kernel) + 1)", () => {
    // Self-check: Conv2d(3x3, 4 out channels); MaxPool2d adds none. The deck leaves C_in open:
    // a grayscale input gives 4 * (1 * 9 + 1) = 40, an RGB one 4 * (3 * 9 + 1) = 112.
    assert.equal(convParameterCount(1, 4, 3), 40);
    assert.equal(convParameterCount(3, 4, 3), 112);
    const weight = zeros([4, 3, 3, 3]);
    expectShape(F.conv2d(zeros([1, 3, 9, 9]), weight, zeros([4])).shape, [1, 4, 7, 7], "4 output channels");
  });
});

describe("output size floor((n + 2p - d(k - 1) - 1) / s) + 1 against real conv2d shapes", () => {
  it("matches over a grid of n, k, p, s, d (and errors exactly when nothing fits)", () => {
    let checked = 0;
    for (let n = 1; n <= 9; n++)
      for (let k = 1; k <= 5; k++)
        for (let p = 0; p <= 2; p++)
          for (let s = 1; s <= 3; s++)
            for (let d = 1; d <= 3; d++) {
              const expectH = Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
              const expectW = Math.floor((n + 1 + 2 * p - d * (k - 1) - 1) / s) + 1;
              const run = () =>
                F.conv2d(zeros([1, 1, n, n + 1]), zeros([1, 1, k, k]), null, {
                  padding: p,
                  stride: s,
                  dilation: d,
                });
              if (expectH < 1) {
                assert.throws(run, /larger than the padded input/, `n=${n} k=${k} p=${p} s=${s} d=${d}`);
                continue;
              }
              const out = run();
              const what = `n=${n} k=${k} p=${p} s=${s} d=${d}`;
              expectShape(out.shape, [1, 1, expectH, expectW], what);
              assert.equal(convOutputSize(n, k, { stride: s, padding: p, dilation: d }), expectH, what);
              checked++;
            }
    assert.ok(checked > 500, `checked ${checked} configurations`);
  });

  it("the seed 004 form floor((n + 2p - f) / s + 1) is the d = 1 case", () => {
    for (const [n, f, p, s] of [
      [6, 3, 0, 2],
      [7, 3, 0, 2],
      [6, 3, 1, 1],
      [32, 5, 2, 1],
      [227, 11, 0, 4],
    ])
      assert.equal(convOutputSize(n, f, { padding: p, stride: s }), Math.floor((n + 2 * p - f) / s + 1));
  });
});
