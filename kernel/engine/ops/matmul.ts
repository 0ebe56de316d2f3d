// Matrix products: `matmul` with PyTorch's rules for 1-D operands and broadcast batch dims, built
// on one primitive (a batched GEMM); and `linear`, a fused primitive y = x W^T + b.

import { gradBuffer, gradBufferUninit } from "../autograd/grad-buffers";
import { fromOp, needsGrad } from "../autograd/record";
import { linearBackward, linearForward, matmul as matmulKernel } from "../backends/ref/matmul";
import { emptyStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { broadcastShapes, numelOf } from "../tensor/shape";
import type { Tensor } from "../tensor/tensor";
import { expand, reshape, squeeze, unsqueeze } from "./shape";
import { checkOptionalTensor, checkTensor } from "./tensor-args";

/** (B, M, K) @ (B, K, N) -> (B, M, N) */
function bmm(a: Tensor, b: Tensor): Tensor {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out = emptyStorage(B * M * N);
  matmulKernel(out, a.storage, b.storage, B, M, K, N);
  return fromOp("matmul", out, [B, M, N], [a, b], [a, b], (dout) => {
    let da: Float32Array | null = null;
    let db: Float32Array | null = null;
    if (needsGrad(a)) {
      da = new Float32Array(a.numel); // dA (M, K) = dout (M, N) @ B^T
      matmulKernel(da, dout, b.storage, B, M, N, K, false, true);
    }
    if (needsGrad(b)) {
      db = new Float32Array(b.numel); // dB (K, N) = A^T @ dout (M, N)
      matmulKernel(db, a.storage, dout, B, K, M, N, true, false);
    }
    return [da, db];
  });
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "matmul", "input");
  checkTensor(b, "matmul", "other");
  check(
    a.ndim >= 1 && b.ndim >= 1,
    "matmul",
    () => `both arguments need at least 1 dim, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
  );
  const aVec = a.ndim === 1;
  const bVec = b.ndim === 1;
  const a2 = aVec ? unsqueeze(a, 0) : a;
  const b2 = bVec ? unsqueeze(b, -1) : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  check(
    K === K2,
    "matmul",
    () =>
      `shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied: ${K} columns of the first vs ${K2} rows of the second`,
  );
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), "matmul");
  const B = numelOf(batch);
  const a3 = reshape(expand(a2, [...batch, M, K]), [B, M, K]);
  const b3 = reshape(expand(b2, [...batch, K, N]), [B, K, N]);
  let out = reshape(bmm(a3, b3), [...batch, M, N]);
  if (aVec) out = squeeze(out, -2);
  if (bVec) out = squeeze(out, -1);
  return out;
}

/** y = x W^T + b for x (..., in), W (out, in), b (out). */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(input, "linear", "input");
  checkTensor(weight, "linear", "weight");
  checkOptionalTensor(bias, "linear", "bias");
  check(
    weight.ndim === 2,
    "linear",
    () => `weight must be 2-D (outFeatures, inFeatures), got shape ${fmtShape(weight.shape)}`,
  );
  const [OC, IC] = weight.shape;
  check(
    input.ndim >= 1 && input.shape[input.ndim - 1] === IC,
    "linear",
    () =>
      `input's last dim must be inFeatures = ${IC}, got shape ${fmtShape(input.shape)}` +
      (input.ndim >= 3 ? "; flatten it first (x.flatten(1) or nn.Flatten())" : ""),
  );
  check(
    bias == null || (bias.ndim === 1 && bias.shape[0] === OC),
    "linear",
    () => `bias must have shape [${OC}], got ${fmtShape(bias!.shape)}`,
  );
  const B = input.numel / IC;
  const outShape = [...input.shape.slice(0, -1), OC];
  const out = emptyStorage(B * OC);
  const b = bias ?? null;
  linearForward(out, input.storage, weight.storage, b?.storage ?? null, B, IC, OC);
  return fromOp("linear", out, outShape, [input, weight, b], [input, weight], (dout) => {
    const dinp = needsGrad(input) ? gradBufferUninit(input.numel) : null; // overwritten
    const dweight = needsGrad(weight) ? gradBuffer(weight.numel) : null;
    const dbias = needsGrad(b) ? gradBuffer(OC) : null;
    linearBackward(dinp, dweight, dbias, dout, input.storage, weight.storage, B, IC, OC);
    return [dinp, dweight, dbias];
  });
}
