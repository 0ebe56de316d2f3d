// Python source helpers for the PyTorch writer: literals, and PyTorch's names for our state.

/** A JS value as a Python literal: numbers (inf, nan), booleans, null, strings, arrays as tuples. */
export function py(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return 'float("nan")';
    if (!Number.isFinite(v)) return v > 0 ? 'float("inf")' : 'float("-inf")';
    return String(v);
  }
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(", ")})`;
  throw new Error(`no Python literal for ${typeof v}`);
}

/** Keyword arguments, leaving out those equal to PyTorch's defaults. */
export function kwargs(named: [string, unknown, unknown][]): string[] {
  return named.filter(([, v, d]) => JSON.stringify(v) !== JSON.stringify(d)).map(([k, v]) => `${k}=${py(v)}`);
}

/** PyTorch's name for a parameter or buffer (`runningMean` -> `running_mean`), as `save` writes it. */
export const snake = (s: string): string =>
  s.replace(/([a-z0-9])([A-Z])/g, (_, a: string, b: string) => `${a}_${b.toLowerCase()}`);

export const isIdentifier = (s: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
