// The direct conv2d gradient kernels (assembly/conv-direct-grad.ts: stride 1, no groups, few
// channels) against ref on randomized odd shapes: padding (asymmetric, wider than the kernel),
// dilation, odd channel counts and pixel counts (dout copied to whole f32x4 runs), the bias fused
// into the weight gradient's pass or alone, the += semantics of every gradient, and bit-identical
// results on 1, 2 and 3 threads (threads split weight-gradient units and input-gradient images).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry } from "../../kernel/engine/backends/geometry";
import { conv2dBackward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { directGradientPays } from "../../kernel/engine/backends/wasm/conv-backward";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/parallel";
import {
  convGeometry,
  convLengths,
  convMacs,
  expectIdentical,
  expectMatchesRef,
  f32Random,
  intGenerator,
} from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

type Grads = { dinp: Float32Array | null; dweight: Float32Array | null; dbias: Float32Array | null };

/** A stride-1 conv; pads (top, left, bottom, right). */
function conv(
  N: number,
  C: number,
  H: number,
  W: number,
  OC: number,
  KH: number,
  KW: number,
  pad: [number, number, number, number],
  dilation: [number, number],
): ConvGeometry {
  return convGeometry({ N, C, H, W, OC, KH, KW, pad, dilation });
}

function backward(
  g: ConvGeometry,
  grads: Grads,
  dout: Float32Array,
  inp: Float32Array,
  weight: Float32Array,
  ref: boolean,
) {
  const fn = ref ? refKernel("conv2dBackward") : conv2dBackward;
  fn(grads.dinp, grads.dweight, grads.dbias, dout, inp, weight, g);
}

/** Starting gradients (the kernels add onto them), or null where `which` leaves one out. */
function start(g: ConvGeometry, which: string): Grads {
  const n = convLengths(g);
  return {
    dinp: which.includes("x") ? f32Random(n.inp, 7) : null,
    dweight: which.includes("w") ? f32Random(n.weight, 8) : null,
    dbias: which.includes("b") ? f32Random(g.OC, 9) : null,
  };
}

function inputs(g: ConvGeometry, seed: number) {
  const n = convLengths(g);
  return {
    inp: f32Random(n.inp, seed),
    weight: f32Random(n.weight, seed + 1),
    dout: f32Random(n.out, seed + 2),
  };
}

describe("wasm direct conv2d gradients vs ref", () => {
  const fixed: [string, ConvGeometry][] = [
    ["LeNet conv1", conv(5, 1, 28, 28, 6, 5, 5, [2, 2, 2, 2], [1, 1])],
    ["LeNet conv2", conv(3, 6, 14, 14, 16, 5, 5, [0, 0, 0, 0], [1, 1])],
    ["32 x 32 channels, the largest direct conv", conv(2, 32, 9, 7, 32, 3, 3, [1, 1, 1, 1], [1, 1])],
    ["3 -> 65 channels, 7x7 on a wide plane", conv(1, 3, 12, 37, 65, 7, 7, [3, 3, 3, 3], [1, 1])],
  ];
  const rand = intGenerator(2026);
  const random: [string, ConvGeometry][] = [];
  while (random.length < 24) {
    const KH = rand(1, 5);
    const KW = rand(1, 5);
    const dil: [number, number] = [rand(1, 3) === 3 ? 2 : 1, rand(1, 3) === 3 ? 2 : 1];
    const pads: [number, number, number, number] = [rand(0, 3), rand(0, 3), rand(0, 3), rand(0, 3)];
    const g = conv(rand(1, 4), rand(1, 7), rand(1, 17), rand(1, 17), rand(1, 11), KH, KW, pads, dil);
    if (g.OH < 1 || g.OW < 1 || !directGradientPays(g)) continue;
    random.push([`random ${Object.values(g).join(",")}`, g]);
  }

  for (const [name, s] of [...fixed, ...random]) {
    it(`${name}: takes the direct path`, () => assert.ok(directGradientPays(s)));
    for (const which of ["xwb", "wb", "w", "x", "b"])
      it(`${name}: ${which} accumulate like ref`, () => {
        const { inp, weight, dout } = inputs(s, 3 + s.N);
        const e = start(s, which);
        backward(s, e, dout, inp, weight, true);
        const a = start(s, which);
        backward(s, a, dout, inp, weight, false);
        for (const k of ["dinp", "dweight", "dbias"] as const)
          if (e[k] !== null) expectMatchesRef(a[k]!, e[k]!, `${name}: ${k}`);
      });
  }

  const threaded: [string, ConvGeometry][] = [
    ["LeNet conv1, batch 64", conv(64, 1, 28, 28, 6, 5, 5, [2, 2, 2, 2], [1, 1])],
    ["LeNet conv2, batch 64", conv(64, 6, 14, 14, 16, 5, 5, [0, 0, 0, 0], [1, 1])],
    ["odd channels and pixels", conv(14, 5, 23, 21, 7, 3, 4, [1, 2, 0, 1], [1, 2])],
  ];
  for (const [name, s] of threaded)
    it(`${name}: bit-identical on 1, 2 and 3 threads`, () => {
      assert.ok(convMacs(s) >= PARALLEL_MIN_MACS, "big enough to use the pool");
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
