// Reference kernel of flip and roll: each output position reads the input at a per-dim remapped
// position, out[i0, i1, ...] = x[maps[0][i0], maps[1][i1], ...]. The maps are permutations, so
// the adjoint (`add`) sends each gradient back to the one position it came from.

import { type Buf, defineKernel } from "../registry";

/**
 * out (shape) = x (shape) read at the remapped position; with `add`, the adjoint:
 * x[remapped] += out[i] (x is then the gradient being filled).
 */
export const remapDims = defineKernel(
  "remapDims",
  (out: Buf, x: Buf, shape: readonly number[], maps: readonly Int32Array[], add = false) => {
    const nd = shape.length;
    let n = 1;
    for (const s of shape) n *= s;
    if (n === 0) return;
    const strides = new Array<number>(nd);
    for (let d = nd - 1, s = 1; d >= 0; d--) {
      strides[d] = s;
      s *= shape[d];
    }
    if (nd === 0) {
      if (add) x[0] += out[0];
      else out[0] = x[0];
      return;
    }
    // Walk the output in order; `src` is the remapped flat position in x, updated per dim.
    const idx = new Array<number>(nd).fill(0);
    let src = 0;
    for (let d = 0; d < nd; d++) src += maps[d][0] * strides[d];
    for (let i = 0; i < n; i++) {
      if (add) x[src] += out[i];
      else out[i] = x[src];
      for (let d = nd - 1; d >= 0; d--) {
        const m = maps[d];
        src -= m[idx[d]] * strides[d];
        idx[d]++;
        if (idx[d] < shape[d]) {
          src += m[idx[d]] * strides[d];
          break;
        }
        idx[d] = 0;
        src += m[0] * strides[d];
      }
    }
  },
);
