// F.interpolate beyond the PyTorch goldens: a float64 gradient check of the ref kernel pair for
// every mode's taps, values checked by hand, the nearest gradient where PyTorch 1.13's disagrees with
// its own forward, nn.Upsample and its older names, and the errors users meet.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InterpolateGeometry, Taps } from "../../kernel/engine/backends/ref/interpolate";
import { interpolateBackward, interpolateForward } from "../../kernel/engine/backends/ref/interpolate";
import { arange, F, nn, ReceptiveError, randn, type Tensor, tensor } from "../../kernel/engine/index";
import {
  antialiasTaps,
  areaTaps,
  cubicTaps,
  linearTaps,
  nearestTaps,
  unitTaps,
} from "../../kernel/engine/ops/interpolate-taps";
import { dot, expectClose, expectShape, f64Random, gradcheck } from "../helpers";

function throwsClearly(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

describe("interpolate ref kernels (float64 gradient check)", () => {
  const cases: [string, Taps, Taps, Taps, [number, number, number]][] = [
    ["nearest 1-D", unitTaps(), unitTaps(), nearestTaps(5, 8, false, 1.7), [1, 1, 5]],
    ["nearest-exact 2-D", unitTaps(), nearestTaps(3, 7, true), nearestTaps(6, 4, true), [1, 3, 6]],
    ["bilinear", unitTaps(), linearTaps(4, 9, false), linearTaps(5, 3, true), [1, 4, 5]],
    ["bicubic", unitTaps(), cubicTaps(5, 8, false), cubicTaps(4, 7, true, 1.8), [1, 5, 4]],
    ["trilinear", linearTaps(3, 5, true), linearTaps(2, 3, false), linearTaps(4, 6, false), [3, 2, 4]],
    ["area", areaTaps(7, 3), areaTaps(5, 4), areaTaps(3, 5), [7, 5, 3]],
    [
      "antialias",
      unitTaps(),
      antialiasTaps(11, 4, false, false),
      antialiasTaps(9, 3, true, false),
      [1, 11, 9],
    ],
  ];
  for (const [name, td, th, tw, [D, H, W]] of cases)
    it(name, () => {
      const outLen = (t: Taps) => t.index.length / t.T;
      const g: InterpolateGeometry = {
        P: 2,
        D,
        H,
        W,
        OD: outLen(td),
        OH: outLen(th),
        OW: outLen(tw),
        taps: [td, th, tw],
      };
      const n = g.P * D * H * W;
      const outN = g.P * g.OD * g.OH * g.OW;
      const w = f64Random(outN, 5);
      gradcheck(
        `interpolate ${name}`,
        [f64Random(n, 4)],
        ([x]) => {
          const out = new Float64Array(outN);
          interpolateForward(out, x, g);
          return dot(out, w);
        },
        () => {
          const dinp = new Float64Array(n);
          interpolateBackward(dinp, w, g);
          return [dinp];
        },
      );
    });
});

describe("interpolate values", () => {
  const row = () => arange(4).float().reshape([1, 1, 4]); // [0, 1, 2, 3]
  it("nearest repeats, linear blends (checked by hand)", () => {
    expectClose(F.interpolate(row(), { scaleFactor: 2 }).storage, [0, 0, 1, 1, 2, 2, 3, 3], "nearest x2");
    expectClose(F.interpolate(row(), 2, { mode: "nearest" }).storage, [0, 2], "nearest down");
    expectClose(F.interpolate(row(), 2, { mode: "nearest-exact" }).storage, [1, 3], "nearest-exact down");
    expectClose(
      F.interpolate(row(), 7, { mode: "linear", alignCorners: true }).storage,
      [0, 0.5, 1, 1.5, 2, 2.5, 3],
      "linear align corners",
    );
    // alignCorners false: output o samples (o + 0.5) * 4 / 8 - 0.5, clamped at 0.
    expectClose(
      F.interpolate(row(), { scaleFactor: 2, mode: "linear" }).storage,
      [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3],
      "linear",
    );
    expectClose(F.interpolate(row(), 2, { mode: "area" }).storage, [0.5, 2.5], "area");
  });

  it("bicubic reproduces a linear ramp inside the image", () => {
    const x = arange(6).float().reshape([1, 1, 1, 6]).expand([1, 1, 3, 6]);
    const y = F.interpolate(x, [3, 11], { mode: "bicubic", alignCorners: true });
    // (the first and last two read a clamped border tap, so only the inside is a ramp)
    expectClose(y.storage.slice(2, 9), [1, 1.5, 2, 2.5, 3, 3.5, 4], "ramp");
    expectClose([y.storage[0], y.storage[10]], [0, 5], "corners");
  });

  it("nearest gradient sums what each input gave to the output (where PyTorch 1.13's does not)", () => {
    // 2 -> floor(2 * 1.1) = 2: PyTorch's forward reads input 0 twice (floor(o / 1.1)), but its
    // backward copies dout straight through as if the scale were 1.
    const x = tensor([[[5, 7]]], { requiresGrad: true });
    const y = F.interpolate(x, { scaleFactor: 1.1 });
    expectClose(y.storage, [5, 5], "forward reads input 0 twice");
    y.backward(tensor([[[1, 10]]]));
    expectClose(x.grad!.storage, [11, 0], "gradient follows the forward");
  });

  it("scaleFactor vs recomputeScaleFactor: the scale itself or L / O", () => {
    const x = arange(5).float().reshape([1, 1, 5]);
    // floor(5 * 1.3) = 6 outputs; with the scale the step is 1 / 1.3, recomputed it is 5 / 6.
    const withScale = F.interpolate(x, { scaleFactor: 1.3, mode: "linear" }).storage;
    const recomputed = F.interpolate(x, {
      scaleFactor: 1.3,
      mode: "linear",
      recomputeScaleFactor: true,
    }).storage;
    expectClose(recomputed, F.interpolate(x, 6, { mode: "linear" }).storage, "recomputed = by size");
    expectClose([withScale[5]], [Math.min(4, 5.5 / 1.3 - 0.5)], "last output with the scale");
  });
});

describe("nn.Upsample", () => {
  it("calls F.interpolate with its arguments and prints the non-default ones", () => {
    const x = randn([1, 2, 3, 4]);
    const up = new nn.Upsample({ scaleFactor: 2, mode: "bilinear" });
    expectClose(
      up.forward(x).storage,
      F.interpolate(x, { scaleFactor: 2, mode: "bilinear" }).storage,
      "Upsample",
    );
    assert.equal(up.toString(), 'Upsample(scaleFactor=2, mode="bilinear")');
    const positional = new nn.Upsample([5, 7], null, "bicubic", true);
    expectShape(positional.forward(x).shape, [1, 2, 5, 7], "positional size");
    assert.equal(positional.toString(), 'Upsample(size=[5, 7], mode="bicubic", alignCorners=true)');
    assert.equal(new nn.Upsample(null, 2).toString(), 'Upsample(scaleFactor=2, mode="nearest")');
  });

  it("UpsamplingNearest2d and UpsamplingBilinear2d (alignCorners true)", () => {
    const x = randn([1, 1, 3, 3]);
    expectClose(
      new nn.UpsamplingNearest2d(null, 2).forward(x).storage,
      F.interpolate(x, { scaleFactor: 2 }).storage,
      "nearest",
    );
    expectClose(
      new nn.UpsamplingBilinear2d([4, 5]).forward(x).storage,
      F.interpolate(x, [4, 5], { mode: "bilinear", alignCorners: true }).storage,
      "bilinear",
    );
  });
});

describe("interpolate errors", () => {
  const x4 = () => randn([1, 2, 4, 4]);
  it("names the rank a mode needs", () => {
    throwsClearly(
      () => F.interpolate(x4(), { scaleFactor: 2, mode: "linear" }),
      /^interpolate: Got 4D input, but linear mode needs 3D input \(shape \[1, 2, 4, 4\]\); use mode 'bilinear' for 4D input$/,
    );
    throwsClearly(
      () => F.interpolate(randn([4, 4]), { size: 8 }),
      /^interpolate: input must be 3-D \(N, C, L\), 4-D \(N, C, H, W\) or 5-D \(N, C, D, H, W\), got rank 2 with shape \[4, 4\]; add the batch and channel dims/,
    );
  });

  it("wants exactly one of size and scaleFactor", () => {
    throwsClearly(() => F.interpolate(x4()), /^interpolate: either size or scaleFactor should be given/);
    throwsClearly(
      () => F.interpolate(x4(), { size: 8, scaleFactor: 2 }),
      /^interpolate: only one of size or scaleFactor should be given, got size 8 and scaleFactor 2$/,
    );
    throwsClearly(
      () => F.interpolate(x4(), 8, { size: 9 }),
      /^interpolate: size was given both positionally and in the options object/,
    );
    throwsClearly(
      () => F.interpolate(x4(), { size: 8, recomputeScaleFactor: true }),
      /^interpolate: recomputeScaleFactor is not meaningful with an explicit size/,
    );
  });

  it("checks sizes, scales and options against the input", () => {
    throwsClearly(
      () => F.interpolate(x4(), { size: [8, 8, 8] }),
      /^interpolate: Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of \[4, 4\] and size \[8, 8, 8\]/,
    );
    throwsClearly(
      () => F.interpolate(x4(), { scaleFactor: 0.1 }),
      /^interpolate: input and output sizes should be greater than 0, but got input \[4, 4\] .* and output \[0, 0\]; scaleFactor 0.1 shrinks a dim to nothing/,
    );
    throwsClearly(
      () => F.interpolate(x4(), { scaleFactor: -2 }),
      /scaleFactor must be positive and finite, got -2/,
    );
    throwsClearly(() => F.interpolate(x4(), { size: 2.5 }), /size must be whole numbers, got 2.5/);
    throwsClearly(
      () => F.interpolate(x4(), { size: 8, alignCorners: true }),
      /^interpolate: alignCorners can only be set with the interpolating modes: linear \| bilinear \| bicubic \| trilinear, not with mode 'nearest'/,
    );
    throwsClearly(
      () => F.interpolate(x4(), { size: 8, mode: "cubic" as "bicubic" }),
      /^interpolate: mode must be one of 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area', got 'cubic'$/,
    );
    throwsClearly(
      () => F.interpolate(x4(), { size: 2, antialias: true }),
      /^interpolate: antialias is only supported for the bilinear and bicubic modes on 4-D input, got mode 'nearest'$/,
    );
    throwsClearly(
      () => F.interpolate(tensor([[[1, 2]]], { dtype: "int64" }), { size: 4 }),
      /^interpolate: expects a float tensor, got int64/,
    );
  });

  it("nn.Upsample errors name the layer's call", () => {
    throwsClearly(
      () => new nn.Upsample().forward(x4() as Tensor),
      /^interpolate: either size or scaleFactor/,
    );
  });
});
