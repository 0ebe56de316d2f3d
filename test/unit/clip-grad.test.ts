// nn.utils.clipGradNorm_ and clipGradValue_ against PyTorch 1.13 (test/golden/clip/clip_grad.json,
// made by the seeded make_clip_goldens.py): the total norm returned for every norm type (1, 2, 3,
// 0, Infinity, -Infinity, 'inf'), the gradients after the call, parameters without a gradient,
// NaN and infinite gradients with and without errorIfNonfinite; then the argument errors.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { nn, type Tensor, tensor, zeros } from "../../kernel/engine/index";
import { expectReproduced } from "../golden/regenerated";
import { expectClose } from "../helpers";

interface Grad {
  shape: number[];
  data: (number | string)[];
}
interface ClipCase {
  name: string;
  fn: "clipGradNorm_" | "clipGradValue_";
  grads: (Grad | null)[];
  single: boolean;
  args: (number | string | boolean)[];
  kwargs: Record<string, unknown>;
  total: number | string | null;
  error: string | null;
  after: (Grad | null)[];
}

const file = join(__dirname, "..", "..", "..", "test", "golden", "clip", "clip_grad.json");
const script = join(__dirname, "..", "..", "..", "test", "golden", "clip", "make_clip_goldens.py");
const golden = JSON.parse(readFileSync(file, "utf8")) as {
  format: string;
  version: number;
  cases: ClipCase[];
};
const num = (v: unknown) => (typeof v === "string" && v !== "inf" && v !== "-inf" ? Number(v) : v);

describe("nn.utils.clipGradNorm_ / clipGradValue_ match PyTorch", () => {
  it("golden file header", () => {
    assert.equal(golden.format, "receptive-clip-golden");
    assert.equal(golden.version, 1);
  });
  for (const c of golden.cases)
    it(c.name, () => {
      const params = c.grads.map((g) => {
        const p = new nn.Parameter(zeros(g ? g.shape : [2]));
        p.grad = g ? tensor(Float32Array.from(g.data.map(Number)), { shape: g.shape }) : null;
        return p;
      });
      const target = c.single ? params[0] : params;
      const args = c.args.map(num);
      const rest = Object.keys(c.kwargs).length ? [...args, c.kwargs] : args;
      const call = () =>
        c.fn === "clipGradNorm_"
          ? (nn.utils.clipGradNorm_ as (...a: unknown[]) => Tensor)(target, ...rest)
          : (nn.utils.clipGradValue_ as (...a: unknown[]) => void)(target, ...rest);
      if (c.error !== null) {
        assert.throws(
          call,
          /clipGradNorm_: the total norm of order .* is (NaN|Infinity).*errorIfNonfinite false/,
        );
      } else {
        const out = call();
        if (c.total === null) assert.equal(out, undefined);
        else {
          assert.ok(out, "returns the total norm");
          assert.deepEqual(out.shape, [], "a 0-d tensor");
          expectClose(out.storage, [Number(c.total)], "total norm");
        }
      }
      c.after.forEach((g, i) => {
        if (g === null) assert.equal(params[i].grad, null, `parameter ${i} keeps no gradient`);
        else expectClose(params[i].grad!.storage, g.data.map(Number), `gradient ${i} after`);
      });
    });
  it("the committed file is what the seeded script makes (needs Debian's python3-torch)", () => {
    expectReproduced(script, "clip_grad.json", file);
  });
});

describe("clipGradNorm_ / clipGradValue_ errors", () => {
  const p = new nn.Parameter(zeros([2]));
  p.grad = tensor([3, 4]);
  it("name the function and the bad value", () => {
    assert.throws(
      () => nn.utils.clipGradNorm_([p], 1, -1),
      /clipGradNorm_: normType must be a number >= 0.*got -1/,
    );
    assert.throws(() => nn.utils.clipGradNorm_([p], Number.NaN), /clipGradNorm_: maxNorm must be a number/);
    assert.throws(
      () => nn.utils.clipGradNorm_(5 as never, 1),
      /clipGradNorm_: parameters must be a Tensor or an iterable/,
    );
    assert.throws(
      () => nn.utils.clipGradNorm_([[1, 2]] as never, 1),
      /clipGradNorm_: each parameter must be a Tensor/,
    );
    assert.throws(() => nn.utils.clipGradValue_([p], -1), /clipGradValue_: clipValue must be a number >= 0/);
  });
  it("takes a model's parameters and returns the norm before clipping", () => {
    const model = new nn.Linear(2, 1);
    model.weight.grad = tensor([[3, 4]]);
    model.bias!.grad = tensor([0]);
    const total = nn.utils.clipGradNorm_(model.parameters(), 1);
    expectClose(total.storage, [5], "total");
    expectClose(model.weight.grad.storage, [0.6, 0.8], "clipped", { atol: 1e-6 });
  });
});
