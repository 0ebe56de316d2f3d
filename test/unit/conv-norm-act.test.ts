// Conv2dNormActivation's fused BatchNorm2d + ReLU6 (models/conv-norm-act.ts, one batchNorm op with
// its output clamped: ops/batch-norm-clamp.ts) and ResNet's blocks (bn + relu, and relu(bn +
// identity) with the residual added in the same op) against the same blocks run child by child:
// the same bits in the output, every gradient and the running statistics, on each backend, in
// training and evaluation; child by child again as soon as a hook watches a child; and a residual
// of the wrong shape named in the error.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setBackend } from "../../kernel/engine/backends/registry";
import { manualSeed, models, nn, randn, type Tensor } from "../../kernel/engine/index";
import { batchNormClamp } from "../../kernel/engine/ops/batch-norm-clamp";

/** A block whose batch norm output crosses both clamp bounds (weight 4, bias 1: values past 0 and 6). */
function block(): InstanceType<typeof models.Conv2dNormActivation> {
  manualSeed(7);
  const m = new models.Conv2dNormActivation(5, 12, { kernelSize: 3, stride: 2 });
  const bn = m.get(1) as nn.BatchNorm2d;
  bn.weight!.storage.fill(4);
  bn.bias!.storage.fill(1);
  return m;
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++)
    if (!Object.is(actual[i], expected[i]) && !(actual[i] === 0 && expected[i] === 0))
      assert.fail(`${what}: element ${i}: fused ${actual[i]}, child by child ${expected[i]}`);
}

/** Output, input gradient and parameter gradients of one step (backward of sum(out * w)). */
function run(m: nn.Module, x: Tensor, w: Tensor) {
  const xi = x.detach().requiresGrad_();
  const out = m.forward(xi);
  out.mul(w).sum().backward();
  return { out, xGrad: xi.grad!, params: m.parameters().map((p) => p.grad!) };
}

describe("Conv2dNormActivation: BatchNorm2d + ReLU6 as one op", () => {
  for (const backend of ["wasm", "ref"])
    for (const training of [true, false])
      it(`matches the block run child by child bit for bit (${backend}, ${training ? "training" : "eval"})`, () => {
        setBackend(backend);
        try {
          manualSeed(3);
          const x = randn([6, 5, 18, 18]);
          const w = randn([6, 12, 9, 9]);
          const fused = block();
          const plain = block();
          // Any hook on a child makes the block run child by child.
          plain.get(2).registerForwardHook(() => undefined);
          for (const m of [fused, plain]) m.train(training);
          const a = run(fused, x, w);
          const b = run(plain, x, w);
          assert.equal(
            a.out.gradFn?.name,
            "batchNorm",
            "the fused block's output comes from one batchNorm op",
          );
          assert.equal(b.out.gradFn?.name, "relu6", "with a hook, the block's output comes from ReLU6");
          const clamped = (a.out.storage as Float32Array).filter((v) => v === 0 || v === 6).length;
          assert.ok(
            clamped > 100,
            `only ${clamped} outputs at a clamp bound: the test would not cover the mask`,
          );
          assertSameBits(a.out.storage, b.out.storage, "output");
          assertSameBits(a.xGrad.storage, b.xGrad.storage, "input gradient");
          for (const [i, g] of a.params.entries())
            assertSameBits(g.storage, b.params[i].storage, `gradient of parameter ${i}`);
          const [bnA, bnB] = [fused.get(1) as nn.BatchNorm2d, plain.get(1) as nn.BatchNorm2d];
          assertSameBits(bnA.runningMean!.storage, bnB.runningMean!.storage, "running mean");
          assertSameBits(bnA.runningVar!.storage, bnB.runningVar!.storage, "running variance");
        } finally {
          setBackend("wasm");
        }
      });

  it("runs child by child while a hook watches a child, and as one op again once it is removed", () => {
    const m = block();
    const x = randn([2, 5, 8, 8], { requiresGrad: true });
    const handle = m.get(1).registerForwardPreHook(() => undefined);
    assert.equal(m.forward(x).gradFn?.name, "relu6");
    handle.remove();
    assert.equal(m.forward(x).gradFn?.name, "batchNorm");
  });

  it("fuses a ReLU put in place of the ReLU6, and runs child by child for any other activation", () => {
    const m = block();
    m.addModule("2", new nn.ReLU());
    assert.equal(m.forward(randn([2, 5, 8, 8], { requiresGrad: true })).gradFn?.name, "batchNorm");
    m.addModule("2", new nn.LeakyReLU(0.1));
    assert.equal(m.forward(randn([2, 5, 8, 8], { requiresGrad: true })).gradFn?.name, "leakyRelu");
  });
});

/** How many nodes of the autograd graph behind `t` are the op `name`. */
function countOps(t: Tensor, name: string): number {
  const seen = new Set<unknown>();
  const stack: unknown[] = [t.gradFn];
  let n = 0;
  while (stack.length > 0) {
    const node = stack.pop() as { name?: string; next?: unknown[] } | null | undefined;
    if (node === null || node === undefined || seen.has(node)) continue;
    seen.add(node);
    if (node.name === name) n++;
    for (const next of node.next ?? []) stack.push(next);
  }
  return n;
}

