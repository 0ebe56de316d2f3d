// Reference 2-D convolution kernels (cross-correlation, as PyTorch and every framework compute
// it) and transposed convolution, forward and backward, as direct loops over NCHW buffers.
// conv1d runs through these with H = 1. Every kernel takes the call's sizes as one ConvGeometry
// (../geometry.ts: the letters, the padding, and which input row each output row reads).

import type { ConvGeometry } from "../geometry";
import { type Buf, defineKernel } from "../registry";

/** First o >= 0 with o * stride + offset >= 0 (where a weight tap enters the input). */
function first(stride: number, offset: number): number {
  return Math.max(0, Math.ceil(-offset / stride));
}

/** One past the last o < n with o * stride + offset < size (where the tap leaves the input). */
function end(n: number, stride: number, offset: number, size: number): number {
  return Math.min(n, Math.floor((size - 1 - offset) / stride) + 1);
}

/**
 * out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C/G, KH, KW)) + bias (OC, or null).
 */
export const conv2dForward = defineKernel(
  "conv2dForward",
  (out: Buf, inp: Buf, weight: Buf, bias: Buf | null, g: ConvGeometry) => {
    const {
      N,
      C,
      H,
      W,
      OC,
      KH,
      KW,
      OH,
      OW,
      strideH,
      strideW,
      padTop,
      padLeft,
      dilationH,
      dilationW,
      groups,
    } = g;
    const CG = C / groups; // input channels per group
    const OCG = OC / groups; // output channels per group
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const o = (n * OC + oc) * OH * OW; // out plane (OH, OW)
        out.fill(bias === null ? 0 : bias[oc], o, o + OH * OW);
        const grp = Math.floor(oc / OCG); // its group
        for (let cg = 0; cg < CG; cg++) {
          const i = (n * C + grp * CG + cg) * H * W; // inp plane (H, W)
          const wk = (oc * CG + cg) * KH * KW; // weight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              const offH = kh * dilationH - padTop;
              const offW = kw * dilationW - padLeft;
              const owStart = first(strideW, offW);
              const owEnd = end(OW, strideW, offW, W);
              const ohEnd = end(OH, strideH, offH, H);
              for (let oh = first(strideH, offH); oh < ohEnd; oh++) {
                const orow = o + oh * OW;
                const irow = i + (oh * strideH + offH) * W + offW; // + ow * strideW
                for (let ow = owStart; ow < owEnd; ow++) out[orow + ow] += w * inp[irow + ow * strideW];
              }
            }
        }
      }
  },
);

/**
 * Gradients of conv2dForward, accumulated (+=) into dinp (N, C, H, W), dweight (OC, C/G, KH, KW)
 * and dbias (OC) from dout (N, OC, OH, OW); a null gradient buffer is skipped.
 */
export const conv2dBackward = defineKernel(
  "conv2dBackward",
  (
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    g: ConvGeometry,
  ) => {
    const {
      N,
      C,
      H,
      W,
      OC,
      KH,
      KW,
      OH,
      OW,
      strideH,
      strideW,
      padTop,
      padLeft,
      dilationH,
      dilationW,
      groups,
    } = g;
    const CG = C / groups;
    const OCG = OC / groups;
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const o = (n * OC + oc) * OH * OW; // dout plane (OH, OW)
        if (dbias !== null) {
          let s = 0;
          for (let k = 0; k < OH * OW; k++) s += dout[o + k];
          dbias[oc] += s;
        }
        if (dinp === null && dweight === null) continue;
        const grp = Math.floor(oc / OCG); // its group
        for (let cg = 0; cg < CG; cg++) {
          const i = (n * C + grp * CG + cg) * H * W; // inp / dinp plane (H, W)
          const wk = (oc * CG + cg) * KH * KW; // weight / dweight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              let dw = 0;
              const offH = kh * dilationH - padTop;
              const offW = kw * dilationW - padLeft;
              const owStart = first(strideW, offW);
              const owEnd = end(OW, strideW, offW, W);
              const ohEnd = end(OH, strideH, offH, H);
              for (let oh = first(strideH, offH); oh < ohEnd; oh++) {
                const orow = o + oh * OW;
                const irow = i + (oh * strideH + offH) * W + offW; // + ow * strideW
                for (let ow = owStart; ow < owEnd; ow++) {
                  const d = dout[orow + ow];
                  const ix = irow + ow * strideW;
                  dw += d * inp[ix];
                  if (dinp !== null) dinp[ix] += w * d;
                }
              }
              if (dweight !== null) dweight[wk + kh * KW + kw] += dw;
            }
        }
      }
  },
);

