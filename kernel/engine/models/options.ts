// Option checks shared by the model builders, so every model rejects a bad option the same way.

import { check } from "../errors";

/** Checks that `value` (option `name` of model `op`) is a positive integer. */
export function positiveInt(op: string, name: string, value: number): number {
  check(Number.isInteger(value) && value > 0, op, () => `${name} must be a positive integer, got ${value}`);
  return value;
}

/** Checks an input size is big enough for the model: at least `min` pixels. */
export function inputAtLeast(op: string, inputSize: number, min: number): number {
  positiveInt(op, "inputSize", inputSize);
  check(
    inputSize >= min,
    op,
    () => `inputSize ${inputSize} is too small: the feature maps would vanish; use at least ${min}`,
  );
  return inputSize;
}
