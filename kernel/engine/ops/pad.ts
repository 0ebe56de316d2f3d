// F.pad with PyTorch 1.13's rules: pads are listed from the last dim backwards ([left, right,
// top, bottom, ...]); 'constant' pads any number of dims (negative pads crop), 'reflect',
// 'replicate' and 'circular' pad the last 1, 2 or 3 dims of an input with one or two leading dims
// (circular needs both: a batch dim and a channel dim).

import { fromOp, withArgs } from "../autograd/record";
import { type PadMode, padBackward, padForward } from "../backends/ref/pad";
import { check, fmtShape } from "../errors";
import { numelOf } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { checkTensor } from "./tensor-args";

export type { PadMode } from "../backends/ref/pad";

export interface PadOptions {
  mode?: PadMode;
  /** The fill value of 'constant' mode (default 0). */
  value?: number;
}

const MODES: readonly string[] = ["constant", "reflect", "replicate", "circular"];

/**
 * Pads (or, with negative pads, crops) `input`. `pad` lists (before, after) pairs starting from the
 * last dim: `[left, right]` pads W, `[left, right, top, bottom]` pads W and H. The mode may come
 * as a string or inside an options object: `F.pad(x, [1, 1], "reflect")`,
 * `F.pad(x, [1, 1], {mode: "constant", value: -1})`.
 */
export function pad(
  input: Tensor,
  pad: readonly number[],
  mode: PadMode | PadOptions = "constant",
  value?: number,
): Tensor {
  checkTensor(input, "pad", "input");
  let m: string;
  if (typeof mode === "string") m = mode;
  else {
    m = mode.mode ?? "constant";
    value = mode.value ?? value;
  }
  check(
    MODES.includes(m),
    "pad",
    () =>
      `mode must be 'constant', 'reflect', 'replicate' or 'circular', got '${m}'` +
      (m === "zeros" ? "; 'zeros' is Conv2d's paddingMode name, here it is 'constant'" : ""),
  );
  const padMode = m as PadMode;
  check(
    Array.isArray(pad) && pad.every((p) => Number.isInteger(p)),
    "pad",
    () => `pad must be a list of integers ([left, right, top, bottom, ...]), got ${String(pad)}`,
  );
  check(
    pad.length % 2 === 0,
    "pad",
    () =>
      `pad must have an even length, a (before, after) pair per dim starting from the last ([left, right, top, bottom, ...]), got ${fmtShape(pad)}`,
  );
  const k = pad.length / 2; // number of padded dims, counted from the last
  const nd = input.ndim;
  if (padMode === "constant")
    check(
      k <= nd,
      "pad",
      () =>
        `pad ${fmtShape(pad)} pads the last ${k} dims, but the input has only ${nd} (shape ${fmtShape(input.shape)})`,
    );
  else {
    check(
      value === undefined,
      "pad",
      () => `a fill value only applies to mode 'constant', got value ${value} with mode '${padMode}'`,
    );
    check(
      k >= 1 && k <= 3,
      "pad",
      () =>
        `mode '${padMode}' pads the last 1, 2 or 3 dims: pad must have 2, 4 or 6 entries, got ${pad.length} (${fmtShape(pad)})`,
    );
    const dimsName = ["W", "H, W", "D, H, W"][k - 1];
    const batchedOnly = padMode === "circular";
    check(
      nd === k + 2 || (!batchedOnly && nd === k + 1),
      "pad",
      () =>
        (batchedOnly
          ? `mode 'circular' with ${k} padded dim${k > 1 ? "s" : ""} expects a ${k + 2}-D (N, C, ${dimsName}) input`
          : `mode '${padMode}' with ${k} padded dim${k > 1 ? "s" : ""} expects a ${k + 1}-D (C, ${dimsName}) or ${k + 2}-D (N, C, ${dimsName}) input`) +
        `, got rank ${nd} with shape ${fmtShape(input.shape)}` +
        (nd === k + 1 ? "; add a batch dim: x.unsqueeze(0)" : ""),
    );
  }

  // Per-dim pads, first dim first.
  const before = new Array<number>(nd).fill(0);
  const after = new Array<number>(nd).fill(0);
  for (let j = 0; j < k; j++) {
    before[nd - 1 - j] = pad[2 * j];
    after[nd - 1 - j] = pad[2 * j + 1];
  }
  const outShape = input.shape.map((s, d) => s + before[d] + after[d]);
  for (let d = nd - k; d < nd; d++) {
    const size = input.shape[d];
    const pads = `padding (${before[d]}, ${after[d]}) of dim ${d} (size ${size}, input shape ${fmtShape(input.shape)})`;
    check(outShape[d] >= 0, "pad", () => `${pads} would leave ${outShape[d]} elements; crop less`);
    if (padMode === "reflect")
      check(
        before[d] < size && after[d] < size,
        "pad",
        () =>
          `reflect padding must be smaller than the padded dim, got ${pads}; use 'replicate' or 'constant' for wider borders`,
      );
    if (padMode === "circular") {
      const kept = size - Math.max(0, -before[d]) - Math.max(0, -after[d]);
      check(
        before[d] <= kept && after[d] <= kept,
        "pad",
        () =>
          `circular padding can wrap around at most once: ${pads} needs each pad <= ${kept}${kept < size ? " (what is left after cropping)" : ""}`,
      );
    }
    if (padMode !== "constant")
      check(outShape[d] >= 1, "pad", () => `${pads} would leave no elements; crop less`);
  }

  const fill = value ?? 0;
  const out = new Float32Array(numelOf(outShape)); // (shape + before + after)
  padForward(out, input.storage, input.shape, before, after, padMode, fill);
  const result = fromOp("pad", out, outShape, [input], [], (dout) => {
    const dinp = new Float32Array(input.numel); // (shape)
    padBackward(dinp, dout, input.shape, before, after, padMode);
    return [dinp];
  });
  result.dtype = input.dtype;
  // Per dim of the input (negative entries crop).
  return withArgs(result, { padBegin: before, padEnd: after, mode: padMode, value: fill });
}
