// Confusion-matrix arithmetic: per-class accuracy (recall: the diagonal over the row), overall
// accuracy, and each cell's share of its row, which sets its colour. Pure, for the renderer and tests.

import type { ConfusionMatrixPayload } from "../../kernel/display/payloads-viz";

export interface ConfusionStats {
  rowTotals: number[];
  /** diagonal / row total, null for a class with no samples */
  perClass: (number | null)[];
  correct: number;
  total: number;
  /** share[t][p] = matrix[t][p] / rowTotals[t] (0 for empty rows) */
  share: number[][];
}

export function confusionStats(p: ConfusionMatrixPayload): ConfusionStats {
  const n = p.classNames?.length;
  if (!Array.isArray(p.classNames) || !Array.isArray(p.matrix) || p.matrix.length !== n) {
    throw new Error(
      `confusion matrix: needs ${n ?? "?"} class names and as many rows, got ${p.matrix?.length} rows`,
    );
  }
  for (const row of p.matrix) {
    if (!Array.isArray(row) || row.length !== n || row.some((v) => typeof v !== "number" || v < 0)) {
      throw new Error(`confusion matrix: every row must hold ${n} non-negative counts`);
    }
  }
  const rowTotals = p.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const perClass = p.matrix.map((row, t) => (rowTotals[t] > 0 ? row[t] / rowTotals[t] : null));
  const correct = p.matrix.reduce((a, row, t) => a + row[t], 0);
  const total = rowTotals.reduce((a, b) => a + b, 0);
  const share = p.matrix.map((row, t) => row.map((v) => (rowTotals[t] > 0 ? v / rowTotals[t] : 0)));
  return { rowTotals, perClass, correct, total, share };
}
