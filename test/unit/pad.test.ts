// F.pad beyond the PyTorch goldens: float64 gradient checks of the ref kernel pair for every mode
// (with crops), small hand-checkable results, the two ways to pass the mode, and the errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PadMode, padBackward, padForward } from "../../kernel/engine/backends/ref/pad";
import { refKernel } from "../../kernel/engine/backends/registry";
import { arange, F, type Tensor, tensor, zeros } from "../../kernel/engine/index";
import { dot, expectClose, expectShape, f64Random, gradcheck } from "../helpers";

const fwd = refKernel("padForward") as typeof padForward;
const bwd = refKernel("padBackward") as typeof padBackward;

describe("pad ref kernels (float64 gradient check)", () => {
  const cases: [PadMode, number[], number[], number[]][] = [
    ["constant", [2, 3, 4], [1, 0, 2], [0, 2, 1]],
    ["constant", [2, 5, 6], [0, -1, 2], [0, 2, -3]],
    ["reflect", [2, 4, 5], [0, 3, 2], [0, 1, 4]],
    ["reflect", [1, 5, 6], [0, -1, 3], [0, 2, -2]],
    ["replicate", [2, 3, 3], [0, 4, 1], [0, 2, 5]],
    ["replicate", [1, 4, 5], [0, 2, -2], [0, -1, 3]],
    ["circular", [1, 2, 4, 5], [0, 0, 4, 2], [0, 0, 3, 5]],
    ["circular", [1, 1, 5, 6], [0, 0, 2, -1], [0, 0, -2, 3]],
    ["circular", [1, 1, 2, 3, 4], [0, 0, 1, 2, 3], [0, 0, 2, 1, 0]],
  ];
  for (const [mode, shape, before, after] of cases)
    it(`${mode} ${JSON.stringify(shape)} before ${JSON.stringify(before)} after ${JSON.stringify(after)}`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const outN = shape.reduce((a, s, d) => a * (s + before[d] + after[d]), 1);
      const inp = f64Random(n, 11);
      const w = f64Random(outN, 12);
      gradcheck(
        `pad ${mode}`,
        [inp],
        ([x]) => {
          const out = new Float64Array(outN);
          fwd(out, x, shape, before, after, mode, 0.25);
          return dot(out, w);
        },
        () => {
          const dinp = new Float64Array(n);
          bwd(dinp, w, shape, before, after, mode);
          return [dinp];
        },
      );
    });
});

describe("pad values", () => {
  const row = () => arange(5).reshape([1, 1, 5]); // [0, 1, 2, 3, 4]
  it("pads one dim in each mode (checked by hand)", () => {
    expectClose(F.pad(row(), [2, 1]).storage, [0, 0, 0, 1, 2, 3, 4, 0], "constant");
    expectClose(F.pad(row(), [2, 1], "constant", 7).storage, [7, 7, 0, 1, 2, 3, 4, 7], "constant 7");
    expectClose(F.pad(row(), [2, 1], "reflect").storage, [2, 1, 0, 1, 2, 3, 4, 3], "reflect");
    expectClose(F.pad(row(), [2, 1], "replicate").storage, [0, 0, 0, 1, 2, 3, 4, 4], "replicate");
    expectClose(F.pad(row(), [2, 1], "circular").storage, [3, 4, 0, 1, 2, 3, 4, 0], "circular");
  });

  it("crops with negative pads; circular wraps what is left", () => {
    expectClose(F.pad(row(), [-1, 2]).storage, [1, 2, 3, 4, 0, 0], "constant crop left");
    expectClose(F.pad(row(), [2, -1], "circular").storage, [2, 3, 0, 1, 2, 3], "circular crop right");
    expectClose(F.pad(row(), [-1, 2], "reflect").storage, [1, 2, 3, 4, 3, 2], "reflect crop left");
  });

  it("gradients add up where several outputs read one input", () => {
    const x = tensor([[[1, 2, 3]]], { requiresGrad: true });
    F.pad(x, [2, 2], "replicate").sum().backward();
    expectClose(x.grad!.storage, [3, 1, 3], "replicate grad");
    x.grad = null;
    F.pad(x, [2, 2], "reflect").sum().backward();
    expectClose(x.grad!.storage, [2, 3, 2], "reflect grad"); // [3, 2, | 1, 2, 3 |, 2, 1]
  });

  it("takes the mode as a string or in an options object", () => {
    const x = arange(12).reshape([1, 3, 4]);
    expectClose(
      F.pad(x, [1, 2], { mode: "reflect" }).storage,
      F.pad(x, [1, 2], "reflect").storage,
      "options vs string",
    );
    expectClose(
      F.pad(x, [1, 2, 0, 1], { value: -3 }).storage,
      F.pad(x, [1, 2, 0, 1], "constant", -3).storage,
      "value option",
    );
    expectShape(F.pad(x, [1, 2, 0, 1, 1, 1]).shape, [3, 4, 7], "constant pads all dims");
  });
});

