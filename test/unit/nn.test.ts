// nn.Module behaviour users rely on: registration by assignment, traversal order, printing,
// train/eval, freezing, zeroGrad, forward hooks, buffers and state dicts (strict, non-strict,
// shape errors, version migration), containers.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, nn, ones, randn, type Tensor, tensor, zeros } from "../../kernel/engine/index";
import { lenetSequential } from "../fixtures/lenet-sequential";

const lenet = lenetSequential;

class Net extends nn.Module {
  features = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU());
  pool = new nn.AdaptiveAvgPool2d(1);
  fc: nn.Module = new nn.Linear(4, 5);
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.pool.forward(this.features.forward(x)).flatten(1));
  }
}

const count = (m: nn.Module) => m.parameters().reduce((s, p) => s + p.numel, 0);

describe("nn.Module registration and traversal", () => {
  it("LeNet-5 has PyTorch's 61,706 parameters in registration order", () => {
    const net = lenet();
    assert.equal(count(net), 61706);
    assert.deepEqual(
      net.namedParameters().map(([k, p]) => `${k}:${p.shape.join("x")}`),
      [
        "0.weight:6x1x5x5",
        "0.bias:6",
        "3.weight:16x6x5x5",
        "3.bias:16",
        "7.weight:120x400",
        "7.bias:120",
        "9.weight:84x120",
        "9.bias:84",
        "11.weight:10x84",
        "11.bias:10",
      ],
    );
    assert.equal(net.children().length, 12);
    assert.equal(net.modules().length, 13);
    assert.ok(net.parameters().every((p) => p instanceof nn.Parameter && p.requiresGrad));
    assert.match(String(net.parameters()[1]), /^Parameter containing:\ntensor\(/);
    const y = net.forward(randn([2, 1, 28, 28]));
    assert.deepEqual(y.shape, [2, 10]);
  });

  it("assigning a child replaces it (transfer-learning head swap)", () => {
    const net = new Net();
    assert.equal(count(net), 4 * 3 * 9 + 4 + 4 + 4 + 4 * 5 + 5);
    net.fc = new nn.Linear(4, 2);
    assert.deepEqual(
      net.namedParameters().map(([k]) => k),
      [
        "features.0.weight",
        "features.0.bias",
        "features.1.weight",
        "features.1.bias",
        "fc.weight",
        "fc.bias",
      ],
    );
    assert.deepEqual(net.forward(randn([2, 3, 6, 6])).shape, [2, 2]);
    assert.deepEqual(
      net.namedModules().map(([k]) => k),
      ["", "features", "features.0", "features.1", "features.2", "pool", "fc"],
    );
    assert.deepEqual(
      net.namedBuffers().map(([k]) => k),
      ["features.1.runningMean", "features.1.runningVar", "features.1.numBatchesTracked"],
    );
  });

  it("getSubmodule finds a layer by dotted path and names the children when it cannot", () => {
    const net = new Net();
    assert.ok(net.getSubmodule("features.1") instanceof nn.BatchNorm2d);
    assert.equal(net.getSubmodule(""), net);
    assert.throws(
      () => net.getSubmodule("features.7"),
      /features has no submodule "7"; its children are "0", "1", "2"/,
    );
    net.registerModule("extra", new nn.Identity());
    assert.ok(net.getSubmodule("extra") instanceof nn.Identity);
  });

  it("setSubmodule replaces a layer by dotted path, as PyTorch's set_submodule; a bad path is a clear error", () => {
    const net = new Net();
    const x = randn([2, 3, 6, 6]);
    net.setSubmodule("features.2", new nn.Identity()); // ReLU -> Identity: negative features pass
    assert.ok(net.getSubmodule("features.2") instanceof nn.Identity);
    assert.ok(net.features.slice(0, 3).forward(x).min().item() < 0, "the Sequential runs the replacement");
    const head = new nn.Linear(4, 2);
    net.setSubmodule("fc", head, { strict: true });
    assert.equal(net.fc, head);
    assert.deepEqual(net.forward(x).shape, [2, 2]);
    assert.deepEqual(
      net.namedChildren().map(([k]) => k),
      ["features", "pool", "fc"],
      "the replacement keeps the old one's place",
    );
    assert.ok(
      net.namedParameters().some(([k, p]) => k === "fc.weight" && p === head.weight),
      "the new layer's parameters are registered",
    );
    net.setSubmodule("features.extra", new nn.ReLU());
    assert.ok(net.getSubmodule("features.extra") instanceof nn.ReLU, "not strict: a new child is added");
    assert.throws(
      () => net.setSubmodule("features.fc9", new nn.ReLU(), { strict: true }),
      /setSubmodule: features has no submodule "fc9" to replace; its children are "0", "1", "2", "extra"/,
    );
    assert.throws(
      () => net.setSubmodule("head.fc", new nn.ReLU()),
      /getSubmodule: Net has no submodule "head"; its children are "features", "pool", "fc"/,
    );
    assert.throws(
      () => net.setSubmodule("fc.weight", new nn.ReLU()),
      /"fc\.weight" is not a module \(it is a Parameter\)/,
    );
    assert.throws(() => net.setSubmodule("", new nn.ReLU()), /setSubmodule: the target is empty/);
    assert.throws(
      () => net.setSubmodule("fc", null as unknown as nn.Module),
      /setSubmodule: the new "fc" must be an nn.Module, got null/,
    );
  });

  it("a shared module or parameter is listed once; plain tensors and arrays are not registered", () => {
    class Tied extends nn.Module {
      a = new nn.Linear(3, 3);
      plain = ones([3]);
      list = [new nn.Linear(3, 3)];
      b = this.a;
      forward(x: Tensor) {
        return this.b.forward(this.a.forward(x));
      }
    }
    const t = new Tied();
    assert.equal(t.parameters().length, 2);
    assert.deepEqual(
      t.namedChildren().map(([k]) => k),
      ["a"],
    );
    const seq = new nn.Sequential(t.a, new nn.ReLU(), t.a);
    assert.equal(seq.length, 3, "Sequential runs a repeated module each time");
    assert.equal(seq.parameters().length, 2);
  });

  it("Sequential with named children, get, slice, append, iteration; ModuleList", () => {
    const seq = new nn.Sequential({ conv: new nn.Conv2d(1, 2, 3), act: new nn.ReLU() });
    assert.deepEqual(
      seq.namedParameters().map(([k]) => k),
      ["conv.weight", "conv.bias"],
    );
    assert.ok(seq.get(-1) instanceof nn.ReLU);
    assert.ok(seq.slice(0, 1).get(0) === seq.get(0));
    seq.append(new nn.Flatten());
    assert.deepEqual(
      [...seq].map((m) => m.constructor.name),
      ["Conv2d", "ReLU", "Flatten"],
    );
    const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 3)]);
    assert.equal(list.length, 2);
    assert.deepEqual(
      list.namedParameters().map(([k]) => k),
      ["0.weight", "0.bias", "1.weight", "1.bias"],
    );
    list.set(1, new nn.Identity());
    assert.equal(list.parameters().length, 2);
    assert.throws(() => list.get(5), /ModuleList.get: index 5 is out of range for 2 modules/);
    assert.throws(
      () => new nn.Sequential(new nn.ReLU(), 3 as unknown as nn.Module),
      /argument 1 is not an nn.Module/,
    );
  });
});

