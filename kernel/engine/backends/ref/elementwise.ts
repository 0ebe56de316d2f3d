// Reference elementwise kernels: unary math/activations and broadcasting binary ops.
// Each unary op is a pair (f, df): y = f(x, a, b) and dy/dx = df(x, y, a, b); a and b are the
// op's scalar parameters (slope, alpha, clamp bounds, exponent). `reads` says which values df
// reads (x, the input; y, the output): the op saves those for backward (ops/elementwise.ts). Derivatives at kinks follow
// PyTorch (relu'(0) = 0, hardtanh's bounds excluded, clamp's bounds included).

import { type Buf, defineKernel } from "../registry";

interface UnaryDef {
  f(x: number, a: number, b: number): number;
  df(x: number, y: number, a: number, b: number): number;
  reads: "" | "x" | "y" | "xy";
  /**
   * df is a mask (1 inside a range, 0 outside): where it is 0, dx is 0 even for an infinite or NaN
   * dout, as PyTorch's where(mask, dout, 0). (sqrt(clamp(u, 0, 1)) at u < 0 then has gradient 0,
   * not 0 * inf = NaN.)
   */
  masks?: true;
}

export const UNARY = {
  neg: { f: (x) => -x, df: () => -1, reads: "" },
  exp: { f: (x) => Math.exp(x), df: (_x, y) => y, reads: "y" },
  log: { f: (x) => Math.log(x), df: (x) => 1 / x, reads: "x" },
  sqrt: { f: (x) => Math.sqrt(x), df: (_x, y) => 0.5 / y, reads: "y" },
  rsqrt: { f: (x) => 1 / Math.sqrt(x), df: (x, y) => (-0.5 * y) / x, reads: "xy" },
  abs: { f: (x) => Math.abs(x), df: (x) => Math.sign(x), reads: "x" },
  sign: { f: (x) => Math.sign(x), df: () => 0, reads: "" },
  square: { f: (x) => x * x, df: (x) => 2 * x, reads: "x" },
  reciprocal: { f: (x) => 1 / x, df: (_x, y) => -y * y, reads: "y" },
  sin: { f: (x) => Math.sin(x), df: (x) => Math.cos(x), reads: "x" },
  cos: { f: (x) => Math.cos(x), df: (x) => -Math.sin(x), reads: "x" },
  floor: { f: (x) => Math.floor(x), df: () => 0, reads: "" },
  round: { f: (x) => roundHalfEven(x), df: () => 0, reads: "" },
  /** x ** a */
  powScalar: { f: (x, a) => x ** a, df: (x, _y, a) => (a === 0 ? 0 : a * x ** (a - 1)), reads: "x" },
  /** a * x + b */
  affine: { f: (x, a, b) => a * x + b, df: (_x, _y, a) => a, reads: "" },
  relu: { f: (x) => (x > 0 ? x : 0), df: (x) => (x > 0 ? 1 : 0), reads: "x" },
  /** clamp to [a, b]; the gradient passes where a <= x <= b (PyTorch's clamp). */
  clamp: {
    f: (x, a, b) => (x < a ? a : x > b ? b : x),
    df: (x, _y, a, b) => (x >= a && x <= b ? 1 : 0),
    reads: "x",
    masks: true,
  },
  /** hardtanh to [a, b]; the gradient passes where a < x < b (relu6 is hardtanh(0, 6)). */
  hardtanh: {
    f: (x, a, b) => (x < a ? a : x > b ? b : x),
    df: (x, _y, a, b) => (x > a && x < b ? 1 : 0),
    reads: "x",
    masks: true,
  },
  /** leaky relu with negative slope a */
  leakyRelu: { f: (x, a) => (x > 0 ? x : a * x), df: (x, _y, a) => (x > 0 ? 1 : a), reads: "x" },
  /** elu with alpha a */
  elu: { f: (x, a) => (x > 0 ? x : a * Math.expm1(x)), df: (x, y, a) => (x > 0 ? 1 : y + a), reads: "xy" },
  sigmoid: { f: (x) => sigmoid(x), df: (_x, y) => y * (1 - y), reads: "y" },
  tanh: { f: (x) => Math.tanh(x), df: (_x, y) => 1 - y * y, reads: "y" },
  /** log(1 + exp(a x)) / a with beta a; x itself where a x > b (the threshold). */
  softplus: {
    f: (x, a, b) => (x * a > b ? x : Math.log1p(Math.exp(x * a)) / a),
    df: (x, _y, a, b) => (x * a > b ? 1 : sigmoid(x * a)),
    reads: "x",
  },
  /** x * sigmoid(x), also called swish */
  silu: { f: (x) => x / (1 + Math.exp(-x)), df: (x) => silu1(x), reads: "x" },
  /** x * relu6(x + 3) / 6; the gradient x / 3 + 1/2 on [-3, 3] (MobileNetV3) */
  hardswish: {
    f: (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6,
    df: (x) => (x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1),
    reads: "x",
  },
  /** relu6(x + 3) / 6; the gradient passes where -3 < x < 3 */
  hardsigmoid: {
    f: (x) => Math.min(Math.max(x + 3, 0), 6) / 6,
    df: (x) => (x > -3 && x < 3 ? 1 / 6 : 0),
    reads: "x",
  },
  /** x * Phi(x), Phi the standard normal CDF (gelu with approximate 'none') */
  gelu: {
    f: (x) => 0.5 * x * erfc(-x * Math.SQRT1_2),
    df: (x) => 0.5 * erfc(-x * Math.SQRT1_2) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI,
    reads: "x",
  },
  /** gelu with approximate 'tanh': 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) */
  geluTanh: { f: (x) => 0.5 * x * (1 + Math.tanh(geluInner(x))), df: (x) => geluTanh1(x), reads: "x" },
  /** x * tanh(softplus(x)) */
  mish: { f: (x) => x * Math.tanh(Math.log1p(Math.exp(x))), df: (x) => mish1(x), reads: "x" },
  /** SELU_SCALE * elu(x, SELU_ALPHA) */
  selu: {
    f: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
    df: (x) => (x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x)),
    reads: "x",
  },
  /** celu with alpha a: x for x > 0, a * (exp(x / a) - 1) otherwise */
  celu: {
    f: (x, a) => (x > 0 ? x : a * Math.expm1(x / a)),
    df: (x, _y, a) => (x > 0 ? 1 : Math.exp(x / a)),
    reads: "x",
  },
} satisfies Record<string, UnaryDef>;

