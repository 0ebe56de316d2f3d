// The wasm average pooling kernels (plain and adaptive) against ref: odd sizes, stride, padding
// with and without countIncludePad, divisorOverride, ceil-mode windows that hang off the input,
// global average pooling, adaptive windows that overlap, += on the gradients, and bit-identical
// results on 1, 2 and 3 threads.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PoolPlanes } from "../../kernel/engine/backends/geometry";
import {
  adaptiveAvgPool2dBackward,
  adaptiveAvgPool2dForward,
  avgPool2dBackward,
  avgPool2dForward,
} from "../../kernel/engine/backends/ref/pool";
import { backendInfo, refKernel, setBackend } from "../../kernel/engine/backends/registry";
import { getNumThreads, setNumThreads, wasmUnavailableReason } from "../../kernel/engine/backends/wasm/index";
import { expectIdentical, expectMatchesRef, f32Random, poolGeometry } from "./wasm-helpers";

assert.equal(wasmUnavailableReason(), null, "the wasm backend must load in this runtime");
setBackend("wasm");

interface AvgCase {
  name: string;
  N: number;
  C: number;
  H: number;
  W: number;
  K: [number, number];
  stride: [number, number];
  pad?: [number, number];
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number;
}

/** The pooling geometry of a case, with PyTorch's output-size arithmetic (ceil mode included). */
const avgGeometry = (c: AvgCase) => poolGeometry({ ...c, KH: c.K[0], KW: c.K[1] });
/** The divisor arguments of a case: countIncludePad (default true) and divisorOverride (0: none). */
const divisor = (c: AvgCase) => [c.countIncludePad ?? true, c.divisorOverride ?? 0] as const;

const avgCases: AvgCase[] = [
  { name: "2x2 stride 2 on odd planes", N: 2, C: 3, H: 9, W: 11, K: [2, 2], stride: [2, 2] },
  {
    name: "3x3 stride 1 pad 1, counting padding",
    N: 1,
    C: 4,
    H: 7,
    W: 6,
    K: [3, 3],
    stride: [1, 1],
    pad: [1, 1],
  },
  {
    name: "3x3 stride 2 pad 1, not counting padding",
    N: 2,
    C: 2,
    H: 8,
    W: 9,
    K: [3, 3],
    stride: [2, 2],
    pad: [1, 1],
    countIncludePad: false,
  },
  {
    name: "ceil mode, windows off the edge",
    N: 1,
    C: 3,
    H: 7,
    W: 10,
    K: [3, 2],
    stride: [2, 3],
    ceilMode: true,
  },
  {
    name: "ceil mode with padding, not counting padding",
    N: 2,
    C: 2,
    H: 6,
    W: 7,
    K: [3, 3],
    stride: [2, 2],
    pad: [1, 1],
    ceilMode: true,
    countIncludePad: false,
  },
  {
    name: "divisorOverride 5",
    N: 1,
    C: 2,
    H: 5,
    W: 5,
    K: [2, 3],
    stride: [1, 2],
    pad: [1, 1],
    divisorOverride: 5,
  },
  { name: "7x7 over the whole 7x7 plane", N: 3, C: 5, H: 7, W: 7, K: [7, 7], stride: [7, 7] },
];

const adaptiveCases: PoolPlanes[] = [
  { N: 2, C: 3, H: 7, W: 7, OH: 1, OW: 1 }, // global average pooling
  { N: 1, C: 4, H: 10, W: 9, OH: 3, OW: 4 }, // overlapping windows
  { N: 2, C: 2, H: 5, W: 6, OH: 5, OW: 6 }, // identity
  { N: 1, C: 3, H: 4, W: 3, OH: 7, OW: 5 }, // output bigger than the input
  { N: 4, C: 16, H: 4, W: 4, OH: 1, OW: 1 }, // ResNet-18-CIFAR's head
];

