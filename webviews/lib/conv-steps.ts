// The arithmetic of a convolution step-through: where the window sits at each step, the products
// of window and filter, each output value, and the captions the lecture slides use. Step 0 is the
// overview (image * filter = empty output); step k (1..OH*OW) fills output k-1 in row-major order.

import type { ConvStepsPayload } from "../../kernel/display/payloads-viz";
import { convOutputSize } from "../../kernel/engine/ops/conv-shape";
import { formatValue } from "./format";

export interface ConvStep {
  /** Output cell this step computes. */
  row: number;
  col: number;
  /** Top-left of the window in padded-input coordinates. */
  top: number;
  left: number;
  /** products[i][j] = paddedInput[top + i][left + j] * kernel[i][j] */
  products: number[][];
  /** Sum of the products plus the bias. */
  value: number;
}

export interface ConvWalk {
  /** The input with `padding` zeros on every side. */
  padded: number[][];
  padding: number;
  stride: number;
  /** The filter's dilation (the kernel here is already spread out); captions only. */
  dilation: number;
  bias: number;
  kernel: number[][];
  outH: number;
  outW: number;
  steps: ConvStep[];
}

function checkMatrix(m: unknown, what: string): number[][] {
  if (!Array.isArray(m) || m.length === 0 || !Array.isArray(m[0]) || m[0].length === 0) {
    throw new Error(`conv steps: ${what} must be a non-empty list of rows`);
  }
  const w = m[0].length;
  for (const row of m as unknown[]) {
    if (!Array.isArray(row) || row.length !== w || row.some((v) => typeof v !== "number")) {
      throw new Error(`conv steps: every row of ${what} must hold ${w} numbers`);
    }
  }
  return m as number[][];
}

export function walkConvolution(payload: ConvStepsPayload): ConvWalk {
  const input = checkMatrix(payload.input, "input");
  const kernel = checkMatrix(payload.kernel, "kernel");
  const stride = payload.stride ?? 1;
  const padding = payload.padding ?? 0;
  const bias = payload.bias ?? 0;
  const dilation = payload.dilation ?? 1;
  if (!Number.isInteger(dilation) || dilation < 1)
    throw new Error(`conv steps: dilation must be a positive integer, got ${dilation}`);
  if (!Number.isInteger(stride) || stride < 1)
    throw new Error(`conv steps: stride must be a positive integer, got ${stride}`);
  if (!Number.isInteger(padding) || padding < 0)
    throw new Error(`conv steps: padding must be a non-negative integer, got ${padding}`);
  const H = input.length;
  const W = input[0].length;
  const KH = kernel.length;
  const KW = kernel[0].length;
  const outH = convOutputSize(H, KH, { padding, stride });
  const outW = convOutputSize(W, KW, { padding, stride });
  if (outH < 1 || outW < 1) {
    throw new Error(
      `conv steps: a ${KH}x${KW} filter does not fit a ${H}x${W} input with padding ${padding}`,
    );
  }
  const padded = Array.from({ length: H + 2 * padding }, (_, r) =>
    Array.from({ length: W + 2 * padding }, (_, c) => {
      const ir = r - padding;
      const ic = c - padding;
      return ir >= 0 && ir < H && ic >= 0 && ic < W ? input[ir][ic] : 0;
    }),
  );
  const steps: ConvStep[] = [];
  for (let row = 0; row < outH; row++) {
    for (let col = 0; col < outW; col++) {
      const top = row * stride;
      const left = col * stride;
      let sum = bias;
      const products = kernel.map((krow, i) =>
        krow.map((k, j) => {
          const p = padded[top + i][left + j] * k;
          sum += p;
          return p;
        }),
      );
      steps.push({ row, col, top, left, products, value: sum });
    }
  }
  return { padded, padding, stride, dilation, bias, kernel, outH, outW, steps };
}

