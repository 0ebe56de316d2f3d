// wasm convTranspose2dForward / convTranspose2dBackward (same names, signatures and += semantics
// as backends/ref/conv.ts), built on the wasm conv2d kernels: a transposed convolution is the input
// gradient of its adjoint convolution, the one mapping its output back to its input (C' = OC,
// H' = OH, W' = OW, OC' = C, OH' = H, OW' = W; same kernel size, stride, padding, dilation and
// groups; the weight (C, OC/G, KH, KW) is that convolution's weight as stored). So:
//   out    = bias + conv2dBackward's input gradient of the adjoint, with dout' = inp;
//   dinp  += conv2dForward of the adjoint over dout;
//   dweight += conv2dBackward's weight gradient of the adjoint, with dout' = inp and inp' = dout.
// The conv kernels are looked up at call time, so this follows their fast paths (GEMM, depthwise)
// and threading (which never changes the numbers) as they change.

import type { ConvGeometry } from "../geometry";
import { type Buf, FALL_BACK, type KernelFn } from "../registry";
import { allF32 } from "./f32";

/** The adjoint convolution's geometry: inputs and outputs swapped, the window as it is. */
function adjoint(g: ConvGeometry): ConvGeometry {
  return { ...g, C: g.OC, H: g.OH, W: g.OW, OC: g.C, OH: g.H, OW: g.W };
}

/** `kernel(name)` is the wasm backend's implementation of a conv kernel. */
export function convTransposeKernels(kernel: (name: "conv2dForward" | "conv2dBackward") => KernelFn) {
  const none = new Float32Array(0); // an operand the called kernel does not read

  /** out (N, OC, OH, OW) = convTranspose(inp (N, C, H, W), weight (C, OC/G, KH, KW)) + bias (OC, or null). */
  function convTranspose2dForward(
    out: Buf,
    inp: Buf,
    weight: Buf,
    bias: Buf | null,
    g: ConvGeometry,
  ): typeof FALL_BACK | undefined {
    if (!allF32(out, inp, weight, bias)) return FALL_BACK;
    const { N, OC, OH, OW } = g;
    const plane = OH * OW;
    for (let n = 0; n < N; n++)
      for (let oc = 0; oc < OC; oc++) {
        const at = (n * OC + oc) * plane;
        out.fill(bias === null ? 0 : bias[oc], at, at + plane);
      }
    kernel("conv2dBackward")(out, null, null, inp, none, weight, adjoint(g));
  }

  /** dinp (N, C, H, W), dweight (C, OC/G, KH, KW), dbias (OC) += gradients from dout (N, OC, OH, OW). */
  function convTranspose2dBackward(
    dinp: Buf | null,
    dweight: Buf | null,
    dbias: Buf | null,
    dout: Buf,
    inp: Buf,
    weight: Buf,
    g: ConvGeometry,
  ): typeof FALL_BACK | undefined {
    if (!allF32(dinp, dweight, dbias, dout, inp, weight)) return FALL_BACK;
    const { N, C, H, W, OC, OH, OW } = g;
    const adj = adjoint(g);
    if (dinp !== null) {
      const grad = new Float32Array(N * C * H * W); // (N, C, H, W)
      kernel("conv2dForward")(grad, dout, weight, null, adj);
      for (let i = 0; i < grad.length; i++) dinp[i] += grad[i];
    }
    if (dweight !== null) kernel("conv2dBackward")(null, dweight, null, inp, dout, weight, adj);
    if (dbias !== null) {
      const plane = OH * OW;
      for (let n = 0; n < N; n++)
        for (let oc = 0; oc < OC; oc++) {
          let s = 0;
          const at = (n * OC + oc) * plane;
          for (let k = 0; k < plane; k++) s += dout[at + k];
          dbias[oc] += s;
        }
    }
  }

  return { convTranspose2dForward, convTranspose2dBackward };
}
