// Fast paths of the interpolate kernels (interpolate.ts) for the common 2-D cases: 'nearest' (one
// tap of weight 1 per dim) and 'bilinear' (two taps per dim) on planes (P, H, W) -> (P, OH, OW).
// Separable, over the per-row and per-column tap tables: no generic tap iteration.
//
// Bilinear forward sums as PyTorch 1.13 does (cpu_upsample_generic): each input row is first
// interpolated along W (in[h, w0] * ww0 + in[h, w1] * ww1, rounded to float32 as PyTorch's float
// arithmetic is), then those rows along H (t0 * wh0 + t1 * wh1). Backward is its adjoint, summed in
// float64 per plane (H, OW) and per input row, so it is at least as exact as PyTorch's float adds.
//
// Letters: P planes (N * C); input (H, W), output (OH, OW) per plane.

import type { Buf } from "../registry";
import type { InterpolateGeometry, Taps } from "./interpolate";

/** Which fast path a call takes: 2-D (D = OD = 1) with 1 unit-weight tap or 2 taps per dim; else null. */
export function planarKind(g: InterpolateGeometry): "nearest" | "linear" | null {
  const [td, th, tw] = g.taps;
  if (g.D !== 1 || g.OD !== 1 || td.T !== 1 || td.index[0] !== 0 || td.weight[0] !== 1) return null;
  if (th.T === 1 && tw.T === 1 && unitWeights(th) && unitWeights(tw)) return "nearest";
  if (th.T === 2 && tw.T === 2) return "linear";
  return null;
}

function unitWeights(t: Taps): boolean {
  return t.weight.every((w) => w === 1);
}

/** out (P, OH, OW) = inp (P, H, W) at rows ih[oh], columns iw[ow]; a repeated row is copied. */
export function nearest2dForward(out: Buf, inp: Buf, g: InterpolateGeometry): void {
  const { P, H, W, OH, OW } = g;
  const ih = g.taps[1].index;
  const iw = g.taps[2].index;
  let o = 0;
  for (let p = 0; p < P; p++) {
    const plane = p * H * W;
    for (let oh = 0; oh < OH; oh++, o += OW) {
      if (oh > 0 && ih[oh] === ih[oh - 1]) {
        for (let ow = 0; ow < OW; ow++) out[o + ow] = out[o - OW + ow];
        continue;
      }
      const row = plane + ih[oh] * W;
      for (let ow = 0; ow < OW; ow++) out[o + ow] = inp[row + iw[ow]];
    }
  }
}

/** dinp (P, H, W) += each dout (P, OH, OW) at its source row and column. */
export function nearest2dBackward(dinp: Buf, dout: Buf, g: InterpolateGeometry): void {
  const { P, H, W, OH, OW } = g;
  const ih = g.taps[1].index;
  const iw = g.taps[2].index;
  let o = 0;
  for (let p = 0; p < P; p++) {
    const plane = p * H * W;
    for (let oh = 0; oh < OH; oh++, o += OW) {
      const row = plane + ih[oh] * W;
      for (let ow = 0; ow < OW; ow++) dinp[row + iw[ow]] += dout[o + ow];
    }
  }
}

/** The 2-tap tables of one dim split into flat arrays: index and weight of tap 0 and tap 1. */
interface Pairs {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

function pairs(t: Taps, O: number): Pairs {
  const p = {
    i0: new Int32Array(O),
    i1: new Int32Array(O),
    w0: new Float32Array(O),
    w1: new Float32Array(O),
  };
  for (let o = 0; o < O; o++) {
    p.i0[o] = t.index[2 * o];
    p.i1[o] = t.index[2 * o + 1];
    p.w0[o] = t.weight[2 * o];
    p.w1[o] = t.weight[2 * o + 1];
  }
  return p;
}

/** out (P, OH, OW) = bilinear interpolation of inp (P, H, W): rows along W first, then along H. */
export function linear2dForward(out: Buf, inp: Buf, g: InterpolateGeometry): void {
  const { P, H, W, OH, OW } = g;
  const h = pairs(g.taps[1], OH);
  const w = pairs(g.taps[2], OW);
  // (H, OW) this plane's rows interpolated along W, in out's precision (float32 as PyTorch's)
  const rows = out instanceof Float64Array ? new Float64Array(H * OW) : new Float32Array(H * OW);
  const done = new Int32Array(H).fill(-1); // the plane whose row h `rows` holds
  const fill = (plane: number, p: number, r: number) => {
    if (done[r] === p) return;
    done[r] = p;
    const src = plane + r * W;
    const dst = r * OW;
    for (let ow = 0; ow < OW; ow++)
      rows[dst + ow] = inp[src + w.i0[ow]] * w.w0[ow] + inp[src + w.i1[ow]] * w.w1[ow];
  };
  let o = 0;
  for (let p = 0; p < P; p++) {
    const plane = p * H * W;
    for (let oh = 0; oh < OH; oh++, o += OW) {
      fill(plane, p, h.i0[oh]);
      fill(plane, p, h.i1[oh]);
      const r0 = h.i0[oh] * OW;
      const r1 = h.i1[oh] * OW;
      const wh0 = h.w0[oh];
      const wh1 = h.w1[oh];
      for (let ow = 0; ow < OW; ow++) out[o + ow] = rows[r0 + ow] * wh0 + rows[r1 + ow] * wh1;
    }
  }
}

/** dinp (P, H, W) += the adjoint of linear2dForward applied to dout (P, OH, OW). */
export function linear2dBackward(dinp: Buf, dout: Buf, g: InterpolateGeometry): void {
  const { P, H, W, OH, OW } = g;
  const h = pairs(g.taps[1], OH);
  const w = pairs(g.taps[2], OW);
  const rows = new Float64Array(H * OW); // (H, OW) dout summed along H into each input row
  const acc = new Float64Array(W); // one input row's gradient
  let o = 0;
  for (let p = 0; p < P; p++) {
    rows.fill(0);
    for (let oh = 0; oh < OH; oh++, o += OW) {
      const r0 = h.i0[oh] * OW;
      const r1 = h.i1[oh] * OW;
      const wh0 = h.w0[oh];
      const wh1 = h.w1[oh];
      for (let ow = 0; ow < OW; ow++) {
        const d = dout[o + ow];
        rows[r0 + ow] += wh0 * d;
        rows[r1 + ow] += wh1 * d;
      }
    }
    const plane = p * H * W;
    for (let r = 0; r < H; r++) {
      acc.fill(0);
      const src = r * OW;
      for (let ow = 0; ow < OW; ow++) {
        const d = rows[src + ow];
        acc[w.i0[ow]] += w.w0[ow] * d;
        acc[w.i1[ow]] += w.w1[ow] * d;
      }
      const dst = plane + r * W;
      for (let x = 0; x < W; x++) dinp[dst + x] += acc[x];
    }
  }
}
