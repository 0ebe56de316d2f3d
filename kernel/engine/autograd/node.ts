// A node of the autograd graph: the op that made a tensor, its inputs, and the function that
// turns the output's gradient into the inputs' gradients (flat buffers, llm.c style).

import type { Tensor } from "../tensor/tensor";

/** Gradient buffers are plain Float32Arrays in the layout of the tensor they belong to. */
export type Grad = Float32Array;

export interface GradNode {
  /** The op's name, shown in error messages and `t.gradFn.name` (e.g. "conv2d"). */
  readonly name: string;
  /** The op's tensor inputs, in order; null where an optional input was absent. */
  readonly inputs: readonly (Tensor | null)[];
  /**
   * Given d(loss)/d(output), returns d(loss)/d(input) for each input (null where not needed), as
   * fresh buffers (autograd/grad-buffers.ts) or dout itself. dout belongs to the op for the call
   * (nobody else holds it), so it may also be overwritten and returned. `acc[k]`, when given, is
   * the gradient accumulated so far for input k: an op whose kernel adds (+=) may add into it and
   * return it.
   */
  backward(dout: Grad, acc?: readonly (Grad | null)[]): (Grad | null)[];
}