describe("wasm average pooling vs ref", () => {
  it("are wasm kernels, not ref fallbacks", () => {
    const { fallbacks } = backendInfo();
    for (const k of [
      "avgPool2dForward",
      "avgPool2dBackward",
      "adaptiveAvgPool2dForward",
      "adaptiveAvgPool2dBackward",
    ])
      assert.ok(!fallbacks.includes(k), k);
  });

  for (const c of avgCases) {
    const g = avgGeometry(c);
    const d = divisor(c);
    const { N, C, H, W, OH, OW } = g;
    it(`avgPool2d ${c.name}: forward, and backward accumulates`, () => {
      const inp = f32Random(N * C * H * W, 1 + H * W);
      const expected = new Float32Array(N * C * OH * OW);
      refKernel("avgPool2dForward")(expected, inp, g, ...d);
      const actual = new Float32Array(expected.length).fill(Number.NaN);
      avgPool2dForward(actual, inp, g, ...d);
      expectMatchesRef(actual, expected, `${c.name}: out`);
      const dout = f32Random(expected.length, 2);
      const e = f32Random(inp.length, 3);
      refKernel("avgPool2dBackward")(e, dout, g, ...d);
      const a = f32Random(inp.length, 3);
      avgPool2dBackward(a, dout, g, ...d);
      expectMatchesRef(a, e, `${c.name}: dinp`);
    });
  }

  for (const p of adaptiveCases) {
    const { N, C, H, W, OH, OW } = p;
    it(`adaptiveAvgPool2d (${N}, ${C}, ${H}, ${W}) -> ${OH}x${OW}: forward, and backward accumulates`, () => {
      const inp = f32Random(N * C * H * W, 4 + H);
      const expected = new Float32Array(N * C * OH * OW);
      refKernel("adaptiveAvgPool2dForward")(expected, inp, p);
      const actual = new Float32Array(expected.length).fill(Number.NaN);
      adaptiveAvgPool2dForward(actual, inp, p);
      expectMatchesRef(actual, expected, "out");
      const dout = f32Random(expected.length, 5);
      const e = f32Random(inp.length, 6);
      refKernel("adaptiveAvgPool2dBackward")(e, dout, p);
      const a = f32Random(inp.length, 6);
      adaptiveAvgPool2dBackward(a, dout, p);
      expectMatchesRef(a, e, "dinp");
    });
  }

  it("gives bit-identical results on 1, 2 and 3 threads", () => {
    const c: AvgCase = { name: "big", N: 32, C: 64, H: 33, W: 31, K: [3, 3], stride: [2, 2], pad: [1, 1] };
    const g = avgGeometry(c);
    const d = divisor(c);
    const { N, C, H, W, OH, OW } = g;
    const inp = f32Random(N * C * H * W, 7);
    const dout = f32Random(N * C * OH * OW, 8);
    const ad = { N, C, H, W, OH: 5, OW: 3 };
    const adOut = f32Random(N * C * 5 * 3, 9);
    const defaultThreads = getNumThreads();
    const run = (threads: number) => {
      setNumThreads(threads);
      const r = {
        out: new Float32Array(N * C * OH * OW),
        dinp: f32Random(inp.length, 10),
        adaptive: new Float32Array(N * C * 5 * 3),
        adaptiveDinp: f32Random(inp.length, 11),
      };
      avgPool2dForward(r.out, inp, g, ...d);
      avgPool2dBackward(r.dinp, dout, g, ...d);
      adaptiveAvgPool2dForward(r.adaptive, inp, ad);
      adaptiveAvgPool2dBackward(r.adaptiveDinp, adOut, ad);
      return r;
    };
    try {
      const single = run(1);
      for (const threads of [2, 3]) {
        const multi = run(threads);
        for (const k of ["out", "dinp", "adaptive", "adaptiveDinp"] as const)
          expectIdentical(multi[k], single[k], `${k} on ${threads} threads`);
      }
    } finally {
      setNumThreads(defaultThreads);
    }
  });
});
