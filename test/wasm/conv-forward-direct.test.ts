// Which convs the direct conv2d forward kernel (assembly/conv-direct.ts: four images per f32x4, few
// channels) takes, that the table's direct cases (kernel-cases.ts DIRECT_FORWARD: idle lanes,
// overlapping last blocks, odd channels, stride, dilation, padding) take it, and its results
// against ref on random shapes and on an output that lives in wasm memory.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry } from "../../kernel/engine/backends/geometry";
import { conv2dForward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { directPays } from "../../kernel/engine/backends/wasm/conv-forward";
import { wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { DIRECT_FORWARD } from "./kernel-cases";
import {
  type ConvCase,
  convGeometry,
  convLengths,
  expectMatchesRef,
  f32Random,
  intGenerator,
} from "./wasm-helpers";

const runtime = wasmRuntime();

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

type Case = ConvCase & { name: string };

/** The wasm kernel's output, every element first set to NaN (so each must be written). */
function forward(
  g: ConvGeometry,
  inp: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
): Float32Array {
  const out = new Float32Array(convLengths(g).out).fill(Number.NaN);
  conv2dForward(out, inp, weight, bias, g);
  return out;
}

function checkAgainstRef(g: ConvGeometry, withBias: boolean, what: string): void {
  const n = convLengths(g);
  assert.ok(directPays(g), `${what}: takes the direct path`);
  const inp = f32Random(n.inp, 1 + n.inp);
  const weight = f32Random(n.weight, 2 + g.OC);
  const bias = withBias ? f32Random(g.OC, 3 + g.OC) : null;
  const expected = new Float32Array(n.out);
  refKernel("conv2dForward")(expected, inp, weight, bias, g);
  expectMatchesRef(forward(g, inp, weight, bias), expected, what);
}

const cases = DIRECT_FORWARD;

describe("wasm direct conv2d forward vs ref", () => {
  const choices: [what: string, c: Case, direct: boolean][] = [
    ["LeNet-5 conv1", { ...cases[0], N: 64 }, true],
    ["LeNet-5 conv2", { ...cases[1], N: 64 }, true],
    ["ResNet stem, 64 channels", { ...cases[2], N: 32, H: 32, W: 32, OC: 64 }, true],
    ["3x3 stride 2, 16 -> 32", { ...cases[2], N: 32, C: 16, H: 32, W: 32, OC: 32, stride: [2, 2] }, true],
    ["1x1 stride 2, 32 -> 64", { ...cases[12], N: 32, C: 32, H: 16, W: 16, OC: 64, stride: [2, 2] }, true],
    [
      "1x1 stride 1, 64 -> 64 (im2col is a copy)",
      { ...cases[12], N: 32, C: 64, H: 16, W: 16, OC: 64 },
      false,
    ],
    ["128 output channels", { ...cases[2], N: 32, OC: 128 }, false],
    ["3x3, 64 -> 64 (depth 576)", { ...cases[2], N: 32, C: 64, H: 8, W: 8, OC: 64 }, false],
    ["3 images (a quarter of the lanes idle)", { ...cases[0], N: 3 }, false],
    ["fewer than 4 output pixels", { ...cases[12], H: 1, W: 3 }, false],
    ["planes over 64 MiB (3 x 1200 x 1200 image)", { ...cases[2], N: 4, H: 1200, W: 1200 }, false],
    ["planes under 64 MiB (3 x 1000 x 1000 image)", { ...cases[2], N: 4, H: 1000, W: 1000 }, true],
  ];
  for (const [what, c, direct] of choices)
    it(`${direct ? "is" : "is not"} chosen for ${what}`, () =>
      assert.equal(directPays(convGeometry(c)), direct));

  it("is not chosen for grouped convs", () => {
    assert.ok(!directPays(convGeometry({ N: 8, C: 4, H: 8, W: 8, OC: 4, KH: 3, KW: 3, groups: 2 })));
  });

  it("is chosen for the table's direct cases", () => {
    for (const c of cases) assert.ok(directPays(convGeometry(c)), c.name);
  });

  // Negative padding (cropping) reaches this kernel through convTranspose2d's adjoint convs.
  it("matches ref on random shapes (stride, dilation, padding from -1 to 2)", () => {
    const int = intGenerator(7);
    let checked = 0;
    for (let i = 0; i < 60; i++) {
      const KH = int(1, 5);
      const KW = int(1, 5);
      const c: Case = {
        name: `random ${i}`,
        N: int(4, 11),
        C: int(1, 4),
        H: int(KH, 17),
        W: int(KW, 17),
        OC: int(1, 12),
        KH,
        KW,
        stride: [int(1, 3), int(1, 3)],
        pad: [int(-1, 2), int(-1, 2), int(-1, 2), int(-1, 2)],
        dilation: [int(1, 2), int(1, 2)],
      };
      const g = convGeometry(c);
      if (g.OH < 1 || g.OW < 1 || g.OH * g.OW < 4) continue;
      checkAgainstRef(g, i % 3 !== 0, `${c.name} ${JSON.stringify(g)}`);
      checked++;
    }
    assert.ok(checked >= 30, `only ${checked} random shapes were valid`);
  });

  it("writes an output that lives in wasm memory (a resident buffer) in place", () => {
    if (runtime instanceof Error) throw runtime;
    for (const c of [cases[1], { ...cases[1], N: 3 }]) {
      const g = convGeometry(c);
      const n = convLengths(g);
      const inp = f32Random(n.inp, 21);
      const weight = f32Random(n.weight, 22);
      const bias = f32Random(g.OC, 23);
      const expected = new Float32Array(n.out);
      refKernel("conv2dForward")(expected, inp, weight, bias, g);
      const out = runtime.arena.resident(expected.length).fill(Number.NaN);
      conv2dForward(out, inp, weight, bias, g);
      expectMatchesRef(out, expected, `${c.name}, ${g.N} images, resident output`);
    }
  });
});
