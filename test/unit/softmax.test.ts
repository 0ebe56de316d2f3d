// softmax / logSoftmax: float64 gradient checks of the ref kernel pairs over (outer, D, inner),
// stability with huge scores, and the op's errors.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  logSoftmaxBackward,
  logSoftmaxForward,
  softmaxBackward,
  softmaxForward,
} from "../../kernel/engine/backends/ref/softmax";
import { F, tensor } from "../../kernel/engine/index";
import { dot, expectClose, f64Random, gradcheck } from "../helpers";

const f64 = (n: number) => new Float64Array(n);

describe("softmax ref kernels: float64 gradient checks", () => {
  const pairs = [
    ["softmax", softmaxForward, softmaxBackward],
    ["logSoftmax", logSoftmaxForward, logSoftmaxBackward],
  ] as const;
  for (const [name, forward, backward] of pairs)
    for (const [outer, D, inner] of [
      [3, 5, 1],
      [2, 4, 3],
      [1, 6, 1],
    ])
      it(`${name} over (${outer}, ${D}, ${inner})`, () => {
        const n = outer * D * inner;
        const x = f64Random(n, 3).map((v) => 3 * v);
        const w = f64Random(n, 5);
        const f = ([x]: Float64Array[]) => {
          const y = f64(n);
          forward(y, x, outer, D, inner);
          return dot(y, w);
        };
        gradcheck(name, [x], f, ([x]) => {
          const y = f64(n);
          forward(y, x, outer, D, inner);
          const dx = f64(n);
          backward(dx, w, y, outer, D, inner);
          return [dx];
        });
      });
});

describe("softmax ops", () => {
  it("rows sum to one and logSoftmax is their log, along the dim asked for", () => {
    const x = tensor([
      [1, 2, 3],
      [-1, 0, 4],
    ]);
    const p = F.softmax(x, 0);
    expectClose(p.sum(0).storage, [1, 1, 1], "columns of softmax(x, 0)");
    expectClose(F.logSoftmax(x, -1).exp().storage, F.softmax(x, -1).storage, "exp(logSoftmax)");
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    expectClose(F.softmax(x, 1).storage.slice(0, 3), [e[0] / s, e[1] / s, e[2] / s], "first row");
  });

  it("stays finite for scores that overflow exp", () => {
    const x = tensor([[1000, 999, -1000]]);
    const p = F.softmax(x, 1).storage;
    const lp = F.logSoftmax(x, 1).storage;
    assert.ok([...p, ...lp].every(Number.isFinite), `got ${[...p]} and ${[...lp]}`);
    expectClose(
      lp,
      [-Math.log1p(Math.exp(-1)), -1 - Math.log1p(Math.exp(-1)), -2000 - Math.log1p(Math.exp(-1))],
      "logSoftmax",
    );
  });

  it("accepts the dim as { dim }", () => {
    const x = tensor([
      [1, 2],
      [3, 5],
    ]);
    expectClose(F.softmax(x, { dim: 0 }).storage, F.softmax(x, 0).storage, "softmax");
  });

  it("reports a missing or out-of-range dim", () => {
    const x = tensor([[1, 2, 3]]);
    assert.throws(
      () => (F.softmax as (x: unknown) => unknown)(x),
      /softmax: needs the dim to normalise over/,
    );
    assert.throws(() => F.logSoftmax(x, 2), /logSoftmax: dim 2 is out of range for a tensor of rank 2/);
  });
});
