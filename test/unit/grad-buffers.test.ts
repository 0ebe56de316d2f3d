// Gradient buffer recycling and in-place accumulation during backward (autograd/grad-buffers.ts,
// autograd/backward.ts): recycled buffers never show through a user's `.grad`, and a tensor used
// by several ops gets the same gradient whether its contributions are added by autograd or by the
// ops' kernels into the gradient accumulated so far.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  clearGradBuffers,
  gradBuffer,
  gradBufferBytes,
  releaseGradBuffer,
} from "../../kernel/engine/autograd/grad-buffers";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { F, manualSeed, models, ones, randint, randn, type Tensor } from "../../kernel/engine/index";
import { conv2d } from "../../kernel/engine/ops/conv";
import { batchNorm } from "../../kernel/engine/ops/norm";
import { maxPool2d } from "../../kernel/engine/ops/pool";

const runtime = wasmRuntime();

function assertClose(actual: Float32Array, expected: Float32Array, tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (d > tol * (1 + Math.abs(expected[i])))
      assert.fail(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

describe("gradient buffers", () => {
  it("hands a released buffer out again, zeroed", () => {
    clearGradBuffers();
    const b = new Float32Array(1000).fill(3);
    releaseGradBuffer(b);
    const c = gradBuffer(1000);
    assert.equal(c, b);
    assert.ok(c.every((v) => v === 0));
    assert.notEqual(gradBuffer(1000), b);
  });

  it("never recycles a .grad the user holds, or a retained gradient", () => {
    manualSeed(1);
    const x = randn([2, 3, 8, 8], { requiresGrad: true });
    const w = randn([4, 3, 3, 3], { requiresGrad: true });
    const h = conv2d(x, w, null, { padding: 1 }).relu();
    h.retainGrad();
    h.mul(h).sum().backward();
    const xGrad = x.grad!;
    const saved = xGrad.data;
    const hGrad = h.grad!.data;
    const hGradTensor = h.grad!;
    for (let i = 0; i < 5; i++) {
      x.grad = null;
      w.grad = null;
      conv2d(x, w, null, { padding: 1 }).relu().mul(3).sum().backward();
    }
    assert.deepEqual(xGrad.data, saved);
    assert.deepEqual(hGradTensor.data, hGrad);
  });

  it("sums a tensor's contributions from add, conv, batch norm and max pooling as separate passes do", () => {
    manualSeed(2);
    const x = randn([2, 4, 6, 6], { requiresGrad: true });
    const w = randn([4, 4, 3, 3], { requiresGrad: true });
    const terms: ((h: Tensor) => Tensor)[] = [
      (h) => conv2d(h, w, null, { padding: 1 }).square().sum(),
      (h) => h.mul(h).sum(),
      (h) => batchNorm(h, null, null, { training: true }).square().sum(),
      (h) => maxPool2d(h, 2).square().sum(),
      (h) => h.add(h).square().sum(),
    ];
    // Each contribution alone, accumulated into x.grad by separate backward passes.
    for (const term of terms) term(x.relu()).backward();
    const separate = x.grad!.data;
    x.grad = null;
    // All at once: h's gradient is accumulated inside one backward pass.
    const h = x.relu();
    terms
      .map((term) => term(h))
      .reduce((a, b) => a.add(b))
      .backward();
    assertClose(x.grad!.data, separate);
  });

  it("accumulates large gradients (the add kernel's path) exactly like small ones", () => {
    const x = randn([3, 10000], { requiresGrad: true });
    x.mul(2).add(x.mul(x)).sum().backward(); // within one pass: 2 + 2x
    x.mul(3).sum().backward(); // across passes, into .grad: + 3
    const xs = x.data;
    const g = x.grad!.data;
    for (let i = 0; i < xs.length; i++) {
      const expected = Math.fround(Math.fround(2 + Math.fround(2 * xs[i])) + 3);
      if (g[i] !== expected) assert.fail(`element ${i}: got ${g[i]}, expected ${expected}`);
    }
  });

  it("recycles its buffers: wasm memory for gradients stops growing after the first step", () => {
    if (runtime instanceof Error) return;
    manualSeed(3);
    const model = models.lenet5();
    const x = randn([16, 1, 28, 28]);
    const y = randint(0, 10, [16]);
    const resident: number[] = [];
    for (let i = 0; i < 5; i++) {
      model.zeroGrad();
      F.crossEntropy(model.forward(x), y).backward();
      resident.push(gradBufferBytes());
    }
    assert.deepEqual(
      resident.slice(1),
      resident.slice(1).fill(resident[1]),
      `resident bytes per step: ${resident}`,
    );
  });

  it("keeps the gradients of a backward that needs over 64 MiB of them in wasm memory", () => {
    if (runtime instanceof Error) return;
    // Four gradients of 20 MiB each (distinct sizes, so none is recycled for another): 80 MiB,
    // more than MobileNetV2 (CIFAR stem, batch 32) needs (68 MiB), which went past the old cap.
    const before = gradBufferBytes();
    const n = 5 << 20;
    const xs = [0, 1, 2, 3].map((i) => ones([n + 256 * i], { requiresGrad: true }));
    xs.map((x) => x.mul(2).mul(3).sum())
      .reduce((a, b) => a.add(b))
      .backward();
    const grown = gradBufferBytes() - before;
    assert.ok(
      grown >= 4 * 4 * n,
      `gradient buffers in wasm memory grew by ${grown} bytes, expected >= ${16 * n}`,
    );
    for (const x of xs) assert.equal(x.grad!.data[7], 6);
  });

  it("gives both inputs of an add their own copy of the gradient", () => {
    const x = randn([4, 1000], { requiresGrad: true });
    const w = randn([4, 1000]);
    // a + b, then * w: add's gradient comes from mul's recycled buffer (in wasm memory with wasm).
    x.mul(2).add(x.mul(3)).mul(w).sum().backward();
    const ws = w.data;
    const g = x.grad!.data;
    for (let i = 0; i < ws.length; i++) {
      const expected = Math.fround(Math.fround(ws[i] * 2) + Math.fround(ws[i] * 3));
      if (g[i] !== expected) assert.fail(`element ${i}: got ${g[i]}, expected ${expected}`);
    }
  });

  it("uses the backend contract only: nothing in autograd/ imports the wasm backend", () => {
    const dir = join(__dirname, "../../../kernel/engine/autograd");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts")))
      for (const [, from] of readFileSync(join(dir, file), "utf8").matchAll(/from "([^"]+)"/g))
        assert.ok(
          !from.includes("backends/wasm"),
          `autograd/${file} imports ${from}: use backends/registry.ts`,
        );
  });

  it("doubles the gradient of x + x", () => {
    const x = randn([300], { requiresGrad: true });
    x.add(x).sum().backward();
    assert.ok(x.grad!.data.every((v) => v === 2));
  });
});
