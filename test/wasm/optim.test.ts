// The wasm optimizer updates against ref: SGD (plain, momentum first and later steps, dampening,
// Nesterov, weight decay, maximize) and Adam/AdamW (weight decay, amsgrad, maximize) over odd
// lengths, several steps, bit-identical (both compute in f64 and round where ref stores); and the
// optimizers themselves dispatch to these kernels.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adamUpdate, sgdUpdate } from "../../kernel/engine/backends/ref/optim";
import {
  backendInfo,
  type KernelFn,
  refKernel,
  registerBackend,
  setBackend,
} from "../../kernel/engine/backends/registry";
import { wasmKernels, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { nn, optim, randn } from "../../kernel/engine/index";
import { expectIdentical, f32Random } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

type Fn = (...args: unknown[]) => void;

const sgdOptions: [string, number, number, number, boolean, boolean][] = [
  // [what, momentum, dampening, weightDecay, nesterov, maximize]
  ["plain", 0, 0, 0, false, false],
  ["momentum 0.9", 0.9, 0, 0, false, false],
  ["momentum, dampening 0.3, weight decay", 0.9, 0.3, 1e-2, false, false],
  ["nesterov, weight decay", 0.8, 0, 5e-4, true, false],
  ["maximize", 0.5, 0, 0, false, true],
];

const adamOptions: [string, number, boolean, boolean, boolean][] = [
  // [what, weightDecay, decoupled (AdamW), amsgrad, maximize]
  ["Adam", 0, false, false, false],
  ["Adam, L2 weight decay", 1e-2, false, false, false],
  ["AdamW", 1e-2, true, false, false],
  ["Adam, amsgrad", 0, false, true, false],
  ["AdamW, amsgrad, maximize", 0.1, true, true, true],
];

describe("wasm optimizer updates vs ref", () => {
  it("are wasm kernels, not ref fallbacks", () => {
    const { fallbacks } = backendInfo();
    for (const k of ["sgdUpdate", "adamUpdate"]) assert.ok(!fallbacks.includes(k), k);
  });

  for (const n of [1, 7, 1003])
    for (const [what, momentum, dampening, wd, nesterov, maximize] of sgdOptions)
      it(`sgdUpdate, ${n} values, ${what}: 4 steps bit-identical`, () => {
        const state = () => ({ p: f32Random(n, 1), buf: momentum !== 0 ? new Float32Array(n) : null });
        const e = state();
        const a = state();
        for (let step = 0; step < 4; step++) {
          const grad = f32Random(n, 10 + step);
          const args = [0.05, momentum, dampening, wd, nesterov, maximize, step === 0];
          refKernel("sgdUpdate")(e.p, grad, e.buf, ...args);
          (sgdUpdate as Fn)(a.p, grad, a.buf, ...args);
        }
        expectIdentical(a.p, e.p, "p");
        if (e.buf !== null) expectIdentical(a.buf!, e.buf, "momentum buffer");
      });

  for (const n of [1, 7, 1003])
    for (const [what, wd, decoupled, amsgrad, maximize] of adamOptions)
      it(`adamUpdate, ${n} values, ${what}: 4 steps bit-identical`, () => {
        const state = () => ({
          p: f32Random(n, 2),
          m: new Float32Array(n),
          v: new Float32Array(n),
          vmax: amsgrad ? new Float32Array(n) : null,
        });
        const e = state();
        const a = state();
        for (let step = 1; step <= 4; step++) {
          // Gradients shrinking then growing, so amsgrad's running max matters.
          const grad = f32Random(n, 20 + step).map((g) => g * (step === 3 ? 0.1 : 1));
          const args = [1e-2, 0.9, 0.999, 1e-8, wd, decoupled, maximize, step];
          refKernel("adamUpdate")(e.p, grad, e.m, e.v, e.vmax, ...args);
          (adamUpdate as Fn)(a.p, grad, a.m, a.v, a.vmax, ...args);
        }
        expectIdentical(a.p, e.p, "p");
        expectIdentical(a.m, e.m, "m");
        expectIdentical(a.v, e.v, "v");
        if (e.vmax !== null) expectIdentical(a.vmax!, e.vmax, "vmax");
      });

  it("optim.SGD and optim.Adam run through the update kernels", () => {
    const calls: string[] = [];
    const kernels: Record<string, KernelFn> = {};
    for (const name of ["sgdUpdate", "adamUpdate"])
      kernels[name] = (...args) => {
        calls.push(name);
        return wasmKernels![name](...args);
      };
    registerBackend({ name: "optim-spy", priority: -1, hidden: true, kernels });
    setBackend("optim-spy");
    try {
      const layer = new nn.Linear(3, 2);
      for (const opt of [
        new optim.SGD(layer.parameters(), { lr: 0.1, momentum: 0.9 }),
        new optim.AdamW(layer.parameters()),
      ]) {
        opt.zeroGrad();
        layer
          .forward(randn([4, 3]))
          .sum()
          .backward();
        opt.step();
      }
      assert.deepEqual(calls, ["sgdUpdate", "sgdUpdate", "adamUpdate", "adamUpdate"]);
    } finally {
      setBackend("wasm");
    }
  });
});
