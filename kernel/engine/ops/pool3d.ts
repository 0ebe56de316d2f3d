// 3-D pooling ops (torch.nn.functional): max, average and adaptive average/max pooling over video
// clips and volumes, batched (N, C, D, H, W) or unbatched (C, D, H, W). The options, defaults,
// output sizes (pool-shape.ts) and errors are those of the 2-D ops in pool.ts, with a depth dim.

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp } from "../autograd/record";
import type { PoolGeometry3d, PoolPlanes, PoolPlanes3d } from "../backends/geometry";
import { maxPool2dBackward } from "../backends/ref/pool";
import {
  adaptiveAvgPool3dBackward,
  adaptiveAvgPool3dForward,
  adaptiveMaxPool3dForward,
  avgPool3dBackward,
  avgPool3dForward,
  maxPool3dForward,
} from "../backends/ref/pool3d";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { Tensor } from "../tensor/tensor";
import type { AvgPool2dOptions, MaxPool2dOptions, PoolSize } from "./pool";
import { poolOutputSize } from "./pool-shape";
import { checkTensor } from "./tensor-args";

/** maxPool3d's options: those of maxPool2d, each size a number or [d, h, w]. */
export type MaxPool3dOptions = MaxPool2dOptions;
/** avgPool3d's options: those of avgPool2d, each size a number or [d, h, w]. */
export type AvgPool3dOptions = AvgPool2dOptions;
/** Output size of an adaptive 3-D pool: one number, or [d, h, w] where null keeps the input's size. */
export type AdaptiveSize3d = number | readonly (number | null)[];

type Triple = [number, number, number];

/** The input as volumes (N, C, D, H, W); `lead` is [N, C], or [C] for unbatched input. */
interface Volumes {
  op: string;
  N: number;
  C: number;
  size: Triple;
  lead: number[];
}

function volumes(input: Tensor, op: string): Volumes {
  checkTensor(input, op, "input");
  const r = input.ndim;
  check(
    r === 5 || r === 4,
    op,
    () =>
      `input must be rank 5 (N, C, D, H, W) or rank 4 (C, D, H, W), got rank ${r} with shape ${fmtShape(input.shape)}` +
      (r === 3 ? "; add the channel dim with x.unsqueeze(0)" : r > 5 ? "; reshape it to 5 dims first" : ""),
  );
  check(
    input.dtype === "float32",
    op,
    () => `expects a float tensor, got ${input.dtype} (shape ${fmtShape(input.shape)}); call .float() first`,
  );
  const s = r === 5 ? input.shape : [1, ...input.shape];
  check(
    s.slice(1).every((v) => v > 0),
    op,
    () =>
      `input has an empty dim (shape ${fmtShape(input.shape)}); the channel and spatial dims must be non-zero`,
  );
  return { op, N: s[0], C: s[1], size: [s[2], s[3], s[4]], lead: r === 5 ? [s[0], s[1]] : [s[1]] };
}

/** A size argument as [d, h, w]: a number, [k] or [d, h, w], each an integer >= min. */
function triple(op: string, v: PoolSize, name: string, min: number): Triple {
  let t: number[];
  if (typeof v === "number") t = [v, v, v];
  else {
    check(
      Array.isArray(v) && (v.length === 1 || v.length === 3),
      op,
      () => `${name} must be a number or [d, h, w], got ${JSON.stringify(v)}`,
    );
    t = v.length === 1 ? [v[0], v[0], v[0]] : [...v];
  }
  check(
    t.every((x) => Number.isInteger(x) && x >= min),
    op,
    () =>
      `${name} must be ${min === 0 ? "non-negative" : "positive"} integers, got ${JSON.stringify(v)}` +
      (name === "stride" && t.includes(0) ? "; a stride of 0 would never move the window" : ""),
  );
  return t as Triple;
}

const show = (t: readonly number[]) => `[${t.join(", ")}]`;

