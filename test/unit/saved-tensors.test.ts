// Autograd never computes a gradient from values modified since the forward pass (PyTorch's
// version counters): in-place ops bump a tensor's version, saved tensors are checked at backward,
// the graph's saved tensors are freed after one backward (retainGraph keeps them), and in-place
// ops on tensors in the graph are differentiated (or refused) as in PyTorch.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  F,
  manualSeed,
  nn,
  noGrad,
  optim,
  ReceptiveError,
  randn,
  type Tensor,
  tensor,
  zeros,
} from "../../kernel/engine/index";
import { asList, callCase, decode, goldenFiles, tensorSlots } from "../golden/golden-data";

/** assert.throws for a ReceptiveError whose message matches `re`. */
function throwsClearly(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

const MODIFIED =
  /^backward: one of the variables needed for gradient computation has been modified by an inplace operation: \[.+ of shape \[[\d, ]*\]\] is at version \d+; expected version \d+ instead\. Fix: /;

describe("saved tensors modified in place", () => {
  it("exp's output zeroed after the forward pass: backward raises like PyTorch", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const z = x.exp();
    const s = z.sum();
    z.mul_(0);
    throwsClearly(
      () => s.backward(),
      /^backward: one of the variables needed for gradient computation has been modified by an inplace operation: \[exp output of shape \[3\]\] is at version 1; expected version 0 instead\. Fix: use an out-of-place op \(z = z\.mul\(\.\.\.\) instead of z\.mul_\(\.\.\.\)\) or \.clone\(\) the tensor before modifying it$/,
    );
    assert.equal(x.grad, null, "no gradient reaches x");
    // The out-of-place version is fine.
    const z2 = x.exp();
    const s2 = z2.sum();
    z2.mul(0);
    s2.backward();
    assert.deepEqual(
      [...x.grad!.storage].map((v) => Math.round(v * 1e4) / 1e4),
      [1, 2, 3].map((v) => Math.round(Math.exp(v) * 1e4) / 1e4),
    );
  });

  it("an in-place add to a tensor y.mul(y) saved raises instead of giving 2(y + 100)", () => {
    const y = tensor([1, 2, 3], { requiresGrad: true });
    const p = y.mul(y);
    noGrad(() => y.add_(100));
    assert.equal(y._version, 1);
    throwsClearly(
      () => p.sum().backward(),
      /\[mul input 0 of shape \[3\]\] is at version 1; expected version 0 instead/,
    );
    assert.equal(y.grad, null);
    const q = y.mul(y); // a new forward pass sees the new values
    q.sum().backward();
    assert.deepEqual(y.grad!.toArray(), [202, 204, 206]);
  });

  it("views share the version counter, detach too", () => {
    const x = tensor([1, 2, 3, 4], { requiresGrad: true });
    const z = x.sigmoid();
    const loss = z.sum();
    noGrad(() => z.detach().view(2, 2).fill_(0));
    assert.equal(z._version, 1);
    throwsClearly(
      () => loss.backward(),
      /\[sigmoid output of shape \[4\]\] is at version 1; expected version 0/,
    );
  });

  it("an optimizer step between forward and backward is caught (the weights were saved)", () => {
    manualSeed(0);
    const model = new nn.Linear(3, 2);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const x = randn([4, 3]);
    const loss = model.forward(x).square().mean();
    const loss2 = model.forward(x).square().mean();
    loss.backward();
    opt.step();
    // (version 1: the weight's initialisation; version 2: the step)
    throwsClearly(
      () => loss2.backward(),
      /\[linear input 1 of shape \[2, 3\]\] is at version 2; expected version 1 instead\. Fix: call backward\(\) before SGD\.step\(\), or run the forward pass again after it$/,
    );
  });

  it("indices returned by max pooling and max(dim) are saved: modifying them is caught", () => {
    const x = randn([1, 1, 4, 4], { requiresGrad: true });
    const [out, idx] = F.maxPool2d(x, 2, { returnIndices: true }) as [Tensor, Tensor];
    idx.fill_(0);
    throwsClearly(() => out.sum().backward(), /\[tensor saved by maxPool2d of shape \[1, 1, 2, 2\]\]/);
    const { values, indices } = x.max(1);
    indices.zero_();
    throwsClearly(() => values.sum().backward(), /\[tensor saved by max of shape \[1, 4, 4\]\]/);
  });
});

