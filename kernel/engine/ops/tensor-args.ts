// The one check every op entry point runs on its tensor arguments, so that passing nested arrays,
// a typed array or nothing where a Tensor belongs reads
// `conv2d: input must be a Tensor, got an Array (number[][]). Fix: wrap it with tensor(...)`
// instead of "Cannot read properties of undefined" from deep inside the op.

import { ReceptiveError } from "../errors";
import { Tensor } from "../tensor/tensor";

/** Throws unless `value` is a Tensor; `name` is the parameter as the op's docs call it. */
export function checkTensor(value: unknown, op: string, name: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw notATensor(value, op, name, "a Tensor");
}

/** As checkTensor, but null and undefined (an absent optional tensor, e.g. a bias) pass. */
export function checkOptionalTensor(
  value: unknown,
  op: string,
  name: string,
): asserts value is Tensor | null | undefined {
  if (value != null && !(value instanceof Tensor)) throw notATensor(value, op, name, "a Tensor or null");
}

/** Checks each element of a list of tensors (cat, stack). */
export function checkTensorList(
  value: unknown,
  op: string,
  name: string,
): asserts value is readonly Tensor[] {
  if (!Array.isArray(value)) throw notATensor(value, op, name, "an array of Tensors");
  value.forEach((t, i) => {
    checkTensor(t, op, `${name}[${i}]`);
  });
}

/** The error for a value that should have been a Tensor (`expected` e.g. "a Tensor or a number"). */
export function notATensor(value: unknown, op: string, name: string, expected: string): ReceptiveError {
  return new ReceptiveError(op, `${name} must be ${expected}, got ${describe(value)}. Fix: ${fix(value)}`);
}

/** "an Array (number[][])", "a Float32Array of 6 values", "undefined", "the string \"x\"". */
function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty Array" : `an Array (${arrayType(value)})`;
  if (ArrayBuffer.isView(value)) {
    const n = (value as unknown as ArrayLike<number>).length;
    return `a ${value.constructor.name} of ${n} values`;
  }
  if (typeof value === "string")
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `the ${typeof value} ${value}`;
  if (typeof value === "function") return "a function";
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== "Object" ? `a ${ctor}` : "an object";
}

/** `number[][]` for nested arrays of numbers: the element type of the first leaf and the depth. */
function arrayType(value: unknown[]): string {
  let depth = 0;
  let v: unknown = value;
  while (Array.isArray(v) && v.length > 0) {
    depth++;
    v = v[0];
  }
  const leaf = Array.isArray(v) ? "never" : v instanceof Tensor ? "Tensor" : v === null ? "null" : typeof v;
  return leaf + "[]".repeat(Math.max(depth, 1));
}

function fix(value: unknown): string {
  if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Tensor))
    return "pass one Tensor; join a list of them with stack(...) or cat(...) first";
  if (Array.isArray(value) || typeof value === "number" || typeof value === "boolean")
    return "wrap it with tensor(...)";
  if (ArrayBuffer.isView(value)) return "wrap it with tensor(values, { shape: [...] })";
  if (value == null) return "pass a Tensor (is an argument missing, or a variable not yet assigned?)";
  return "pass a Tensor";
}
