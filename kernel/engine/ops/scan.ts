// Running totals along one dim (PyTorch 1.13): cumsum. The gradient of each entry is the sum of the
// upstream gradient over every later position (a reversed cumsum).

import { gradBufferUninit } from "../autograd/grad-buffers";
import { fromOp } from "../autograd/record";
import { cumsumAlong } from "../backends/ref/scan";
import { emptyStorage } from "../backends/registry";
import { check } from "../errors";
import { normDim, numelOf } from "../tensor/shape";
import type { DType, Tensor } from "../tensor/tensor";
import { namedArgs } from "./arguments";
import { checkTensor } from "./tensor-args";

export interface CumsumOptions {
  /** The dim to sum along (required: positionally or here). */
  dim?: number;
  /** The output's dtype; default the input's (int64 for a bool input), as in PyTorch. */
  dtype?: DType | null;
}

/**
 * out[..., i, ...] = input[..., 0, ...] + ... + input[..., i, ...] along `dim`:
 * `torch.cumsum(x, 1)`, `x.cumsum(0)`, `x.cumsum({ dim: 0, dtype: "float32" })`.
 */
export function cumsum(input: Tensor, ...args: (number | CumsumOptions | undefined)[]): Tensor {
  const op = "cumsum";
  checkTensor(input, op, "input");
  const o = namedArgs<CumsumOptions>(op, ["dim"], args);
  check(o.dim !== undefined, op, "needs the dim to sum along, e.g. cumsum(x, 0) or x.cumsum(-1)");
  const dtype = o.dtype ?? (input.dtype === "bool" ? "int64" : input.dtype);
  check(
    dtype === "float32" || dtype === "int64",
    op,
    () => `dtype must be 'float32' or 'int64', got ${JSON.stringify(o.dtype)}`,
  );
  const d = normDim(o.dim as number, input.ndim, op);
  const shape = input.ndim === 0 ? [1] : input.shape;
  const outer = numelOf(shape.slice(0, d));
  const R = shape[d];
  const inner = numelOf(shape.slice(d + 1));
  let x = input.storage;
  if (dtype === "int64" && input.dtype === "float32") x = x.map(Math.trunc);
  const out = emptyStorage(input.numel); // (outer, R, inner)
  cumsumAlong(out, x, outer, R, inner);
  return fromOp(
    op,
    out,
    input.shape,
    [dtype === "float32" ? input : null], // an int64 result carries no gradient
    [],
    (dout) => {
      const dx = gradBufferUninit(input.numel); // (outer, R, inner)
      cumsumAlong(dx, dout, outer, R, inner, true);
      return [dx];
    },
    dtype,
  );
}
