// ONNX Resize (opsets 10..19+) and Upsample (7..9) as engine ops: each resized axis is resampled
// on its own (the modes are separable) as a weighted sum of a few index-selected copies,
// sum_k x.indexSelect(axis, index_k) * weight_k, so gradients flow to the input. The tap tables
// follow the ONNX spec (and ONNX Runtime): the source coordinate of output i per
// coordinate_transformation_mode, then nearest (nearest_mode), linear (2 taps, the coordinate
// clamped to the input) or cubic (4 taps, cubic_coeff_a, exclude_outside; edge values repeat).

import { indexSelect } from "../../ops/shape";
import { Tensor } from "../../tensor/tensor";
import { type Build, generic } from "./generic";
import { type NodeContext, NotImportable } from "./node-context";

type Coordinate = (i: number, scale: number, inLen: number, outLen: number) => number;

const COORDINATES: Record<string, Coordinate> = {
  half_pixel: (i, s) => (i + 0.5) / s - 0.5,
  pytorch_half_pixel: (i, s, _l, out) => (out > 1 ? (i + 0.5) / s - 0.5 : 0),
  align_corners: (i, _s, l, out) => (out === 1 ? 0 : (i * (l - 1)) / (out - 1)),
  asymmetric: (i, s) => i / s,
  tf_half_pixel_for_nn: (i, s) => (i + 0.5) / s,
  half_pixel_symmetric: (i, s, l, out) => {
    const adjustment = out / (s * l);
    return (l / 2) * (1 - adjustment) + (i + 0.5) / s - 0.5;
  },
};

/** nearest_mode; "simple" is Upsample's and Resize-10's (floor when enlarging, ceil when shrinking). */
const ROUNDING: Record<string, (x: number, scale: number) => number> = {
  round_prefer_floor: (x) => (x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x)),
  round_prefer_ceil: (x) => Math.floor(x + 0.5),
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  simple: (x, s) => (s < 1 ? Math.ceil(x) : Math.floor(x)),
};

interface Taps {
  index: number[][];
  weight: number[][];
}

/** Keys cubic's 4 weights for a fractional offset t in [0, 1) (Keys 1981, parameter a). */
function cubicWeights(t: number, a: number): number[] {
  const w = (d: number) => {
    const x = Math.abs(d);
    if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
    if (x < 2) return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a;
    return 0;
  };
  return [w(t + 1), w(t), w(1 - t), w(2 - t)];
}

interface Mode {
  mode: string;
  coordinate: Coordinate;
  rounding: (x: number, s: number) => number;
  cubicA: number;
  excludeOutside: boolean;
}

/** The taps of one axis resized from inLen to outLen with `scale`. */
function taps(m: Mode, inLen: number, outLen: number, scale: number): Taps {
  const clampIdx = (v: number) => Math.min(Math.max(v, 0), inLen - 1);
  const index: number[][] = [];
  const weight: number[][] = [];
  for (let i = 0; i < outLen; i++) {
    // NOTE: in float32, as ONNX Runtime computes it, so that nearest rounds the same way.
    const x = Math.fround(m.coordinate(i, Math.fround(scale), inLen, outLen));
    if (m.mode === "nearest") {
      index.push([clampIdx(m.rounding(x, scale))]);
      weight.push([1]);
    } else if (m.mode === "linear") {
      const c = Math.min(Math.max(x, 0), inLen - 1);
      const lo = Math.floor(c);
      const hi = Math.min(lo + 1, inLen - 1);
      index.push([lo, hi]);
      weight.push([1 - (c - lo), c - lo]);
    } else {
      const lo = Math.floor(x);
      const ws = cubicWeights(x - lo, m.cubicA);
      const at = [lo - 1, lo, lo + 1, lo + 2];
      if (m.excludeOutside) {
        at.forEach((j, k) => {
          if (j < 0 || j >= inLen) ws[k] = 0;
        });
        const total = ws.reduce((p, q) => p + q, 0);
        for (let k = 0; k < 4; k++) ws[k] /= total;
      }
      index.push(at.map(clampIdx));
      weight.push(ws);
    }
  }
  return { index, weight };
}

