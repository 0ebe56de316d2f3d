// Reference 3-D convolution kernels (cross-correlation over depth, height and width: video clips,
// volumes), forward and backward, as direct loops over NCDHW buffers. The same loop structure as
// conv2dForward (./conv.ts) with a depth loop in front; sizes come as one ConvGeometry3d (../geometry.ts).

import type { ConvGeometry3d } from "../geometry";
import { type Buf, defineKernel } from "../registry";

/** First o >= 0 with o * stride + offset >= 0 (where a weight tap enters the input). */
function first(stride: number, offset: number): number {
  return Math.max(0, Math.ceil(-offset / stride));
}

/** One past the last o < n with o * stride + offset < size (where the tap leaves the input). */
function end(n: number, stride: number, offset: number, size: number): number {
  return Math.min(n, Math.floor((size - 1 - offset) / stride) + 1);
}

/** out (N, OC, OD, OH, OW) = conv(inp (N, C, D, H, W), weight (OC, C/G, KD, KH, KW)) + bias (OC, or null). */
export const conv3dForward = defineKernel(
  "conv3dForward",
  (out: Buf, inp: Buf, weight: Buf, bias: Buf | null, g: ConvGeometry3d) => {
    const { N, C, D, H, W, OC, KD, KH, KW, OD, OH, OW, groups } = g;
    const { strideD, strideH, strideW, padFront, padTop, padLeft, dilationD, dilationH, dilationW } = g;
    const CG = C / groups; // input channels per group
    const OCG = OC / groups; // output channels per group
    const K = KD * KH * KW; // taps per filter
    const OV = OD * OH * OW; // output volume
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const o = (n * OC + oc) * OV; // out volume (OD, OH, OW)
        out.fill(bias === null ? 0 : bias[oc], o, o + OV);
        const grp = Math.floor(oc / OCG);
        for (let cg = 0; cg < CG; cg++) {
          const i = (n * C + grp * CG + cg) * D * H * W; // inp volume (D, H, W)
          const wk = (oc * CG + cg) * K; // weight volume (KD, KH, KW)
          for (let kd = 0; kd < KD; kd++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const w = weight[wk + (kd * KH + kh) * KW + kw];
                const offD = kd * dilationD - padFront;
                const offH = kh * dilationH - padTop;
                const offW = kw * dilationW - padLeft;
                const owStart = first(strideW, offW);
                const owEnd = end(OW, strideW, offW, W);
                const odEnd = end(OD, strideD, offD, D);
                const ohEnd = end(OH, strideH, offH, H);
                for (let od = first(strideD, offD); od < odEnd; od++)
                  for (let oh = first(strideH, offH); oh < ohEnd; oh++) {
                    const orow = o + (od * OH + oh) * OW;
                    const irow = i + ((od * strideD + offD) * H + oh * strideH + offH) * W + offW; // + ow * strideW
                    for (let ow = owStart; ow < owEnd; ow++) out[orow + ow] += w * inp[irow + ow * strideW];
                  }
              }
        }
      }
  },
);

/**
 * Gradients of conv3dForward, accumulated (+=) into dinp (N, C, D, H, W), dweight (OC, C/G, KD, KH, KW)
 * and dbias (OC) from dout (N, OC, OD, OH, OW); a null gradient buffer is skipped.
 */
export const conv3dBackward = defineKernel(
  "conv3dBackward",
  (
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    g: ConvGeometry3d,
  ) => {
    const { N, C, D, H, W, OC, KD, KH, KW, OD, OH, OW, groups } = g;
    const { strideD, strideH, strideW, padFront, padTop, padLeft, dilationD, dilationH, dilationW } = g;
    const CG = C / groups;
    const OCG = OC / groups;
    const K = KD * KH * KW; // taps per filter
    const OV = OD * OH * OW;
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const o = (n * OC + oc) * OV; // dout volume (OD, OH, OW)
        if (dbias !== null) {
          let s = 0;
          for (let k = 0; k < OV; k++) s += dout[o + k];
          dbias[oc] += s;
        }
        if (dinp === null && dweight === null) continue;
        const grp = Math.floor(oc / OCG);
        for (let cg = 0; cg < CG; cg++) {
          const i = (n * C + grp * CG + cg) * D * H * W; // inp / dinp volume (D, H, W)
          const wk = (oc * CG + cg) * K; // weight / dweight volume (KD, KH, KW)
          for (let kd = 0; kd < KD; kd++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const k = wk + (kd * KH + kh) * KW + kw;
                const w = weight[k];
                let dw = 0;
                const offD = kd * dilationD - padFront;
                const offH = kh * dilationH - padTop;
                const offW = kw * dilationW - padLeft;
                const owStart = first(strideW, offW);
                const owEnd = end(OW, strideW, offW, W);
                const odEnd = end(OD, strideD, offD, D);
                const ohEnd = end(OH, strideH, offH, H);
                for (let od = first(strideD, offD); od < odEnd; od++)
                  for (let oh = first(strideH, offH); oh < ohEnd; oh++) {
                    const orow = o + (od * OH + oh) * OW;
                    const irow = i + ((od * strideD + offD) * H + oh * strideH + offH) * W + offW; // + ow * strideW
                    for (let ow = owStart; ow < owEnd; ow++) {
                      const d = dout[orow + ow];
                      const ix = irow + ow * strideW;
                      dw += d * inp[ix];
                      if (dinp !== null) dinp[ix] += w * d;
                    }
                  }
                if (dweight !== null) dweight[k] += dw;
              }
        }
      }
  },
);
