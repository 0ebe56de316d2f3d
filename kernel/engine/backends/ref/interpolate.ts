// Reference kernels of F.interpolate. Every mode (nearest, linear, cubic, area, antialiased) is a
// weighted sum of input taps, separable per spatial dim: output position o of a dim reads input
// positions index[o * T + t] with weights weight[o * T + t] (t < T). The op builds these tap
// tables once (ops/interpolate-taps.ts, PyTorch's coordinate arithmetic); the kernels only sum.
// 2-D nearest and bilinear take the separable fast paths of interpolate-2d.ts.
//
// Letters: P = N * C planes, each of spatial size (D, H, W) in and (OD, OH, OW) out; 1-D and 2-D
// inputs have D = OD = 1 (and H = OH = 1 in 1-D) with a single tap of weight 1 on those dims.

import { type Buf, defineKernel } from "../registry";
import {
  linear2dBackward,
  linear2dForward,
  nearest2dBackward,
  nearest2dForward,
  planarKind,
} from "./interpolate-2d";

/** The taps of one spatial dim: for output o, T input indices and weights (unused taps weigh 0). */
export interface Taps {
  /** Taps per output position. */
  readonly T: number;
  /** (O, T) input positions. */
  readonly index: Int32Array;
  /** (O, T) weights. */
  readonly weight: Float32Array;
}

/** One interpolate call: inp (P, D, H, W) -> out (P, OD, OH, OW), taps per dim (d, h, w). */
export interface InterpolateGeometry {
  readonly P: number;
  readonly D: number;
  readonly H: number;
  readonly W: number;
  readonly OD: number;
  readonly OH: number;
  readonly OW: number;
  readonly taps: readonly [Taps, Taps, Taps];
}

/** out (P, OD, OH, OW) = sum over taps of wd * wh * ww * inp (P, D, H, W). */
export const interpolateForward = defineKernel(
  "interpolateForward",
  (out: Buf, inp: Buf, g: InterpolateGeometry) => {
    const kind = planarKind(g);
    if (kind === "nearest") return nearest2dForward(out, inp, g);
    if (kind === "linear") return linear2dForward(out, inp, g);
    const { P, D, H, W, OD, OH, OW } = g;
    const [td, th, tw] = g.taps;
    for (let p = 0; p < P; p++) {
      const plane = p * D * H * W;
      let o = p * OD * OH * OW;
      for (let od = 0; od < OD; od++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            let acc = 0;
            for (let a = od * td.T; a < (od + 1) * td.T; a++) {
              const wd = td.weight[a];
              if (wd === 0) continue;
              for (let b = oh * th.T; b < (oh + 1) * th.T; b++) {
                const wdh = wd * th.weight[b];
                if (wdh === 0) continue;
                const row = plane + (td.index[a] * H + th.index[b]) * W;
                let s = 0;
                for (let c = ow * tw.T; c < (ow + 1) * tw.T; c++) s += tw.weight[c] * inp[row + tw.index[c]];
                acc += wdh * s;
              }
            }
            out[o++] = acc;
          }
    }
  },
);

/** dinp (P, D, H, W) += the adjoint of interpolateForward applied to dout (P, OD, OH, OW). */
export const interpolateBackward = defineKernel(
  "interpolateBackward",
  (dinp: Buf, dout: Buf, g: InterpolateGeometry) => {
    const kind = planarKind(g);
    if (kind === "nearest") return nearest2dBackward(dinp, dout, g);
    if (kind === "linear") return linear2dBackward(dinp, dout, g);
    const { P, D, H, W, OD, OH, OW } = g;
    const [td, th, tw] = g.taps;
    for (let p = 0; p < P; p++) {
      const plane = p * D * H * W;
      let o = p * OD * OH * OW;
      for (let od = 0; od < OD; od++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const d = dout[o++];
            if (d === 0) continue;
            for (let a = od * td.T; a < (od + 1) * td.T; a++) {
              const wd = td.weight[a] * d;
              if (wd === 0) continue;
              for (let b = oh * th.T; b < (oh + 1) * th.T; b++) {
                const wdh = wd * th.weight[b];
                if (wdh === 0) continue;
                const row = plane + (td.index[a] * H + th.index[b]) * W;
                for (let c = ow * tw.T; c < (ow + 1) * tw.T; c++)
                  dinp[row + tw.index[c]] += wdh * tw.weight[c];
              }
            }
          }
    }
  },
);
