// Softmax and log-softmax along one dim: numerically stable primitives (the max is subtracted
// before exponentiating) with their own backward. logSoftmax feeds crossEntropy.

import { fromOp, withArgs } from "../autograd/record";
import {
  logSoftmaxBackward,
  logSoftmaxForward,
  softmaxBackward,
  softmaxForward,
} from "../backends/ref/softmax";
import { check, fmtShape } from "../errors";
import { normDim, numelOf } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { checkTensor } from "./tensor-args";

/** `dim` as PyTorch takes it: positional, or `{ dim }` as a keyword. */
export type DimArg = number | { dim: number };

function along(op: string, input: Tensor, dimArg: DimArg): [number, number, number] {
  checkTensor(input, op, "input");
  const dim = typeof dimArg === "number" ? dimArg : dimArg?.dim;
  check(
    typeof dim === "number",
    op,
    () =>
      `needs the dim to normalise over, e.g. ${op}(x, 1) for the classes of an (N, C) batch of scores (input shape ${fmtShape(input.shape)})`,
  );
  check(
    input.dtype === "float32",
    op,
    () => `expects a float tensor, got ${input.dtype}; call .float() first`,
  );
  const d = normDim(dim, input.ndim, op);
  if (input.ndim === 0) return [1, 1, 1];
  return [numelOf(input.shape.slice(0, d)), input.shape[d], numelOf(input.shape.slice(d + 1))];
}

/** exp(x) / sum(exp(x)) along `dim`: each slice along dim becomes a probability distribution. */
export function softmax(input: Tensor, dim: DimArg): Tensor {
  const [outer, D, inner] = along("softmax", input, dim);
  const out = new Float32Array(input.numel); // (outer, D, inner)
  softmaxForward(out, input.storage, outer, D, inner);
  const y = fromOp("softmax", out, input.shape, [input], ["output"], (dout) => {
    const dinp = new Float32Array(input.numel); // (outer, D, inner)
    softmaxBackward(dinp, dout, out, outer, D, inner);
    return [dinp];
  });
  return withArgs(y, { dim: typeof dim === "number" ? dim : dim.dim });
}

/** log(softmax(x)) along `dim`, computed as x - logsumexp(x) (stable for large scores). */
export function logSoftmax(input: Tensor, dim: DimArg): Tensor {
  const [outer, D, inner] = along("logSoftmax", input, dim);
  const out = new Float32Array(input.numel); // (outer, D, inner)
  logSoftmaxForward(out, input.storage, outer, D, inner);
  const y = fromOp("logSoftmax", out, input.shape, [input], ["output"], (dout) => {
    const dinp = new Float32Array(input.numel); // (outer, D, inner)
    logSoftmaxBackward(dinp, dout, out, outer, D, inner);
    return [dinp];
  });
  return withArgs(y, { dim: typeof dim === "number" ? dim : dim.dim });
}
