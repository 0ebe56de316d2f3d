// Optimizers and LR schedulers against PyTorch: ten steps of every configuration in
// test/golden/optim/optim.json (made by make_optim_goldens.py) replayed with the same initial
// parameters and per-step gradients; parameters within 1e-5 abs + 1e-4 rel, lrs and momenta too.
// Also: resuming from a state dict continues exactly, zeroGrad, and errors.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { nn, optim, type Tensor, tensor } from "../../kernel/engine/index";
import { expectReproduced } from "../golden/regenerated";
import { expectClose } from "../helpers";

interface Enc {
  shape: number[];
  data: number[];
}
interface Step {
  params: Enc[];
  lr: number[];
  momentum: number[];
}
interface OptimCase {
  name: string;
  optimizer: string;
  kwargs: Record<string, unknown>;
  groups: (Record<string, unknown> & { params: number[] })[] | null;
  scheduler: { name: string; args: unknown[]; kwargs: Record<string, unknown> } | null;
  metrics: number[] | null;
  initial: { lr: number[]; momentum: number[] };
  steps: Step[];
}
const file = join(__dirname, "..", "..", "..", "test", "golden", "optim", "optim.json");
const golden = JSON.parse(readFileSync(file, "utf8")) as {
  format: string;
  version: number;
  params: Enc[];
  grads: Enc[][];
  cases: OptimCase[];
};

const decode = (e: Enc): Tensor => tensor(Float32Array.from(e.data), { shape: e.shape });
const freshParams = () => golden.params.map((e) => new nn.Parameter(decode(e)));
const table = optim as unknown as Record<string, new (...a: unknown[]) => any>;

function makeOptimizer(c: OptimCase, params: Tensor[]): optim.Optimizer {
  const groups = c.groups ? c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) })) : params;
  return new table[c.optimizer](groups, c.kwargs);
}

function makeScheduler(c: OptimCase, opt: optim.Optimizer): any {
  if (c.scheduler === null) return null;
  const { name, args, kwargs } = c.scheduler;
  const lambdas: Record<string, (e: number) => number> = { decay09: (e) => 0.9 ** e };
  return new table[name](opt, ...args.map((a) => (typeof a === "string" ? lambdas[a] : a)), kwargs);
}

function momenta(opt: optim.Optimizer): number[] {
  return opt.paramGroups.map((g) => (Array.isArray(g.betas) ? g.betas[0] : ((g.momentum as number) ?? 0)));
}

function runSteps(
  c: OptimCase,
  params: Tensor[],
  opt: optim.Optimizer,
  sched: any,
  from: number,
  to: number,
) {
  for (let k = from; k < to; k++) {
    params.forEach((p, i) => {
      p.grad = decode(golden.grads[k][i]);
    });
    opt.step();
    if (sched !== null) {
      if (c.metrics) sched.step(c.metrics[k]);
      else sched.step();
    }
    const want = c.steps[k];
    params.forEach((p, i) => {
      expectClose(p.data, want.params[i].data, `step ${k + 1}: param ${i}`);
    });
    expectClose(
      opt.paramGroups.map((g) => g.lr),
      want.lr,
      `step ${k + 1}: lr`,
      { atol: 1e-9, rtol: 1e-6 },
    );
    expectClose(momenta(opt), want.momentum, `step ${k + 1}: momentum`, { atol: 1e-9, rtol: 1e-6 });
  }
}

describe("optimizers and schedulers match PyTorch for ten steps", () => {
  it("golden header", () => {
    assert.equal(golden.format, "receptive-optim-golden");
    assert.equal(golden.version, 1);
    assert.equal(golden.cases.length, 27);
  });
  for (const c of golden.cases)
    it(c.name, () => {
      const params = freshParams();
      const opt = makeOptimizer(c, params);
      const sched = makeScheduler(c, opt);
      expectClose(
        opt.paramGroups.map((g) => g.lr),
        c.initial.lr,
        "initial lr",
        { atol: 1e-9, rtol: 1e-6 },
      );
      expectClose(momenta(opt), c.initial.momentum, "initial momentum", { atol: 1e-9, rtol: 1e-6 });
      runSteps(c, params, opt, sched, 0, c.steps.length);
      if (sched) assert.deepEqual(sched.getLastLr(), c.steps[9].lr);
    });
});

