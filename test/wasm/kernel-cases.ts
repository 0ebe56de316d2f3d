// Every registered wasm kernel's test cases, as data: which kernel, what the case covers, a
// function building its arguments (seeded inputs; outputs the kernel must overwrite filled with
// NaN; `+=` destinations filled with seeded values) and which arguments it writes. kernels.test.ts
// runs each case on ref and on wasm at 1 and 2 threads, in both SIMD variants (variants.test.ts),
// and fails when a registered kernel has no case. A new wasm kernel adds its cases here.

import type { ConvGeometry, PoolGeometry, PoolPlanes } from "../../kernel/engine/backends/geometry";
import type { InterpolateGeometry, Taps } from "../../kernel/engine/backends/ref/interpolate";
import { refKernel } from "../../kernel/engine/backends/registry";
import { cubicTaps, linearTaps, nearestTaps, unitTaps } from "../../kernel/engine/ops/interpolate-taps";
import {
  type ConvCase,
  type ConvTransposeCase,
  convGeometry,
  convLengths,
  convTransposeGeometry,
  f32Random,
  intGenerator,
  poolGeometry,
} from "./wasm-helpers";

export interface KernelCase {
  /** The registered kernel (a name in the wasm backend's table, backends/wasm/index.ts). */
  kernel: string;
  /** What the case covers. */
  name: string;
  /** Fresh arguments for one call; every call builds the same values. */
  args: () => unknown[];
  /** The arguments the kernel writes, compared with ref's (a null argument is skipped). */
  outputs: number[];
  /** Also compare the kernel's return value (nllLossForward's total weight). */
  returns?: boolean;
  /** Outputs that must equal ref's bit for bit (else within 1e-4 relative, see wasm-helpers). */
  exact?: number[];
  /** Big enough that 2 threads split it: the 2-thread call must hand shares to a worker. */
  threaded?: boolean;
  /** The wasm kernel leaves these arguments to ref (per call): why. */
  onRef?: string;
}

const rand = f32Random;
/** An output the kernel must overwrite entirely. */
const nan = (n: number) => new Float32Array(n).fill(Number.NaN);

// ---- matmul, linear ------------------------------------------------------------------------------

function matmulCases(): KernelCase[] {
  // [batch, M, K, N]: edges of the micro-tile (4x8), the f32x4 width and the packing blocks.
  const shapes: number[][] = [
    [1, 1, 1, 1],
    [1, 1, 7, 1],
    [1, 3, 5, 7],
    [1, 4, 8, 8],
    [1, 5, 9, 17],
    [2, 8, 16, 16],
    [1, 13, 300, 9], // K spans two packed blocks
    [1, 131, 7, 10], // M spans two A blocks
    [1, 3, 5, 1030], // N spans two B blocks
    [3, 1, 33, 6],
    [1, 6, 0, 5], // K = 0: zeros (or unchanged with accumulate)
  ];
  const int = intGenerator(7);
  for (let i = 0; i < 12; i++) shapes.push([int(1, 3), int(1, 70), int(1, 70), int(1, 70)]);
  const cases: KernelCase[] = [];
  const matmul = (batch: number, M: number, K: number, N: number, tA: boolean, tB: boolean, acc: boolean) => {
    const seed = batch * 1000003 + M * 10007 + K * 101 + N;
    return () => {
      const out = acc ? rand(batch * M * N, seed + 2) : nan(batch * M * N);
      return [out, rand(batch * M * K, seed), rand(batch * K * N, seed + 1), batch, M, K, N, tA, tB, acc];
    };
  };
  for (const [batch, M, K, N] of shapes)
    for (const [tA, tB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ])
      for (const acc of [false, true])
        cases.push({
          kernel: "matmul",
          name: `batch ${batch} (${M}x${K}) @ (${K}x${N}) transA=${tA} transB=${tB} accumulate=${acc}`,
          args: matmul(batch, M, K, N, tA, tB, acc),
          outputs: [0],
        });
  for (const [batch, M, K, N, how] of [
    [8, 64, 193, 100, "split by batch"],
    [1, 61, 541, 259, "split by columns"],
    [1, 263, 1601, 21, "split by rows"],
  ] as const)
    cases.push({
      kernel: "matmul",
      name: `batch ${batch} (${M}x${K}) @ (${K}x${N})^T, ${how}`,
      args: matmul(batch, M, K, N, false, true, false),
      outputs: [0],
      threaded: true,
    });
  cases.push({
    kernel: "matmul",
    name: "float64 buffers (gradient checks)",
    args: () => [
      new Float64Array(4),
      Float64Array.from(rand(6, 1)),
      Float64Array.from(rand(6, 2)),
      1,
      2,
      3,
      2,
    ],
    outputs: [0],
    onRef: "float64 buffers go to ref",
  });
  return cases;
}

function linearCases(): KernelCase[] {
  // [B, IC, OC]
  const shapes: number[][] = [
    [1, 1, 1],
    [3, 5, 7],
    [64, 400, 120],
    [64, 84, 10],
    [7, 257, 9],
  ];
  const int = intGenerator(8);
  for (let i = 0; i < 6; i++) shapes.push([int(1, 40), int(1, 90), int(1, 40)]);
  const cases: KernelCase[] = [];
  const add = (B: number, IC: number, OC: number, bias: boolean, threaded = false) => {
    const what = `B=${B} IC=${IC} OC=${OC} bias=${bias}`;
    cases.push({
      kernel: "linearForward",
      name: what,
      args: () => [
        nan(B * OC),
        rand(B * IC, B + IC),
        rand(OC * IC, OC + 5),
        bias ? rand(OC, OC + 9) : null,
        B,
        IC,
        OC,
      ],
      outputs: [0],
      threaded,
    });
    cases.push({
      kernel: "linearBackward",
      name: `${what}: dinp overwritten, dweight and dbias accumulated`,
      args: () => [
        nan(B * IC),
        rand(OC * IC, 17),
        bias ? rand(OC, 19) : null,
        rand(B * OC, 3 * B + OC),
        rand(B * IC, B + 2 * IC),
        rand(OC * IC, OC + 11),
        B,
        IC,
        OC,
      ],
      outputs: [0, 1, 2],
      threaded,
    });
  };
  for (const [B, IC, OC] of shapes) for (const bias of [true, false]) add(B, IC, OC, bias);
  add(64, 512, 256, true, true);
  cases.push({
    kernel: "linearBackward",
    name: "null gradients skipped",
    args: () => [nan(5 * 6), null, null, rand(5 * 7, 2), rand(5 * 6, 3), rand(7 * 6, 4), 5, 6, 7],
    outputs: [0],
  });
  return cases;
}

// ---- elementwise ---------------------------------------------------------------------------------

/** Random values with special ones sprinkled in (NaN, +-0, infinities, tiny numbers). */
function values(n: number, seed: number): Float32Array {
  const x = rand(n, seed).map((v) => v * 4);
  const specials = [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-30, -1e-30];
  for (let i = 0; i < specials.length && i * 37 < n; i++) x[i * 37] = specials[i];
  return x;
}

/** Row-major strides of a shape. */
const contiguous = (shape: number[]) => shape.map((_, d) => shape.slice(d + 1).reduce((p, q) => p * q, 1));

function elementwiseCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  // [op, a, b] as the ops call them; ops without a wasm kernel go to ref.
  const unary: [string, number, number, string?][] = [
    ["relu", 0, 0],
    ["leakyRelu", 0.01, 0],
    ["affine", 0.5, -1.25],
    ["neg", 0, 0],
    ["square", 0, 0],
    ["hardswish", 0, 0],
    ["hardsigmoid", 0, 0],
    ["silu", 0, 0],
    ["gelu", 0, 0],
    ["geluTanh", 0, 0],
    ["hardtanh", 0, 6], // relu6
    ["hardtanh", -1, 1],
    ["clamp", -0.5, 2],
    ["sigmoid", 0, 0],
    ["exp", 0, 0, "exp has no wasm kernel"],
  ];
  const unaryCase = (
    op: string,
    a: number,
    b: number,
    n: number,
    onRef?: string,
    threaded = false,
    scale = 1, // values in [-4 scale, 4 scale]
    halves = false, // values rounded to multiples of 0.5 (bounds hit exactly)
  ) => {
    const x = (seed: number) => values(n, seed).map((v) => (halves ? Math.round(2 * v) / 2 : v * scale));
    const bounds = op === "hardtanh" || op === "clamp" ? `(${a}, ${b})` : "";
    const wide =
      (scale === 1 ? "" : ` in [-${4 * scale}, ${4 * scale}]`) + (halves ? " (multiples of 0.5)" : "");
    cases.push({
      kernel: "unaryForward",
      name: `${op}${bounds} on ${n} elements${wide}`,
      args: () => [op, nan(n), x(n), a, b],
      outputs: [1],
      threaded,
      onRef,
    });
    cases.push({
      kernel: "unaryBackward",
      name: `${op}${bounds} on ${n} elements${wide}`,
      args: () => {
        const xs = x(n + 1);
        const y = new Float32Array(n);
        refKernel("unaryForward")(op, y, xs, a, b);
        return [op, nan(n), xs, y, rand(n, n + 2), a, b];
      },
      outputs: [1],
      threaded,
      onRef,
    });
  };
  for (const n of [256, 257, 1003, 4099])
    for (const [op, a, b, onRef] of unary) unaryCase(op, a, b, n, onRef);
  unaryCase("relu", 0, 0, 255, "fewer than 256 elements: the copies would cost more than the loop");
  const long = (1 << 18) + 13; // past SPLIT_ELEMENTS, shares not multiples of 16
  unaryCase("affine", 0.5, -1.25, long, undefined, true);
  unaryCase("relu", 0, 0, long, undefined, true);
  unaryCase("silu", 0, 0, long, undefined, true);
  // Values on the bounds: hardtanh's gradient excludes them, clamp's includes them.
  for (const op of ["hardtanh", "clamp"]) unaryCase(op, -1, 1, 1003, undefined, false, 1, true);
  unaryCase("hardtanh", 0, 6, long, undefined, true);
  // The smooth activations' tails: exp underflowing and overflowing, erfc far out.
  for (const op of ["hardswish", "hardsigmoid", "silu", "gelu", "geluTanh", "sigmoid"])
    unaryCase(op, 0, 0, 1003, undefined, false, 30);

  const binaryForward = (op: string, shape: number[], scalar: boolean, threaded = false, onRef?: string) => {
    const n = shape.reduce((p, q) => p * q, 1);
    cases.push({
      kernel: "binaryForward",
      name: `${op} ${scalar ? "with a scalar right operand" : "same shape"} [${shape}]`,
      args: () => [
        op,
        nan(n),
        values(n, 3),
        scalar ? Float32Array.of(-0.75) : rand(n, 4),
        shape,
        contiguous(shape),
        scalar ? shape.map(() => 0) : contiguous(shape),
      ],
      outputs: [1],
      threaded,
      onRef,
    });
  };
  for (const op of ["add", "sub", "mul", "div", "maximum"])
    for (const shape of [
      [16, 16],
      [3, 7, 13],
      [1, 1001],
    ])
      for (const scalar of [false, true])
        binaryForward(op, shape, scalar, false, op === "maximum" ? "maximum has no wasm kernel" : undefined);
  binaryForward("mul", [long], false, true);
  // One value per row: (N, C, H, W) op (N, C, 1, 1), as squeeze-and-excitation scales.
  const perRow = (
    op: string,
    shape: number[],
    rowStrides: number[],
    rowFirst: boolean,
    threaded = false,
    onRef?: string,
  ) => {
    const n = shape.reduce((p, q) => p * q, 1);
    const rows = shape.reduce((p, q, d) => (rowStrides[d] === 0 ? p : p * q), 1);
    const full = contiguous(shape);
    const strides = (first: boolean) => (first === rowFirst ? rowStrides : full);
    const operand = (first: boolean, seed: number) =>
      first === rowFirst ? rand(rows, seed).map((v) => v + 2) : rand(n, seed).map((v) => v + 2);
    const name = `[${shape}] with one value per row on the ${rowFirst ? "left" : "right"}`;
    cases.push({
      kernel: "binaryForward",
      name: `${op} ${name}`,
      args: () => [op, nan(n), operand(true, 3), operand(false, 4), shape, strides(true), strides(false)],
      outputs: [1],
      threaded,
      onRef,
    });
    if (op === "div") return;
    for (const which of ["both", "a only", "b only"])
      cases.push({
        kernel: "binaryBackward",
        name: `${op} ${name}, gradient for ${which}, accumulating`,
        args: () => {
          const [a, b] = [operand(true, 1), operand(false, 2)];
          const y = new Float32Array(n);
          refKernel("binaryForward")(op, y, a, b, shape, strides(true), strides(false));
          const da = which === "b only" ? null : rand(a.length, 4);
          const db = which === "a only" ? null : rand(b.length, 5);
          return [op, da, db, a, b, y, rand(n, 3), shape, strides(true), strides(false)];
        },
        outputs: [1, 2],
        threaded,
        onRef,
      });
  };
  for (const op of ["add", "sub", "mul", "div"]) {
    perRow(op, [3, 5, 7, 9], [5, 1, 0, 0], false);
    const commutes = op === "add" || op === "mul";
    perRow(op, [3, 5, 7, 9], [5, 1, 0, 0], true, false, commutes ? undefined : "only add and mul commute");
  }
  perRow("mul", [8, 3, 5, 5], [1, 0, 0, 0], true); // stochastic depth's mask, one value per image
  perRow("add", [6, 1, 10, 11], [1, 0, 0, 0], false); // a size-1 dim among the rows' dims
  perRow("mul", [16, 64, 17, 16], [64, 1, 0, 0], true, true);
  cases.push({
    kernel: "binaryForward",
    name: "add with a row broadcast down the columns",
    args: () => ["add", nan(1200), rand(1200, 1), rand(30, 2), [40, 30], [30, 1], [0, 1]],
    outputs: [1],
    onRef: "broadcasts other than a scalar or one value per row go to ref",
  });

  const binaryBackward = (op: string, n: number, which: string, threaded = false) => {
    const shape = n === 7 * 61 ? [7, 61] : [n];
    const strides = contiguous(shape);
    cases.push({
      kernel: "binaryBackward",
      name: `${op} [${shape}], gradient for ${which}, accumulating`,
      args: () => {
        const a = rand(n, 1);
        const b = rand(n, 2).map((v) => v + 2); // away from 0 for div
        const y = new Float32Array(n);
        refKernel("binaryForward")(op, y, a, b, shape, strides, strides);
        const da = which === "b only" ? null : rand(n, 4);
        const db = which === "a only" ? null : rand(n, 5);
        return [op, da, db, a, b, y, rand(n, 3), shape, strides, strides];
      },
      outputs: [1, 2],
      threaded,
      onRef: op === "div" ? "div's gradients have no wasm kernel" : undefined,
    });
  };
  for (const op of ["add", "sub", "mul", "div"])
    for (const which of ["both", "a only", "b only"]) binaryBackward(op, 7 * 61, which);
  binaryBackward("mul", long, "both", true);
  return cases;
}

// ---- batch norm ------------------------------------------------------------------------------------

function normCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  const add = (N: number, C: number, inner: number, offset: number, training: boolean, affine: boolean) => {
    const n = N * C * inner;
    const what = `[${N}, ${C}, ${inner}] + ${offset}, training=${training}, affine=${affine}`;
    const threaded = n >= 1 << 19;
    const inputs = () => ({
      inp: rand(n, n + C).map((v) => v + offset),
      weight: affine ? rand(C, 1).map((v) => v + 1.5) : null,
      bias: affine ? rand(C, 2) : null,
      // Eval mode reads the running statistics; training writes them.
      mean: training ? nan(C) : rand(C, 3).map((v) => v + offset),
      rstd: training ? nan(C) : rand(C, 4).map((v) => v + 2),
    });
    cases.push({
      kernel: "batchNormForward",
      name: what,
      args: () => {
        const { inp, weight, bias, mean, rstd } = inputs();
        return [nan(n), mean, rstd, training ? nan(C) : null, inp, weight, bias, N, C, inner, 1e-5, training];
      },
      outputs: training ? [0, 1, 2, 3] : [0],
      threaded,
    });
    for (const overwrite of training ? [false, true] : [false])
      cases.push({
        kernel: "batchNormBackward",
        name: `${what}${overwrite ? ", dinp overwritten" : ""}`,
        args: () => {
          const { inp, weight, bias, mean, rstd } = inputs();
          refKernel("batchNormForward")(
            nan(n),
            mean,
            rstd,
            null,
            inp,
            weight,
            bias,
            N,
            C,
            inner,
            1e-5,
            training,
          );
          const dinp = overwrite ? nan(n) : rand(n, 6); // overwritten: its contents must not matter
          const dweight = affine ? rand(C, 7) : null;
          const dbias = affine ? rand(C, 8) : null;
          return [
            dinp,
            dweight,
            dbias,
            rand(n, 5),
            inp,
            mean,
            rstd,
            weight,
            N,
            C,
            inner,
            training,
            overwrite,
          ];
        },
        outputs: [0, 1, 2],
        threaded,
      });
  };
  // [N, C, inner, offset added to the input]: (N, C), odd inner sizes, a large mean with a small spread.
  for (const [N, C, inner, offset] of [
    [8, 3, 1, 0],
    [4, 5, 7 * 9, 0],
    [2, 16, 32 * 32, 0],
    [3, 2, 13, 100],
    [40, 6, 4, 50], // rows of one f32x4: f32 partial sums flushed across rows (MobileNet's 2x2 planes)
  ])
    for (const training of [true, false])
      for (const affine of [true, false]) add(N, C, inner, offset, training, affine);
  add(16, 37, 33 * 33, 3, true, true); // channels split across threads
  // Clamped to [0, 6] (Conv2dNormActivation's fused ReLU6): the forward clamps, the backward masks
  // dout by 0 < out < 6; values cross both bounds (weight ~1.5 +- 1 and input * 4).
  for (const [N, C, inner, training] of [
    [4, 5, 7 * 9, true],
    [40, 6, 4, false],
    [16, 37, 33 * 33, true], // split across threads
  ] as const) {
    const n = N * C * inner;
    const what = `[${N}, ${C}, ${inner}] clamped to [0, 6], training=${training}`;
    const threaded = n >= 1 << 19;
    const inputs = () => ({
      inp: rand(n, n + C).map((v) => 4 * v),
      weight: rand(C, 1).map((v) => v + 1.5),
      bias: rand(C, 2).map((v) => v + 1),
      mean: training ? nan(C) : rand(C, 3),
      rstd: training ? nan(C) : rand(C, 4).map((v) => v + 2),
    });
    cases.push({
      kernel: "batchNormForward",
      name: what,
      args: () => {
        const { inp, weight, bias, mean, rstd } = inputs();
        return [
          nan(n),
          mean,
          rstd,
          training ? nan(C) : null,
          inp,
          weight,
          bias,
          N,
          C,
          inner,
          1e-5,
          training,
          0,
          6,
        ];
      },
      outputs: training ? [0, 1, 2, 3] : [0],
      threaded,
    });
    cases.push({
      kernel: "batchNormBackward",
      name: what,
      args: () => {
        const { inp, weight, bias, mean, rstd } = inputs();
        const out = nan(n);
        refKernel("batchNormForward")(
          out,
          mean,
          rstd,
          null,
          inp,
          weight,
          bias,
          N,
          C,
          inner,
          1e-5,
          training,
          0,
          6,
        );
        const dout = rand(n, 5);
        return [
          rand(n, 6),
          rand(C, 7),
          rand(C, 8),
          dout,
          inp,
          mean,
          rstd,
          weight,
          N,
          C,
          inner,
          training,
          false,
          out,
          0,
          6,
        ];
      },
      outputs: [0, 1, 2],
      threaded,
    });
  }
  return cases;
}

// ---- softmax, nll loss ---------------------------------------------------------------------------

/** sliceDim: strided slices along the middle dim and their adjoint (cat's slots, slice's gradient). */
function shapeCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  // [outer, size, inner, start, step, count]
  for (const [outer, size, inner, start, step, count] of [
    [3, 10, 33, 2, 3, 3], // every third row from the third
    [4, 24, 64, 8, 1, 16], // a cat slot of 16 channels among 24, 8x8 planes
    [5, 7, 61, 0, 2, 4], // rows of 61: tails past the f32x4 loop
    [1, 300, 1, 5, 1, 290], // inner 1: single floats
    [2, 5, 20, 1, 2, 2], // 80 floats: below the size worth the copies
  ]) {
    const nOut = outer * count * inner;
    const nX = outer * size * inner;
    const what = `(${outer}, ${size}, ${inner}) [${start}::${step}] x ${count}`;
    const onRef = nOut < 256 ? "fewer than 256 floats: the JS loop beats the copies" : undefined;
    cases.push({
      kernel: "sliceDim",
      name: what,
      args: () => [nan(nOut), rand(nX, 1), outer, size, inner, start, step, count],
      outputs: [0],
      exact: [0],
      onRef,
    });
    cases.push({
      kernel: "sliceDim",
      name: `${what}, the adjoint (adding into x)`,
      args: () => [rand(nOut, 2), rand(nX, 3), outer, size, inner, start, step, count, true],
      outputs: [1],
      exact: [1],
      onRef,
    });
  }
  return cases;
}

function softmaxCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  // [outer, D, inner, scale of the logits]
  for (const [outer, D, inner, scale] of [
    [64, 10, 1, 3], // a classifier's logits
    [7, 13, 1, 1],
    [3, 5, 11, 2], // softmax over dim 1 of (3, 5, 11)
    [2, 1, 9, 1], // D = 1
    [4, 6, 1, 200], // large logits: exp overflows without the max
  ])
    for (const name of ["softmax", "logSoftmax"]) {
      const n = outer * D * inner;
      const what = `(${outer}, ${D}, ${inner}) x ${scale}`;
      const inp = () => rand(n, n + D).map((v) => v * scale);
      cases.push({
        kernel: `${name}Forward`,
        name: what,
        args: () => [nan(n), inp(), outer, D, inner],
        outputs: [0],
      });
      cases.push({
        kernel: `${name}Backward`,
        name: `${what}, accumulating`,
        args: () => {
          const out = new Float32Array(n);
          refKernel(`${name}Forward`)(out, inp(), outer, D, inner);
          return [rand(n, 3), rand(n, 2), out, outer, D, inner];
        },
        outputs: [0],
      });
    }
  // [N, C, inner]
  for (const [N, C, inner] of [
    [64, 10, 1],
    [5, 7, 1],
    [3, 4, 9],
  ])
    for (const weighted of [false, true])
      for (const ignoreIndex of [-100, 2]) {
        const what = `(${N}, ${C}, ${inner}), weighted=${weighted}, ignoreIndex=${ignoreIndex}`;
        const target = () => {
          const next = intGenerator(N * C + inner);
          return new Float32Array(N * inner).map(() => next(0, C - 1));
        };
        const weight = () => (weighted ? rand(C, 5).map((v) => v + 1.5) : null);
        cases.push({
          kernel: "nllLossForward",
          name: what,
          args: () => [nan(N * inner), rand(N * C * inner, 4), target(), weight(), N, C, inner, ignoreIndex],
          outputs: [0],
          returns: true,
        });
        cases.push({
          kernel: "nllLossBackward",
          name: `${what}, accumulating`,
          args: () => [
            rand(N * C * inner, 7),
            rand(N * inner, 6),
            target(),
            weight(),
            N,
            C,
            inner,
            ignoreIndex,
          ],
          outputs: [0],
        });
      }
  return cases;
}

// ---- optimizers ----------------------------------------------------------------------------------

function optimCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  // [what, momentum, dampening, weightDecay, nesterov, maximize]
  const sgd: [string, number, number, number, boolean, boolean][] = [
    ["plain", 0, 0, 0, false, false],
    ["momentum 0.9", 0.9, 0, 0, false, false],
    ["momentum, dampening 0.3, weight decay", 0.9, 0.3, 1e-2, false, false],
    ["nesterov, weight decay", 0.8, 0, 5e-4, true, false],
    ["maximize", 0.5, 0, 0, false, true],
  ];
  // [what, weightDecay, decoupled (AdamW), amsgrad, maximize]
  const adam: [string, number, boolean, boolean, boolean][] = [
    ["Adam", 0, false, false, false],
    ["Adam, L2 weight decay", 1e-2, false, false, false],
    ["AdamW", 1e-2, true, false, false],
    ["Adam, amsgrad", 0, false, true, false],
    ["AdamW, amsgrad, maximize", 0.1, true, true, true],
  ];
  // 70001 values: split across threads (16-value slices and a tail).
  for (const n of [1, 7, 1003, 70001]) {
    const threaded = n > 1 << 16;
    for (const [what, momentum, dampening, wd, nesterov, maximize] of sgd)
      for (const first of [true, false])
        cases.push({
          threaded,
          kernel: "sgdUpdate",
          name: `${n} values, ${what}, ${first ? "first step" : "a later step"}`,
          args: () => [
            rand(n, 1),
            rand(n, 10),
            momentum === 0 ? null : first ? new Float32Array(n) : rand(n, 11),
            ...[0.05, momentum, dampening, wd, nesterov, maximize, first],
          ],
          outputs: [0, 2],
          exact: [0, 2],
        });
    for (const [what, wd, decoupled, amsgrad, maximize] of adam)
      for (const step of [1, 3])
        cases.push({
          threaded,
          kernel: "adamUpdate",
          name: `${n} values, ${what}, step ${step}`,
          args: () => {
            const m = step === 1 ? new Float32Array(n) : rand(n, 21).map((v) => v * 0.1);
            const v = step === 1 ? new Float32Array(n) : rand(n, 22).map((x) => x * x * 0.01);
            const vmax = amsgrad ? v.map((x, i) => x * (1 + (i % 3))) : null; // its running max matters
            const grad = rand(n, 20 + step).map((g) => g * (step === 3 ? 0.1 : 1));
            return [rand(n, 2), grad, m, v, vmax, ...[1e-2, 0.9, 0.999, 1e-8, wd, decoupled, maximize, step]];
          },
          outputs: [0, 2, 3, 4],
          exact: [0, 2, 3, 4],
        });
  }
  return cases;
}

// ---- convolution ---------------------------------------------------------------------------------

type Named<T> = T & { name: string };

/** A 3x3, stride-2, padding-1 case (ResNet's downsampling convs). */
const down = (name: string, N: number, C: number, H: number, W: number, OC: number): Named<ConvCase> => ({
  name,
  ...{ N, C, H, W, OC, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1, 1, 1] },
});

