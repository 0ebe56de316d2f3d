// Fast paths of the interpolate kernels (interpolate.ts) for the common 2-D cases: 'nearest' (one
// tap of weight 1 per dim) and 'bilinear' (two taps per dim) on planes (P, H, W) -> (P, OH, OW).
// Separable, over the per-row and per-column tap tables: no generic tap iteration.
//
// Bilinear forward sums as PyTorch 1.13 does (cpu_upsample_generic): each input row is first
// interpolated along W (in[h, w0] * ww0 + in[h, w1] * ww1, rounded to float32 as PyTorch's float
// arithmetic is), then those rows along H (t0 * wh0 + t1 * wh1). Backward is its adjoint: dout
// summed along H in float64 per plane (H, OW), then added into dinp along W (PyTorch adds every
// output's share in float).
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
  const { i0: h0, i1: h1, w0: wh0, w1: wh1 } = pairs(g.taps[1], OH);
  const { i0: w0, i1: w1, w0: ww0, w1: ww1 } = pairs(g.taps[2], OW);
  const used = new Uint8Array(H); // the input rows some output row reads
  for (let oh = 0; oh < OH; oh++) used[h0[oh]] = used[h1[oh]] = 1;
  // (H, OW) this plane's rows interpolated along W, in out's precision (float32 as PyTorch's)
  const rows = out instanceof Float64Array ? new Float64Array(H * OW) : new Float32Array(H * OW);
  let o = 0;
  for (let p = 0; p < P; p++) {
    for (let r = 0; r < H; r++) {
      if (used[r] === 0) continue;
      const src = (p * H + r) * W;
      const dst = r * OW;
      for (let ow = 0; ow < OW; ow++)
        rows[dst + ow] = inp[src + w0[ow]] * ww0[ow] + inp[src + w1[ow]] * ww1[ow];
    }
    for (let oh = 0; oh < OH; oh++, o += OW) {
      const r0 = h0[oh] * OW;
      const r1 = h1[oh] * OW;
      const a = wh0[oh];
      const b = wh1[oh];
      for (let ow = 0; ow < OW; ow++) out[o + ow] = rows[r0 + ow] * a + rows[r1 + ow] * b;
    }
  }
}

/** dinp (P, H, W) += the adjoint of linear2dForward applied to dout (P, OH, OW). */
export function linear2dBackward(dinp: Buf, dout: Buf, g: InterpolateGeometry): void {
  const { P, H, W, OH, OW } = g;
  const { i0: h0, i1: h1, w0: wh0, w1: wh1 } = pairs(g.taps[1], OH);
  const { i0: w0, i1: w1, w0: ww0, w1: ww1 } = pairs(g.taps[2], OW);
  const rows = new Float64Array(H * OW); // (H, OW) dout summed along H into each input row
  let o = 0;
  for (let p = 0; p < P; p++) {
    rows.fill(0);
    for (let oh = 0; oh < OH; oh++, o += OW) {
      const r0 = h0[oh] * OW;
      const r1 = h1[oh] * OW;
      const a = wh0[oh];
      const b = wh1[oh];
      for (let ow = 0; ow < OW; ow++) {
        const d = dout[o + ow];
        rows[r0 + ow] += a * d;
        rows[r1 + ow] += b * d;
      }
    }
    for (let r = 0; r < H; r++) {
      const src = r * OW;
      const dst = (p * H + r) * W;
      for (let ow = 0; ow < OW; ow++) {
        const d = rows[src + ow];
        dinp[dst + w0[ow]] += ww0[ow] * d;
        dinp[dst + w1[ow]] += ww1[ow] * d;
      }
    }
  }
}