/** The output after `step` steps: computed cells hold their value, the rest null. */
export function outputSoFar(walk: ConvWalk, step: number): (number | null)[][] {
  const out: (number | null)[][] = Array.from({ length: walk.outH }, () => Array(walk.outW).fill(null));
  for (let k = 0; k < Math.min(step, walk.steps.length); k++)
    out[walk.steps[k].row][walk.steps[k].col] = walk.steps[k].value;
  return out;
}

/** The filter's own size: a dilated filter arrives spread out to d (K - 1) + 1. */
function filterSize(walk: ConvWalk): [number, number] {
  const d = walk.dilation;
  return [(walk.kernel.length - 1) / d + 1, (walk.kernel[0].length - 1) / d + 1];
}

const pixels = (n: number) => (n === 1 ? "one pixel" : `${n} pixels`);

/**
 * What the slides say at each step ("Start from top left...", "Move one pixel to the next..."),
 * with the stride the window really jumps and the dilation that spreads its taps.
 */
export function stepCaption(walk: ConvWalk, step: number): string {
  const total = walk.steps.length;
  const s = walk.stride;
  const d = walk.dilation;
  if (step <= 0) {
    const [kh, kw] = filterSize(walk);
    const used = [
      s !== 1 ? `stride ${s}` : "",
      walk.padding ? `padding ${walk.padding}` : "",
      d !== 1 ? `dilation ${d}` : "",
    ]
      .filter(Boolean)
      .join(", ");
    return `Convolution: a ${walk.padded.length - 2 * walk.padding}x${walk.padded[0].length - 2 * walk.padding} image * a ${kh}x${kw} filter${used ? ` (${used})` : ""} = a ${walk.outH}x${walk.outW} output`;
  }
  if (step === 1)
    return d === 1
      ? "Start from top left..."
      : `Start from top left: the filter's taps are ${d} pixels apart (dilation ${d})...`;
  if (step === total) return "Patiently to the bottom end...";
  const { col } = walk.steps[step - 1];
  if (col === 0)
    return s === 1
      ? "Move down one pixel and begin from the leftmost..."
      : `Move down ${pixels(s)} (stride ${s}) and begin from the leftmost...`;
  if (step === 2)
    return s === 1 ? "Move one pixel to the next..." : `Move ${pixels(s)} to the next (stride ${s})...`;
  return s === 1 ? "Next in the row..." : `Next in the row, ${pixels(s)} on...`;
}

/** "10×1 + 10×0 + 10×(-1) + ... = 0", the sum written out (with "+ bias" when there is one). */
export function productsEquation(walk: ConvWalk, step: number): string {
  if (step <= 0 || step > walk.steps.length) return "";
  const s = walk.steps[step - 1];
  const terms: string[] = [];
  for (let i = 0; i < walk.kernel.length; i++) {
    for (let j = 0; j < walk.kernel[0].length; j++) {
      const x = walk.padded[s.top + i][s.left + j];
      const k = walk.kernel[i][j];
      terms.push(`${paren(x)}×${paren(k)}`);
    }
  }
  const bias = walk.bias !== 0 ? ` + ${paren(walk.bias)}` : "";
  return `${terms.join(" + ")}${bias} = ${formatValue(s.value)}`;
}

const paren = (v: number) => (v < 0 ? `(${formatValue(v)})` : formatValue(v));

/** Output size formula as the slides ask "Why 4x4?": n - f + 1 (with padding and stride when used). */
export function sizeFormula(walk: ConvWalk): string {
  const n = walk.padded.length - 2 * walk.padding;
  const f = walk.kernel.length;
  if (walk.padding === 0 && walk.stride === 1) return `n - f + 1 = ${n} - ${f} + 1 = ${walk.outH}`;
  return `⌊(n + 2p - f) / s⌋ + 1 = ⌊(${n} + ${2 * walk.padding} - ${f}) / ${walk.stride}⌋ + 1 = ${walk.outH}`;
}
