// Losses: float64 gradient checks of the nll and binary cross-entropy kernel pairs, PyTorch
// behaviours the goldens cannot encode (NaN when every target is ignored), and the errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bceBackward,
  bceForward,
  nllLossBackward,
  nllLossForward,
} from "../../kernel/engine/backends/ref/loss";
import { F, tensor } from "../../kernel/engine/index";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

const f64 = (n: number) => new Float64Array(n);

describe("loss ref kernels: float64 gradient checks", () => {
  it("nllLoss over (N, C, inner) with weights and an ignored target", () => {
    const [N, C, inner] = [3, 4, 2];
    const target = Float64Array.from([0, 3, -100, 2, 1, 1]); // (N, inner)
    const weight = Float64Array.from([0.5, 1.5, 2, 0.25]);
    const inp = f64Random(N * C * inner, 9);
    const w = f64Random(N * inner, 4);
    const f = ([x]: Float64Array[]) => {
      const losses = f64(N * inner);
      nllLossForward(losses, x, target, weight, N, C, inner, -100);
      return dot(losses, w);
    };
    gradcheck("nllLoss", [inp], f, ([x]) => {
      const dinp = f64(x.length);
      nllLossBackward(dinp, w, target, weight, N, C, inner, -100);
      return [dinp];
    });
    const losses = f64(N * inner);
    const total = nllLossForward(losses, inp, target, weight, N, C, inner, -100);
    assert.equal(total, 0.5 + 0.25 + 2 + 1.5 + 1.5, "weights of the kept targets 0, 3, 2, 1, 1");
    assert.equal(losses[2], 0, "the ignored item has no loss");
  });

  it("binary cross-entropy: input, target and weight", () => {
    const n = 11;
    const x = f64Random(n, 21).map((v) => 0.1 + 0.4 * (v + 1)); // in (0.1, 0.9)
    const t = f64Random(n, 22).map((v) => (v + 1) / 2);
    const wt = f64Random(n, 23).map((v) => 1 + v / 2);
    const w = f64Random(n, 24);
    const f = ([x, t, wt]: Float64Array[]) => {
      const out = f64(n);
      bceForward(out, x, t, wt);
      return dot(out, w);
    };
    gradcheck("bce", [x, t, wt], f, ([x, t, wt]) => {
      const [dx, dt, dw] = [f64(n), f64(n), f64(n)];
      bceBackward(dx, dt, dw, w, x, t, wt);
      return [dx, dt, dw];
    });
  });
});