export type UnaryOp = keyof typeof UNARY;

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** SELU's constants (Klambauer et al. 2017), PyTorch's to double precision. */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const INV_SQRT_2PI = 0.3989422804014327; // 1 / sqrt(2 pi)
const GELU_BETA = Math.sqrt(2 / Math.PI);
const GELU_KAPPA = 0.044715;

/** silu'(x) = s (1 + x (1 - s)) with s = sigmoid(x) */
function silu1(x: number): number {
  const s = sigmoid(x);
  return s * (1 + x * (1 - s));
}

function geluInner(x: number): number {
  return GELU_BETA * (x + GELU_KAPPA * x * x * x);
}

/** The derivative of gelu's tanh form, as PyTorch's GeluBackward computes it. */
function geluTanh1(x: number): number {
  const t = Math.tanh(geluInner(x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_BETA * (1 + 3 * GELU_KAPPA * x * x);
}

/** mish'(x) = t + x sigmoid(x) (1 - t^2) with t = tanh(softplus(x)) */
function mish1(x: number): number {
  const t = Math.tanh(Math.log1p(Math.exp(x)));
  return t + x * sigmoid(x) * (1 - t * t);
}

/**
 * The complementary error function 1 - erf(x), with a relative error below 1.2e-7 everywhere
 * (Numerical Recipes' erfcc, a Chebyshev fit): gelu reads erfc(-x / sqrt 2) so its tail keeps
 * its relative precision where 1 + erf(x) would cancel.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** out[i] = f(x[i]) */
export const unaryForward = defineKernel("unaryForward", (op: UnaryOp, out: Buf, x: Buf, a = 0, b = 0) => {
  const { f } = UNARY[op] as UnaryDef;
  for (let i = 0; i < out.length; i++) out[i] = f(x[i], a, b);
});

/** dx[i] = dout[i] * f'(x[i]) (0 where a mask's f' is 0: see UnaryDef.masks) */
export const unaryBackward = defineKernel(
  "unaryBackward",
  (op: UnaryOp, dx: Buf, x: Buf, y: Buf, dout: Buf, a = 0, b = 0) => {
    const { df, masks } = UNARY[op] as UnaryDef;
    if (masks) for (let i = 0; i < dx.length; i++) dx[i] = df(x[i], y[i], a, b) === 0 ? 0 : dout[i];
    else for (let i = 0; i < dx.length; i++) dx[i] = dout[i] * df(x[i], y[i], a, b);
  },
);

// Binary ops: f(a, b) and the partial derivatives. Comparisons have no derivative.
interface BinaryDef {
  f(a: number, b: number): number;
  da?(a: number, b: number, y: number): number;
  db?(a: number, b: number, y: number): number;
  /** The values da and db read (a, b; y the output), saved for backward. */
  reads?: "" | "ab" | "aby";
}

export const BINARY = {
  add: { f: (a, b) => a + b, da: () => 1, db: () => 1, reads: "" },
  sub: { f: (a, b) => a - b, da: () => 1, db: () => -1, reads: "" },
  mul: { f: (a, b) => a * b, da: (_a, b) => b, db: (a) => a, reads: "ab" },
  div: { f: (a, b) => a / b, da: (_a, b) => 1 / b, db: (a, b) => -a / (b * b), reads: "ab" },
  pow: {
    f: (a, b) => a ** b,
    da: (a, b) => (b === 0 ? 0 : b * a ** (b - 1)),
    db: (a, _b, y) => (a > 0 ? y * Math.log(a) : a === 0 ? 0 : Number.NaN),
    reads: "aby",
  },
  /** ties split the gradient evenly, as PyTorch does */
  maximum: {
    f: (a, b) => (a !== a || b !== b ? Number.NaN : a > b ? a : b),
    da: (a, b) => (a > b ? 1 : a === b ? 0.5 : 0),
    db: (a, b) => (b > a ? 1 : a === b ? 0.5 : 0),
    reads: "ab",
  },
  minimum: {
    f: (a, b) => (a !== a || b !== b ? Number.NaN : a < b ? a : b),
    da: (a, b) => (a < b ? 1 : a === b ? 0.5 : 0),
    db: (a, b) => (b < a ? 1 : a === b ? 0.5 : 0),
    reads: "ab",
  },
  eq: { f: (a, b) => (a === b ? 1 : 0) },
  ne: { f: (a, b) => (a !== b ? 1 : 0) },
  lt: { f: (a, b) => (a < b ? 1 : 0) },
  le: { f: (a, b) => (a <= b ? 1 : 0) },
  gt: { f: (a, b) => (a > b ? 1 : 0) },
  ge: { f: (a, b) => (a >= b ? 1 : 0) },
} satisfies Record<string, BinaryDef>;

export type BinaryOp = keyof typeof BINARY;

/**
 * Visits every element of a broadcast result of `shape`: fn(i, ia, ib) with the flat index into
 * the output and into each operand (read through its broadcast strides, 0 on expanded dims).
 */
export function forEachBroadcast(
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  fn: (i: number, ia: number, ib: number) => void,
): void {
  const nd = shape.length;
  let n = 1;
  for (const s of shape) n *= s;
  if (n === 0) return;
  const idx = new Array<number>(nd).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    fn(i, ia, ib);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** out = f(a, b) with broadcasting; sa, sb are the operands' strides in the output's shape. */
export const binaryForward = defineKernel(
  "binaryForward",
  (
    op: BinaryOp,
    out: Buf,
    a: Buf,
    b: Buf,
    shape: readonly number[],
    sa: readonly number[],
    sb: readonly number[],
  ) => {
    const { f } = BINARY[op] as BinaryDef;
    forEachBroadcast(shape, sa, sb, (i, ia, ib) => {
      out[i] = f(a[ia], b[ib]);
    });
  },
);

/** da += dout * df/da, db += dout * df/db, summed over broadcast dims (da, db zeroed by the caller). */
export const binaryBackward = defineKernel(
  "binaryBackward",
  (
    op: BinaryOp,
    da: Buf | null,
    db: Buf | null,
    a: Buf,
    b: Buf,
    y: Buf,
    dout: Buf,
    shape: readonly number[],
    sa: readonly number[],
    sb: readonly number[],
  ) => {
    const def = BINARY[op] as BinaryDef;
    forEachBroadcast(shape, sa, sb, (i, ia, ib) => {
      if (da !== null) da[ia] += dout[i] * def.da!(a[ia], b[ib], y[i]);
      if (db !== null) db[ib] += dout[i] * def.db!(a[ia], b[ib], y[i]);
    });
  },
);

/** out = cond ? a : b with broadcasting (all three read through strides in out's shape). */
export const whereForward = defineKernel(
  "whereForward",
  (
    out: Buf,
    cond: Buf,
    a: Buf,
    b: Buf,
    shape: readonly number[],
    sc: readonly number[],
    sa: readonly number[],
    sb: readonly number[],
  ) => {
    // Walk cond and a together, then cond and b: two passes keep forEachBroadcast binary.
    const pick = new Uint8Array(out.length);
    forEachBroadcast(shape, sc, sa, (i, ic, ia) => {
      pick[i] = cond[ic] !== 0 ? 1 : 0;
      if (pick[i]) out[i] = a[ia];
    });
    forEachBroadcast(shape, sc, sb, (i, _ic, ib) => {
      if (!pick[i]) out[i] = b[ib];
    });
  },
);
