// Class indices from what users have at hand: logits (N, K) (argmax over classes), a tensor of
// indices (N) or a plain number list.

import { Tensor } from "../engine/tensor/tensor";

export function classIndices(x: unknown, fn: string, what: string): number[] {
  if (x instanceof Tensor) {
    if (x.ndim === 2) return Array.from(x.argmax(1).contiguous().storage.subarray(0, x.shape[0]));
    if (x.ndim === 1) return Array.from(x.contiguous().storage.subarray(0, x.shape[0]));
    throw new Error(
      `${fn}: ${what} must be class indices (N) or logits (N, K), got shape [${x.shape.join(", ")}]`,
    );
  }
  if (Array.isArray(x) && x.every((v) => Number.isInteger(v) && v >= 0)) return [...x];
  throw new TypeError(
    `${fn}: ${what} must be a tensor of class indices (N), logits (N, K) or a list of non-negative integers`,
  );
}