describe("nn.Module printing", () => {
  it("prints a PyTorch-style tree with only non-default arguments", () => {
    const expected = [
      "Sequential(",
      "  (0): Conv2d(1, 6, kernelSize=5, padding=2)",
      "  (1): ReLU()",
      "  (2): MaxPool2d(2)",
      "  (3): Conv2d(6, 16, kernelSize=5)",
      "  (4): ReLU()",
      "  (5): MaxPool2d(2)",
      "  (6): Flatten()",
      "  (7): Linear(400, 120)",
      "  (8): ReLU()",
      "  (9): Linear(120, 84)",
      "  (10): ReLU()",
      "  (11): Linear(84, 10)",
      ")",
    ].join("\n");
    assert.equal(lenet().toString(), expected);
  });
  it("nested modules indent; non-default options show", () => {
    const m = new nn.Sequential({
      block: new nn.Sequential(
        new nn.Conv2d(3, 8, [3, 1], { stride: 2, bias: false, paddingMode: "reflect", padding: 1 }),
        new nn.BatchNorm2d(8, { momentum: null }),
      ),
      pool: new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
      drop: new nn.Dropout(0.25),
      act: new nn.LeakyReLU(0.2),
      fc: new nn.Linear(8, 2, { bias: false }),
      loss: new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }),
    });
    assert.equal(
      m.toString(),
      [
        "Sequential(",
        "  (block): Sequential(",
        '    (0): Conv2d(3, 8, kernelSize=[3, 1], stride=2, padding=1, bias=false, paddingMode="reflect")',
        "    (1): BatchNorm2d(8, momentum=null)",
        "  )",
        "  (pool): MaxPool2d(3, stride=2, padding=1)",
        "  (drop): Dropout(p=0.25)",
        "  (act): LeakyReLU(negativeSlope=0.2)",
        "  (fc): Linear(8, 2, bias=false)",
        "  (loss): CrossEntropyLoss(labelSmoothing=0.1)",
        ")",
      ].join("\n"),
    );
  });
});

