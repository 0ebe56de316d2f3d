// Large GEMMs on ONNX Runtime's MLAS (backends/wasm/mlas-gemm.ts): every operand layout sgemm.ts
// is given (A or B transposed, one of them shared by a batch, accumulating into C) runs there,
// really (mlasCalls counts it), and agrees with a float64 dot product and with wasm's own GEMM
// (RECEPTIVE_MLAS=0). Small GEMMs and layouts FusedMatMul cannot take stay in wasm. Large conv
// forwards and weight gradients (conv-mlas.ts) go there too and match ref's.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type Buf, refKernel } from "../../kernel/engine/backends/registry";
import { freeNow } from "../../kernel/engine/backends/wasm/gc-hooks";
import { wasmKernels } from "../../kernel/engine/backends/wasm/index";
import * as mlas from "../../kernel/engine/backends/wasm/mlas-gemm";
import { wasmRuntime } from "../../kernel/engine/backends/wasm/runtime";
import { type GemmSpec, runSgemm, runSgemms } from "../../kernel/engine/backends/wasm/sgemm";
import { backendInfo, manualSeed, randn } from "../../kernel/engine/index";
import { type ConvCase, convGeometry, convLengths, expectMatchesRef, f32Random } from "./wasm-helpers";

const runtime = wasmRuntime();
if (runtime instanceof Error) throw runtime;
const rt = runtime;

interface Layout {
  batch: number;
  transA: boolean;
  transB: boolean;
  /** Which operand the batch shares (stride 0), if any. */
  shared: "A" | "B" | null;
  accumulate: boolean;
}

/** C's values after one GEMM of `layout` at M x N x K, and sampled float64 references. */
function gemm(layout: Layout, M: number, N: number, K: number, env: "0" | "1") {
  const { batch, transA, transB, shared, accumulate } = layout;
  const batchA = shared === "A" ? 1 : batch;
  const batchB = shared === "B" ? 1 : batch;
  const a = randn([batchA * M * K]).data as Float32Array; // (batchA, M, K) or (batchA, K, M)
  const b = randn([batchB * K * N]).data as Float32Array; // (batchB, K, N) or (batchB, N, K)
  const c0 = randn([batch * M * N]).data as Float32Array; // (batch, M, N)
  rt.arena.begin();
  const pa = rt.arena.put(a);
  const pb = rt.arena.put(b);
  const pc = rt.arena.put(c0);
  const spec: GemmSpec = {
    ...{ batch, M, N, K, a: pa, strideA: shared === "A" ? 0 : M * K },
    ...(transA ? { aRow: 1, aCol: M } : { aRow: K, aCol: 1 }),
    ...{ b: pb, strideB: shared === "B" ? 0 : K * N },
    ...(transB ? { bRow: 1, bCol: K } : { bRow: N, bCol: 1 }),
    ...{ c: pc, strideC: M * N, accumulate },
  };
  const saved = process.env.RECEPTIVE_MLAS;
  process.env.RECEPTIVE_MLAS = env;
  try {
    runSgemm(rt, spec);
  } finally {
    if (saved === undefined) delete process.env.RECEPTIVE_MLAS;
    else process.env.RECEPTIVE_MLAS = saved;
  }
  const c = new Float32Array(batch * M * N);
  rt.arena.get(pc, c);
  const at = (p: number, i: number, k: number) =>
    a[(shared === "A" ? 0 : p * M * K) + (transA ? k * M + i : i * K + k)];
  const bt = (p: number, k: number, j: number) =>
    b[(shared === "B" ? 0 : p * K * N) + (transB ? j * K + k : k * N + j)];
  const samples: [index: number, expected: number][] = [];
  for (let s = 0; s < 40; s++) {
    const p = s % batch;
    const i = (s * 7919) % M;
    const j = (s * 104729) % N;
    let sum = accumulate ? c0[(p * M + i) * N + j] : 0;
    for (let k = 0; k < K; k++) sum += at(p, i, k) * bt(p, k, j);
    samples.push([(p * M + i) * N + j, sum]);
  }
  return { c, samples };
}

/** The layout's strides as a GemmSpec's, for mlasPays (sizes and addresses filled in by callers). */
function layoutSpec(l: Layout): GemmSpec {
  return {
    ...{ batch: l.batch, M: 0, N: 0, K: 0, a: 0, strideA: l.shared === "A" ? 0 : 1, aRow: 0, aCol: 0 },
    ...{
      b: 0,
      strideB: l.shared === "B" ? 0 : 1,
      bRow: 0,
      bCol: 0,
      c: 0,
      strideC: 0,
      accumulate: l.accumulate,
    },
  };
}

