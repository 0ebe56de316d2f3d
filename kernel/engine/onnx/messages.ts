// Small helpers for error messages shared by the onnx files.

/** "null", "an array", "a number"... for "expected a Tensor, got ..." messages. */
export function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return /^[aeiou]/.test(typeof v) ? `an ${typeof v}` : `a ${typeof v}`;
}
