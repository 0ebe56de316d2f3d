// F.unfold / F.fold and F.pixelShuffle beyond the PyTorch goldens: a float64 gradient check of the
// im2col / col2im pair, the lecture's derivation (conv2d as unfold + matmul, exactly), fold as
// unfold's adjoint, the nn modules' reprs, and the errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PoolGeometry } from "../../kernel/engine/backends/geometry";
import type { col2im, im2col } from "../../kernel/engine/backends/ref/fold";
import { refKernel } from "../../kernel/engine/backends/registry";
import { F, nn, ones, randn, tensor } from "../../kernel/engine/index";
import { dot, expectClose, expectShape, f64Random, gradcheck } from "../helpers";

const im2colK = refKernel("im2col") as typeof im2col;
const col2imK = refKernel("col2im") as typeof col2im;

describe("im2col / col2im ref kernels (float64 gradient check)", () => {
  // (N, C, H, W) = (2, 2, 5, 6), kernel 3x2, stride 2x1, padding 1x0, dilation 1x2: OH 3, OW 4
  const g: PoolGeometry = {
    N: 2,
    C: 2,
    H: 5,
    W: 6,
    OH: 3,
    OW: 4,
    KH: 3,
    KW: 2,
    strideH: 2,
    strideW: 1,
    padTop: 1,
    padLeft: 0,
    dilationH: 1,
    dilationW: 2,
  };
  const n = 2 * 2 * 5 * 6;
  const m = 2 * 2 * 3 * 2 * 3 * 4;
  it("col2im is the adjoint of im2col", () => {
    const w = f64Random(m, 2);
    gradcheck(
      "im2col",
      [f64Random(n, 1)],
      ([x]) => {
        const cols = new Float64Array(m);
        im2colK(cols, x, g);
        return dot(cols, w);
      },
      () => {
        const dx = new Float64Array(n);
        col2imK(dx, w, g);
        return [dx];
      },
    );
  });
});

describe("unfold and fold", () => {
  it("conv2d is unfold + matmul (the lecture's derivation)", () => {
    const x = randn([2, 3, 9, 8]);
    const w = randn([4, 3, 3, 3]);
    const cols = F.unfold(x, 3, { padding: 1, stride: 2 }); // (2, 27, 5 * 4)
    expectShape(cols.shape, [2, 27, 20], "cols");
    const y = w.view(4, -1).matmul(cols).view(2, 4, 5, 4);
    expectClose(y.storage, F.conv2d(x, w, { padding: 1, stride: 2 }).storage, "conv", { atol: 1e-5 });
  });

  it("fold(unfold(x)) counts how many windows cover each pixel", () => {
    const x = ones([1, 1, 3, 3]);
    const back = F.fold(F.unfold(x, 2), 3, 2);
    expectClose(back.storage, [1, 2, 1, 2, 4, 2, 1, 2, 1], "coverage");
  });

  it("unfold on 1x3x32x32 with a 3x3 kernel runs (the notebook's size)", () => {
    const x = randn([1, 3, 32, 32], { requiresGrad: true });
    const cols = F.unfold(x, 3, 1, 1);
    expectShape(cols.shape, [1, 27, 1024], "cols");
    cols.sum().backward();
    // interior pixels are read by all 9 windows, corners by 4
    assert.equal(x.grad!.storage[33], 9);
    assert.equal(x.grad!.storage[0], 4);
  });

  it("nn modules print their arguments as PyTorch does", () => {
    assert.equal(
      String(new nn.Unfold(3, { padding: 1 })),
      "Unfold(kernelSize=3, dilation=1, padding=1, stride=1)",
    );
    assert.equal(
      String(new nn.Fold([4, 5], 2, 1, 0, 2)),
      "Fold(outputSize=[4, 5], kernelSize=2, dilation=1, padding=0, stride=2)",
    );
    assert.equal(String(new nn.PixelShuffle(2)), "PixelShuffle(upscaleFactor=2)");
    expectShape(new nn.PixelUnshuffle(2).forward(randn([1, 1, 4, 6])).shape, [1, 4, 2, 3], "unshuffle");
  });
});

describe("unfold, fold and pixel shuffle errors", () => {
  it("name the op, what was expected, what was given and the fix", () => {
    assert.throws(
      () => F.unfold(randn([4, 4]), 2),
      /unfold: input must be rank 4 \(N, C, H, W\) or rank 3.*unsqueeze/,
    );
    assert.throws(
      () => F.unfold(randn([1, 1, 4, 4]), 5),
      /unfold: kernelSize 5x5.*larger than the padded input 4x4/,
    );
    assert.throws(
      () => F.unfold(randn([1, 1, 4, 4]), 2, { stride: 0 }),
      /unfold: stride must be a whole number >= 1 or two of them \[height, width\], got 0/,
    );
    assert.throws(
      () => F.unfold(tensor([[[[1]]]], { dtype: "int64" }), 1),
      /unfold: expects a float tensor.*float\(\)/,
    );
    assert.throws(
      () => F.fold(randn([1, 11, 20]), [5, 6], 2),
      /fold: input's dim 1 \(11.*multiple of kernelSize 2x2 = 4/,
    );
    assert.throws(
      () => F.fold(randn([1, 12, 7]), [5, 6], 2),
      /fold: input's last dim must be the number of windows, 4 \* 5 = 20.*got 7/,
    );
    assert.throws(
      () => F.pixelShuffle(randn([1, 6, 2, 2]), 2),
      /pixelShuffle: the channel dim \(6.*divisible by upscaleFactor squared \(4\)/,
    );
    assert.throws(
      () => F.pixelUnshuffle(randn([1, 1, 5, 4]), 2),
      /pixelUnshuffle: the height and width \(5x4.*divisible by downscaleFactor \(2\)/,
    );
    assert.throws(() => F.pixelShuffle(randn([4, 4]), 2), /pixelShuffle: input must have at least 3 dims/);
  });
});