describe("nn.Module modes, freezing and gradients", () => {
  it("train()/eval() reach every descendant and change behaviour", () => {
    const net = new Net();
    assert.equal(net.eval(), net);
    assert.ok(net.modules().every((m) => m.training === false));
    const x = randn([4, 3, 5, 5]);
    const bn = net.features.get(1) as nn.BatchNorm2d;
    const before = bn.runningMean!.data;
    net.forward(x);
    assert.deepEqual(bn.runningMean!.data, before, "eval leaves running stats alone");
    net.train();
    assert.ok(net.modules().every((m) => m.training));
    net.forward(x);
    assert.notDeepEqual(bn.runningMean!.data, before, "train updates running stats");
    assert.equal(bn.numBatchesTracked!.item(), 1);
  });

  it("requiresGrad_(false) freezes a submodule: no gradients reach it", () => {
    const net = new Net();
    net.features.requiresGrad_(false);
    const y = net.forward(randn([2, 3, 5, 5]));
    F.crossEntropy(y, tensor([1, 3], { dtype: "int64" })).backward();
    for (const [k, p] of net.namedParameters()) {
      if (k.startsWith("features")) assert.equal(p.grad, null, `${k} is frozen`);
      else assert.ok(p.grad !== null, `${k} trains`);
    }
  });

  it("zeroGrad zeroes in place by default (PyTorch 1.13), or drops with setToNone", () => {
    const lin = new nn.Linear(3, 2);
    lin
      .forward(randn([4, 3]))
      .sum()
      .backward();
    const g = lin.weight.grad!;
    assert.ok(g.data.some((v) => v !== 0));
    lin.zeroGrad();
    assert.equal(lin.weight.grad, g, "same tensor, zeroed");
    assert.ok(g.data.every((v) => v === 0));
    lin.zeroGrad({ setToNone: true });
    assert.equal(lin.weight.grad, null);
  });
});

describe("forward hooks", () => {
  it("capture feature maps, replace outputs, and stop after remove()", () => {
    const net = lenet();
    const maps: [string, number[]][] = [];
    const handles = net
      .namedModules()
      .filter(([, m]) => m instanceof nn.Conv2d)
      .map(([name, m]) =>
        m.registerForwardHook((_mod, _inp, out: Tensor) => void maps.push([name, [...out.shape]])),
      );
    net.forward(randn([1, 1, 28, 28]));
    assert.deepEqual(maps, [
      ["0", [1, 6, 28, 28]],
      ["3", [1, 16, 10, 10]],
    ]);
    for (const h of handles) h.remove();
    net.forward(randn([1, 1, 28, 28]));
    assert.equal(maps.length, 2);
    const relu = new nn.ReLU();
    const h = relu.registerForwardHook((_m, _i, out: Tensor) => out.mul(2));
    const pre = relu.registerForwardPreHook((_m, [x]: Tensor[]) => x.add(1));
    assert.deepEqual(relu.forward(tensor([-3, 1])).toArray(), [0, 4]);
    h.remove();
    pre.remove();
    assert.deepEqual(relu.forward(tensor([-3, 1])).toArray(), [0, 1]);
    assert.deepEqual(Object.keys(relu), ["training"], "hooks add no enumerable properties");
  });
});