describe("ResNet blocks: BatchNorm2d + ReLU, and BatchNorm2d + residual + ReLU, as one op", () => {
  /** A CIFAR ResNet-18 of width 8 whose batch norms push many outputs below 0 (bias -0.5). */
  function resnet(): nn.Module {
    manualSeed(11);
    const m = models.resnet18({ numClasses: 10, cifar: true, width: 8 });
    for (const mod of m.modules())
      if (mod instanceof nn.BatchNorm2d) {
        mod.weight!.storage.fill(2);
        mod.bias!.storage.fill(-0.5);
      }
    return m;
  }

  for (const backend of ["wasm", "ref"])
    it(`matches the network run child by child bit for bit, every gradient included (${backend})`, () => {
      setBackend(backend);
      try {
        manualSeed(5);
        const x = randn([4, 3, 16, 16]);
        const w = randn([4, 10]);
        const fused = resnet();
        const plain = resnet();
        // A hook on every ReLU makes each block run bn + relu child by child.
        for (const mod of plain.modules())
          if (mod instanceof nn.ReLU) mod.registerForwardHook(() => undefined);
        const a = run(fused, x, w);
        const b = run(plain, x, w);
        // stem 1 + two per block (bn1 + relu, relu(bn2 + identity)) of 8: 17 relu ops and 8 adds
        // child by child, none fused
        assert.equal(countOps(a.out, "relu"), 0, "fused: every ReLU is part of a batchNorm op");
        assert.equal(countOps(a.out, "add"), 0, "fused: every shortcut is added in a batchNorm op");
        assert.equal(countOps(b.out, "relu"), 17, "child by child: every ReLU");
        assert.equal(countOps(b.out, "add"), 8, "child by child: every shortcut's addition");
        assertSameBits(a.out.storage, b.out.storage, "logits");
        assertSameBits(a.xGrad.storage, b.xGrad.storage, "input gradient");
        assert.equal(a.params.length, b.params.length);
        for (const [i, g] of a.params.entries())
          assertSameBits(g.storage, b.params[i].storage, `gradient of parameter ${i}`);
      } finally {
        setBackend("wasm");
      }
    });

  for (const backend of ["wasm", "ref"])
    for (const training of [true, false])
      it(`matches a Bottleneck with a downsample run child by child bit for bit (${backend}, ${training ? "training" : "eval"})`, () => {
        setBackend(backend);
        try {
          const bottleneck = () => {
            manualSeed(13);
            const down = new nn.Sequential(
              new nn.Conv2d(8, 16, 1, { stride: 2, bias: false }),
              new nn.BatchNorm2d(16),
            );
            const m = new models.Bottleneck(8, 4, 2, down);
            for (const bn of [m.bn1, m.bn2, m.bn3]) bn.bias!.storage.fill(-0.3);
            return m;
          };
          manualSeed(6);
          const x = randn([3, 8, 10, 10]);
          const w = randn([3, 16, 5, 5]);
          const fused = bottleneck();
          const plain = bottleneck();
          plain.relu.registerForwardHook(() => undefined);
          for (const m of [fused, plain]) m.train(training);
          const a = run(fused, x, w);
          const b = run(plain, x, w);
          assert.equal(a.out.gradFn?.name, "batchNorm", "the block ends in one batchNorm op");
          assert.equal(b.out.gradFn?.name, "relu");
          const zeros = (a.out.storage as Float32Array).filter((v) => v === 0).length;
          assert.ok(zeros > 50 && zeros < a.out.numel - 50, `${zeros} of ${a.out.numel} outputs clamped`);
          assertSameBits(a.out.storage, b.out.storage, "output");
          assertSameBits(a.xGrad.storage, b.xGrad.storage, "input gradient");
          for (const [i, g] of a.params.entries())
            assertSameBits(g.storage, b.params[i].storage, `gradient of parameter ${i}`);
          assertSameBits(
            fused.bn3.runningVar!.storage,
            plain.bn3.runningVar!.storage,
            "bn3 running variance",
          );
        } finally {
          setBackend("wasm");
        }
      });

  it("names a residual of the wrong shape and says what the shortcut must do", () => {
    const x = randn([2, 4, 6, 6]);
    assert.throws(
      () =>
        batchNormClamp(x, null, null, { training: true }, 0, Number.POSITIVE_INFINITY, randn([2, 4, 3, 3])),
      /batchNorm.*residual must have the input's shape \[2, 4, 6, 6\], got \[2, 4, 3, 3\].*downsample/s,
    );
  });

  it("gives a residual that needs no clamp dout itself, and one that is clamped dout where 0 < out", () => {
    manualSeed(4);
    const x = randn([2, 3, 4, 4], { requiresGrad: true });
    const r = randn([2, 3, 4, 4], { requiresGrad: true });
    const g = randn([2, 3, 4, 4]);
    batchNormClamp(
      x,
      null,
      null,
      { training: true },
      Number.NEGATIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      r,
    ).backward(g);
    assert.deepEqual(r.grad!.storage, g.storage);
    r.grad = null;
    const out = batchNormClamp(x, null, null, { training: true }, 0, Number.POSITIVE_INFINITY, r);
    out.backward(g);
    const expected = g.storage.map((v, i) => (out.storage[i] > 0 ? v : 0));
    assert.deepEqual(r.grad!.storage, expected);
  });

  it("runs bn1 + relu as one op in a BasicBlock, child by child while a hook watches the ReLU", () => {
    manualSeed(2);
    const block = new models.BasicBlock(4, 4);
    const seen: string[] = [];
    block.bn1.registerForwardHook((_m, _i, out) => {
      seen.push((out as Tensor).gradFn?.name ?? "none");
    });
    block.forward(randn([2, 4, 6, 6], { requiresGrad: true }));
    assert.deepEqual(seen, ["batchNorm"], "with a hook on bn1 it runs on its own");
    const relus: string[] = [];
    block.relu.registerForwardHook((_m, _i, out) => {
      relus.push((out as Tensor).gradFn?.name ?? "none");
    });
    block.forward(randn([2, 4, 6, 6], { requiresGrad: true }));
    assert.deepEqual(relus, ["relu", "relu"], "with a hook on relu both ReLUs run as ReLUs");
  });
});
