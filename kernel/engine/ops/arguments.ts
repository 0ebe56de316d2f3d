// PyTorch-shaped argument lists: an op's optional arguments may come positionally, in PyTorch's
// order, or as a trailing options object of the same names (Python's keyword arguments):
// `x.sort(0, true)`, `x.sort({ dim: 0, descending: true })`, `x.sort(0, { stable: true })`.

import { check } from "../errors";

/** Whether `v` is an options object (not an array, a tensor or another class instance). */
function isOptions(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * The arguments after an op's required ones as one object: positional values named by `names`
 * in order, then the entries of a trailing options object. Undefined positional values are skipped;
 * a name given both ways is an error, and so is an option not in `known` when the op lists every
 * option it takes there (the positional names and any keyword-only ones).
 */
export function namedArgs<T extends object>(
  op: string,
  names: readonly (keyof T & string)[],
  args: readonly unknown[],
  known?: readonly (keyof T & string)[],
): Partial<T> {
  const o: Record<string, unknown> = {};
  // Trailing undefined values are arguments not given (`f(x, w, { eps })` through `f(input, weight, bias, eps)`).
  let positional = args.length;
  while (positional > 0 && args[positional - 1] === undefined) positional--;
  const last = args[positional - 1];
  if (isOptions(last)) {
    positional--;
    for (const [k, v] of Object.entries(last)) {
      check(
        known === undefined || (known as readonly string[]).includes(k),
        op,
        () => `unknown option '${k}'; the options after the required arguments are ${known!.join(", ")}`,
      );
      if (v !== undefined) o[k] = v;
    }
  }
  check(
    positional <= names.length,
    op,
    () => `takes at most ${names.length} optional arguments (${names.join(", ")}), got ${positional}`,
  );
  for (let i = 0; i < positional; i++) {
    if (args[i] === undefined) continue;
    check(
      !(names[i] in o),
      op,
      () => `${names[i]} was given both positionally and in the options object; give it once`,
    );
    o[names[i]] = args[i];
  }
  return o as Partial<T>;
}