describe("pad errors", () => {
  const throwsWith = (f: () => Tensor, ...parts: string[]) =>
    assert.throws(f, (e: Error) => {
      for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" should contain "${p}"`);
      return e.name === "ReceptiveError";
    });

  it("names an unknown mode", () => {
    throwsWith(
      () => F.pad(zeros([1, 1, 4]), [1, 1], "zeros" as PadMode),
      "pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got 'zeros'",
      "here it is 'constant'",
    );
    throwsWith(() => F.pad(zeros([1, 1, 4]), [1, 1], { mode: "edge" as PadMode }), "got 'edge'");
  });

  it("checks the pad list", () => {
    throwsWith(() => F.pad(zeros([2, 3]), [1, 1, 1]), "pad: pad must have an even length", "got [1, 1, 1]");
    throwsWith(
      () => F.pad(zeros([2, 3]), [1, 1, 1, 1, 1, 1]),
      "pad: pad [1, 1, 1, 1, 1, 1] pads the last 3 dims, but the input has only 2 (shape [2, 3])",
    );
    throwsWith(() => F.pad(zeros([2, 3]), [1.5, 1]), "list of integers");
    throwsWith(
      () => F.pad(zeros([2, 3]), [-2, -2]),
      "padding (-2, -2) of dim 1 (size 3",
      "would leave -1 elements",
    );
  });

  it("limits reflect and circular pads to the input size", () => {
    throwsWith(
      () => F.pad(zeros([1, 1, 3]), [3, 1], "reflect"),
      "pad: reflect padding must be smaller than the padded dim, got padding (3, 1) of dim 2 (size 3",
      "'replicate'",
    );
    throwsWith(
      () => F.pad(zeros([1, 1, 5]), [6, 0], "circular"),
      "circular padding can wrap around at most once",
    );
    throwsWith(
      () => F.pad(zeros([1, 1, 5]), [5, -1], "circular"),
      "needs each pad <= 4 (what is left after cropping)",
    );
  });

  it("names ranks the border modes do not take", () => {
    throwsWith(
      () => F.pad(zeros([3, 4, 4]), [1, 1, 1, 1], "circular"),
      "pad: mode 'circular' with 2 padded dims expects a 4-D (N, C, H, W) input, got rank 3 with shape [3, 4, 4]; add a batch dim: x.unsqueeze(0)",
    );
    throwsWith(
      () => F.pad(zeros([4, 4]), [1, 1, 1, 1], "reflect"),
      "pad: mode 'reflect' with 2 padded dims expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got rank 2",
    );
    throwsWith(() => F.pad(zeros([5]), [1, 1], "replicate"), "expects a 2-D (C, W) or 3-D (N, C, W) input");
    throwsWith(
      () => F.pad(zeros([1, 1, 2, 2, 2, 2]), [1, 1, 1, 1, 1, 1, 1, 1], "replicate"),
      "2, 4 or 6 entries",
    );
    throwsWith(
      () => F.pad(zeros([1, 1, 4]), [1, 1], { mode: "reflect", value: 2 }),
      "a fill value only applies to mode 'constant', got value 2 with mode 'reflect'",
    );
  });
});