describe("state dicts", () => {
  it("lists parameters then buffers per module, shares storage, and round-trips", () => {
    const a = new Net();
    const sd = a.stateDict();
    assert.deepEqual(Object.keys(sd), [
      "features.0.weight",
      "features.0.bias",
      "features.1.weight",
      "features.1.bias",
      "features.1.runningMean",
      "features.1.runningVar",
      "features.1.numBatchesTracked",
      "fc.weight",
      "fc.bias",
    ]);
    assert.equal(sd["fc.weight"].storage, (a.fc as nn.Linear).weight.storage);
    assert.equal(nn.stateDictVersions(sd)?.["features.1"].version, 2);
    assert.equal(nn.stateDictVersions(sd)?.[""].version, 1);
    const b = new Net();
    assert.deepEqual(b.loadStateDict(sd), { missingKeys: [], unexpectedKeys: [] });
    const x = randn([2, 3, 5, 5]);
    a.eval();
    b.eval();
    assert.deepEqual(b.forward(x).data, a.forward(x).data);
  });

  it("strict loading names missing and unexpected keys; non-strict reports them", () => {
    const net = new Net();
    const sd = net.stateDict();
    const partial: nn.StateDict = { ...sd };
    partial.extra = zeros([1]);
    delete partial["fc.bias"];
    assert.throws(
      () => net.loadStateDict(partial),
      /missing keys: "fc.bias"\n {2}unexpected keys: "extra"\npass \{ strict: false \}/,
    );
    assert.deepEqual(net.loadStateDict(partial, { strict: false }), {
      missingKeys: ["fc.bias"],
      unexpectedKeys: ["extra"],
    });
    const wrong: nn.StateDict = { ...sd };
    wrong["fc.weight"] = zeros([3, 4]);
    assert.throws(
      () => net.loadStateDict(wrong, { strict: false }),
      /size mismatch for fc.weight: copying a param with shape \[3, 4\], the shape in the current model is \[5, 4\]/,
    );
  });

  it("migrates a version-1 batch-norm state dict (no numBatchesTracked)", () => {
    const bn = new nn.BatchNorm2d(2);
    bn.numBatchesTracked!.storage[0] = 7;
    const old: Record<string, Tensor> = {
      weight: tensor([2, 3]),
      bias: tensor([0, 1]),
      runningMean: tensor([0.5, 0.5]),
      runningVar: tensor([2, 2]),
    };
    assert.deepEqual(bn.loadStateDict(old), { missingKeys: [], unexpectedKeys: [] });
    assert.equal(bn.numBatchesTracked!.item(), 0);
    assert.deepEqual([...bn.weight!.data], [2, 3]);
    const current = { ...old };
    Object.defineProperty(current, "_metadata", { value: { "": { version: 2 } } });
    assert.throws(() => bn.loadStateDict(current), /missing keys: "numBatchesTracked"/);
  });

  it("non-persistent buffers stay out of the state dict", () => {
    class WithCache extends nn.Module {
      lin = new nn.Linear(2, 2);
      constructor() {
        super();
        this.registerBuffer("scale", ones([2]));
        this.registerBuffer("cache", zeros([2]), { persistent: false });
      }
      forward(x: Tensor) {
        return this.lin.forward(x);
      }
    }
    const m = new WithCache();
    // Own parameters and buffers come before the children's, as in PyTorch.
    assert.deepEqual(Object.keys(m.stateDict()), ["scale", "lin.weight", "lin.bias"]);
    assert.equal(m.buffers().length, 2);
  });
});

describe("layer errors", () => {
  it("explain what was expected and how to fix it", () => {
    assert.throws(
      () => new nn.Linear(4, 2).forward(randn([2, 1, 2, 2])),
      /Linear: expects input with last dim 4.*flatten/,
    );
    assert.throws(
      () => new nn.Conv2d(3, 6, 3, { groups: 2 }),
      /inChannels \(3\) must be divisible by groups \(2\)/,
    );
    assert.throws(
      () => new nn.Conv2d(3, 6, 3, { stride: 2, padding: "same" }),
      /padding "same" is not supported for strided/,
    );
    assert.throws(
      () => new nn.BatchNorm2d(3).forward(randn([2, 4, 2, 2])),
      /BatchNorm2d: expects 3 channels/,
    );
    assert.throws(
      () => new nn.BatchNorm2d(3).forward(randn([2, 3])),
      /for \(N, C\) features use BatchNorm1d/,
    );
    assert.throws(() => new nn.Dropout(1.5), /between 0 and 1/);
    assert.throws(
      () => new nn.ConvTranspose2d(1, 1, 3, { stride: 2 }).forward(randn([1, 1, 4, 4]), [20, 20]),
      /valid sizes for dim 2 range from 9 to 10/,
    );
  });
  it("ConvTranspose2d outputSize picks the output padding", () => {
    const up = new nn.ConvTranspose2d(2, 1, 3, { stride: 2, padding: 1 });
    assert.deepEqual(up.forward(randn([1, 2, 4, 4])).shape, [1, 1, 7, 7]);
    assert.deepEqual(up.forward(randn([1, 2, 4, 4]), [8, 8]).shape, [1, 1, 8, 8]);
  });
});
