// F.interpolate (torch.nn.functional.interpolate, PyTorch 1.13): resizes the spatial dims of a
// batched input (N, C, L), (N, C, H, W) or (N, C, D, H, W) by an output size or a scale factor.
// Modes: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' and 'bicubic' (4-D, optionally
// antialiased), 'trilinear' (5-D), 'area' (adaptive average pooling). Every mode is one pair of
// kernels over per-dim tap tables (interpolate-taps.ts); backward is the forward's adjoint.
// Also the deprecated F.upsample, F.upsampleNearest and F.upsampleBilinear.
//
// Shape: out (N, C, O1, ...) with Oi = size[i], or floor(Li * scaleFactor[i]).

import { gradBuffer } from "../autograd/grad-buffers";
import { fromOp, withArgs } from "../autograd/record";
import {
  type InterpolateGeometry,
  interpolateBackward,
  interpolateForward,
  type Taps,
} from "../backends/ref/interpolate";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape, ReceptiveError } from "../errors";
import type { Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { antialiasTaps, areaTaps, cubicTaps, linearTaps, nearestTaps, unitTaps } from "./interpolate-taps";
import { checkTensor } from "./tensor-args";

export type InterpolateMode =
  | "nearest"
  | "nearest-exact"
  | "linear"
  | "bilinear"
  | "bicubic"
  | "trilinear"
  | "area";

const MODES: readonly InterpolateMode[] = [
  "nearest",
  "nearest-exact",
  "linear",
  "bilinear",
  "bicubic",
  "trilinear",
  "area",
];
/** The input rank each interpolating mode needs. */
const RANK: Partial<Record<InterpolateMode, number>> = { linear: 3, bilinear: 4, bicubic: 4, trilinear: 5 };

/** An output size: one number for every spatial dim, or one per dim. */
export type InterpolateSize = number | readonly number[];
/** A scale factor: one number for every spatial dim, or one per dim. */
export type ScaleFactor = number | readonly number[];

export interface InterpolateOptions {
  /** The output's spatial size. Give this or scaleFactor. */
  size?: InterpolateSize | null;
  /** Multiplies each spatial size (the output is floor(L * scaleFactor)). Give this or size. */
  scaleFactor?: ScaleFactor | null;
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  /**
   * Linear modes only: true maps the corner pixels' centres onto each other ((L - 1) / (O - 1)
   * steps); false (the default) maps the pixels' outer edges (L / O steps).
   */
  alignCorners?: boolean | null;
  /**
   * With scaleFactor: true computes the output size, then interpolates with L / O as if the size
   * had been given; false or null (default) uses the scale factor itself for the coordinates.
   */
  recomputeScaleFactor?: boolean | null;
  /** 'bilinear' and 'bicubic' on 4-D input: low-pass filter when shrinking (PIL's resize). Default false. */
  antialias?: boolean;
}

const ARG_NAMES = [
  "size",
  "scaleFactor",
  "mode",
  "alignCorners",
  "recomputeScaleFactor",
  "antialias",
] as const;
export type InterpolateArg = InterpolateOptions[(typeof ARG_NAMES)[number]] | InterpolateOptions;

/** upsampleNearest / upsampleBilinear's arguments: size, scaleFactor, then an optional options object. */
type SizeOrScale =
  | InterpolateSize
  | ScaleFactor
  | null
  | undefined
  | Pick<InterpolateOptions, "size" | "scaleFactor">;

/**
 * interpolate's arguments after the input (PyTorch's positional order, then an optional trailing
 * options object) as one options object; nn.Upsample takes its constructor arguments the same way.
 */
export function interpolateOptions(op: string, args: readonly InterpolateArg[]): InterpolateOptions {
  return namedArgs<InterpolateOptions>(op, ARG_NAMES, args);
}

function fmt(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(", ")}]` : typeof v === "string" ? `'${v}'` : String(v);
}

/** Per spatial dim values from a number or a list of one per dim. */
function perDim(
  v: number | readonly number[],
  dims: number,
  op: string,
  name: string,
  input: Tensor,
): number[] {
  if (typeof v === "number") return new Array<number>(dims).fill(v);
  check(
    Array.isArray(v) && v.every((x) => typeof x === "number"),
    op,
    () => `${name} must be a number or a list of numbers, got ${fmt(v)}`,
  );
  check(
    v.length === dims,
    op,
    () =>
      `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${fmtShape(input.shape.slice(2))} and ${name} ${fmt(v)}. Please provide input in (N, C, d1, ..., dK) format and ${name} with K entries`,
  );
  return [...v];
}

/**
 * Resizes `input` (N, C, ...spatial) to `size` or by `scaleFactor`:
 * `F.interpolate(x, { scaleFactor: 2, mode: "bilinear" })`, `F.interpolate(x, [7, 9])`,
 * `F.interpolate(x, null, 0.5, "area")` (PyTorch's positional order also works).
 */
export function interpolate(input: Tensor, ...args: InterpolateArg[]): Tensor {
  return resize("interpolate", input, interpolateOptions("interpolate", args));
}

/** Deprecated alias of interpolate (torch.nn.functional.upsample). */
export function upsample(input: Tensor, ...args: InterpolateArg[]): Tensor {
  return resize("upsample", input, interpolateOptions("upsample", args));
}

/** Deprecated: interpolate with mode 'nearest' (torch.nn.functional.upsample_nearest). */
export function upsampleNearest(input: Tensor, ...args: SizeOrScale[]): Tensor {
  const { size, scaleFactor } = namedArgs<InterpolateOptions>(
    "upsampleNearest",
    ["size", "scaleFactor"],
    args,
  );
  return resize("upsampleNearest", input, { size, scaleFactor, mode: "nearest" });
}

/** Deprecated: interpolate with mode 'bilinear' and alignCorners true (torch's upsample_bilinear). */
export function upsampleBilinear(input: Tensor, ...args: SizeOrScale[]): Tensor {
  const { size, scaleFactor } = namedArgs<InterpolateOptions>(
    "upsampleBilinear",
    ["size", "scaleFactor"],
    args,
  );
  return resize("upsampleBilinear", input, { size, scaleFactor, mode: "bilinear", alignCorners: true });
}

function resize(op: string, input: Tensor, o: InterpolateOptions): Tensor {
  checkTensor(input, op, "input");
  const mode = o.mode ?? "nearest";
  check(
    MODES.includes(mode),
    op,
    () => `mode must be one of ${MODES.map((m) => `'${m}'`).join(", ")}, got ${fmt(mode)}`,
  );
  const r = input.ndim;
  check(
    r >= 3 && r <= 5,
    op,
    () =>
      `input must be 3-D (N, C, L), 4-D (N, C, H, W) or 5-D (N, C, D, H, W), got rank ${r} with shape ${fmtShape(input.shape)}` +
      (r === 2 || r === 1 ? "; add the batch and channel dims, e.g. x.unsqueeze(0) for a (C, L) input" : ""),
  );
  const need = RANK[mode];
  check(
    need === undefined || need === r,
    op,
    () =>
      `Got ${r}D input, but ${mode} mode needs ${need}D input (shape ${fmtShape(input.shape)}); use mode '${["linear", "bilinear", "trilinear"][r - 3]}' for ${r}D input`,
  );
  check(
    input.dtype === "float32",
    op,
    () => `expects a float tensor, got ${input.dtype} (shape ${fmtShape(input.shape)}); call .float() first`,
  );
  const linearMode = need !== undefined;
  let alignCorners = o.alignCorners ?? null;
  if (!linearMode)
    check(
      alignCorners === null,
      op,
      () =>
        `alignCorners can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear, not with mode '${mode}'; leave it out`,
    );
  alignCorners ??= false;
  const antialias = o.antialias ?? false;
  check(
    !antialias || ((mode === "bilinear" || mode === "bicubic") && r === 4),
    op,
    () => `antialias is only supported for the bilinear and bicubic modes on 4-D input, got mode '${mode}'`,
  );

  const dims = r - 2;
  const spatial = input.shape.slice(2);
  const size = o.size ?? null;
  const scaleFactor = o.scaleFactor ?? null;
  check(
    size === null || scaleFactor === null,
    op,
    () =>
      `only one of size or scaleFactor should be given, got size ${fmt(size)} and scaleFactor ${fmt(scaleFactor)}`,
  );
  check(
    size !== null || scaleFactor !== null,
    op,
    "either size or scaleFactor should be given, e.g. { scaleFactor: 2 } or { size: [64, 64] }",
  );
  let recompute = o.recomputeScaleFactor ?? null;
  check(
    !(recompute === true && size !== null),
    op,
    "recomputeScaleFactor is not meaningful with an explicit size; give scaleFactor instead, or leave it out",
  );
  if (mode === "area" && size === null) recompute = true; // area needs an output size

  let outSize: number[];
  let scales: (number | undefined)[] = new Array(dims).fill(undefined);
  if (size !== null) {
    outSize = perDim(size, dims, op, "size", input);
    check(
      outSize.every((s) => Number.isInteger(s)),
      op,
      () => `size must be whole numbers, got ${fmt(size)}`,
    );
  } else {
    const factors = perDim(scaleFactor as ScaleFactor, dims, op, "scaleFactor", input);
    check(
      factors.every((s) => Number.isFinite(s) && s > 0),
      op,
      () => `scaleFactor must be positive and finite, got ${fmt(scaleFactor)}`,
    );
    outSize = spatial.map((L, i) => Math.floor(L * factors[i]));
    if (recompute !== true) scales = factors;
  }
  check(
    spatial.every((s) => s > 0) && outSize.every((s) => s > 0),
    op,
    () =>
      `input and output sizes should be greater than 0, but got input ${fmtShape(spatial)} (shape ${fmtShape(input.shape)}) and output ${fmtShape(outSize)}` +
      (scaleFactor !== null
        ? `; scaleFactor ${fmt(scaleFactor)} shrinks a dim to nothing, use a larger one`
        : ""),
  );

  const taps = spatial.map((L, i) => tapsOf(mode, L, outSize[i], alignCorners, antialias, scales[i]));
  const [D, H, W] = pad3(spatial);
  const [OD, OH, OW] = pad3(outSize);
  const [td, th, tw] = [...new Array<Taps>(3 - dims).fill(unitTaps()), ...taps];
  const g: InterpolateGeometry = {
    P: input.shape[0] * input.shape[1],
    D,
    H,
    W,
    OD,
    OH,
    OW,
    taps: [td, th, tw],
  };
  const out = emptyStorage(g.P * OD * OH * OW); // (N, C, ...outSize)
  interpolateForward(out, input.storage, g);
  const y = fromOp(op, out, [input.shape[0], input.shape[1], ...outSize], [input], [], (dout) => {
    const dinp = gradBuffer(input.numel); // (N, C, ...spatial), zeros
    interpolateBackward(dinp, dout, g);
    return [dinp];
  });
  // scales: the factors the coordinates were mapped with (null per dim where the sizes' ratio was).
  return withArgs(y, { mode, size: outSize, scales: scales.map((v) => v ?? null), alignCorners, antialias });
}

/** Spatial sizes as (D, H, W), 1 for the dims a 1-D or 2-D input lacks. */
function pad3(s: readonly number[]): [number, number, number] {
  const p = [...new Array<number>(3 - s.length).fill(1), ...s];
  return [p[0], p[1], p[2]];
}

function tapsOf(
  mode: InterpolateMode,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  antialias: boolean,
  scale: number | undefined,
): Taps {
  switch (mode) {
    case "nearest":
    case "nearest-exact":
      return nearestTaps(inSize, outSize, mode === "nearest-exact", scale);
    case "area":
      return areaTaps(inSize, outSize);
    case "bicubic":
      return antialias
        ? antialiasTaps(inSize, outSize, true, alignCorners, scale)
        : cubicTaps(inSize, outSize, alignCorners, scale);
    case "bilinear":
      if (antialias) return antialiasTaps(inSize, outSize, false, alignCorners, scale);
      return linearTaps(inSize, outSize, alignCorners, scale);
    case "linear":
    case "trilinear":
      return linearTaps(inSize, outSize, alignCorners, scale);
    default:
      throw new ReceptiveError("interpolate", `unknown mode ${fmt(mode)}`);
  }
}
