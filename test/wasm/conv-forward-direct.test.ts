// The direct conv2d forward kernel (assembly/conv-direct.ts: four images per f32x4, few channels)
// against ref: batches that leave lanes idle, planes whose pixel count is not a multiple of 4 (the
// overlapping last block), odd channel counts, stride, dilation, asymmetric padding, no bias,
// random shapes; that the wrapper really takes the direct path for them; and bit-identical
// results with the thread pool on and off.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConvGeometry } from "../../kernel/engine/backends/geometry";
import { conv2dForward } from "../../kernel/engine/backends/ref/conv";
import { refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { directPays } from "../../kernel/engine/backends/wasm/conv-forward";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { PARALLEL_MIN_MACS } from "../../kernel/engine/backends/wasm/parallel";
import { runtime } from "../../kernel/engine/backends/wasm/runtime";
import {
  type ConvCase,
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

const cases: Case[] = [
  { name: "LeNet conv1 (5x5, pad 2)", N: 4, C: 1, H: 28, W: 28, OC: 6, KH: 5, KW: 5, pad: [2, 2, 2, 2] },
  { name: "LeNet conv2 (10x10 output)", N: 8, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5 },
  { name: "ResNet stem (3x3 pad 1)", N: 4, C: 3, H: 9, W: 11, OC: 16, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  { name: "5 images: 3 idle lanes in the last pass", N: 5, C: 2, H: 7, W: 6, OC: 4, KH: 3, KW: 3 },
  { name: "7 images, odd channel count", N: 7, C: 3, H: 6, W: 9, OC: 7, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  { name: "one output channel", N: 6, C: 2, H: 8, W: 5, OC: 1, KH: 3, KW: 2 },
  { name: "exactly 4 output pixels", N: 4, C: 3, H: 3, W: 4, OC: 5, KH: 2, KW: 3 },
  { name: "5 output pixels (overlapping last block)", N: 4, C: 2, H: 1, W: 7, OC: 3, KH: 1, KW: 3 },
  {
    name: "stride 2, pad 1",
    N: 6,
    C: 3,
    H: 11,
    W: 13,
    OC: 9,
    KH: 3,
    KW: 3,
    stride: [2, 2],
    pad: [1, 1, 1, 1],
  },
  { name: "stride 3x1, rectangular kernel", N: 4, C: 2, H: 13, W: 9, OC: 5, KH: 2, KW: 4, stride: [3, 1] },
  {
    name: "dilation 2, asymmetric padding",
    N: 4,
    C: 3,
    H: 12,
    W: 10,
    OC: 4,
    KH: 3,
    KW: 3,
    dilation: [2, 2],
    pad: [1, 0, 2, 3],
  },
  {
    name: "padding wider than the kernel reach",
    N: 4,
    C: 2,
    H: 3,
    W: 2,
    OC: 3,
    KH: 2,
    KW: 2,
    pad: [3, 3, 3, 3],
  },
  { name: "1x1", N: 4, C: 5, H: 5, W: 7, OC: 6, KH: 1, KW: 1 },
  { name: "1-D (conv1d shape)", N: 9, C: 3, H: 1, W: 17, OC: 4, KH: 1, KW: 3, pad: [0, 1, 0, 1] },
];

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

  for (const c of cases)
    for (const withBias of [true, false])
      it(`${c.name}${withBias ? "" : ", no bias"}`, () => checkAgainstRef(convGeometry(c), withBias, c.name));

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

  // 16 and 18 images: threads split groups of 4 images; 4 images: they split output channel pairs.
  for (const [N, OC] of [
    [16, 16],
    [18, 16],
    [4, 63],
  ])
    it(`gives bit-identical results with the thread pool on and off (${N} images, ${OC} channels)`, () => {
      const defaultThreads = getNumThreads();
      const g = convGeometry({ N, C: 3, H: 32, W: 31, OC, KH: 3, KW: 3, pad: [1, 1, 1, 1] });
      const n = convLengths(g);
      assert.ok(directPays(g));
      assert.ok(convMacs(g) >= PARALLEL_MIN_MACS, "big enough to use the pool");
      const inp = f32Random(n.inp, 11);
      const weight = f32Random(n.weight, 12);
      const bias = f32Random(OC, 13);
      try {
        setNumThreads(1);
        const single = forward(g, inp, weight, bias);
        for (const threads of [2, 3]) {
          setNumThreads(threads);
          expectIdentical(forward(g, inp, weight, bias), single, `${threads} threads`);
        }
        if (runtime instanceof Error) throw runtime;
        assert.equal(runtime.pool.startupFailure, null);
      } finally {
        setNumThreads(defaultThreads);
      }
    });
});