/** The geometry of a sliding window over the volumes, its output checked to be at least 1 per dim. */
function slidingWindow3d(
  v: Volumes,
  kernelSize: PoolSize,
  o: { stride?: PoolSize | null; padding?: PoolSize; dilation?: PoolSize; ceilMode?: boolean },
): PoolGeometry3d {
  const { op } = v;
  const k = triple(op, kernelSize, "kernelSize", 1);
  const noStride = o.stride == null || (Array.isArray(o.stride) && o.stride.length === 0);
  const s = noStride ? k : triple(op, o.stride as PoolSize, "stride", 1);
  const pad = triple(op, o.padding ?? 0, "padding", 0);
  const dil = triple(op, o.dilation ?? 1, "dilation", 1);
  check(
    pad.every((p, a) => p <= Math.floor(k[a] / 2)),
    op,
    () =>
      `padding ${show(pad)} is more than half of kernelSize ${show(k)}; pooling needs padding <= floor(kernelSize / 2), so use less padding or a larger kernel`,
  );
  const ceilMode = o.ceilMode ?? false;
  const out = v.size.map((L, a) =>
    poolOutputSize(L, k[a], { stride: s[a], padding: pad[a], dilation: dil[a], ceilMode }),
  ) as Triple;
  check(
    out.every((x) => x >= 1),
    op,
    () =>
      `kernelSize ${show(k)}${dil.some((d) => d > 1) ? ` with dilation ${show(dil)}` : ""} is larger than the padded input ` +
      `(input ${show(v.size)}, padding ${show(pad)}), so the output size would be ${show(out)}; ` +
      `use a smaller kernelSize, more padding, or a larger input`,
  );
  const [D, H, W] = v.size;
  const [OD, OH, OW] = out;
  return {
    N: v.N,
    C: v.C,
    D,
    H,
    W,
    OD,
    OH,
    OW,
    KD: k[0],
    KH: k[1],
    KW: k[2],
    strideD: s[0],
    strideH: s[1],
    strideW: s[2],
    padFront: pad[0],
    padTop: pad[1],
    padLeft: pad[2],
    dilationD: dil[0],
    dilationH: dil[1],
    dilationW: dil[2],
  };
}

/** Volumes seen as flat planes (H = 1, W = D * H * W), for maxPool2dBackward's index routing. */
function flatPlanes(g: PoolPlanes3d): PoolPlanes {
  return { N: g.N, C: g.C, H: 1, W: g.D * g.H * g.W, OH: 1, OW: g.OD * g.OH * g.OW };
}

/** Max-pooling output and indices; backward routes each gradient to its argmax. */
function maxWithIndices(
  op: string,
  input: Tensor,
  g: PoolPlanes3d,
  shape: number[],
  forward: (out: Float32Array, idx: Float32Array) => void,
): [Tensor, Tensor] {
  const n = g.N * g.C * g.OD * g.OH * g.OW;
  const out = emptyStorage(n); // (N, C, OD, OH, OW)
  const idx = emptyStorage(n); // (N, C, OD, OH, OW)
  forward(out, idx);
  const indices = new Tensor(idx, shape, "int64");
  const flat = flatPlanes(g);
  const output = fromOp(op, out, shape, [input], [indices], (dout, acc) => {
    const zeroed = !acc?.[0];
    const dinp = acc?.[0] ?? gradBuffer(input.numel); // (N, C, D, H, W), += onto it
    maxPool2dBackward(dinp, dout, idx, flat, zeroed);
    return [dinp];
  });
  return [output, indices];
}

/**
 * 3-D max pooling over (N, C, D, H, W) or (C, D, H, W): each output is the largest input in its
 * window. Output size per dim: floor((L + 2 padding - dilation (kernelSize - 1) - 1) / stride) + 1
 * (ceil with ceilMode). With `returnIndices: true` returns `[output, indices]` (flat (d * H + h) * W + w).
 */
