// Number, shape and size formatting shared by the renderers: exact integers with thousands
// separators, compact counts (1.2M), bytes (KiB, MiB), and values with four significant digits.

/** 61706 -> "61,706" */
export function formatInt(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** 1234567 -> "1.23M"; below 1000 exact. */
export function formatCompact(n: number): string {
  const a = Math.abs(n);
  if (a < 1e3) return String(Math.round(n));
  const units: [number, string][] = [
    [1e12, "T"],
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ];
  for (const [size, unit] of units) if (a >= size) return `${Number((n / size).toPrecision(3))}${unit}`;
  return String(n);
}

/** 4096 -> "4 KiB", 1536000 -> "1.46 MiB" */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : Number(v.toPrecision(3))} ${units[u]}`;
}

/** [1, 6, 28, 28] -> "[1, 6, 28, 28]" (PyTorch's torch.Size reads the same). */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** Integers exactly ("-30"), other values with 4 significant digits ("0.1235", "1.235e-5"), NaN/inf by name. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3).replace(/\.?0+e/, "e");
  return String(Number(v.toPrecision(4)));
}

/** 0.9134 -> "91.3%" */
export function formatPercent(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : "–";
}
