// `viz.convSteps(input, kernel, {stride, padding, dilation})`: one 2-D convolution worked step by
// step the way the lecture slides do it: at each output position the window under the filter, the
// products window x filter and their sum. The steps are computed here (and checked against
// F.conv2d by the tests); the payload goes to the step-through renderer, and the HTML / text
// fallbacks list every step.
//
// NOTE: a dilated filter is sent to the renderer as the equivalent spread-out filter (zeros between
// the taps), whose steps have the same windows' products and sums; `dilation` rides along for the
// captions.

import { type ConvStepsPayload, VIZ_MIME } from "../display/payloads-viz";
import { Tensor } from "../engine/tensor/tensor";
import { VizFigure } from "./figure";
import { escapeHtml } from "./html";

export interface ConvStepsOptions {
  stride?: number;
  /** Zero padding on every side. */
  padding?: number;
  dilation?: number;
  bias?: number;
  title?: string;
}

export interface ConvStep {
  /** Output position. */
  row: number;
  col: number;
  /** (KH, KW) input values under the filter taps (padding zeros included). */
  window: number[][];
  /** (KH, KW) window[i][j] * kernel[i][j]. */
  products: number[][];
  /** Sum of the products plus the bias: output[row][col]. */
  sum: number;
  /** "10×1 + 10×0 + 10×(-1) + ... = 0" */
  equation: string;
}

export class ConvStepsFigure extends VizFigure<ConvStepsPayload> {
  constructor(
    payload: ConvStepsPayload,
    text: string,
    /** Every output position in row-major order. */
    readonly steps: ConvStep[],
    /** (OH, OW) the convolution's result. */
    readonly output: number[][],
    html: string,
  ) {
    super(payload, () => ({ [VIZ_MIME.convSteps]: payload, "text/html": html, "text/plain": text }), text);
  }
}

/** A (H, W) matrix from nested arrays or a tensor of shape (H, W), (1, H, W) or (1, 1, H, W). */
function matrix(x: unknown, what: string): number[][] {
  if (x instanceof Tensor) {
    const s = [...x.shape];
    while (s.length > 2 && s[0] === 1) s.shift();
    if (s.length !== 2)
      throw new Error(
        `viz.convSteps: ${what} must be one 2-D plane (H, W) or (1, 1, H, W), got shape [${x.shape.join(", ")}]`,
      );
    const v = x.contiguous().storage;
    return Array.from({ length: s[0] }, (_, r) => Array.from(v.subarray(r * s[1], (r + 1) * s[1])));
  }
  if (
    !Array.isArray(x) ||
    x.length === 0 ||
    !x.every(
      (row) =>
        Array.isArray(row) &&
        row.length === x[0].length &&
        row.length > 0 &&
        row.every((v) => typeof v === "number"),
    )
  )
    throw new Error(
      `viz.convSteps: ${what} must be a non-empty list of equal-length number rows or a 2-D tensor`,
    );
  return x.map((row) => [...row]);
}

