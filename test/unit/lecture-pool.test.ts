// The lectures' pooling examples (/work/shared/seeds), run on Receptive: the 4x4 max-pooling
// slide, the pooling output-size formulas, VGG-16's pooling stages, and the HSE self-check on
// receptive fields and dilated max pooling.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { arange, F, ones, tensor, zeros } from "../../kernel/engine/index";
import { poolOutputSize } from "../../kernel/engine/ops/pool-shape";

describe("seed 004 (VNU, Special topics: CNNs): max and average pooling", () => {
  // "Pooling layer: Max pooling" shows two 4x4 inputs (they differ in the first row) and, with
  // "F=2, S=2", the 2x2 result "9 6 / 9 8".
  const slideA = [
    [1, 3, 1, 2],
    [9, 5, 6, 5],
    [9, 1, 1, 2],
    [0, 2, 8, 2],
  ];
  const slideB = [
    [1, 3, 6, 2],
    [9, 5, 6, 5],
    [9, 1, 1, 2],
    [0, 2, 8, 2],
  ];

  it("4x4 with F=2, S=2 gives [[9, 6], [9, 8]] for both inputs on the slides", () => {
    for (const input of [slideA, slideB]) {
      const out = F.maxPool2d(tensor([[input]]), 2, { stride: 2 });
      assert.deepEqual(out.shape, [1, 1, 2, 2], "4x4 -> 2x2");
      assert.deepEqual(out.toArray(), [
        [
          [
            [9, 6],
            [9, 8],
          ],
        ],
      ]);
    }
  });

  it("the maxima sit where the slide's numbers are (and receive the gradient)", () => {
    const x = tensor([[slideB]], { requiresGrad: true });
    const [out, indices] = F.maxPool2d(x, 2, { stride: 2, returnIndices: true });
    // 9 at (1, 0); the first 6 at (0, 2) wins over the 6 below it; 9 at (2, 0); 8 at (3, 2).
    assert.deepEqual(indices.toArray(), [
      [
        [
          [4, 2],
          [8, 14],
        ],
      ],
    ]);
    out.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [
      [
        [
          [0, 0, 1, 0],
          [1, 0, 0, 0],
          [1, 0, 0, 0],
          [0, 0, 1, 0],
        ],
      ],
    ]);
  });

  it("max pooling over a volume pools each depth slice on its own", () => {
    // "Max pooling over volume": the depth is kept; here the two slide inputs and 10x the first are three channels.
    const out = F.maxPool2d(tensor([[slideA, slideB, slideA.map((r) => r.map((v) => 10 * v))]]), 2, {
      stride: 2,
    });
    assert.deepEqual(out.shape, [1, 3, 2, 2]);
    assert.deepEqual(out.toArray(), [
      [
        [
          [9, 6],
          [9, 8],
        ],
        [
          [9, 6],
          [9, 8],
        ],
        [
          [90, 60],
          [90, 80],
        ],
      ],
    ]);
  });

  it("average pooling with the same F=2, S=2 windows", () => {
    // The "Average pooling" slide's figure did not survive text extraction, so these averages of
    // the max-pool slide's input are worked by hand: (1+3+9+5)/4, (6+2+6+5)/4, (9+1+0+2)/4, (1+2+8+2)/4.
    const out = F.avgPool2d(tensor([[slideB]]), 2, { stride: 2 });
    assert.deepEqual(out.toArray(), [
      [
        [
          [4.5, 4.75],
          [3, 3.25],
        ],
      ],
    ]);
  });

  it("size of output: floor((n + 2p - f) / s + 1)", () => {
    // The slide's formula, checked against the output size pooling actually produces.
    for (const [n, f, s, p] of [
      [4, 2, 2, 0],
      [6, 3, 2, 1],
      [7, 2, 2, 0],
      [28, 5, 1, 2],
      [13, 3, 3, 1],
    ]) {
      const formula = Math.floor((n + 2 * p - f) / s + 1);
      assert.equal(poolOutputSize(n, f, { stride: s, padding: p }), formula, `n=${n} f=${f} s=${s} p=${p}`);
      const out = F.maxPool2d(zeros([1, 1, n, n]), f, { stride: s, padding: p });
      assert.deepEqual(out.shape.slice(2), [formula, formula]);
    }
  });
});