export function maxPool3d(
  input: Tensor,
  kernelSize: PoolSize,
  options?: MaxPool3dOptions & { returnIndices?: false },
): Tensor;
export function maxPool3d(
  input: Tensor,
  kernelSize: PoolSize,
  options: MaxPool3dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool3d(
  input: Tensor,
  kernelSize: PoolSize,
  options?: MaxPool3dOptions,
): Tensor | [Tensor, Tensor];
export function maxPool3d(
  input: Tensor,
  kernelSize: PoolSize,
  options: MaxPool3dOptions = {},
): Tensor | [Tensor, Tensor] {
  const op = "maxPool3d";
  const v = volumes(input, op);
  const g = slidingWindow3d(v, kernelSize, options);
  const shape = [...v.lead, g.OD, g.OH, g.OW];
  const result = maxWithIndices(op, input, g, shape, (out, idx) =>
    maxPool3dForward(out, idx, input.storage, g),
  );
  return options.returnIndices ? result : result[0];
}

/**
 * 3-D average pooling over (N, C, D, H, W) or (C, D, H, W). Each window's sum is divided by its
 * size clipped to the padded input (countIncludePad, the default) or to the input itself, or by
 * divisorOverride. Output size as maxPool3d with dilation 1.
 */
export function avgPool3d(input: Tensor, kernelSize: PoolSize, options: AvgPool3dOptions = {}): Tensor {
  const op = "avgPool3d";
  const v = volumes(input, op);
  const g = slidingWindow3d(v, kernelSize, { ...options, dilation: 1 });
  const divisor = options.divisorOverride ?? 0;
  check(
    options.divisorOverride == null || (Number.isInteger(divisor) && divisor !== 0),
    op,
    () =>
      `divisorOverride must be a non-zero integer, got ${options.divisorOverride}; omit it to divide by the window size`,
  );
  const countIncludePad = options.countIncludePad ?? true;
  const out = emptyStorage(g.N * g.C * g.OD * g.OH * g.OW); // (N, C, OD, OH, OW)
  avgPool3dForward(out, input.storage, g, countIncludePad, divisor);
  return fromOp(op, out, [...v.lead, g.OD, g.OH, g.OW], [input], [], (dout) => {
    const dinp = gradBuffer(input.numel); // (N, C, D, H, W)
    avgPool3dBackward(dinp, dout, g, countIncludePad, divisor);
    return [dinp];
  });
}

/** The volumes and output size of an adaptive pool; null entries keep the input's size. */
function adaptive3d(v: Volumes, outputSize: AdaptiveSize3d): PoolPlanes3d {
  let t: (number | null)[];
  if (typeof outputSize === "number") t = [outputSize, outputSize, outputSize];
  else {
    check(
      Array.isArray(outputSize) && (outputSize.length === 3 || outputSize.length === 1),
      v.op,
      () =>
        `outputSize must be a number or [d, h, w] (null keeps the input size), got ${JSON.stringify(outputSize)}`,
    );
    t = outputSize.length === 1 ? [outputSize[0], outputSize[0], outputSize[0]] : [...outputSize];
  }
  const out = t.map((x, a) => x ?? v.size[a]);
  check(
    out.every((x) => Number.isInteger(x) && x >= 1),
    v.op,
    () => `outputSize must be positive integers, got ${JSON.stringify(outputSize)}`,
  );
  const [D, H, W] = v.size;
  return { N: v.N, C: v.C, D, H, W, OD: out[0], OH: out[1], OW: out[2] };
}

/**
 * Adaptive 3-D average pooling to a fixed output size, whatever the input size: along each dim,
 * output i averages inputs floor(i L / O) .. ceil((i + 1) L / O) - 1. `adaptiveAvgPool3d(x, 1)` is
 * global average pooling over a clip.
 */
export function adaptiveAvgPool3d(input: Tensor, outputSize: AdaptiveSize3d): Tensor {
  const op = "adaptiveAvgPool3d";
  const v = volumes(input, op);
  const g = adaptive3d(v, outputSize);
  const out = emptyStorage(g.N * g.C * g.OD * g.OH * g.OW); // (N, C, OD, OH, OW)
  adaptiveAvgPool3dForward(out, input.storage, g);
  return fromOp(op, out, [...v.lead, g.OD, g.OH, g.OW], [input], [], (dout) => {
    const dinp = gradBuffer(input.numel); // (N, C, D, H, W)
    adaptiveAvgPool3dBackward(dinp, dout, g);
    return [dinp];
  });
}

/** Adaptive 3-D max pooling (windows as adaptiveAvgPool3d); `returnIndices` as maxPool3d. */
export function adaptiveMaxPool3d(
  input: Tensor,
  outputSize: AdaptiveSize3d,
  options?: { returnIndices?: false },
): Tensor;
export function adaptiveMaxPool3d(
  input: Tensor,
  outputSize: AdaptiveSize3d,
  options: { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool3d(
  input: Tensor,
  outputSize: AdaptiveSize3d,
  options?: { returnIndices?: boolean },
): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool3d(
  input: Tensor,
  outputSize: AdaptiveSize3d,
  options: { returnIndices?: boolean } = {},
): Tensor | [Tensor, Tensor] {
  const op = "adaptiveMaxPool3d";
  const v = volumes(input, op);
  const g = adaptive3d(v, outputSize);
  const shape = [...v.lead, g.OD, g.OH, g.OW];
  const result = maxWithIndices(op, input, g, shape, (out, idx) =>
    adaptiveMaxPool3dForward(out, idx, input.storage, g),
  );
  return options.returnIndices ? result : result[0];
}
