// `nn.init`: fills a tensor in place with values drawn for good training (torch.nn.init).
// Names are PyTorch's in camelCase and keep the trailing underscore that marks in-place updates
// (`kaimingUniform_`, `zeros_`), like Tensor's `fill_`. They run outside the autograd graph,
// draw from the default generator (or `generator`) and return the tensor.
// Formulas: https://pytorch.org/docs/stable/nn.init.html

import { noGrad } from "../autograd/grad-mode";
import { bumpVersion } from "../autograd/version";
import { check, fmtShape } from "../errors";
import { defaultGenerator, type Generator } from "../tensor/random";
import type { Tensor } from "../tensor/tensor";

export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "leakyRelu"
  | "selu";
export type FanMode = "fanIn" | "fanOut" | "fan_in" | "fan_out";

interface Gen {
  generator?: Generator;
}

/** The recommended gain for a nonlinearity (`param` is leaky ReLU's negative slope, 0.01 by default). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "conv_transpose1d":
    case "conv_transpose2d":
    case "conv_transpose3d":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
    case "leakyRelu": {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case "selu":
      return 3 / 4;
  }
  check(
    false,
    "calculateGain",
    `unsupported nonlinearity "${nonlinearity}"; use one of linear, conv2d, sigmoid, tanh, relu, leaky_relu, selu`,
  );
}

/** [fanIn, fanOut] of a weight: (out, in, *kernelSize) -> [in * k, out * k]. */
export function calculateFanInAndFanOut(t: Tensor): [number, number] {
  check(
    t.ndim >= 2,
    "calculateFanInAndFanOut",
    () => `fan in and fan out need a tensor with at least 2 dims, got shape ${fmtShape(t.shape)}`,
  );
  let receptive = 1;
  for (let d = 2; d < t.ndim; d++) receptive *= t.shape[d];
  return [t.shape[1] * receptive, t.shape[0] * receptive];
}

function fill(t: Tensor, draw: () => number): Tensor {
  noGrad(() => {
    const s = t.storage;
    for (let i = 0; i < s.length; i++) s[i] = draw();
    bumpVersion(s, "init");
  });
  return t;
}

/** U(a, b). */
export function uniform_(t: Tensor, a = 0, b = 1, { generator = defaultGenerator }: Gen = {}): Tensor {
  check(a <= b, "uniform_", () => `expects a <= b, got a=${a}, b=${b}`);
  return fill(t, () => a + (b - a) * generator.uniform());
}

/** N(mean, std^2). */
export function normal_(t: Tensor, mean = 0, std = 1, { generator = defaultGenerator }: Gen = {}): Tensor {
  check(std >= 0, "normal_", () => `std must be non-negative, got ${std}`);
  return fill(t, () => mean + std * generator.normal());
}

/** N(mean, std^2) redrawn until inside [a, b]. */
export function truncNormal_(
  t: Tensor,
  mean = 0,
  std = 1,
  a = -2,
  b = 2,
  { generator = defaultGenerator }: Gen = {},
): Tensor {
  check(a < b, "truncNormal_", () => `expects a < b, got a=${a}, b=${b}`);
  return fill(t, () => {
    for (;;) {
      const v = mean + std * generator.normal();
      if (v >= a && v <= b) return v;
    }
  });
}

export function constant_(t: Tensor, value: number): Tensor {
  return fill(t, () => value);
}
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/** The identity matrix in a 2-D tensor (ones on the diagonal). */
export function eye_(t: Tensor): Tensor {
  check(t.ndim === 2, "eye_", () => `only 2-D tensors are supported, got shape ${fmtShape(t.shape)}`);
  const [rows, cols] = t.shape;
  return noGrad(() => {
    t.storage.fill(0);
    for (let i = 0; i < Math.min(rows, cols); i++) t.storage[i * cols + i] = 1;
    bumpVersion(t.storage, "eye_");
    return t;
  });
}

/** Glorot: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(t: Tensor, { gain = 1, generator }: { gain?: number } & Gen = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, { generator });
}

/** Glorot: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(t: Tensor, { gain = 1, generator }: { gain?: number } & Gen = {}): Tensor {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), { generator });
}

export interface KaimingOptions extends Gen {
  /** Negative slope of the rectifier after this layer (leaky ReLU); 0 for ReLU. */
  a?: number;
  /** "fanIn" (default) keeps the forward variance, "fanOut" the backward one. */
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(
  op: string,
  t: Tensor,
  { a = 0, mode = "fanIn", nonlinearity = "leaky_relu" }: KaimingOptions,
) {
  check(
    ["fanIn", "fanOut", "fan_in", "fan_out"].includes(mode),
    op,
    `mode must be "fanIn" or "fanOut", got "${mode}"`,
  );
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const fan = mode === "fanIn" || mode === "fan_in" ? fanIn : fanOut;
  check(fan > 0, op, () => `cannot initialise a tensor with zero elements (shape ${fmtShape(t.shape)})`);
  return calculateGain(nonlinearity, a) / Math.sqrt(fan);
}

/** He: U(-bound, bound) with bound = gain * sqrt(3 / fan). Layers use a = sqrt(5) by default. */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd("kaimingUniform_", t, options);
  return uniform_(t, -bound, bound, options);
}

/** He: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd("kaimingNormal_", t, options), options);
}

/**
 * A (semi-)orthogonal matrix (trailing dims flattened): Q of the QR decomposition of a normal
 * matrix, signs fixed so R's diagonal is positive, times `gain` (Saxe et al. 2013).
 */
export function orthogonal_(
  t: Tensor,
  { gain = 1, generator = defaultGenerator }: { gain?: number } & Gen = {},
): Tensor {
  check(
    t.ndim >= 2,
    "orthogonal_",
    () => `only tensors with 2 or more dims are supported, got shape ${fmtShape(t.shape)}`,
  );
  const rows = t.shape[0];
  const cols = t.numel / rows;
  // Work on a tall (m x n, m >= n) matrix A stored column by column; transpose back at the end.
  const m = Math.max(rows, cols);
  const n = Math.min(rows, cols);
  const q: Float64Array[] = Array.from({ length: n }, () => {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = generator.normal();
    return c;
  });
  // Modified Gram-Schmidt: column j minus its projections on the previous columns, normalised.
  // This is QR with a positive diagonal of R, which is what PyTorch's sign fix produces.
  for (let j = 0; j < n; j++) {
    const v = q[j];
    for (let k = 0; k < j; k++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += q[k][i] * v[i];
      for (let i = 0; i < m; i++) v[i] -= d * q[k][i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] /= norm;
  }
  return noGrad(() => {
    const s = t.storage; // (rows, cols)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) s[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
    bumpVersion(s, "orthogonal_");
    return t;
  });
}

export { type LsuvLayer, type LsuvOptions, lsuv } from "./lsuv";