/**
 * Transposed convolution (the adjoint of conv2dForward's input map): every input pixel scatters
 * weight-scaled copies into the output. out (N, OC, OH, OW) from inp (N, C, H, W),
 * weight (C, OC/G, KH, KW), bias (OC, or null); output row oh = ih * strideH - padTop + kh * dilationH.
 * OH/OW include outputPadding (extra rows/columns at the bottom/right that only bias reaches).
 */
export const convTranspose2dForward = defineKernel(
  "convTranspose2dForward",
  (out: Buf, inp: Buf, weight: Buf, bias: Buf | null, g: ConvGeometry) => {
    const {
      N,
      C,
      H,
      W,
      OC,
      KH,
      KW,
      OH,
      OW,
      strideH,
      strideW,
      padTop,
      padLeft,
      dilationH,
      dilationW,
      groups,
    } = g;
    const CG = C / groups;
    const OCG = OC / groups;
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const o = (n * OC + oc) * OH * OW;
        out.fill(bias === null ? 0 : bias[oc], o, o + OH * OW);
      }
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const grp = Math.floor(c / CG); // its group
        const i = (n * C + c) * H * W; // inp plane (H, W)
        for (let ocg = 0; ocg < OCG; ocg++) {
          const o = (n * OC + grp * OCG + ocg) * OH * OW; // out plane (OH, OW)
          const wk = (c * OCG + ocg) * KH * KW; // weight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              const offH = kh * dilationH - padTop;
              const offW = kw * dilationW - padLeft;
              const iwStart = first(strideW, offW);
              const iwEnd = end(W, strideW, offW, OW);
              const ihEnd = end(H, strideH, offH, OH);
              for (let ih = first(strideH, offH); ih < ihEnd; ih++) {
                const irow = i + ih * W;
                const orow = o + (ih * strideH + offH) * OW + offW; // + iw * strideW
                for (let iw = iwStart; iw < iwEnd; iw++) out[orow + iw * strideW] += w * inp[irow + iw];
              }
            }
        }
      }
  },
);

/**
 * Gradients of convTranspose2dForward, accumulated (+=) into dinp (N, C, H, W),
 * dweight (C, OC/G, KH, KW) and dbias (OC) from dout (N, OC, OH, OW); null buffers are skipped.
 */
export const convTranspose2dBackward = defineKernel(
  "convTranspose2dBackward",
  (
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    g: ConvGeometry,
  ) => {
    const {
      N,
      C,
      H,
      W,
      OC,
      KH,
      KW,
      OH,
      OW,
      strideH,
      strideW,
      padTop,
      padLeft,
      dilationH,
      dilationW,
      groups,
    } = g;
    const CG = C / groups;
    const OCG = OC / groups;
    if (dbias !== null)
      for (let n = 0; n < N; n++)
        for (let oc = 0; oc < OC; oc++) {
          const o = (n * OC + oc) * OH * OW;
          let s = 0;
          for (let k = 0; k < OH * OW; k++) s += dout[o + k];
          dbias[oc] += s;
        }
    if (dinp === null && dweight === null) return;
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const grp = Math.floor(c / CG); // its group
        const i = (n * C + c) * H * W; // inp / dinp plane (H, W)
        for (let ocg = 0; ocg < OCG; ocg++) {
          const o = (n * OC + grp * OCG + ocg) * OH * OW; // dout plane (OH, OW)
          const wk = (c * OCG + ocg) * KH * KW; // weight / dweight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              let dw = 0;
              const offH = kh * dilationH - padTop;
              const offW = kw * dilationW - padLeft;
              const iwStart = first(strideW, offW);
              const iwEnd = end(W, strideW, offW, OW);
              const ihEnd = end(H, strideH, offH, OH);
              for (let ih = first(strideH, offH); ih < ihEnd; ih++) {
                const irow = i + ih * W;
                const orow = o + (ih * strideH + offH) * OW + offW; // + iw * strideW
                for (let iw = iwStart; iw < iwEnd; iw++) {
                  const d = dout[orow + iw * strideW];
                  dw += d * inp[irow + iw];
                  if (dinp !== null) dinp[irow + iw] += w * d;
                }
              }
              if (dweight !== null) dweight[wk + kh * KW + kw] += dw;
            }
        }
      }
  },
);
