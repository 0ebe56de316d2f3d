// Reference 2-D convolution kernels (cross-correlation, as PyTorch and every framework compute
// it) and transposed convolution, forward and backward, as direct loops over NCHW buffers.
// conv1d runs through these with H = 1. Padding is implicit zeros: explicit padTop/padLeft plus the
// output size OH/OW cover symmetric, asymmetric ('same' with an even kernel) and cropped cases.
//
// Sizes: N batch, C input channels, H/W input height/width, OC output channels, KH/KW kernel,
// OH/OW output height/width, G groups (C/G input and OC/G output channels per group).
// Input row of output row oh and kernel row kh: ih = oh * strideH - padTop + kh * dilationH.

import { type Buf, defineKernel } from "../registry";

/**
 * out (N, OC, OH, OW) = conv(inp (N, C, H, W), weight (OC, C/G, KH, KW)) + bias (OC, or null).
 */
export const conv2dForward = defineKernel(
  "conv2dForward",
  (
    out: Buf,
    inp: Buf,
    weight: Buf,
    bias: Buf | null,
    N: number,
    C: number,
    H: number,
    W: number,
    OC: number,
    KH: number,
    KW: number,
    OH: number,
    OW: number,
    strideH: number,
    strideW: number,
    padTop: number,
    padLeft: number,
    dilationH: number,
    dilationW: number,
    groups: number,
  ) => {
    const CG = C / groups; // input channels per group
    const OCG = OC / groups; // output channels per group
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const o = (n * OC + oc) * OH * OW; // out plane (OH, OW)
        out.fill(bias === null ? 0 : bias[oc], o, o + OH * OW);
        const g = Math.floor(oc / OCG);
        for (let cg = 0; cg < CG; cg++) {
          const i = (n * C + g * CG + cg) * H * W; // inp plane (H, W)
          const wk = (oc * CG + cg) * KH * KW; // weight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              for (let oh = 0; oh < OH; oh++) {
                const ih = oh * strideH - padTop + kh * dilationH;
                if (ih < 0 || ih >= H) continue;
                const orow = o + oh * OW;
                const irow = i + ih * W;
                for (let ow = 0; ow < OW; ow++) {
                  const iw = ow * strideW - padLeft + kw * dilationW;
                  if (iw >= 0 && iw < W) out[orow + ow] += w * inp[irow + iw];
                }
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
    N: number,
    C: number,
    H: number,
    W: number,
    OC: number,
    KH: number,
    KW: number,
    OH: number,
    OW: number,
    strideH: number,
    strideW: number,
    padTop: number,
    padLeft: number,
    dilationH: number,
    dilationW: number,
    groups: number,
  ) => {
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
        const g = Math.floor(oc / OCG);
        for (let cg = 0; cg < CG; cg++) {
          const i = (n * C + g * CG + cg) * H * W; // inp / dinp plane (H, W)
          const wk = (oc * CG + cg) * KH * KW; // weight / dweight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              let dw = 0;
              for (let oh = 0; oh < OH; oh++) {
                const ih = oh * strideH - padTop + kh * dilationH;
                if (ih < 0 || ih >= H) continue;
                const orow = o + oh * OW;
                const irow = i + ih * W;
                for (let ow = 0; ow < OW; ow++) {
                  const iw = ow * strideW - padLeft + kw * dilationW;
                  if (iw < 0 || iw >= W) continue;
                  const d = dout[orow + ow];
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

/**
 * Transposed convolution (the adjoint of conv2dForward's input map): every input pixel scatters
 * weight-scaled copies into the output. out (N, OC, OH, OW) from inp (N, C, H, W),
 * weight (C, OC/G, KH, KW), bias (OC, or null); output row oh = ih * strideH - padTop + kh * dilationH.
 * OH/OW include outputPadding (extra rows/columns at the bottom/right that only bias reaches).
 */
export const convTranspose2dForward = defineKernel(
  "convTranspose2dForward",
  (
    out: Buf,
    inp: Buf,
    weight: Buf,
    bias: Buf | null,
    N: number,
    C: number,
    H: number,
    W: number,
    OC: number,
    KH: number,
    KW: number,
    OH: number,
    OW: number,
    strideH: number,
    strideW: number,
    padTop: number,
    padLeft: number,
    dilationH: number,
    dilationW: number,
    groups: number,
  ) => {
    const CG = C / groups;
    const OCG = OC / groups;
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const o = (n * OC + oc) * OH * OW;
        out.fill(bias === null ? 0 : bias[oc], o, o + OH * OW);
      }
    for (let n = 0; n < N; n++)
      for (let c = 0; c < C; c++) {
        const g = Math.floor(c / CG);
        const i = (n * C + c) * H * W; // inp plane (H, W)
        for (let ocg = 0; ocg < OCG; ocg++) {
          const o = (n * OC + g * OCG + ocg) * OH * OW; // out plane (OH, OW)
          const wk = (c * OCG + ocg) * KH * KW; // weight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              for (let ih = 0; ih < H; ih++) {
                const oh = ih * strideH - padTop + kh * dilationH;
                if (oh < 0 || oh >= OH) continue;
                const irow = i + ih * W;
                const orow = o + oh * OW;
                for (let iw = 0; iw < W; iw++) {
                  const ow = iw * strideW - padLeft + kw * dilationW;
                  if (ow >= 0 && ow < OW) out[orow + ow] += w * inp[irow + iw];
                }
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
    N: number,
    C: number,
    H: number,
    W: number,
    OC: number,
    KH: number,
    KW: number,
    OH: number,
    OW: number,
    strideH: number,
    strideW: number,
    padTop: number,
    padLeft: number,
    dilationH: number,
    dilationW: number,
    groups: number,
  ) => {
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
        const g = Math.floor(c / CG);
        const i = (n * C + c) * H * W; // inp / dinp plane (H, W)
        for (let ocg = 0; ocg < OCG; ocg++) {
          const o = (n * OC + g * OCG + ocg) * OH * OW; // dout plane (OH, OW)
          const wk = (c * OCG + ocg) * KH * KW; // weight / dweight plane (KH, KW)
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const w = weight[wk + kh * KW + kw];
              let dw = 0;
              for (let ih = 0; ih < H; ih++) {
                const oh = ih * strideH - padTop + kh * dilationH;
                if (oh < 0 || oh >= OH) continue;
                const irow = i + ih * W;
                const orow = o + oh * OW;
                for (let iw = 0; iw < W; iw++) {
                  const ow = iw * strideW - padLeft + kw * dilationW;
                  if (ow < 0 || ow >= OW) continue;
                  const d = dout[orow + ow];
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