describe("seed 002 (MIPT, CNNs part 1): pooling output size W2 = (W1 - F)/S + 1", () => {
  it("'Usually, F is taken to be equal to 2-3, S to 2'", () => {
    for (const [W1, F_] of [
      [224, 2],
      [32, 2],
      [7, 3],
      [13, 3],
    ]) {
      const W2 = (W1 - F_) / 2 + 1;
      assert.equal(poolOutputSize(W1, F_, { stride: 2 }), W2, `W1=${W1} F=${F_} S=2`);
      assert.deepEqual(F.avgPool2d(zeros([1, 1, W1, W1]), F_, { stride: 2 }).shape, [1, 1, W2, W2]);
    }
  });

  it("VGG-16's POOL2 stages: 224 -> 112 -> 56 -> 28 -> 14 -> 7", () => {
    // The parameter-count table: [224x224x64] -> POOL2 -> [112x112x64] "memory: 112*112*64=800K",
    // ... [14x14x512] -> POOL2 -> [7x7x512] "memory: 7*7*512=25K", each with "weights: 0".
    const stages: [number, number, number][] = [
      [224, 64, 112],
      [112, 128, 56],
      [56, 256, 28],
      [28, 512, 14],
      [14, 512, 7],
    ];
    for (const [H, C, OH] of stages) {
      const out = F.maxPool2d(ones([1, C, H, H]), 2, { stride: 2 });
      assert.deepEqual(out.shape, [1, C, OH, OH], `[${H}x${H}x${C}] -> POOL2`);
      assert.equal(out.numel, OH * OH * C);
    }
    assert.equal(112 * 112 * 64, 802816, "the table's 800K");
    assert.equal(7 * 7 * 512, 25088, "the table's 25K");
  });
});

describe("seed 000 (HSE, CNNs): self-check", () => {
  /**
   * Which input positions can change output 0 of `net` on a length-L input: a spike of 100 on a
   * background of ones survives averaging (divided by at most 3) and wins every max.
   */
  function receptiveField(net: (x: ReturnType<typeof ones>) => ReturnType<typeof ones>, L: number): number[] {
    const base = net(ones([1, 1, L])).storage[0];
    const seen: number[] = [];
    for (let i = 0; i < L; i++) {
      const x = ones([1, 1, L]);
      x.storage[i] = 100;
      if (net(x).storage[0] !== base) seen.push(i);
    }
    return seen;
  }
  // Conv1d(3x1) stands in as a 3-tap averaging filter: a Conv1d(1, 1, 3) whose weights are all 1/3
  // (avgPool1d with stride 1 computes exactly that). Only window geometry matters here.
  const conv3 = (x: ReturnType<typeof ones>) => F.avgPool1d(x, 3, { stride: 1 });

  it("receptive field of Conv1d(3)-MaxPool1d(3)-Conv1d(3)-MaxPool1d(3) is 17 with PyTorch's default stride", () => {
    // The slide leaves "Answer:" blank. MaxPool1d(3) strides by its kernel size (3), so the field
    // grows 3 -> 3 + 2 = 5 (jump 3) -> 5 + 2*3 = 11 -> 11 + 2*3 = 17 (jump 9).
    const net = (x: ReturnType<typeof ones>) => F.maxPool1d(conv3(F.maxPool1d(conv3(x), 3)), 3);
    const field = receptiveField(net, 30);
    assert.deepEqual(field, [...Array(17).keys()], "positions 0..16 reach output 0");
  });

  it("with stride-1 pools the same stack only sees 9 inputs", () => {
    const pool = (x: ReturnType<typeof ones>) => F.maxPool1d(x, 3, { stride: 1 });
    const net = (x: ReturnType<typeof ones>) => pool(conv3(pool(conv3(x))));
    assert.deepEqual(receptiveField(net, 20), [...Array(9).keys()]);
  });

  it("MaxPool2d(3x3, stride=2, dilation=2): output size and the taps it reads", () => {
    // Output size floor((H - 2*(3 - 1) - 1) / 2) + 1 = floor((H - 5) / 2) + 1; the pool itself adds
    // no parameters (it takes no weight).
    for (const [H, OH] of [
      [9, 3],
      [10, 3],
      [26, 11],
      [5, 1],
    ])
      assert.equal(poolOutputSize(H, 3, { stride: 2, dilation: 2 }), OH, `H=${H}`);
    // On 0..80 laid out 9x9, window (i, j) reads rows 2i, 2i+2, 2i+4 and the same columns, so its
    // max is the bottom-right tap (2i + 4) * 9 + (2j + 4).
    const x = arange(81).reshape(1, 1, 9, 9).float();
    const out = F.maxPool2d(x, 3, { stride: 2, dilation: 2 });
    assert.deepEqual(out.toArray(), [
      [
        [
          [40, 42, 44],
          [58, 60, 62],
          [76, 78, 80],
        ],
      ],
    ]);
  });
});