/** im2col + GEMM, depthwise and the rest of the general paths: odd sizes, every option. */
const GENERAL: Named<ConvCase>[] = [
  { name: "LeNet conv1 (5x5, pad 2)", N: 3, C: 1, H: 28, W: 28, OC: 6, KH: 5, KW: 5, pad: [2, 2, 2, 2] },
  { name: "LeNet conv2 (5x5)", N: 2, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5 },
  { name: "3x3 pad 1 on odd sizes", N: 2, C: 5, H: 9, W: 11, OC: 7, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  { ...down("3x3 stride 2 pad 1", 2, 3, 10, 13, 9) },
  // Stride 2 on rows of 8 and 4 outputs (SIMD every-other-float paths), and of 9 (plus a tail).
  down("3x3 stride 2, 8 outputs a row", 2, 5, 16, 16, 6),
  down("3x3 stride 2, 4 outputs a row", 3, 4, 8, 8, 5),
  down("3x3 stride 2, 9 outputs a row", 2, 3, 11, 18, 4),
  { name: "1x1", N: 2, C: 12, H: 5, W: 7, OC: 10, KH: 1, KW: 1 },
  { name: "1x1 stride 2", N: 1, C: 4, H: 7, W: 6, OC: 3, KH: 1, KW: 1, stride: [2, 2] },
  { name: "rectangular kernel, stride 3x1", N: 1, C: 2, H: 13, W: 9, OC: 5, KH: 2, KW: 4, stride: [3, 1] },
  {
    name: "dilation 2, asymmetric padding",
    ...{ N: 2, C: 3, H: 12, W: 10, OC: 4, KH: 3, KW: 3, dilation: [2, 2], pad: [1, 0, 2, 3] },
  },
  { name: "groups 2", N: 2, C: 6, H: 8, W: 7, OC: 4, KH: 3, KW: 3, groups: 2, pad: [1, 1, 1, 1] },
  { name: "depthwise", N: 2, C: 5, H: 9, W: 9, OC: 5, KH: 3, KW: 3, groups: 5, pad: [1, 1, 1, 1] },
  // The 3x3 stride-1 forward's strips of 16 output rows, the last one short and odd.
  {
    name: "depthwise 3x3, strips of rows",
    N: 1,
    C: 2,
    H: 37,
    W: 9,
    OC: 2,
    KH: 3,
    KW: 3,
    groups: 2,
    pad: [1, 1, 1, 1],
  },
  // The 3x3 stride-1 gradients' gather (padding 0-2 per side) and scatter (padding 3) paths.
  {
    name: "depthwise 3x3, padding 2 and 0",
    N: 2,
    C: 3,
    H: 7,
    W: 10,
    OC: 3,
    KH: 3,
    KW: 3,
    groups: 3,
    pad: [2, 0, 0, 2],
  },
  {
    name: "depthwise 3x3, padding 3",
    N: 1,
    C: 2,
    H: 6,
    W: 5,
    OC: 2,
    KH: 3,
    KW: 3,
    groups: 2,
    pad: [3, 3, 3, 3],
  },
  // The 3x3 stride-1 kernel's two-row blocks with no odd row and no column tail (MobileNet's planes).
  {
    name: "depthwise 3x3, rows of whole f32x4s",
    N: 1,
    C: 4,
    H: 16,
    W: 16,
    OC: 4,
    KH: 3,
    KW: 3,
    groups: 4,
    pad: [1, 1, 1, 1],
  },
  // Wide rows: the input gradient's gather reads dout in place (the forward's direct kernel, adding,
  // its last block overlapping the one before), the weight gradient's split passes with a column tail.
  {
    name: "depthwise 3x3 gradients on wide rows, a column tail and an odd row",
    ...{ N: 2, C: 3, H: 19, W: 22, OC: 3, KH: 3, KW: 3, groups: 3, pad: [1, 1, 1, 1] },
  },
  {
    name: "depthwise 3x3 gradients on wide rows, padding 2 and 0",
    ...{ N: 1, C: 2, H: 9, W: 21, OC: 2, KH: 3, KW: 3, groups: 2, pad: [2, 0, 0, 2] },
  },
  {
    name: "depthwise stride 2",
    ...{ N: 2, C: 4, H: 13, W: 14, OC: 4, KH: 3, KW: 3, groups: 4, stride: [2, 2], pad: [1, 1, 1, 1] },
  },
  // The 3x3 stride-2 forward's rows of whole pairs with two f32x4s and a tail (MobileNet's downsampling).
  {
    name: "depthwise 3x3 stride 2, even rows, 10 outputs a row",
    ...{ N: 1, C: 3, H: 20, W: 19, OC: 3, KH: 3, KW: 3, groups: 3, stride: [2, 2], pad: [1, 1, 1, 1] },
  },
  {
    name: "depthwise 3x3 stride 2, rows of whole f32x4s",
    ...{ N: 2, C: 2, H: 16, W: 16, OC: 2, KH: 3, KW: 3, groups: 2, stride: [2, 2], pad: [1, 1, 1, 1] },
  },
  // The 3x3 stride-2 padding-1 input gradient's gather: odd rows and columns, a last row whose second
  // dout row is past the end, a column tail, and no padding at the bottom and right.
  {
    name: "depthwise 3x3 stride 2, odd rows and columns",
    ...{ N: 2, C: 2, H: 23, W: 27, OC: 2, KH: 3, KW: 3, groups: 2, stride: [2, 2], pad: [1, 1, 1, 1] },
  },
  // Cropped (negative bottom/right padding): fewer dout rows and columns than the gather reads.
  {
    name: "depthwise 3x3 stride 2, output cropped at the bottom and right",
    ...{ N: 2, C: 3, H: 20, W: 22, OC: 3, KH: 3, KW: 3, groups: 3, stride: [2, 2], pad: [1, 1, -1, -2] },
  },
  {
    name: "depthwise 3x3 stride 2, padding 1 only at the top and left",
    ...{ N: 1, C: 3, H: 19, W: 21, OC: 3, KH: 3, KW: 3, groups: 3, stride: [2, 2], pad: [1, 1, 0, 0] },
  },
  // The 3x3 stride-2 weight gradient's one pass on rows of 16 outputs, no tail (MobileNetV2's 96@32x32).
  {
    name: "depthwise 3x3 stride 2, 16 outputs a row",
    ...{ N: 2, C: 3, H: 32, W: 32, OC: 3, KH: 3, KW: 3, groups: 3, stride: [2, 2], pad: [1, 1, 1, 1] },
  },
  // Stride 2 with another kernel size: every other float per tap (EfficientNet's 5x5 downsampling).
  {
    name: "depthwise 5x5 stride 2, two f32x4s and a tail",
    ...{ N: 1, C: 2, H: 15, W: 21, OC: 2, KH: 5, KW: 5, groups: 2, stride: [2, 2], pad: [2, 2, 2, 2] },
  },
  {
    name: "depthwise 5x5 wide rows",
    N: 1,
    C: 3,
    H: 7,
    W: 23,
    OC: 3,
    KH: 5,
    KW: 5,
    groups: 3,
    pad: [2, 2, 2, 2],
  },
  {
    name: "depthwise dilation 2, asymmetric padding",
    ...{ N: 1, C: 2, H: 11, W: 12, OC: 2, KH: 3, KW: 3, groups: 2, dilation: [2, 2], pad: [0, 3, 2, 1] },
  },
  {
    name: "depthwise 7x3, stride 1x3",
    ...{ N: 2, C: 2, H: 15, W: 14, OC: 2, KH: 7, KW: 3, groups: 2, stride: [1, 3], pad: [3, 1, 3, 1] },
  },
  { name: "depthwise, no padding, 1 output column", N: 1, C: 6, H: 5, W: 3, OC: 6, KH: 3, KW: 3, groups: 6 },
  {
    name: "depthwise, padding wider than the kernel",
    N: 1,
    C: 2,
    H: 3,
    W: 2,
    OC: 2,
    KH: 2,
    KW: 2,
    groups: 2,
    pad: [3, 3, 3, 3],
  },
  { name: "depthwise 1x1", N: 2, C: 7, H: 5, W: 6, OC: 7, KH: 1, KW: 1, groups: 7 },
  // Gradients on planes under 8 outputs wide: four channels per f32x4 (depthwise-lanes.ts), a
  // last group of 2 or 3 channels, rows of 4 pixels (transposed) and of 3 or 2 (scalar).
  {
    name: "depthwise 3x3 on 2x2 planes, 10 channels (lanes)",
    ...{ N: 3, C: 10, H: 2, W: 2, OC: 10, KH: 3, KW: 3, groups: 10, pad: [1, 1, 1, 1] },
  },
  {
    name: "depthwise 3x3 stride 2 on 8x8 planes, 7 channels (lanes)",
    ...{ N: 2, C: 7, H: 8, W: 8, OC: 7, KH: 3, KW: 3, groups: 7, stride: [2, 2], pad: [1, 1, 1, 1] },
  },
  {
    name: "depthwise 5x3 dilation 2x1, asymmetric padding on 5x6 planes (lanes)",
    ...{ N: 2, C: 9, H: 5, W: 6, OC: 9, KH: 5, KW: 3, groups: 9, dilation: [2, 1], pad: [3, 1, 2, 0] },
  },
  {
    name: "depthwise, channel multiplier 2",
    N: 2,
    C: 3,
    H: 8,
    W: 9,
    OC: 6,
    KH: 3,
    KW: 3,
    groups: 3,
    pad: [1, 1, 1, 1],
  },
  {
    name: "depth K = 288 spans two GEMM blocks",
    N: 1,
    C: 32,
    H: 6,
    W: 5,
    OC: 9,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
  {
    // The input gradient of a stride-1 conv runs as a forward conv over OC * KH * KW = 297 taps.
    name: "input-gradient depth OC * KH * KW = 297 spans two GEMM blocks",
    ...{ N: 2, C: 5, H: 7, W: 6, OC: 33, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  },
  {
    name: "groups 2 with C/G = 4, dilation 2x1, asymmetric padding (input gradient as a forward conv)",
    ...{ N: 2, C: 8, H: 9, W: 10, OC: 6, KH: 3, KW: 3, groups: 2, dilation: [2, 1], pad: [2, 1, 1, 2] },
  },
  {
    name: "padding wider than the kernel reach",
    N: 1,
    C: 2,
    H: 3,
    W: 2,
    OC: 3,
    KH: 2,
    KW: 2,
    pad: [3, 3, 3, 3],
  },
  { name: "1-D (conv1d shape)", N: 2, C: 3, H: 1, W: 17, OC: 4, KH: 1, KW: 3, pad: [0, 1, 0, 1] },
  // 1x1 on small planes: one GEMM over the batch (pointwise.ts).
  { name: "1x1 on a batch of 2x2 planes", N: 8, C: 13, H: 2, W: 2, OC: 9, KH: 1, KW: 1 },
];

/** The direct forward kernel's cases (assembly/conv-direct.ts): conv-forward-direct.test.ts checks they take it. */
export const DIRECT_FORWARD: Named<ConvCase>[] = [
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
    ...{ N: 4, C: 3, H: 12, W: 10, OC: 4, KH: 3, KW: 3, dilation: [2, 2], pad: [1, 0, 2, 3] },
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

/** The direct gradient kernels' cases (assembly/conv-direct-grad.ts): conv-backward-direct.test.ts checks they take them. */
export const DIRECT_GRADIENT: Named<ConvCase>[] = [
  { name: "LeNet conv1", N: 5, C: 1, H: 28, W: 28, OC: 6, KH: 5, KW: 5, pad: [2, 2, 2, 2] },
  { name: "LeNet conv2", N: 3, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5 },
  {
    name: "32 x 32 channels, the largest direct conv",
    N: 2,
    C: 32,
    H: 9,
    W: 7,
    OC: 32,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
  {
    name: "3 -> 65 channels, 7x7 on a wide plane",
    N: 1,
    C: 3,
    H: 12,
    W: 37,
    OC: 65,
    KH: 7,
    KW: 7,
    pad: [3, 3, 3, 3],
  },
];

/** A depthwise 3x3 (groups = C = OC) case. */
const dw3 = (
  name: string,
  N: number,
  C: number,
  H: number,
  W: number,
  stride: number,
  pad: [number, number, number, number],
): Named<ConvCase> => ({
  name,
  ...{ N, C, H, W, OC: C, KH: 3, KW: 3, groups: C, stride: [stride, stride], pad },
});

/**
 * The depthwise 3x3 forward that reads the input in place (depthwise.ts's depthwise3x3Direct): f32x4
 * blocks at the row ends with lanes outside the input (any padding 0-3, widths not a multiple of
 * 4 or 8, the last block overlapping), input rows 0 and H - 1 through padded copies, a single row,
 * an odd last row; the padded-rows path it leaves narrower planes to (8-15 columns at stride 1);
 * and four planes to an f32x4 under 8 columns (depthwise3x3Lanes: 1x1 to 7x7).
 */
const DEPTHWISE_FORWARD: Named<ConvCase>[] = [
  dw3("depthwise 3x3 in place, 21 wide, odd rows", 2, 3, 11, 21, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 in place, no padding", 1, 2, 9, 17, 1, [0, 0, 0, 0]),
  dw3("depthwise 3x3 in place, padding 2", 1, 2, 10, 22, 1, [2, 2, 2, 2]),
  dw3("depthwise 3x3 in place, padding 3 on 18 columns", 1, 2, 9, 18, 1, [3, 3, 3, 3]),
  dw3("depthwise 3x3 in place, asymmetric padding", 2, 2, 9, 19, 1, [0, 2, 1, 3]),
  dw3("depthwise 3x3 in place, 16 wide", 1, 3, 8, 16, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 in place, one row", 1, 2, 1, 19, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 in place, two rows, no padding", 1, 2, 3, 18, 1, [0, 0, 0, 0]),
  dw3("depthwise 3x3 stride 2 in place, 17 wide", 2, 3, 13, 17, 2, [1, 1, 1, 1]),
  dw3("depthwise 3x3 stride 2 in place, no padding", 1, 2, 12, 21, 2, [0, 0, 0, 0]),
  dw3("depthwise 3x3 stride 2 in place, padding 2", 1, 2, 11, 15, 2, [2, 2, 2, 2]),
  dw3("depthwise 3x3 stride 2 in place, padding 3", 1, 2, 10, 16, 2, [3, 3, 3, 3]),
  dw3("depthwise 3x3 stride 2 in place, asymmetric padding", 1, 2, 14, 18, 2, [1, 0, 0, 1]),
  dw3("depthwise 3x3 stride 2 in place, 8 wide", 1, 2, 8, 8, 2, [1, 1, 1, 1]),
  dw3("depthwise 3x3 stride 2 in place, one output row", 1, 2, 2, 24, 2, [1, 1, 0, 1]),
  ...[1, 2, 3, 4, 5, 6, 7].flatMap((n) => [
    dw3(`depthwise 3x3 on ${n}x${n}`, 2, 2, n, n, 1, [1, 1, 1, 1]),
    dw3(`depthwise 3x3 stride 2 on ${n}x${n}`, 1, 3, n, n, 2, [1, 1, 1, 1]),
  ]),
  // Four small planes to an f32x4 (depthwise3x3Lanes): groups across images (5 channels), a tail of
  // planes, padding 0 and 2, stride 2.
  dw3("depthwise 3x3 on 4x4, 4 planes to an f32x4 across images", 2, 5, 4, 4, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 on 5x3, 2 planes left over", 2, 3, 5, 3, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 on 6x7, padding 2 and 0", 3, 3, 6, 7, 1, [2, 0, 0, 2]),
  dw3("depthwise 3x3 stride 2 on 7x6, 4 planes to an f32x4", 2, 6, 7, 6, 2, [1, 1, 1, 1]),
  dw3("depthwise 3x3 stride 2 on 5x5, no padding", 1, 9, 5, 5, 2, [0, 0, 0, 0]),
  dw3("depthwise 3x3 on 7x9, no padding", 1, 2, 7, 9, 1, [0, 0, 0, 0]),
  dw3("depthwise 3x3 on 8x8 (padded rows)", 2, 3, 8, 8, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 on 9x15 (padded rows)", 1, 3, 9, 15, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 stride 2 on 9x7, padding 2", 1, 2, 9, 7, 2, [2, 2, 2, 2]),
  {
    name: "depthwise 3x3 dilation 2 (padded rows)",
    ...{ N: 1, C: 2, H: 12, W: 13, OC: 2, KH: 3, KW: 3, groups: 2, dilation: [2, 2], pad: [2, 2, 2, 2] },
  },
];

/**
 * Depthwise forwards with fewer planes (N * C) than shares: threads split each plane's output rows
 * into bands (an odd last band; input rows 0 and H - 1 in different bands); and small planes,
 * split in whole groups of four.
 */
const THREADED_DEPTHWISE: Named<ConvCase>[] = [
  dw3("depthwise 3x3, one plane in bands of rows", 1, 1, 501, 487, 1, [1, 1, 1, 1]),
  dw3("depthwise 3x3 stride 2, two planes in bands of rows", 1, 2, 701, 699, 2, [1, 1, 1, 1]),
  // MobileNetV2's last depthwise layers: groups of 4 planes, shares of whole groups.
  dw3("depthwise 3x3 on 2x2 planes, batch 32, 4 to an f32x4", 32, 960, 2, 2, 1, [1, 1, 1, 1]),
];

/** Big enough to split across threads (each path's way of splitting). */
const THREADED_CONV: Named<ConvCase>[] = [
  // 1x1 on one image: one sgemm split by its micro-tiles (pointwiseGemmPays), not by images.
  { name: "1x1 on one image", N: 1, C: 192, H: 28, W: 28, OC: 64, KH: 1, KW: 1 },
  // 1x1 on small planes: one GEMM over the batch (pointwise.ts), split by its micro-tiles.
  { name: "1x1 on a batch of 3x3 planes", N: 32, C: 192, H: 3, W: 3, OC: 160, KH: 1, KW: 1 },
  { name: "regular", N: 8, C: 8, H: 16, W: 15, OC: 16, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  { ...down("stride 2", 8, 16, 33, 32, 16) },
  { name: "depthwise", N: 8, C: 32, H: 32, W: 31, OC: 32, KH: 3, KW: 3, groups: 32, pad: [1, 1, 1, 1] },
  // Gradients on small planes: (channels, image) groups and channel groups of four.
  {
    name: "depthwise on 4x4 planes (lanes)",
    ...{ N: 32, C: 578, H: 4, W: 4, OC: 578, KH: 3, KW: 3, groups: 578, pad: [1, 1, 1, 1] },
  },
  // Direct forward: threads split groups of 4 images, or output channel pairs when there are fewer groups.
  { name: "direct, 16 images", N: 16, C: 3, H: 32, W: 31, OC: 16, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  { name: "direct, 18 images", N: 18, C: 3, H: 32, W: 31, OC: 16, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  {
    name: "direct, 4 images, 63 channels",
    N: 4,
    C: 3,
    H: 32,
    W: 31,
    OC: 63,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
  // Direct gradients: threads split weight-gradient units and input-gradient images.
  { name: "LeNet conv1, batch 64", N: 64, C: 1, H: 28, W: 28, OC: 6, KH: 5, KW: 5, pad: [2, 2, 2, 2] },
  { name: "LeNet conv2, batch 64", N: 64, C: 6, H: 14, W: 14, OC: 16, KH: 5, KW: 5 },
  {
    name: "direct gradients, odd channels and pixels",
    ...{ N: 14, C: 5, H: 23, W: 21, OC: 7, KH: 3, KW: 4, pad: [1, 2, 0, 1], dilation: [1, 2] },
  },
  // Winograd (3x3 stride 1, 16+ channels): forward, input and weight gradients.
  {
    name: "Winograd F(4x4), 16x16 planes",
    N: 9,
    C: 16,
    H: 16,
    W: 16,
    OC: 16,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
  { name: "Winograd, 4x4 planes", N: 18, C: 64, H: 4, W: 4, OC: 64, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  {
    name: "Winograd F(2x2), 15x15 planes",
    N: 10,
    C: 16,
    H: 15,
    W: 15,
    OC: 16,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
];

/** Convs that conv2dForward and conv2dBackward send to Winograd (winograd.test.ts checks the rule). */
export const WINOGRAD: Named<ConvCase>[] = [
  { name: "Winograd, 64 channels on 8x8", N: 2, C: 64, H: 8, W: 8, OC: 64, KH: 3, KW: 3, pad: [1, 1, 1, 1] },
  {
    name: "Winograd weight gradient (dots), 16 -> 24",
    N: 3,
    C: 16,
    H: 16,
    W: 16,
    OC: 24,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
  {
    name: "Winograd weight gradient (dots), 32 -> 40",
    N: 3,
    C: 32,
    H: 16,
    W: 16,
    OC: 40,
    KH: 3,
    KW: 3,
    pad: [1, 1, 1, 1],
  },
];

/** conv2dForward (with and without bias) and conv2dBackward (the gradients in `grads`: x, w, b). */
function convCases(c: Named<ConvCase>, { threaded = false, grads = ["xwb"] } = {}): KernelCase[] {
  const g: ConvGeometry = convGeometry(c);
  const n = convLengths(g);
  const inputs = () => [rand(n.inp, 1 + n.inp), rand(n.weight, 2 + n.weight)];
  const cases: KernelCase[] = [true, false].map((bias) => ({
    kernel: "conv2dForward",
    name: `${c.name}${bias ? "" : ", no bias"}`,
    args: () => [nan(n.out), ...inputs(), bias ? rand(g.OC, 3) : null, g],
    outputs: [0],
    threaded,
  }));
  for (const which of grads)
    cases.push({
      kernel: "conv2dBackward",
      name: `${c.name}, gradients ${which} accumulating`,
      args: () => [
        which.includes("x") ? rand(n.inp, 7) : null,
        which.includes("w") ? rand(n.weight, 8) : null,
        which.includes("b") ? rand(g.OC, 9) : null,
        rand(n.out, 6 + n.out),
        ...inputs(),
        g,
      ],
      outputs: [0, 1, 2],
      threaded,
    });
  return cases;
}

/** Transposed convs: odd sizes, stride with output padding, groups, dilation, asymmetric padding, 1x1. */
const TRANSPOSED: Named<ConvTransposeCase>[] = [
  { name: "3x3, odd sizes", N: 2, C: 5, H: 7, W: 9, OC: 3, KH: 3, KW: 3 },
  {
    name: "4x4 stride 2 pad 1 (2x upsampling)",
    N: 2,
    C: 4,
    H: 5,
    W: 6,
    OC: 6,
    KH: 4,
    KW: 4,
    stride: [2, 2],
    pad: [1, 1, 1, 1],
  },
  {
    name: "3x3 stride 2 pad 1, output padding 1",
    ...{
      N: 1,
      C: 3,
      H: 6,
      W: 5,
      OC: 5,
      KH: 3,
      KW: 3,
      stride: [2, 2],
      pad: [1, 1, 1, 1],
      outputPadding: [1, 1],
    },
  },
  { name: "groups 2", N: 2, C: 6, H: 5, W: 7, OC: 4, KH: 3, KW: 2, groups: 2, pad: [1, 0, 1, 0] },
  {
    name: "dilation 2, asymmetric padding",
    N: 1,
    C: 2,
    H: 6,
    W: 5,
    OC: 3,
    KH: 3,
    KW: 3,
    dilation: [2, 2],
    pad: [1, 2, 0, 1],
  },
  { name: "1x1 stride 3x2", N: 2, C: 7, H: 4, W: 5, OC: 5, KH: 1, KW: 1, stride: [3, 2] },
  {
    name: "depthwise-like, groups = C = OC",
    N: 2,
    C: 4,
    H: 5,
    W: 5,
    OC: 4,
    KH: 3,
    KW: 3,
    groups: 4,
    stride: [2, 2],
  },
  { name: "deep: C = 40, K = 5x5", N: 1, C: 40, H: 4, W: 3, OC: 9, KH: 5, KW: 5, pad: [2, 2, 2, 2] },
];

function convTransposeCases(
  c: Named<ConvTransposeCase>,
  { threaded = false, grads = ["xwb"] } = {},
): KernelCase[] {
  const g = convTransposeGeometry(c);
  const inLen = g.N * g.C * g.H * g.W;
  const wLen = g.C * (g.OC / g.groups) * g.KH * g.KW; // (C, OC/G, KH, KW)
  const outLen = g.N * g.OC * g.OH * g.OW;
  const inputs = () => [rand(inLen, 1 + inLen), rand(wLen, 2 + wLen)];
  const cases: KernelCase[] = [true, false].map((bias) => ({
    kernel: "convTranspose2dForward",
    name: `${c.name}${bias ? "" : ", no bias"}`,
    args: () => [nan(outLen), ...inputs(), bias ? rand(g.OC, 3) : null, g],
    outputs: [0],
    threaded,
  }));
  for (const which of grads)
    cases.push({
      kernel: "convTranspose2dBackward",
      name: `${c.name}, gradients ${which} accumulating`,
      args: () => [
        which.includes("x") ? rand(inLen, 7) : null,
        which.includes("w") ? rand(wLen, 8) : null,
        which.includes("b") ? rand(g.OC, 9) : null,
        rand(outLen, 6 + outLen),
        ...inputs(),
        g,
      ],
      outputs: [0, 1, 2],
      threaded,
    });
  return cases;
}

function allConvCases(): KernelCase[] {
  return [
    ...GENERAL.flatMap((c, i) => convCases(c, { grads: i === 2 ? ["xwb", "w"] : ["xwb"] })),
    ...DIRECT_FORWARD.flatMap((c) => convCases(c)),
    ...DIRECT_GRADIENT.flatMap((c) => convCases(c, { grads: ["xwb", "wb", "w", "x", "b"] })),
    ...WINOGRAD.flatMap((c) => convCases(c, { grads: ["xwb", "x", "wb"] })),
    ...THREADED_CONV.flatMap((c) => convCases(c, { threaded: true, grads: ["xwb", "xw", "x", "w"] })),
    ...DEPTHWISE_FORWARD.flatMap((c) => convCases(c)),
    ...THREADED_DEPTHWISE.flatMap((c) => convCases(c, { threaded: true, grads: [] })),
    {
      kernel: "conv2dForward",
      name: "float64 buffers (gradient checks)",
      args: () => {
        const g = convGeometry({ N: 1, C: 2, H: 5, W: 5, OC: 3, KH: 3, KW: 3 });
        const n = convLengths(g);
        return [
          new Float64Array(n.out),
          Float64Array.from(rand(n.inp, 1)),
          Float64Array.from(rand(n.weight, 2)),
          null,
          g,
        ];
      },
      outputs: [0],
      onRef: "float64 buffers go to ref",
    },
    ...TRANSPOSED.flatMap((c, i) => convTransposeCases(c, { grads: i === 1 ? ["xwb", "w"] : ["xwb"] })),
    ...convTransposeCases(
      { name: "big", N: 8, C: 16, H: 16, W: 15, OC: 16, KH: 4, KW: 4, stride: [2, 2], pad: [1, 1, 1, 1] },
      { threaded: true },
    ),
  ];
}

// ---- pooling -------------------------------------------------------------------------------------

function maxPoolCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  /** `threaded`: [forward, backward] split across threads (backward splits from 4x the outputs). */
  const add = (g: PoolGeometry, [forwardThreaded, backwardThreaded] = [false, false]) => {
    const { N, C, H, W, OH, OW } = g;
    const what = `input [${N}, ${C}, ${H}, ${W}], kernel ${g.KH}x${g.KW}, stride ${g.strideH}, pad ${g.padTop}, dilation ${g.dilationH}`;
    // Quantized values make ties common; a NaN must propagate with the same index.
    const inp = () => {
      const x = rand(N * C * H * W, H * W).map((v) => Math.round(v * 4) / 4);
      x[5] = Number.NaN;
      return x;
    };
    cases.push({
      kernel: "maxPool2dForward",
      name: what,
      args: () => [nan(N * C * OH * OW), nan(N * C * OH * OW), inp(), g],
      outputs: [0, 1],
      exact: [1],
      threaded: forwardThreaded,
    });
    for (const zeroed of [false, true])
      cases.push({
        kernel: "maxPool2dBackward",
        name: `${what}${zeroed ? ", dinp known to be zeros" : ""}`,
        args: () => {
          const indices = new Float32Array(N * C * OH * OW);
          refKernel("maxPool2dForward")(new Float32Array(indices.length), indices, inp(), g);
          const dinp = zeroed ? new Float32Array(N * C * H * W) : rand(N * C * H * W, 10);
          return [dinp, rand(N * C * OH * OW, 9), indices, g, zeroed];
        },
        outputs: [0],
        threaded: backwardThreaded,
      });
  };
  for (const c of [
    { N: 2, C: 3, H: 28, W: 28, KH: 2, KW: 2 }, // LeNet (the 2x2 fast path)
    { N: 1, C: 2, H: 11, W: 9, KH: 2, KW: 2 }, // 2x2 fast path with a row and column left over
    { N: 1, C: 2, H: 9, W: 11, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1] },
    { N: 2, C: 1, H: 7, W: 7, KH: 3, KW: 2, stride: [1, 1], pad: [1, 1] },
    { N: 1, C: 3, H: 10, W: 9, KH: 2, KW: 3, stride: [3, 3], dilation: [2, 2] },
    { N: 2, C: 2, H: 7, W: 8, KH: 3, KW: 3, stride: [2, 2], ceilMode: true }, // a last window off the edge
  ] as const)
    add(poolGeometry(c));
  add(poolGeometry({ N: 64, C: 16, H: 28, W: 28, KH: 2, KW: 2 }), [true, false]);
  add(poolGeometry({ N: 64, C: 64, H: 28, W: 28, KH: 2, KW: 2 }), [true, true]);
  return cases;
}

function avgPoolCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  const add = (
    name: string,
    g: PoolGeometry,
    countIncludePad = true,
    divisorOverride = 0,
    threaded = false,
  ) => {
    const { N, C, H, W, OH, OW } = g;
    cases.push({
      kernel: "avgPool2dForward",
      name,
      args: () => [nan(N * C * OH * OW), rand(N * C * H * W, 1 + H * W), g, countIncludePad, divisorOverride],
      outputs: [0],
      threaded,
    });
    cases.push({
      kernel: "avgPool2dBackward",
      name: `${name}, accumulating`,
      args: () => [rand(N * C * H * W, 3), rand(N * C * OH * OW, 2), g, countIncludePad, divisorOverride],
      outputs: [0],
      threaded,
    });
  };
  add("2x2 stride 2 on odd planes", poolGeometry({ N: 2, C: 3, H: 9, W: 11, KH: 2, KW: 2 }));
  add(
    "3x3 stride 1 pad 1, counting padding",
    poolGeometry({ N: 1, C: 4, H: 7, W: 6, KH: 3, KW: 3, stride: [1, 1], pad: [1, 1] }),
  );
  add(
    "3x3 stride 2 pad 1, not counting padding",
    poolGeometry({ N: 2, C: 2, H: 8, W: 9, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1] }),
    false,
  );
  add(
    "ceil mode, windows off the edge",
    poolGeometry({ N: 1, C: 3, H: 7, W: 10, KH: 3, KW: 2, stride: [2, 3], ceilMode: true }),
  );
  add(
    "ceil mode with padding, not counting padding",
    poolGeometry({ N: 2, C: 2, H: 6, W: 7, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1], ceilMode: true }),
    false,
  );
  add(
    "divisorOverride 5",
    poolGeometry({ N: 1, C: 2, H: 5, W: 5, KH: 2, KW: 3, stride: [1, 2], pad: [1, 1] }),
    true,
    5,
  );
  add("7x7 over the whole 7x7 plane", poolGeometry({ N: 3, C: 5, H: 7, W: 7, KH: 7, KW: 7 }));
  add(
    "big, planes split",
    poolGeometry({ N: 32, C: 64, H: 33, W: 31, KH: 3, KW: 3, stride: [2, 2], pad: [1, 1] }),
    true,
    0,
    true,
  );

  const adaptive = (p: PoolPlanes, what: string, threaded = false) => {
    const { N, C, H, W, OH, OW } = p;
    const name = `(${N}, ${C}, ${H}, ${W}) -> ${OH}x${OW}, ${what}`;
    cases.push({
      kernel: "adaptiveAvgPool2dForward",
      name,
      args: () => [nan(N * C * OH * OW), rand(N * C * H * W, 4 + H), p],
      outputs: [0],
      threaded,
    });
    cases.push({
      kernel: "adaptiveAvgPool2dBackward",
      name: `${name}, accumulating`,
      args: () => [rand(N * C * H * W, 6), rand(N * C * OH * OW, 5), p],
      outputs: [0],
      threaded,
    });
  };
  adaptive({ N: 2, C: 3, H: 7, W: 7, OH: 1, OW: 1 }, "global average pooling");
  adaptive({ N: 1, C: 4, H: 10, W: 9, OH: 3, OW: 4 }, "overlapping windows");
  adaptive({ N: 2, C: 2, H: 5, W: 6, OH: 5, OW: 6 }, "identity");
  adaptive({ N: 1, C: 3, H: 4, W: 3, OH: 7, OW: 5 }, "output bigger than the input");
  adaptive({ N: 4, C: 16, H: 4, W: 4, OH: 1, OW: 1 }, "ResNet-18-CIFAR's head");
  adaptive({ N: 32, C: 64, H: 33, W: 31, OH: 5, OW: 3 }, "planes split", true);
  return cases;
}

// ---- interpolate ---------------------------------------------------------------------------------

function interpolateCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  /** Taps for rows (H -> OH) and columns (W -> OW) of P planes. */
  const add = (
    name: string,
    P: number,
    th: Taps,
    tw: Taps,
    [H, W]: number[],
    opts: Partial<KernelCase> = {},
  ) => {
    const g: InterpolateGeometry = {
      P,
      D: 1,
      H,
      W,
      OD: 1,
      OH: th.index.length / th.T,
      OW: tw.index.length / tw.T,
      taps: [unitTaps(), th, tw],
    };
    const n = P * H * W;
    const outN = P * g.OH * g.OW;
    cases.push({
      kernel: "interpolateForward",
      name,
      args: () => [nan(outN), rand(n, 1 + H), g],
      outputs: [0],
      ...opts,
    });
    cases.push({
      kernel: "interpolateBackward",
      name: `${name}, accumulating`,
      args: () => [rand(n, 2 + W), rand(outN, 3 + H), g],
      outputs: [0],
      ...opts,
    });
  };
  add("nearest 2x", 6, nearestTaps(5, 10, false, 2), nearestTaps(7, 14, false, 2), [5, 7]);
  add("nearest down, odd sizes", 3, nearestTaps(9, 4, false), nearestTaps(11, 5, false), [9, 11]);
  add("nearest-exact up by 1.5", 2, nearestTaps(4, 6, true, 1.5), nearestTaps(6, 9, true, 1.5), [4, 6]);
  add("bilinear 2x", 6, linearTaps(5, 10, false, 2), linearTaps(7, 14, false, 2), [5, 7]);
  add("bilinear align corners, odd sizes", 4, linearTaps(4, 9, true), linearTaps(5, 11, true), [4, 5]);
  add("bilinear down", 3, linearTaps(9, 4, false), linearTaps(11, 3, true), [9, 11]);
  add("bilinear same size", 2, linearTaps(5, 5, false), linearTaps(6, 6, false), [5, 6]);
  add(
    "bilinear 2x, planes split",
    384,
    linearTaps(32, 64, false, 2),
    linearTaps(32, 64, false, 2),
    [32, 32],
    {
      threaded: true,
    },
  );
  add(
    "nearest 2x, planes split",
    384,
    nearestTaps(32, 64, false, 2),
    nearestTaps(32, 64, false, 2),
    [32, 32],
    {
      threaded: true,
    },
  );
  add("bicubic", 2, cubicTaps(4, 7, false), cubicTaps(5, 8, true), [4, 5], {
    onRef: "modes other than 2-D nearest and bilinear go to ref",
  });
  return cases;
}

/** Every case, by family. */
export const KERNEL_CASES: KernelCase[] = [
  ...matmulCases(),
  ...linearCases(),
  ...elementwiseCases(),
  ...normCases(),
  ...softmaxCases(),
  ...shapeCases(),
  ...optimCases(),
  ...allConvCases(),
  ...maxPoolCases(),
  ...avgPoolCases(),
  ...interpolateCases(),
];
