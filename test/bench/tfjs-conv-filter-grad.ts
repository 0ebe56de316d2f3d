// Conv2DBackpropFilter for TensorFlow.js's wasm backend, which has none (tfjs issue 8474): without
// it a conv layer cannot train there. Plain TypeScript over the input and dy as they sit in the
// backend's heap, NHWC, any stride/padding/dilation (no groups), the same arithmetic as tfjs's cpu
// kernel. The benchmark registers it before timing tfjs-wasm and says so in its output: this kernel
// is ours, so tfjs-wasm's training numbers include a plain-JS filter gradient.

import type * as tfType from "@tensorflow/tfjs";

/** Registers Conv2DBackpropFilter for the "wasm" backend of `tf` (idempotent). */
export function registerConv2DBackpropFilter(tf: typeof tfType): void {
  if (tf.getKernel("Conv2DBackpropFilter", "wasm") !== undefined) return;
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tfType.TensorInfo; dy: tfType.TensorInfo };
      const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
        strides: [number, number] | number;
        pad: "valid" | "same" | number;
        dataFormat: "NHWC" | "NCHW";
        dimRoundingMode?: "floor" | "round" | "ceil";
        filterShape: [number, number, number, number];
      };
      if (dataFormat === "NCHW") throw new Error("Conv2DBackpropFilter (wasm, bench): NHWC only");
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        filterShape,
        strides,
        1,
        pad,
        dimRoundingMode,
        false,
        "channelsLast",
      );
      const wasm = backend as unknown as {
        makeOutput(shape: number[], dtype: string): tfType.TensorInfo;
        typedArrayFromHeap(t: tfType.TensorInfo): Float32Array;
      };
      // Output first: allocating may grow the heap and invalidate earlier views.
      const out = wasm.makeOutput(filterShape, "float32");
      const dw = wasm.typedArrayFromHeap(out); // (FH, FW, C, OC)
      const xv = wasm.typedArrayFromHeap(x); // (B, H, W, C)
      const dyv = wasm.typedArrayFromHeap(dy); // (B, OH, OW, OC)
      const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
      const { outChannels: OC, filterHeight: FH, filterWidth: FW, strideHeight: sH, strideWidth: sW } = info;
      const { dilationHeight: dH, dilationWidth: dW } = info;
      const { top, left } = info.padInfo;
      dw.fill(0);
      for (let b = 0; b < B; b++)
        for (let oh = 0; oh < OH; oh++)
          for (let fh = 0; fh < FH; fh++) {
            const ih = oh * sH - top + fh * dH;
            if (ih < 0 || ih >= H) continue;
            for (let ow = 0; ow < OW; ow++) {
              const d = ((b * OH + oh) * OW + ow) * OC; // dy pixel (OC)
              for (let fw = 0; fw < FW; fw++) {
                const iw = ow * sW - left + fw * dW;
                if (iw < 0 || iw >= W) continue;
                const xi = ((b * H + ih) * W + iw) * C; // x pixel (C)
                const wi = (fh * FW + fw) * C * OC; // dw tap (C, OC)
                for (let c = 0; c < C; c++) {
                  const xc = xv[xi + c];
                  const row = wi + c * OC;
                  for (let oc = 0; oc < OC; oc++) dw[row + oc] += xc * dyv[d + oc];
                }
              }
            }
          }
      return out;
    },
  });
}