const LAYOUTS: Layout[] = [];
for (const transA of [false, true])
  for (const transB of [false, true])
    for (const accumulate of [false, true])
      LAYOUTS.push({ batch: 1, transA, transB, shared: null, accumulate });
LAYOUTS.push({ batch: 3, transA: false, transB: false, shared: null, accumulate: false });
LAYOUTS.push({ batch: 3, transA: true, transB: false, shared: "A", accumulate: true });
LAYOUTS.push({ batch: 3, transA: false, transB: true, shared: "B", accumulate: false });

const name = (l: Layout) =>
  `batch ${l.batch}${l.shared === null ? "" : ` sharing ${l.shared}`}, A${l.transA ? "^T" : ""} B${l.transB ? "^T" : ""}${l.accumulate ? ", accumulating" : ""}`;

/** Convs whose forward and weight gradient go to MLAS (conv-mlas.ts): 2^27+ multiply-adds. */
const CONVS: (ConvCase & { name: string })[] = [
  {
    name: "5x5 pad 2, batch 24: two chunks of images",
    N: 24,
    C: 32,
    H: 16,
    W: 16,
    OC: 64,
    KH: 5,
    KW: 5,
    pad: [2, 2, 2, 2],
  },
  {
    name: "3x3 stride 2, odd sizes",
    N: 48,
    C: 40,
    H: 33,
    W: 31,
    OC: 72,
    KH: 3,
    KW: 3,
    stride: [2, 2],
  },
];

