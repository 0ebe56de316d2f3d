// Layer arguments that are "an int or a tuple": `kernelSize: 3` or `kernelSize: [3, 5]`.

import { check } from "../errors";

export type IntOrPair = number | readonly [number, number] | readonly number[];

/** Expands a number to `n` copies; checks an array has length n. */
export function ntuple(op: string, name: string, v: number | readonly number[], n: number): number[] {
  if (typeof v === "number") return Array(n).fill(v);
  check(
    Array.isArray(v) && v.length === n,
    op,
    () => `${name} must be a number or ${n} numbers, got ${JSON.stringify(v)}`,
  );
  return [...v];
}
