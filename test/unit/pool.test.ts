// Pooling: float64 gradient checks of the average/adaptive/unpool kernel pairs, max-pool backward
// routing each gradient to its window's argmax (checked against a brute-force search), the
// output-size arithmetic, and the errors users meet.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PoolGeometry } from "../../kernel/engine/backends/geometry";
import {
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool2dForward,
  avgPool2dBackward,
  avgPool2dForward,
  maxUnpool2dBackward,
  maxUnpool2dForward,
} from "../../kernel/engine/backends/ref/pool";
import { F, Generator, ReceptiveError, randn, type Tensor, tensor } from "../../kernel/engine/index";
import {
  adaptiveWindow,
  pool2dOutputSize,
  poolOutputSize,
  unpoolOutputSize,
} from "../../kernel/engine/ops/pool-shape";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

const f64 = (n: number) => new Float64Array(n);

describe("pool ref kernels: float64 gradient checks", () => {
  // [H, W, KH, KW, strideH, strideW, padH, padW, ceilMode, countIncludePad, divisorOverride]
  const avgConfigs: [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    boolean,
    boolean,
    number,
  ][] = [
    [5, 6, 2, 2, 2, 2, 0, 0, false, true, 0],
    [7, 6, 3, 2, 2, 1, 1, 1, false, true, 0],
    [6, 7, 3, 3, 2, 2, 1, 1, true, true, 0],
    [6, 7, 3, 3, 2, 2, 1, 1, true, false, 0],
    [5, 5, 2, 2, 2, 2, 0, 0, true, false, 0],
    [7, 7, 3, 3, 2, 2, 1, 1, false, true, 4],
  ];
  for (const [H, W, KH, KW, sH, sW, pH, pW, ceilMode, cip, div] of avgConfigs) {
    it(`avgPool2d ${H}x${W} k${KH}x${KW} s${sH}x${sW} p${pH}x${pW} ceil=${ceilMode} countIncludePad=${cip} divisor=${div}`, () => {
      const [N, C] = [2, 2];
      const [OH, OW] = pool2dOutputSize([H, W], [KH, KW], { stride: [sH, sW], padding: [pH, pW], ceilMode });
      const g: PoolGeometry = {
        ...{ N, C, H, W, OH, OW, KH, KW },
        ...{ strideH: sH, strideW: sW, padTop: pH, padLeft: pW, dilationH: 1, dilationW: 1 },
      };
      const inp = f64Random(N * C * H * W, 3); // (N, C, H, W)
      const w = f64Random(N * C * OH * OW, 7); // (N, C, OH, OW)
      gradcheck(
        "avgPool2d",
        [inp],
        ([x]) => {
          const out = f64(N * C * OH * OW);
          avgPool2dForward(out, x, g, cip, div);
          return dot(out, w);
        },
        ([x]) => {
          const dinp = f64(x.length);
          avgPool2dBackward(dinp, w, g, cip, div);
          return [dinp];
        },
      );
    });
  }

  for (const [H, W, OH, OW] of [
    [7, 10, 3, 4],
    [10, 7, 4, 3],
    [3, 5, 5, 7],
    [6, 6, 1, 1],
  ]) {
    it(`adaptiveAvgPool2d ${H}x${W} -> ${OH}x${OW}`, () => {
      const [N, C] = [2, 3];
      const inp = f64Random(N * C * H * W, 11); // (N, C, H, W)
      const w = f64Random(N * C * OH * OW, 5); // (N, C, OH, OW)
      gradcheck(
        "adaptiveAvgPool2d",
        [inp],
        ([x]) => {
          const out = f64(N * C * OH * OW);
          adaptiveAvgPool2dForward(out, x, { N, C, H, W, OH, OW });
          return dot(out, w);
        },
        ([x]) => {
          const dinp = f64(x.length);
          adaptiveAvgPool2dBackward(dinp, w, { N, C, H, W, OH, OW });
          return [dinp];
        },
      );
    });
  }

  it("maxUnpool2d scatter and its gather adjoint", () => {
    const [N, C, H, W, OH, OW] = [2, 2, 3, 3, 6, 7];
    // Each input element goes to a distinct spot of its (OH, OW) plane.
    const indices = new Float64Array(N * C * H * W).map((_, i) => ((i % (H * W)) * 5 + (i >> 3)) % (OH * OW));
    const inp = f64Random(N * C * H * W, 2);
    const w = f64Random(N * C * OH * OW, 13);
    gradcheck(
      "maxUnpool2d",
      [inp],
      ([x]) => {
        const out = f64(N * C * OH * OW);
        maxUnpool2dForward(out, x, indices, { N, C, H, W, OH, OW });
        return dot(out, w);
      },
      ([x]) => {
        const dinp = f64(x.length);
        maxUnpool2dBackward(dinp, w, indices, { N, C, H, W, OH, OW });
        return [dinp];
      },
    );
  });
});