describe("large GEMMs on ONNX Runtime's MLAS", () => {
  after(() => rt.arena.begin());

  for (const layout of LAYOUTS)
    it(`${name(layout)}: runs on MLAS and matches float64 and wasm's GEMM`, () => {
      // Just over the thresholds, with sizes no tile divides.
      const [M, N, K] = [787, 797, 809];
      assert.ok(mlas.mlasPays({ ...layoutSpec(layout), M, N, K }), "too small a GEMM for MLAS");
      const before = mlas.mlasCalls;
      const onMlas = gemm(layout, M, N, K, "1");
      assert.equal(mlas.mlasCalls, before + 1, "the GEMM did not go to MLAS");
      for (const [i, expected] of onMlas.samples)
        assert.ok(
          Math.abs(onMlas.c[i] - expected) <= 1e-3 + 1e-4 * Math.abs(expected),
          `C[${i}]: ${onMlas.c[i]} vs ${expected}`,
        );
      const inWasm = gemm(layout, M, N, K, "0");
      assert.equal(mlas.mlasCalls, before + 1, "RECEPTIVE_MLAS=0 still went to MLAS");
      for (const [i, expected] of inWasm.samples)
        assert.ok(Math.abs(inWasm.c[i] - expected) <= 1e-3 + 1e-4 * Math.abs(expected), `wasm C[${i}]`);
    });

  it("at 2 threads runs a large GEMM as one part per thread, a worker's on its own MLAS, with 1 thread's numbers", () => {
    const threads = rt.workers.threads;
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    try {
      for (const layout of LAYOUTS) {
        // Rows, columns or batches split unevenly; every layout's copies in and out of a part.
        const [M, N, K] = layout.batch > 1 ? [211, 233, 251] : [301, 517, 263];
        assert.ok(layout.batch * M * N * K >= mlas.MLAS_SPLIT_MIN_MACS, "too small a GEMM to split");
        rt.workers.threads = 1;
        manualSeed(7);
        const whole = gemm(layout, M, N, K, "1").c;
        rt.workers.threads = 2;
        // A worker loads ONNX Runtime at the first MLAS call it sees and leaves that call's parts
        // to this thread meanwhile: repeat until it has run one.
        const before = rt.workers.workerMlasShares;
        let parts = whole;
        for (let attempt = 0; attempt < 100 && rt.workers.workerMlasShares === before; attempt++) {
          if (attempt > 0) Atomics.wait(sleep, 0, 0, 50);
          manualSeed(7);
          parts = gemm(layout, M, N, K, "1").c;
        }
        assert.ok(rt.workers.workerMlasShares > before, `${name(layout)}: no worker ran a part on MLAS`);
        const differ = whole.findIndex((v, i) => v !== parts[i]);
        assert.equal(
          differ,
          -1,
          `${name(layout)}: C[${differ}] ${parts[differ]} at 2 threads, ${whole[differ]} at 1`,
        );
      }
    } finally {
      rt.workers.threads = threads;
    }
  });

  it("at 2 threads runs independent GEMMs side by side, one whole GEMM per thread, with 1 thread's numbers", () => {
    const threads = rt.workers.threads;
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    // A linear layer's input and weight gradients: dinp = dout @ W, dweight += dout^T @ inp.
    const [B, IC, OC] = [256, 300, 200];
    manualSeed(3);
    const dout = randn([B * OC]).data as Float32Array;
    const w = randn([OC * IC]).data as Float32Array;
    const inp = randn([B * IC]).data as Float32Array;
    const dw0 = randn([OC * IC]).data as Float32Array;
    const both = (): Float32Array[] => {
      rt.arena.begin();
      const [pDout, pW, pInp, pDw] = [dout, w, inp, dw0].map((a) => rt.arena.put(a));
      const pDinp = rt.arena.alloc(4 * B * IC);
      const dinpGemm = { batch: 1, M: B, N: IC, K: OC, a: pDout, strideA: 0, aRow: OC, aCol: 1 };
      const dweightGemm = { batch: 1, M: OC, N: IC, K: B, a: pDout, strideA: 0, aRow: 1, aCol: OC };
      const specs: GemmSpec[] = [
        { ...dinpGemm, b: pW, strideB: 0, bRow: IC, bCol: 1, c: pDinp, strideC: 0, accumulate: false },
        { ...dweightGemm, b: pInp, strideB: 0, bRow: IC, bCol: 1, c: pDw, strideC: 0, accumulate: true },
      ];
      assert.ok(
        specs.every((g) => mlas.mlasPays(g)),
        "too small for MLAS",
      );
      // Each under MLAS_SPLIT_MIN_MACS: a worker's share means they ran side by side.
      assert.ok(B * IC * OC < mlas.MLAS_SPLIT_MIN_MACS);
      runSgemms(rt, specs);
      const dinp = new Float32Array(B * IC);
      const dw = new Float32Array(OC * IC);
      rt.arena.get(pDinp, dinp);
      rt.arena.get(pDw, dw);
      return [dinp, dw];
    };
    try {
      rt.workers.threads = 1;
      const inTurn = both();
      rt.workers.threads = 2;
      const before = rt.workers.workerMlasShares;
      let sideBySide = inTurn;
      for (let attempt = 0; attempt < 100 && rt.workers.workerMlasShares === before; attempt++) {
        if (attempt > 0) Atomics.wait(sleep, 0, 0, 50);
        sideBySide = both();
      }
      assert.ok(rt.workers.workerMlasShares > before, "no worker ran a GEMM on MLAS");
      for (const k of [0, 1]) {
        const differ = inTurn[k].findIndex((v, i) => v !== sideBySide[k][i]);
        assert.equal(differ, -1, `${k === 0 ? "dinp" : "dweight"}[${differ}] differs from 1 thread's`);
      }
    } finally {
      rt.workers.threads = threads;
    }
  });

  it("frees the binding's copy of each product at once, never the product itself", () => {
    const y = new Float32Array(1 << 16); // what ONNX Runtime wrote into
    const copy = new Float32Array(1 << 16); // what the binding returns
    const session = { run: () => ({ Y: { data: copy } }) };
    mlas.runFreeingCopies(session, {}, { Y: { data: y } });
    assert.equal(copy.buffer.byteLength, 0, "the binding's copy is still allocated");
    assert.equal(y.length, 1 << 16);
    // A binding that returns the product's own buffer (no copy) keeps it.
    mlas.runFreeingCopies({ run: () => ({ Y: { data: y } }) }, {}, { Y: { data: y } });
    assert.equal(y.buffer.byteLength, 4 << 16, "the product's own buffer was freed");
    // A buffer that cannot be detached (the wasm memory's) stays as it is, without an error.
    const memory = rt.arena.f32().buffer as ArrayBuffer;
    const bytes = memory.byteLength;
    freeNow(memory);
    assert.equal(memory.byteLength, bytes);
  });

  it("leaves small GEMMs and strided operands to wasm", () => {
    const before = mlas.mlasCalls;
    gemm({ batch: 1, transA: false, transB: false, shared: null, accumulate: false }, 64, 64, 64, "1");
    // Many multiply-adds but few per float (a 1x1 conv's shape: 27 per float) stay in wasm too.
    gemm({ batch: 1, transA: false, transB: false, shared: null, accumulate: false }, 192, 8192, 32, "1");
    rt.arena.begin();
    const [M, N, K] = [256, 256, 512];
    const pa = rt.arena.alloc(4 * M * (K + 1));
    const pb = rt.arena.alloc(4 * K * N);
    const pc = rt.arena.alloc(4 * M * N);
    // A's rows padded to K + 1 floats: not a FusedMatMul input.
    const spec = { batch: 1, M, N, K, a: pa, strideA: 0, aRow: K + 1, aCol: 1 };
    runSgemm(rt, { ...spec, b: pb, strideB: 0, bRow: N, bCol: 1, c: pc, strideC: 0, accumulate: false });
    assert.equal(mlas.mlasCalls, before);
    // Operands beyond MLAS_MAX_FLOATS (a VGG-16 classifier's weights) are not copied.
    const vgg = { ...layoutSpec({ batch: 1, transA: false, transB: true, shared: null, accumulate: false }) };
    assert.ok(mlas.mlasPays({ ...vgg, M: 4096, N: 4096, K: 4096 }));
    assert.ok(!mlas.mlasPays({ ...vgg, M: 1024, N: 4096, K: 25088 }), "a 411 MB operand went to MLAS");
  });

  /**
   * The conv's forward, with and without bias, on MLAS (in exactly `gemms` GEMMs when given, else
   * in some), matching ref's.
   */
  function expectForwardOnMlas(c: ConvCase, gemms?: number): void {
    const g = convGeometry(c);
    const n = convLengths(g);
    for (const bias of [f32Random(g.OC, 3), null]) {
      const args = () => [new Float32Array(n.out), f32Random(n.inp, 1), f32Random(n.weight, 2), bias, g];
      const onWasm = args();
      const before = mlas.mlasCalls;
      wasmKernels()!.conv2dForward(...onWasm);
      if (gemms === undefined) assert.ok(mlas.mlasCalls > before, "the forward did not go to MLAS");
      else assert.equal(mlas.mlasCalls, before + gemms, `the forward did not go to MLAS as ${gemms} GEMMs`);
      const onRef = args();
      refKernel("conv2dForward")(...onRef);
      expectMatchesRef(onWasm[0] as Buf, onRef[0] as Buf, `out (bias ${bias !== null})`);
    }
  }

  /**
   * One gradient of the conv, the input's (added onto dinp) or the weight's (accumulating, with the
   * bias's too when `withBias`), in wasm and in ref from the same arguments, matching; returns how
   * many GEMMs wasm's call ran on MLAS.
   */
  function gradientOnMlas(c: ConvCase, which: "dinp" | "dweight", withBias = false): number {
    const g = convGeometry(c);
    const n = convLengths(g);
    const args = () => [
      which === "dinp" ? f32Random(n.inp, 7) : null,
      which === "dweight" ? f32Random(n.weight, 8) : null,
      withBias ? f32Random(g.OC, 9) : null,
      f32Random(n.out, 6),
      f32Random(n.inp, 1),
      f32Random(n.weight, 2),
      g,
    ];
    const onWasm = args();
    const before = mlas.mlasCalls;
    wasmKernels()!.conv2dBackward(...onWasm);
    const gemms = mlas.mlasCalls - before;
    const onRef = args();
    refKernel("conv2dBackward")(...onRef);
    const k = which === "dinp" ? 0 : 1;
    expectMatchesRef(onWasm[k] as Buf, onRef[k] as Buf, which);
    if (withBias) expectMatchesRef(onWasm[2] as Buf, onRef[2] as Buf, "dbias");
    return gemms;
  }

  for (const c of CONVS) {
    it(`conv forward (${c.name}), with and without bias: on MLAS, as ref's`, () => expectForwardOnMlas(c));

    it(`conv weight gradient (${c.name}): on MLAS, accumulating, as ref's`, () => {
      assert.ok(gradientOnMlas(c, "dweight", true) > 0, "the weight gradient did not go to MLAS");
    });
  }

  /** Strided convs whose input gradient's GEMM goes to MLAS (conv-mlas.ts mlasInputGradient). */
  const STRIDED: (ConvCase & { name: string })[] = [
    { ...CONVS[1], name: "3x3 stride 2, odd sizes: two chunks of images" },
    // ResNet-18-CIFAR width 16's second stride-2 conv.
    {
      name: "3x3 stride 2, 32 -> 64 on 16x16",
      N: 32,
      C: 32,
      H: 16,
      W: 16,
      OC: 64,
      KH: 3,
      KW: 3,
      pad: [1, 1, 1, 1],
      stride: [2, 2],
    },
  ];
  it("strided conv on 8x8 planes (ResNet-18-CIFAR width 16's 32 -> 64): forward and weight gradient on MLAS, images side by side, as ref's", () => {
    const c = STRIDED[1];
    expectForwardOnMlas(c, 1); // one GEMM for the whole batch, not the direct kernel
    assert.equal(gradientOnMlas(c, "dweight"), 1, "the weight gradient did not go to MLAS as one GEMM");
  });

  it("strided convs on MLAS (forward, input and weight gradients) give 1 thread's bits at 2", () => {
    const threads = rt.workers.threads;
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    const all = (c: ConvCase): Float32Array[] => {
      const g = convGeometry(c);
      const n = convLengths(g);
      const out = new Float32Array(n.out);
      wasmKernels()!.conv2dForward(out, f32Random(n.inp, 1), f32Random(n.weight, 2), null, g);
      const grads = [f32Random(n.inp, 7), f32Random(n.weight, 8), null, f32Random(n.out, 6)];
      wasmKernels()!.conv2dBackward(...grads, f32Random(n.inp, 1), f32Random(n.weight, 2), g);
      return [out, grads[0] as Float32Array, grads[1] as Float32Array];
    };
    try {
      for (const c of STRIDED) {
        rt.workers.threads = 1;
        const one = all(c);
        rt.workers.threads = 2;
        // Workers load ONNX Runtime at their first MLAS share: repeat until one has run a part.
        const before = rt.workers.workerMlasShares;
        let two = all(c);
        for (let attempt = 0; attempt < 100 && rt.workers.workerMlasShares === before; attempt++) {
          Atomics.wait(sleep, 0, 0, 50);
          two = all(c);
        }
        ["out", "dinp", "dweight"].forEach((what, k) => {
          const differ = one[k].findIndex((v, i) => v !== two[k][i]);
          assert.equal(differ, -1, `${c.name}: ${what}[${differ}] differs from 1 thread's`);
        });
      }
    } finally {
      rt.workers.threads = threads;
    }
  });

  for (const c of STRIDED)
    it(`conv input gradient (${c.name}): on MLAS, added onto dinp, as ref's`, () => {
      assert.ok(gradientOnMlas(c, "dinp") > 0, "the input gradient did not go to MLAS");
    });

  /** Convs on tiny output planes: images side by side (conv-mlas.ts SIDE_BY_SIDE_PIXELS). */
  const TINY: (ConvCase & { name: string })[] = [
    // GoogLeNet's last 3x3 convs on 32x32 inputs: 1x1 planes, only the centre tap inside.
    { name: "3x3 on 1x1 planes", N: 16, C: 160, H: 1, W: 1, OC: 256, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
    {
      name: "3x3 stride 2 onto 4x4",
      N: 16,
      C: 96,
      H: 7,
      W: 7,
      OC: 128,
      KH: 3,
      KW: 3,
      pad: [1, 1, 1, 1],
      stride: [2, 2],
    },
  ];
  for (const c of TINY)
    it(`conv (${c.name}): forward and input gradient on MLAS, images side by side, as ref's`, () => {
      expectForwardOnMlas(c, 1);
      // The input gradient, added onto what dinp holds (stride 1: a forward conv of dout).
      const gemms = gradientOnMlas(c, "dinp");
      if (convGeometry(c).strideH === 1) assert.equal(gemms, 1, "the input gradient did not go to MLAS");
    });

  it("backendInfo says whether GEMMs run on MLAS", () => {
    const info = backendInfo().gemm?.mlas;
    assert.ok(info !== undefined, "backendInfo().gemm.mlas is missing");
    assert.equal(info.used, mlas.mlasCalls > 0);
    assert.match(info.why, /MLAS/);
    process.env.RECEPTIVE_MLAS = "0";
    try {
      assert.deepEqual(backendInfo().gemm?.mlas, { used: false, why: "turned off by RECEPTIVE_MLAS=0" });
    } finally {
      delete process.env.RECEPTIVE_MLAS;
    }
  });
});
