// The direct conv2d gradient kernels (assembly/conv-direct-grad.ts: stride 1, no groups, few
// channels) against ref on randomized odd shapes: padding (asymmetric, wider than the kernel),
// dilation, odd channel counts and pixel counts (dout copied to whole f32x4 runs), the bias fused
// into the weight gradient's pass or alone, the += semantics of every gradient, and bit-identical
// results on 1, 2 and 3 threads (threads split weight-gradient units and input-gradient images).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conv2dBackward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { directGradientPays } from "../../kernel/engine/backends/wasm/conv-backward";
import type { ConvSizes } from "../../kernel/engine/backends/wasm/conv-geometry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/parallel";
import { expectIdentical, expectMatchesRef, f32Random, intGenerator } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

type Grads = { dinp: Float32Array | null; dweight: Float32Array | null; dbias: Float32Array | null };

/** Sizes of a stride-1 conv; pads (top, left, bottom, right). */
function convSizes(
  N: number,
  C: number,
  H: number,
  W: number,
  OC: number,
  KH: number,
  KW: number,
  [pT, pL, pB, pR]: number[],
  [dH, dW]: number[],
): ConvSizes {
  const OH = H + pT + pB - dH * (KH - 1);
  const OW = W + pL + pR - dW * (KW - 1);
  return [N, C, H, W, OC, KH, KW, OH, OW, 1, 1, pT, pL, dH, dW, 1];
}

function backward(
  s: ConvSizes,
  g: Grads,
  dout: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  ref: boolean,
) {
  const fn = ref ? refKernel("conv2dBackward") : (conv2dBackward as (...args: unknown[]) => void);
  fn(g.dinp, g.dweight, g.dbias, dout, inp, weight, ...s);
}

/** Starting gradients (the kernels add onto them), or null where `which` leaves one out. */
function start(s: ConvSizes, which: string): Grads {
  const [N, C, H, W, OC, KH, KW] = s;
  return {
    dinp: which.includes("x") ? f32Random(N * C * H * W, 7) : null,
    dweight: which.includes("w") ? f32Random(OC * C * KH * KW, 8) : null,
    dbias: which.includes("b") ? f32Random(OC, 9) : null,
  };
}

function inputs(s: ConvSizes, seed: number) {
  const [N, C, H, W, OC, KH, KW, OH, OW] = s;
  return {
    inp: f32Random(N * C * H * W, seed),
    weight: f32Random(OC * C * KH * KW, seed + 1),
    dout: f32Random(N * OC * OH * OW, seed + 2),
  };
}

describe("wasm direct conv2d gradients vs ref", () => {
  const fixed: [string, ConvSizes][] = [
    ["LeNet conv1", convSizes(5, 1, 28, 28, 6, 5, 5, [2, 2, 2, 2], [1, 1])],
    ["LeNet conv2", convSizes(3, 6, 14, 14, 16, 5, 5, [0, 0, 0, 0], [1, 1])],
    ["32 x 32 channels, the largest direct conv", convSizes(2, 32, 9, 7, 32, 3, 3, [1, 1, 1, 1], [1, 1])],
    ["3 -> 65 channels, 7x7 on a wide plane", convSizes(1, 3, 12, 37, 65, 7, 7, [3, 3, 3, 3], [1, 1])],
  ];
  const rand = intGenerator(2026);
  const random: [string, ConvSizes][] = [];
  while (random.length < 24) {
    const KH = rand(1, 5);
    const KW = rand(1, 5);
    const dil = [rand(1, 3) === 3 ? 2 : 1, rand(1, 3) === 3 ? 2 : 1];
    const pads = [rand(0, 3), rand(0, 3), rand(0, 3), rand(0, 3)];
    const s = convSizes(rand(1, 4), rand(1, 7), rand(1, 17), rand(1, 17), rand(1, 11), KH, KW, pads, dil);
    if (s[7] < 1 || s[8] < 1 || !directGradientPays(s)) continue;
    random.push([`random ${s.join(",")}`, s]);
  }

  for (const [name, s] of [...fixed, ...random]) {
    it(`${name}: takes the direct path`, () => assert.ok(directGradientPays(s)));
    for (const which of ["xwb", "wb", "w", "x", "b"])
      it(`${name}: ${which} accumulate like ref`, () => {
        const { inp, weight, dout } = inputs(s, 3 + s[0]);
        const e = start(s, which);
        backward(s, e, dout, inp, weight, true);
        const a = start(s, which);
        backward(s, a, dout, inp, weight, false);
        for (const k of ["dinp", "dweight", "dbias"] as const)
          if (e[k] !== null) expectMatchesRef(a[k]!, e[k]!, `${name}: ${k}`);
      });
  }

  const threaded: [string, ConvSizes][] = [
    ["LeNet conv1, batch 64", convSizes(64, 1, 28, 28, 6, 5, 5, [2, 2, 2, 2], [1, 1])],
    ["LeNet conv2, batch 64", convSizes(64, 6, 14, 14, 16, 5, 5, [0, 0, 0, 0], [1, 1])],
    ["odd channels and pixels", convSizes(14, 5, 23, 21, 7, 3, 4, [1, 2, 0, 1], [1, 2])],
  ];
  for (const [name, s] of threaded)
    it(`${name}: bit-identical on 1, 2 and 3 threads`, () => {
      const [N, C, , , OC, KH, KW, OH, OW] = s;
      assert.ok(N * OC * OH * OW * C * KH * KW >= PARALLEL_MIN_MACS, "big enough to use the pool");
      assert.ok(directGradientPays(s));
      const { inp, weight, dout } = inputs(s, 21);
      const defaultThreads = getNumThreads();
      // "xw" and "xwb" run both gradients side by side (half the threads each), "x" and "w" alone.
      const run = (threads: number, which: string) => {
        setNumThreads(threads);
        const g = start(s, which);
        backward(s, g, dout, inp, weight, false);
        return g;
      };
      try {
        for (const which of ["xwb", "xw", "x", "w"]) {
          const one = run(1, which);
          for (const threads of [2, 3]) {
            const t = run(threads, which);
            for (const k of ["dinp", "dweight", "dbias"] as const)
              if (one[k] !== null)
                expectIdentical(t[k]!, one[k]!, `${name} ${which}: ${k} on ${threads} threads`);
          }
        }
      } finally {
        setNumThreads(defaultThreads);
      }
    });
});