describe("class-index losses", () => {
  it("crossEntropy matches -log softmax at the target, and its gradient is softmax - onehot", () => {
    const x = tensor([[2, 1, 0.5]], { requiresGrad: true });
    const loss = F.crossEntropy(x, tensor([0], { dtype: "int64" }));
    const e = [Math.exp(2), Math.exp(1), Math.exp(0.5)];
    const s = e[0] + e[1] + e[2];
    expectClose([loss.item()], [-Math.log(e[0] / s)], "loss");
    loss.backward();
    expectClose(x.grad!.storage, [e[0] / s - 1, e[1] / s, e[2] / s], "grad");
  });

  it("gives NaN for 'mean' when every target is ignored, as PyTorch does", () => {
    const loss = F.crossEntropy(
      tensor([
        [1, 2],
        [3, 4],
      ]),
      tensor([-100, -100], { dtype: "int64" }),
    );
    assert.ok(Number.isNaN(loss.item()));
    const summed = F.crossEntropy(tensor([[1, 2]]), tensor([-100]), { reduction: "sum" });
    assert.equal(summed.item(), 0);
  });

  it("rejects targets that are not whole numbers", () => {
    assert.throws(
      () =>
        F.crossEntropy(
          tensor([
            [1, 2, 3],
            [1, 2, 3],
            [1, 2, 3],
            [1, 2, 3],
          ]),
          tensor([0, 1, 2, 1.5]),
        ),
      /^ReceptiveError: crossEntropy: target must hold integer class indices, found 1\.5 at position 3 /,
    );
  });

  it("rejects targets outside [0, C) unless they are the ignoreIndex", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.throws(
      () => F.crossEntropy(x, tensor([0, 3], { dtype: "int64" })),
      /crossEntropy: target 3 at position 1 is out of range for 3 classes; class indices must be in \[0, 2\]/,
    );
    assert.throws(
      () => F.nllLoss(x, tensor([-1, 0], { dtype: "int64" })),
      /nllLoss: target -1 at position 0/,
    );
    assert.doesNotThrow(() => F.nllLoss(x, tensor([-1, 0], { dtype: "int64" }), { ignoreIndex: -1 }));
  });

  it("rejects targets whose shape does not match the input's", () => {
    const x = tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    assert.throws(
      () => F.crossEntropy(x, tensor([0, 1, 2], { dtype: "int64" })),
      /crossEntropy: for input of shape \[2, 3\] \(N, C, \.\.\.\) the target must hold one class index per item, shape \[2\], but it has shape \[3\]/,
    );
    assert.throws(
      () =>
        F.crossEntropy(
          x,
          tensor(
            [
              [0, 0, 1],
              [1, 0, 0],
            ],
            { dtype: "int64" },
          ),
        ),
      /read as class probabilities and must be a float tensor/,
    );
    assert.throws(
      () => F.crossEntropy(x, tensor([0, 1]), { weight: tensor([1, 2]) }),
      /crossEntropy: weight must hold one value per class, shape \[3\], got \[2\]/,
    );
  });

  it("rejects unknown reductions and out-of-range label smoothing", () => {
    const x = tensor([[1, 2]]);
    const t = tensor([1]);
    assert.throws(
      () => F.crossEntropy(x, t, { reduction: "avg" as "mean" }),
      /crossEntropy: reduction must be 'mean', 'sum' or 'none', got "avg"/,
    );
    assert.throws(() => F.mseLoss(x, x, { reduction: "total" as "sum" }), /mseLoss: reduction must be/);
    assert.throws(
      () => F.crossEntropy(x, t, { labelSmoothing: 1.5 }),
      /labelSmoothing must be between 0 and 1/,
    );
    assert.throws(
      () => F.crossEntropy(tensor([[1, 2]], { dtype: "int64" }), t),
      /crossEntropy: input must hold float scores \(logits\), got int64/,
    );
  });
});

describe("elementwise losses", () => {
  it("refuse to broadcast target and input of different shapes", () => {
    const input = tensor([[0.1], [0.2], [0.3]]);
    const target = tensor([0, 1, 0]);
    for (const [name, fn] of [
      ["mseLoss", F.mseLoss],
      ["l1Loss", F.l1Loss],
      ["binaryCrossEntropy", F.binaryCrossEntropy],
      ["binaryCrossEntropyWithLogits", F.binaryCrossEntropyWithLogits],
    ] as const)
      assert.throws(
        () => fn(input, target),
        new RegExp(`${name}: target shape \\[3\\] differs from input shape \\[3, 1\\]; they must match`),
      );
  });

  it("binaryCrossEntropy rejects inputs outside [0, 1] and clamps log at -100", () => {
    assert.throws(
      () => F.binaryCrossEntropy(tensor([0.5, 1.2]), tensor([1, 0])),
      /binaryCrossEntropy: input must hold probabilities in \[0, 1\], found 1\.2\d* at position 1; apply sigmoid first/,
    );
    expectClose([F.binaryCrossEntropy(tensor([0]), tensor([1])).item()], [100], "log(0) clamped");
  });

  it("binaryCrossEntropyWithLogits equals binaryCrossEntropy of the sigmoid", () => {
    const x = tensor([-2, -0.5, 0, 1, 3]);
    const t = tensor([0, 1, 0.3, 1, 0]);
    expectClose(
      [F.binaryCrossEntropyWithLogits(x, t).item()],
      [F.binaryCrossEntropy(x.sigmoid(), t).item()],
      "loss",
    );
  });

  it("tripletMarginLoss needs inputs of equal rank", () => {
    assert.throws(
      () => F.tripletMarginLoss(tensor([[1, 2]]), tensor([[1, 2]]), tensor([1, 2])),
      /tripletMarginLoss: anchor, positive and negative must have the same number of dims/,
    );
  });
});
