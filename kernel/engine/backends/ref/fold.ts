// Reference kernels of F.unfold (im2col) and F.fold (col2im), each the other's adjoint. A sliding
// window (PoolGeometry: kernel size, stride, padding, dilation) visits OH x OW positions of every
// (H, W) plane; column l = oh * OW + ow of the unfolded matrix holds the window's C * KH * KW taps,
// row (c * KH + kh) * KW + kw, padding reading as zero.

import type { PoolGeometry } from "../geometry";
import { type Buf, defineKernel } from "../registry";

/** cols (N, C * KH * KW, OH * OW) = the windows of inp (N, C, H, W), zero outside the input. */
export const im2col = defineKernel("im2col", (cols: Buf, inp: Buf, g: PoolGeometry) => {
  const { N, C, H, W, OH, OW, KH, KW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = g;
  const L = OH * OW;
  let row = 0; // (n, c, kh, kw) in order
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const plane = (n * C + c) * H * W;
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++, row++) {
          const base = row * L;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * strideH - padTop + kh * dilationH;
            const at = base + oh * OW;
            if (ih < 0 || ih >= H) {
              cols.fill(0, at, at + OW);
              continue;
            }
            const src = plane + ih * W;
            let iw = kw * dilationW - padLeft;
            for (let ow = 0; ow < OW; ow++, iw += strideW)
              cols[at + ow] = iw >= 0 && iw < W ? inp[src + iw] : 0;
          }
        }
    }
});

/** out (N, C, H, W) += the windows of cols (N, C * KH * KW, OH * OW) added back where they were read. */
export const col2im = defineKernel("col2im", (out: Buf, cols: Buf, g: PoolGeometry) => {
  const { N, C, H, W, OH, OW, KH, KW, strideH, strideW, padTop, padLeft, dilationH, dilationW } = g;
  const L = OH * OW;
  let row = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const plane = (n * C + c) * H * W;
      for (let kh = 0; kh < KH; kh++)
        for (let kw = 0; kw < KW; kw++, row++) {
          const base = row * L;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * strideH - padTop + kh * dilationH;
            if (ih < 0 || ih >= H) continue;
            const at = base + oh * OW;
            const dst = plane + ih * W;
            let iw = kw * dilationW - padLeft;
            for (let ow = 0; ow < OW; ow++, iw += strideW)
              if (iw >= 0 && iw < W) out[dst + iw] += cols[at + ow];
          }
        }
    }
});