function positiveInt(v: number, name: string, min: number): number {
  if (!Number.isInteger(v) || v < min)
    throw new Error(`viz.convSteps: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

const num = (v: number) => {
  const s = String(Number.isInteger(v) ? v : Number(v.toFixed(4)));
  return v < 0 ? `(${s})` : s;
};

/**
 * Works a convolution (cross-correlation, as conv2d) step by step. `input` and `kernel` are 2-D
 * (number rows or tensors). Returns a figure with `.steps` (window, products, sum per output) and
 * `.output`; as a cell's value it shows the step-through.
 */
export function convSteps(input: unknown, kernel: unknown, options: ConvStepsOptions = {}): ConvStepsFigure {
  const x = matrix(input, "input");
  const k = matrix(kernel, "kernel");
  const stride = positiveInt(options.stride ?? 1, "stride", 1);
  const padding = positiveInt(options.padding ?? 0, "padding", 0);
  const dilation = positiveInt(options.dilation ?? 1, "dilation", 1);
  const bias = options.bias ?? 0;
  const [H, W, KH, KW] = [x.length, x[0].length, k.length, k[0].length];
  const spanH = dilation * (KH - 1) + 1;
  const spanW = dilation * (KW - 1) + 1;
  // PyTorch's output size: floor((H + 2p - d(K - 1) - 1) / s) + 1
  const OH = Math.floor((H + 2 * padding - spanH) / stride) + 1;
  const OW = Math.floor((W + 2 * padding - spanW) / stride) + 1;
  if (OH < 1 || OW < 1)
    throw new Error(
      `viz.convSteps: a ${KH}x${KW} filter (dilation ${dilation}) does not fit a ${H}x${W} input with padding ${padding}; pad the input or use a smaller filter`,
    );
  const at = (r: number, c: number) => {
    const ir = r - padding;
    const ic = c - padding;
    return ir >= 0 && ir < H && ic >= 0 && ic < W ? x[ir][ic] : 0;
  };
  const steps: ConvStep[] = [];
  const output: number[][] = [];
  for (let row = 0; row < OH; row++) {
    output.push([]);
    for (let col = 0; col < OW; col++) {
      const window = k.map((kr, i) =>
        kr.map((_, j) => at(row * stride + i * dilation, col * stride + j * dilation)),
      );
      const products = window.map((wr, i) => wr.map((v, j) => v * k[i][j]));
      const sum = products.flat().reduce((a, b) => a + b, bias);
      const terms = window.flatMap((wr, i) => wr.map((v, j) => `${num(v)}×${num(k[i][j])}`));
      const equation = `${terms.join(" + ")}${bias !== 0 ? ` + ${num(bias)}` : ""} = ${num(sum).replace(/^\((.*)\)$/, "$1")}`;
      steps.push({ row, col, window, products, sum, equation });
      output[row].push(sum);
    }
  }
  // Dilation as a spread-out filter for the renderer (see the NOTE at the top).
  const spread =
    dilation === 1
      ? k
      : Array.from({ length: spanH }, (_, r) =>
          Array.from({ length: spanW }, (_, c) =>
            r % dilation === 0 && c % dilation === 0 ? k[r / dilation][c / dilation] : 0,
          ),
        );
  const settings = [
    stride !== 1 ? `stride ${stride}` : "",
    padding !== 0 ? `padding ${padding}` : "",
    dilation !== 1 ? `dilation ${dilation}` : "",
    bias !== 0 ? `bias ${bias}` : "",
  ].filter(Boolean);
  const head = `${options.title ? `${options.title}: ` : ""}${H}x${W} input * ${KH}x${KW} filter = ${OH}x${OW} output${settings.length ? ` (${settings.join(", ")})` : ""}`;
  const payload: ConvStepsPayload = {
    version: 1,
    title: head,
    input: x,
    kernel: spread,
    ...(bias !== 0 ? { bias } : {}),
    ...(stride !== 1 ? { stride } : {}),
    ...(padding !== 0 ? { padding } : {}),
    ...(dilation !== 1 ? { dilation } : {}),
  };
  const text = [
    head,
    "output:",
    ...output.map((r) => r.map((v) => String(Number(v.toFixed(4)))).join(" ")),
    ...steps.map((s, i) => `step ${i + 1} (${s.row}, ${s.col}): ${s.equation}`),
  ].join("\n");
  return new ConvStepsFigure(payload, text, steps, output, stepsHtml(head, x, k, output, steps));
}

const MAX_HTML_STEPS = 64;

function table(m: number[][], caption: string): string {
  const rows = m.map(
    (r) => `<tr>${r.map((v) => `<td>${escapeHtml(String(Number(v.toFixed(4))))}</td>`).join("")}</tr>`,
  );
  return `<table style="border-collapse:collapse;font-family:monospace;text-align:right" border="1" cellpadding="3"><caption>${escapeHtml(caption)}</caption>${rows.join("")}</table>`;
}

function stepsHtml(head: string, x: number[][], k: number[][], out: number[][], steps: ConvStep[]): string {
  const items = steps
    .slice(0, MAX_HTML_STEPS)
    .map((s) => `<li><b>(${s.row}, ${s.col})</b> <code>${escapeHtml(s.equation)}</code></li>`);
  const more = steps.length > MAX_HTML_STEPS ? `<p>... ${steps.length - MAX_HTML_STEPS} more steps</p>` : "";
  return `<div><div><b>${escapeHtml(head)}</b></div><div style="display:flex;gap:16px;align-items:flex-start">${table(x, "input")}${table(k, "filter")}${table(out, "output")}</div><ol>${items.join("")}</ol>${more}</div>`;
}