/** Brute-force argmax of every max-pool window (first maximum wins), for checking the op. */
function bruteArgmax(
  x: Float32Array,
  [N, C, H, W]: number[],
  [OH, OW]: number[],
  [KH, KW]: number[],
  [sH, sW]: number[],
  [pH, pW]: number[],
  [dH, dW]: number[],
): number[] {
  const result: number[] = [];
  for (let p = 0; p < N * C; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let best = -1;
        for (let i = 0; i < KH; i++)
          for (let j = 0; j < KW; j++) {
            const h = oh * sH - pH + i * dH;
            const w = ow * sW - pW + j * dW;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            if (best < 0 || x[p * H * W + h * W + w] > x[p * H * W + best]) best = h * W + w;
          }
        result.push(best);
      }
  return result;
}

describe("max pooling routes gradients to the argmax", () => {
  it("each output's gradient lands on its window's maximum, and only there", () => {
    const x = randn([2, 3, 9, 8], { requiresGrad: true, generator: new Generator(21) });
    const [out, idx] = F.maxPool2d(x, [3, 2], {
      stride: [2, 3],
      padding: 1,
      dilation: [2, 1],
      ceilMode: true,
      returnIndices: true,
    });
    const [OH, OW] = out.shape.slice(2);
    assert.equal(idx.dtype, "int64");
    const expected = bruteArgmax(x.storage, [2, 3, 9, 8], [OH, OW], [3, 2], [2, 3], [1, 1], [2, 1]);
    assert.deepEqual([...idx.storage], expected, "indices are the windows' argmax positions h * W + w");
    for (let j = 0; j < out.numel; j++)
      assert.equal(
        out.storage[j],
        x.storage[Math.floor(j / (OH * OW)) * 72 + expected[j]],
        `output ${j} is its max`,
      );

    const gout = tensor(
      Float32Array.from({ length: out.numel }, (_, i) => i + 1),
      { shape: out.shape },
    );
    out.backward(gout);
    const want = new Float32Array(x.numel);
    expected.forEach((pos, j) => {
      want[Math.floor(j / (OH * OW)) * 72 + pos] += j + 1;
    });
    assert.deepEqual([...x.grad!.storage], [...want]);
  });

  it("ties go to the first maximum; a NaN propagates", () => {
    const ones = tensor(
      [
        [
          [
            [1, 1, 1, 1],
            [1, 1, 1, 1],
            [1, 1, 1, 1],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    const [out, idx] = F.maxPool2d(ones, 2, { stride: 1, returnIndices: true });
    assert.deepEqual(
      idx.toArray(),
      [
        [
          [
            [0, 1, 2],
            [4, 5, 6],
          ],
        ],
      ],
      "the top-left entry of each window",
    );
    out.sum().backward();
    assert.deepEqual(ones.grad!.toArray(), [
      [
        [
          [1, 1, 1, 0],
          [1, 1, 1, 0],
          [0, 0, 0, 0],
        ],
      ],
    ]);

    const withNaN = tensor([[[[1, Number.NaN, 5, 2]]]]);
    const [v, i] = F.maxPool2d(withNaN, [1, 2], { returnIndices: true });
    assert.ok(Number.isNaN(v.storage[0]), "NaN wins its window");
    assert.equal(v.storage[1], 5);
    assert.deepEqual([...i.storage], [1, 2]);
  });

  it("a dilated window that only touches padding gives -inf and no gradient", () => {
    // H = 2, kernel 2 with dilation 3 and padding 1: the one window's taps are rows -1 and 2.
    // PyTorch reports -inf and index 2 * W + w too (its backward then writes past the plane).
    const x = randn([1, 1, 2, 5], { requiresGrad: true, generator: new Generator(8) });
    const [out, idx] = F.maxPool2d(x, [2, 1], {
      stride: 1,
      padding: [1, 0],
      dilation: [3, 1],
      returnIndices: true,
    });
    assert.deepEqual([...out.storage], new Array(5).fill(Number.NEGATIVE_INFINITY));
    assert.deepEqual([...idx.storage], [10, 11, 12, 13, 14]);
    out.backward(tensor(new Float32Array(5).fill(1), { shape: out.shape }));
    assert.deepEqual([...x.grad!.storage], new Array(10).fill(0));
  });

  it("adaptiveMaxPool2d routes gradients through overlapping windows", () => {
    const x = tensor(
      [
        [
          [
            [0, 9, 1],
            [2, 3, 4],
            [5, 6, 7],
          ],
        ],
      ],
      { requiresGrad: true },
    );
    const [out, idx] = F.adaptiveMaxPool2d(x, 2, { returnIndices: true });
    // 3 -> 2: rows [0, 2) and [1, 3); the 9 at (0, 1) tops both upper windows.
    assert.deepEqual(out.toArray(), [
      [
        [
          [9, 9],
          [6, 7],
        ],
      ],
    ]);
    assert.deepEqual(idx.toArray(), [
      [
        [
          [1, 1],
          [7, 8],
        ],
      ],
    ]);
    out.backward(tensor([[[[1, 10, 100, 1000]]]]));
    assert.deepEqual(x.grad!.toArray(), [
      [
        [
          [0, 11, 0],
          [0, 0, 0],
          [0, 100, 1000],
        ],
      ],
    ]);
  });

  it("maxUnpool2d undoes maxPool2d where the maxima were", () => {
    const x = randn([1, 2, 5, 7], { generator: new Generator(4) });
    const [pooled, idx] = F.maxPool2d(x, 2, { returnIndices: true });
    const restored = F.maxUnpool2d(pooled, idx, 2, { outputSize: x.shape });
    assert.deepEqual(restored.shape, [1, 2, 5, 7]);
    const back = F.maxPool2d(restored, 2);
    expectClose(back.storage, pooled.storage, "pooling the unpooled tensor gives the pooled values");
    const kept = restored.storage.filter((v) => v !== 0).length;
    assert.equal(kept, pooled.numel, "one nonzero per window, zeros elsewhere");
  });
});

describe("pool output sizes (PyTorch's arithmetic)", () => {
  it("matches torch 1.13 for floor and ceil modes", () => {
    // [L, kernel, stride, padding, dilation, ceilMode, torch's output length]
    const table: [number, number, number, number, number, boolean, number][] = [
      [224, 2, 2, 0, 1, false, 112],
      [7, 3, 2, 1, 1, false, 4],
      [7, 3, 2, 1, 1, true, 4],
      [5, 2, 2, 0, 1, true, 3],
      [5, 2, 2, 1, 1, true, 3], // ceil gives 4, the 4th window would start in the right padding
      [6, 3, 2, 1, 1, true, 4],
      [10, 3, 3, 0, 2, true, 3],
      [9, 3, 2, 0, 2, false, 3],
      [32, 5, 1, 2, 1, false, 32],
      [13, 4, 3, 2, 1, true, 5],
      [11, 3, 2, 1, 3, true, 4],
      [4, 2, 3, 1, 1, true, 2],
    ];
    for (const [L, k, stride, padding, dilation, ceilMode, want] of table)
      assert.equal(
        poolOutputSize(L, k, { stride, padding, dilation, ceilMode }),
        want,
        `L=${L} k=${k} s=${stride} p=${padding} d=${dilation} ceil=${ceilMode}`,
      );
    assert.equal(poolOutputSize(9, 3), 3, "stride defaults to the kernel size");
    assert.deepEqual(pool2dOutputSize([7, 10], [3, 2], { stride: [2, 3], padding: [1, 0] }), [4, 3]);
  });

  it("unpooling and adaptive windows", () => {
    assert.equal(unpoolOutputSize(3, 2), 6);
    assert.equal(unpoolOutputSize(4, 3, 2, 1), 7);
    const windows = [0, 1, 2].map((i) => adaptiveWindow(i, 7, 3));
    assert.deepEqual(windows, [
      [0, 3],
      [2, 5],
      [4, 7],
    ]);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => adaptiveWindow(i, 3, 5)),
      [
        [0, 1],
        [0, 2],
        [1, 2],
        [1, 3],
        [2, 3],
      ],
    );
  });
});

/** Asserts `fn` throws a ReceptiveError from `op` whose message matches every pattern. */
function throwsFrom(op: string, fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.equal(e.op, op);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe("pool errors", () => {
  const x4: Tensor = randn([1, 2, 4, 4], { generator: new Generator(1) });

  it("wrong rank names the expected layouts and the fix", () => {
    throwsFrom(
      "maxPool2d",
      () => F.maxPool2d(randn([4, 4]), 2),
      /rank 4 \(N, C, H, W\) or rank 3 \(C, H, W\)/,
      /\[4, 4\]/,
      /unsqueeze\(0\)/,
    );
    throwsFrom("avgPool2d", () => F.avgPool2d(randn([1, 1, 1, 4, 4]), 2), /got rank 5/, /reshape/);
    throwsFrom(
      "maxPool1d",
      () => F.maxPool1d(randn([8]), 2),
      /rank 3 \(N, C, L\) or rank 2 \(C, L\)/,
      /unsqueeze/,
    );
    throwsFrom("adaptiveAvgPool2d", () => F.adaptiveAvgPool2d(randn([5]), 1), /got rank 1 with shape \[5\]/);
    throwsFrom(
      "maxPool2d",
      () =>
        F.maxPool2d(
          tensor(
            [
              [
                [1, 2],
                [3, 4],
              ],
            ],
            { dtype: "int64" },
          ),
          1,
        ),
      /float/,
      /\.float\(\)/,
    );
    throwsFrom("maxPool2d", () => F.maxPool2d(randn([1, 0, 4, 4]), 2), /empty dim/);
  });

  it("a kernel larger than the padded input", () => {
    throwsFrom(
      "maxPool2d",
      () => F.maxPool2d(x4, 5),
      /kernelSize \[5, 5\] is larger than the padded input \[4, 4\]/,
      /output size would be \[0, 0\]/,
    );
    throwsFrom(
      "maxPool2d",
      () => F.maxPool2d(x4, 3, { dilation: 2 }),
      /spanning \[5, 5\] with dilation \[2, 2\]/,
      /smaller kernel/,
    );
    throwsFrom(
      "avgPool1d",
      () => F.avgPool1d(randn([1, 3]), 4),
      /kernelSize 4 is larger than the padded input 3/,
    );
  });

  it("padding more than half the kernel", () => {
    throwsFrom(
      "maxPool2d",
      () => F.maxPool2d(x4, 3, { padding: 2 }),
      /padding \[2, 2\] is more than half of kernelSize \[3, 3\]/,
    );
    throwsFrom("avgPool2d", () => F.avgPool2d(x4, [3, 2], { padding: [1, 2] }), /padding \[1, 2\]/);
    throwsFrom(
      "maxPool1d",
      () => F.maxPool1d(randn([1, 2, 8]), 2, { padding: 2 }),
      /padding 2 is more than half of kernelSize 2/,
    );
  });

  it("non-positive sizes", () => {
    throwsFrom("maxPool2d", () => F.maxPool2d(x4, 0), /kernelSize must be positive integers, got 0/);
    throwsFrom(
      "maxPool2d",
      () => F.maxPool2d(x4, 2, { stride: [1, 0] }),
      /stride must be positive integers, got \[1, 0\]/,
      /never move/,
    );
    throwsFrom("maxPool2d", () => F.maxPool2d(x4, 2, { dilation: 0 }), /dilation must be positive/);
    throwsFrom("avgPool2d", () => F.avgPool2d(x4, 2, { padding: -1 }), /padding must be non-negative/);
    throwsFrom("avgPool2d", () => F.avgPool2d(x4, 2.5), /kernelSize must be positive integers/);
    throwsFrom("maxPool2d", () => F.maxPool2d(x4, [2, 2, 2]), /kernelSize must be a number or \[h, w\]/);
    throwsFrom(
      "adaptiveAvgPool2d",
      () => F.adaptiveAvgPool2d(x4, [0, 2]),
      /outputSize must be positive integers, got \[0, 2\]/,
    );
    throwsFrom(
      "adaptiveMaxPool1d",
      () => F.adaptiveMaxPool1d(randn([2, 5]), -1),
      /outputSize must be positive/,
    );
    throwsFrom(
      "avgPool2d",
      () => F.avgPool2d(x4, 2, { divisorOverride: 0 }),
      /divisorOverride must be a non-zero integer/,
    );
  });

  it("maxUnpool2d checks its indices", () => {
    const [pooled, idx] = F.maxPool2d(x4, 2, { returnIndices: true });
    throwsFrom(
      "maxUnpool2d",
      () => F.maxUnpool2d(pooled, F.maxPool2d(randn([1, 2, 6, 6]), 2, { returnIndices: true })[1], 2),
      /indices must have the input's shape \[1, 2, 2, 2\], got \[1, 2, 3, 3\]/,
    );
    throwsFrom(
      "maxUnpool2d",
      () => F.maxUnpool2d(pooled, idx.float(), 2),
      /indices must be int64/,
      /returnIndices/,
    );
    const bad = tensor(
      [
        [
          [
            [0, 1],
            [2, 16],
          ],
          [
            [0, 0],
            [0, 0],
          ],
        ],
      ],
      { dtype: "int64" },
    );
    throwsFrom(
      "maxUnpool2d",
      () => F.maxUnpool2d(pooled, bad, 2),
      /index 16 at flat position 3/,
      /\[4, 4\] \(16 positions\)/,
    );
    throwsFrom(
      "maxUnpool2d",
      () => F.maxUnpool2d(pooled, idx, 2, { outputSize: [6, 4] }),
      /dim 0 must be between 3 and 5/,
    );
    throwsFrom(
      "maxUnpool2d",
      () => F.maxUnpool2d(pooled, idx, 2, { outputSize: [4, 4, 4] }),
      /2 or 4 entries/,
    );
  });
});