/** x resampled along `axis` by the taps. */
function resample(x: Tensor, axis: number, t: Taps): Tensor {
  const n = t.index[0].length;
  const outLen = t.index.length;
  let out: Tensor | null = null;
  for (let k = 0; k < n; k++) {
    const picked = indexSelect(
      x,
      axis,
      t.index.map((ix) => ix[k]),
    );
    if (n === 1) return picked;
    const w = new Tensor(
      Float32Array.from(t.weight, (ws) => ws[k]),
      x.shape.map((_s, d) => (d === axis ? outLen : 1)),
    );
    const term = picked.mul(w);
    out = out === null ? term : out.add(term);
  }
  return out as Tensor;
}

export const resize =
  (kind: "Resize" | "Upsample"): Build =>
  (n: NodeContext) => {
    const legacy = kind === "Upsample" || n.opset < 11; // asymmetric coordinates, "simple" rounding
    const mode = n.string("mode", "nearest");
    if (!["nearest", "linear", "cubic"].includes(mode) && !(legacy && mode === "bilinear"))
      throw new NotImportable(`mode "${mode}" is not one of nearest, linear, cubic`);
    const coords = legacy ? "asymmetric" : n.string("coordinate_transformation_mode", "half_pixel");
    const coordinate = COORDINATES[coords];
    if (coordinate === undefined)
      throw new NotImportable(
        `coordinate_transformation_mode "${coords}" is not supported (${Object.keys(COORDINATES).join(", ")} are)`,
      );
    const nearestMode = legacy ? "simple" : n.string("nearest_mode", "round_prefer_floor");
    const rounding = ROUNDING[nearestMode];
    if (rounding === undefined) throw new NotImportable(`nearest_mode "${nearestMode}" is not supported`);
    if (n.int("antialias", 0) !== 0) throw new NotImportable("antialias is not supported");
    const policy = n.string("keep_aspect_ratio_policy", "stretch");
    if (policy !== "stretch")
      throw new NotImportable(`keep_aspect_ratio_policy "${policy}" is not supported`);
    const m: Mode = {
      mode: mode === "bilinear" ? "linear" : mode,
      coordinate,
      rounding,
      cubicA: n.float("cubic_coeff_a", -0.75),
      excludeOutside: n.int("exclude_outside", 0) === 1,
    };
    // Scales: Upsample's attribute (opsets 7-8) or input 1 (9); Resize's input 1 (10) or 2 (11+).
    const scaleInput = kind === "Upsample" || n.opset < 11 ? 1 : 2;
    const given = (k: number, what: string) => {
      const v = n.input(k) === "" ? null : n.constInts(k, what);
      return v !== null && v.length > 0 ? v : null;
    };
    const scales =
      kind === "Upsample" && n.opset < 9 ? (n.floats("scales") ?? null) : given(scaleInput, "scales");
    // Sizes may be computed in the graph (the exporter's Concat(Shape(x)[:2], spatial sizes)):
    // then they are read at run time.
    const hasSizes = kind === "Resize" && n.opset >= 11 && n.input(3) !== "";
    const runtimeSizes = hasSizes && n.constant(3) === null;
    const constSizes = hasSizes && !runtimeSizes ? given(3, "sizes") : null;
    if (scales === null && constSizes === null && !runtimeSizes)
      throw new NotImportable("it has neither scales nor sizes");
    const axesAttr = n.ints("axes");
    const constants = kind === "Resize" ? (runtimeSizes ? [1, 2] : [1, 2, 3]) : [1];
    return generic(
      n,
      ([x, , , computed]) => {
        const sizes = constSizes ?? (runtimeSizes && computed ? Array.from(computed.storage) : null);
        const rank = x!.ndim;
        const axes = (axesAttr ?? x!.shape.map((_, d) => d)).map((a) => (a < 0 ? a + rank : a));
        let y = x!;
        axes.forEach((axis, j) => {
          const inLen = x!.shape[axis];
          const scale = scales !== null ? scales[j] : sizes![j] / inLen;
          const outLen = sizes !== null ? sizes[j] : Math.floor(inLen * scale);
          if (outLen === inLen && scale === 1) return;
          y = resample(y, axis, taps(m, inLen, outLen, scale));
        });
        return y;
      },
      { constants, attributes: `mode=${mode}, coordinate_transformation_mode=${coords}` },
    );
  };
