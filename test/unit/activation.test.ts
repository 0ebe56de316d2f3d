// Activations added for issue 17: the options PyTorch takes by name, and the errors for bad
// arguments (the values and gradients themselves are in the activation goldens); the range
// activations' gradient outside their range.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, nn, ReceptiveError, randn, type Tensor, tensor } from "../../kernel/engine/index";
import { expectClose } from "../helpers";

/** Asserts `fn` throws a ReceptiveError from `op` whose message matches every pattern. */
function throwsFrom(op: string, fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.equal(e.op, op);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe("activation arguments", () => {
  it("a parameter given positionally or by name gives the same result", () => {
    const x = randn([4, 5]).mul(3);
    expectClose(F.elu(x, { alpha: 0.4 }).storage, F.elu(x, 0.4).storage, "elu");
    expectClose(F.celu(x, { alpha: 2 }).storage, F.celu(x, 2).storage, "celu");
    expectClose(F.leakyRelu(x, { negativeSlope: 0.3 }).storage, F.leakyRelu(x, 0.3).storage, "leakyRelu");
    expectClose(F.softplus(x, { beta: 2, threshold: 3 }).storage, F.softplus(x, 2, 3).storage, "softplus");
    expectClose(F.softplus(x, { threshold: 3 }).storage, F.softplus(x, 1, 3).storage, "softplus threshold");
  });

  it("nn.PReLU holds one slope per channel and learns it", () => {
    const m = new nn.PReLU(3, 0.1);
    assert.deepEqual(m.weight.shape, [3]);
    assert.equal(m.toString(), "PReLU(numParameters=3)");
    const x = tensor([[[-1], [-2], [3]]]); // (1, 3, 1)
    const y = m.forward(x);
    expectClose(y.storage, [-0.1, -0.2, 3], "forward");
    y.sum().backward();
    expectClose(m.weight.grad!.storage, [-1, -2, 0], "the slopes' gradient: x where x <= 0");
  });
});

describe("clamp and hardtanh outside their range", () => {
  // sqrt(clamp(u, 0, 1)) at u < 0: sqrt's gradient at 0 is infinite, and the clamp must pass none
  // of it (PyTorch's where(mask, dout, 0)), not 0 * inf = NaN. The ArcFace head's sin(theta) is
  // such a root: one embedding along a class's weight row made every gradient NaN.
  it("pass no gradient, even an infinite one from above", () => {
    const cases: [string, (x: Tensor) => Tensor][] = [
      ["clamp", (x) => x.clamp(0, 1)],
      ["clamp min", (x) => x.clamp(0)],
      ["hardtanh", (x) => F.hardtanh(x, 0, 1)],
      ["relu6", (x) => F.relu6(x.mul(6)).div(6)],
    ];
    for (const [name, f] of cases) {
      const x = tensor([-1, 0.25, 2]).requiresGrad_();
      f(x).sqrt().sum().backward();
      // d sqrt(x) / dx = 0.5 / sqrt(0.25) = 1 inside; above the range sqrt's gradient is finite
      expectClose(x.grad!.storage, [0, 1, name === "clamp min" ? 0.5 / Math.sqrt(2) : 0], name);
    }
  });
});

describe("activation errors", () => {
  it("gelu's approximate must be 'none' or 'tanh'", () => {
    throwsFrom(
      "gelu",
      () => F.gelu(randn([3]), { approximate: "fast" as "tanh" }),
      /approximate must be 'none' or 'tanh', got "fast"/,
    );
    throwsFrom("GELU", () => new nn.GELU({ approximate: "erf" as "none" }), /got "erf"/);
  });

  it("celu and softplus refuse the parameter they divide by being 0", () => {
    throwsFrom("celu", () => F.celu(randn([3]), 0), /alpha must not be 0/);
    throwsFrom("CELU", () => new nn.CELU(0), /alpha must not be 0/);
    throwsFrom("softplus", () => F.softplus(randn([3]), 0), /beta must not be 0 .*the default is 1/);
    throwsFrom("softplus", () => F.softplus(randn([3]), Number.NaN), /beta must be a number, got NaN/);
    throwsFrom("elu", () => F.elu(randn([3]), "1" as unknown as number), /alpha must be a number, got 1/);
  });

  it("prelu's weight must hold one slope or one per channel", () => {
    throwsFrom(
      "prelu",
      () => F.prelu(randn([2, 3, 4, 4]), randn([4])),
      /weight must hold 1 value or one per channel \(dim 1 of input, 3 for input shape \[2, 3, 4, 4\]\), got shape \[4\]/,
      /nn\.PReLU\(3\)/,
    );
    throwsFrom("prelu", () => new nn.PReLU(4).forward(randn([2, 3, 5])), /got shape \[4\]/);
    throwsFrom(
      "prelu",
      () => F.prelu(randn([2, 3]), [0.25] as never),
      /weight must be a Tensor, got an Array/,
    );
    throwsFrom("PReLU", () => new nn.PReLU(0), /numParameters must be 1 or the number of channels/);
  });
});