describe("every golden op's saved tensors are checked", () => {
  // For each golden case with a backward, each tensor argument and the output in turn are
  // modified in place (under noGrad) after the forward pass. Backward must then either refuse
  // (the op saved that tensor) or give exactly the gradients of an unmodified run (the op does
  // not read it). An op whose backward reads a tensor it did not declare in fromOp's `saves`
  // gives different gradients here.
  it("modifying any argument or the output either raises or changes nothing", () => {
    let raised = 0;
    let unchanged = 0;
    for (const golden of goldenFiles())
      for (const c of golden.cases) {
        if (c.gout === null || Object.keys(c.grads).length === 0) continue;
        const run = (modify: (inputs: Tensor[], out: Tensor) => void): Float32Array[] => {
          manualSeed(1); // dropout-style randomness, if any, repeats
          const inputs = c.inputs.map(decode);
          const out = asList(callCase(c, (k) => inputs[k]))[0];
          modify(inputs, out);
          out.backward(decode(c.gout!));
          return Object.keys(c.grads).map((slot) => inputs[Number(slot)].grad!.storage.slice());
        };
        const reference = run(() => {});
        const targets: { what: string; pick: (inputs: Tensor[], out: Tensor) => Tensor }[] = [
          { what: "the output", pick: (_, out) => out },
        ];
        for (const k of new Set(tensorSlots(c).map((p) => resolveIndex(c, p))))
          targets.push({ what: `input ${k}`, pick: (inputs) => inputs[k] });
        for (const { what, pick } of targets) {
          const where = `${c.name} (${c.op}), ${what} modified`;
          let grads: Float32Array[];
          try {
            grads = run((inputs, out) => {
              const t = pick(inputs, out);
              // A change that moves every element (and keeps integer tensors integral).
              const delta = t.dtype === "float32" ? randn(t.shape).mul(0.37).add(0.11) : 1;
              noGrad(() => t.add_(delta));
            });
          } catch (e) {
            assert.ok(e instanceof ReceptiveError, `${where}: ${String(e)}`);
            assert.match(e.message, MODIFIED, where);
            raised++;
            continue;
          }
          grads.forEach((g, i) => {
            assert.deepEqual([...g], [...reference[i]], `${where}: backward ran on modified values`);
          });
          unchanged++;
        }
      }
    assert.ok(raised > 100 && unchanged > 50, `raised ${raised}, unchanged ${unchanged}`);
  });
});

/** The input index a tensor slot refers to. */
function resolveIndex(
  c: { args: unknown[]; kwargs: Record<string, unknown> },
  path: (string | number)[],
): number {
  let a: unknown = path[0] === "args" ? c.args : c.kwargs;
  for (const p of path.slice(1)) a = (a as Record<string | number, unknown>)[p];
  return (a as { t: number }).t;
}

describe("backward twice", () => {
  it("raises like PyTorch unless retainGraph was given the first time", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const loss = x.mul(x).sum();
    loss.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
    throwsClearly(
      () => loss.backward(),
      /^backward: Trying to backward through the graph a second time .*Specify retainGraph: true \(loss\.backward\(\{ retainGraph: true \}\)\)/,
    );
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6], "nothing accumulated by the refused call");

    const loss2 = x.mul(x).sum();
    loss2.backward({ retainGraph: true });
    loss2.backward();
    assert.deepEqual(x.grad!.toArray(), [6, 12, 18]);
    throwsClearly(() => loss2.backward(), /a second time/);

    // With a gradient and options, as torch's backward(gradient, retain_graph=True).
    const y = x.mul(x);
    y.backward(tensor([1, 1, 1]), { retainGraph: true });
    y.backward(tensor([1, 0, 0]));
    assert.deepEqual(x.grad!.toArray(), [10, 16, 24]);
  });

  it("graphs that saved nothing can backward again, as in PyTorch", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const t = x.mul(3).sum(); // multiplying by a number saves nothing
    t.backward();
    t.backward();
    assert.deepEqual(x.grad!.toArray(), [6, 6]);
    const s = x.exp().sum(); // exp saves its output
    s.backward();
    throwsClearly(() => s.backward(), /a second time/);
  });
});

