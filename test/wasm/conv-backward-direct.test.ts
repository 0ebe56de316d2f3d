// Which convs the direct conv2d gradient kernels (assembly/conv-direct-grad.ts: stride 1, no
// groups, few channels) take: the table's direct cases (kernel-cases.ts DIRECT_GRADIENT, also run
// there on 1 and 2 threads) and randomized odd shapes (padding asymmetric and wider than the
// kernel, dilation, odd channel and pixel counts), whose every combination of gradients (the bias
// fused into the weight gradient's pass or alone) accumulates like ref.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry } from "../../kernel/engine/backends/geometry";
import { conv2dBackward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { directGradientPays } from "../../kernel/engine/backends/wasm/conv-backward";
import { wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { DIRECT_GRADIENT } from "./kernel-cases";
import { convGeometry, convLengths, expectMatchesRef, f32Random, intGenerator } from "./wasm-helpers";

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
  it("takes the direct path for the table's direct cases", () => {
    for (const c of DIRECT_GRADIENT) assert.ok(directGradientPays(convGeometry(c)), c.name);
  });

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

  for (const [name, s] of random) {
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
});