describe("optimizer state dicts", () => {
  for (const name of [
    "SGD nesterov",
    "SGD parameter groups",
    "Adam amsgrad",
    "AdamW",
    "RMSprop centered momentum",
    "StepLR",
    "OneCycleLR Adam linear three-phase",
    "ReduceLROnPlateau",
    "LinearLR warm-up",
    "LambdaLR",
  ])
    it(`resuming "${name}" after 5 steps continues like PyTorch's uninterrupted run`, () => {
      const c = golden.cases.find((x) => x.name === name)!;
      const params = freshParams();
      const opt = makeOptimizer(c, params);
      const sched = makeScheduler(c, opt);
      runSteps(c, params, opt, sched, 0, 5);
      const saved = JSON.parse(
        JSON.stringify({ o: opt.stateDict(), s: sched?.stateDict() ?? null }, (_k, v) =>
          v instanceof nn.Parameter || (v && v.constructor?.name === "Tensor") ? { tensor: [...v.data] } : v,
        ),
        (_k, v) => (v && Array.isArray(v.tensor) ? tensor(v.tensor) : v),
      );
      // A new process: same architecture, the checkpoint's weights, a fresh optimizer and scheduler.
      const params2 = freshParams();
      params2.forEach((p, i) => {
        p.storage.set(params[i].storage);
      });
      const opt2 = makeOptimizer(c, params2);
      const sched2 = makeScheduler(c, opt2);
      opt2.loadStateDict(saved.o);
      if (sched2) sched2.loadStateDict(saved.s);
      runSteps(c, params2, opt2, sched2, 5, 10);
    });

  it("refuses a state dict for a different layout", () => {
    const a = new optim.SGD([new nn.Parameter(tensor([1, 2]))], { lr: 0.1, momentum: 0.9 });
    const b = new optim.SGD(
      [{ params: [new nn.Parameter(tensor([1, 2]))] }, { params: [new nn.Parameter(tensor([1]))] }],
      { lr: 0.1 },
    );
    assert.throws(
      () => b.loadStateDict(a.stateDict()),
      /state dict has 1 parameter groups, this optimizer has 2/,
    );
  });
});

describe("optimizer behaviour", () => {
  it("zeroGrad zeroes in place by default (PyTorch 1.13) or drops grads", () => {
    const p = new nn.Parameter(tensor([1, 2, 3]));
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.mul(p).sum().backward();
    const g = p.grad!;
    opt.zeroGrad();
    assert.equal(p.grad, g);
    assert.deepEqual([...g.data], [0, 0, 0]);
    opt.zeroGrad({ setToNone: true });
    assert.equal(p.grad, null);
  });
  it("skips parameters without gradients (frozen layers) and trains a tiny regression", () => {
    const lin = new nn.Linear(2, 1);
    const frozen = new nn.Parameter(tensor([5]));
    const opt = new optim.Adam([...lin.parameters(), frozen], { lr: 0.1 });
    const x = tensor([
      [1, 2],
      [3, -1],
      [0, 1],
      [2, 2],
    ]);
    const y = tensor([[5], [1], [2], [6]]); // y = x0 + 2 x1
    let loss = Infinity;
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      const l = nn.functional.mseLoss(lin.forward(x), y);
      l.backward();
      opt.step();
      loss = l.item();
    }
    assert.ok(loss < 1e-3, `loss ${loss}`);
    expectClose(lin.weight.data, [1, 2], "learned weight", { atol: 0.05, rtol: 0 });
    assert.equal(frozen.item(), 5);
  });
  it("explains bad arguments", () => {
    const p = [new nn.Parameter(tensor([1]))];
    assert.throws(() => new optim.SGD(p, {} as optim.SGDOptions), /SGD: lr is required/);
    assert.throws(
      () => new optim.SGD(p, 0.1 as never),
      /options come as an object: new optim.SGD\(model.parameters\(\), \{ lr: 0.1 \}\)/,
    );
    assert.equal(new optim.SGD([{ params: p[0] }], { lr: 0.1 }).paramGroups[0].params.length, 1);
    assert.throws(() => new optim.SGD([], { lr: 0.1 }), /empty parameter list; pass model.parameters\(\)/);
    assert.throws(
      () => new optim.SGD(p, { lr: 0.1, nesterov: true }),
      /Nesterov momentum requires a momentum > 0/,
    );
    assert.throws(() => new optim.Adam(p, { betas: [0.9, 1.2] }), /betas\[1\] must be in \[0, 1\)/);
    assert.throws(
      () =>
        new optim.SGD(
          p.map((x) => x.mul(2)),
          { lr: 0.1 },
        ),
      /non-leaf/,
    );
    assert.throws(
      () => new optim.SGD([{ params: p }, { params: p }], { lr: 0.1 }),
      /more than one parameter group/,
    );
    const opt = new optim.SGD(p, { lr: 0.1 });
    assert.throws(
      () => new optim.OneCycleLR(opt, 1, {}),
      /give totalSteps, or both epochs and stepsPerEpoch/,
    );
    const oc = new optim.OneCycleLR(opt, 1, { totalSteps: 2 });
    oc.step();
    oc.step();
    assert.throws(() => oc.step(), /tried to step 3 times, but the number of total steps is 2/);
  });
});

describe("optim goldens are reproducible", () => {
  it("the committed file is what the seeded script makes (needs Debian's python3-torch)", () => {
    expectReproduced(
      join(__dirname, "..", "..", "..", "test", "golden", "optim/make_optim_goldens.py"),
      "optim.json",
      file,
    );
  });
});