describe("in-place ops on tensors in the graph", () => {
  it("are differentiated: z = 2x; z *= 3 gives 6; earlier uses of z keep their gradient", () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const z = x.mul(2);
    const before = z.sum(); // saw z = 2x
    z.mul_(3);
    assert.equal(z.gradFn!.name, "mul_");
    z.sum().backward();
    assert.deepEqual(x.grad!.toArray(), [6, 6, 6]);
    x.grad = null;
    before.backward();
    assert.deepEqual(x.grad!.toArray(), [2, 2, 2]);
  });

  it("add_, sub_, mul_ by a tensor, copy_, clamp_, fill_ and zero_ match PyTorch's gradients", () => {
    // Values checked against torch 2 by hand-derivation: d/dx and d/dw of sum(result * [1, 2, 3]).
    const g = tensor([1, 2, 3]);
    const fresh = () => {
      const x = tensor([0.5, -1, 2], { requiresGrad: true });
      const w = tensor([3, 4, 5], { requiresGrad: true });
      return { x, w, z: x.mul(1) };
    };
    let { x, w, z } = fresh();
    z.add_(w, 2).sub_(1).mul(g).sum().backward(); // z = x + 2w - 1
    assert.deepEqual(x.grad!.toArray(), [1, 2, 3]);
    assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);

    ({ x, w, z } = fresh());
    z.mul_(w).mul(g).sum().backward(); // z = x w
    assert.deepEqual(x.grad!.toArray(), [3, 8, 15]);
    assert.deepEqual(w.grad!.toArray(), [0.5, -2, 6]);

    ({ x, w, z } = fresh());
    z.mul_(z).mul(g).sum().backward(); // z = x^2 (the operand is z itself, read before the write)
    assert.deepEqual(x.grad!.toArray(), [1, -4, 12]);

    ({ x, w, z } = fresh());
    z.clamp_(0, 1).mul(g).sum().backward(); // passes where 0 <= x <= 1
    assert.deepEqual(x.grad!.toArray(), [1, 0, 0]);
    assert.deepEqual(z.toArray(), [0.5, 0, 1]);

    ({ x, w, z } = fresh());
    z.copy_(w.mul(2)).mul(g).sum().backward(); // z = 2w, x's gradient is 0
    assert.equal(x.grad, null);
    assert.deepEqual(w.grad!.toArray(), [2, 4, 6]);

    ({ x, w, z } = fresh());
    const y = z.fill_(7).add(x);
    y.mul(g).sum().backward(); // z = 7: x's gradient comes only through add
    assert.deepEqual(x.grad!.toArray(), [1, 2, 3]);

    ({ x, w, z } = fresh());
    z.zero_().add_(w.sum()).mul(g).sum().backward(); // broadcast operand: dw sums over z
    assert.deepEqual(w.grad!.toArray(), [6, 6, 6]);
    assert.equal(x.grad, null);
  });

  it("a tensor that did not require grad starts to (buf += w)", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const buf = zeros([2]);
    buf.add_(w.mul(3));
    assert.equal(buf.requiresGrad, true);
    buf.mul(buf).sum().backward(); // buf = 3w: d/dw (9 w^2) = 18 w
    assert.deepEqual(w.grad!.toArray(), [18, 36]);
  });

  it("refuses leaves that require grad, and views, with the fix", () => {
    const w = tensor([1, 2], { requiresGrad: true });
    throwsClearly(
      () => w.mul_(2),
      /^mul_: a leaf tensor that requires grad is being used in an in-place operation\. Fix: wrap the update in noGrad/,
    );
    noGrad(() => w.mul_(2));
    assert.deepEqual(w.toArray(), [2, 4]);

    const z = w.mul(2);
    const v = z.view(2, 1);
    throwsClearly(
      () => z.add_(1),
      /^add_: this tensor \(shape \[2\]\) shares its storage with a view .*Fix: use the out-of-place op \(y = y\.add\(\.\.\.\)\), or \.clone\(\)/,
    );
    throwsClearly(() => v.mul_(3), /^mul_: this tensor \(shape \[2, 1\]\) shares its storage with a view/);
    const z2 = w.mul(2);
    const nv = noGrad(() => z2.view(2));
    throwsClearly(
      () => nv.mul_(3),
      /^mul_: A view was created in noGrad mode and is being modified inplace with grad mode enabled/,
    );
    // Outside the graph in-place ops on views are fine (data preprocessing).
    const img = tensor([1, 2, 3, 4]);
    img.view(2, 2).mul_(2);
    assert.deepEqual(img.toArray(), [2, 4, 6, 8]);
  });

  it("a model still trains: nn, optim and in-place updates together", () => {
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), new nn.Linear(8, 1));
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const x = randn([32, 2]);
    const y = x.select(1, 0).mul(x.select(1, 1)).unsqueeze(1);
    let first = 0;
    let last = 0;
    for (let step = 0; step < 60; step++) {
      opt.zeroGrad();
      const loss = F.mseLoss(model.forward(x), y);
      loss.backward();
      opt.step();
      if (step === 0) first = loss.item();
      last = loss.item();
    }
    assert.ok(last < first / 2, `loss ${first} -> ${last}`);
  });
});
