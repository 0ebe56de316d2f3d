// `viz.confusionMatrix(pred, target, labels)`: counts of (true class, predicted class) pairs, shown
// by the confusion-matrix renderer, with an HTML table (per-class accuracy) and a text table.

import { type ConfusionMatrixPayload, VIZ_MIME } from "../display/payloads-viz";
import { classIndices } from "./class-indices";
import { VizFigure } from "./figure";
import { escapeHtml } from "./html";

export class ConfusionMatrixFigure extends VizFigure<ConfusionMatrixPayload> {
  /** matrix[t][p]: samples of true class t predicted as p. */
  get matrix(): number[][] {
    return this.payload.matrix;
  }
  /** Fraction of samples on the diagonal. */
  get accuracy(): number {
    const m = this.payload.matrix;
    const total = m.flat().reduce((a, b) => a + b, 0);
    return total === 0 ? 0 : m.reduce((a, r, i) => a + r[i], 0) / total;
  }
  /** Per true class: the fraction predicted right (NaN for a class with no samples). */
  get perClassAccuracy(): number[] {
    return this.payload.matrix.map((r, i) => r[i] / r.reduce((a, b) => a + b, 0));
  }
}

/**
 * `pred`: logits (N, K) or class indices (N); `target`: class indices (N). `labels`: class names,
 * or the number of classes (default: enough for every index seen).
 */
export function confusionMatrix(
  pred: unknown,
  target: unknown,
  labels?: readonly string[] | number,
  { title }: { title?: string } = {},
): ConfusionMatrixFigure {
  const p = classIndices(pred, "viz.confusionMatrix", "pred");
  const t = classIndices(target, "viz.confusionMatrix", "target");
  if (p.length !== t.length)
    throw new Error(
      `viz.confusionMatrix: pred has ${p.length} samples but target has ${t.length}; pass the same samples`,
    );
  // NOTE: a loop, not Math.max(...p): spreading a segmentation's per-pixel classes (100k and more)
  // overflows the call stack.
  let seen = 0;
  for (const list of [p, t]) for (const c of list) if (c >= seen) seen = c + 1;
  const K = typeof labels === "number" ? labels : labels ? labels.length : seen;
  if (seen > K)
    throw new Error(
      `viz.confusionMatrix: class index ${seen - 1} is out of range for ${K} classes; pass all class names`,
    );
  const names = Array.isArray(labels) ? [...labels] : Array.from({ length: K }, (_, i) => String(i));
  const matrix = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < p.length; i++) matrix[t[i]][p[i]]++;
  const payload: ConfusionMatrixPayload = {
    version: 1,
    ...(title ? { title } : {}),
    classNames: names,
    matrix,
  };
  const correct = matrix.reduce((a, r, i) => a + r[i], 0);
  const head = `${title ? `${title}: ` : ""}confusion matrix, ${p.length} samples, accuracy ${((100 * correct) / Math.max(1, p.length)).toFixed(1)}%`;
  const width = Math.max(4, ...names.map((n) => n.length), ...matrix.flat().map((v) => String(v).length));
  const text = [
    head,
    `${"true \\ pred".padEnd(width)} ${names.map((n) => n.padStart(width)).join(" ")}`,
    ...matrix.map((r, i) => `${names[i].padEnd(width)} ${r.map((v) => String(v).padStart(width)).join(" ")}`),
  ].join("\n");
  const html = `<table border="1" style="border-collapse:collapse;text-align:right" cellpadding="3"><caption>${escapeHtml(head)}</caption><tr><th>true \\ pred</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join("")}<th>accuracy</th></tr>${matrix
    .map((r, i) => {
      const n = r.reduce((a, b) => a + b, 0);
      const cells = r.map((v, j) => `<td${i === j ? ' style="font-weight:bold"' : ""}>${v}</td>`).join("");
      return `<tr><th>${escapeHtml(names[i])}</th>${cells}<td>${n ? `${((100 * r[i]) / n).toFixed(1)}%` : "–"}</td></tr>`;
    })
    .join("")}</table>`;
  return new ConfusionMatrixFigure(
    payload,
    () => ({ [VIZ_MIME.confusionMatrix]: payload, "text/html": html, "text/plain": text }),
    text,
  );
}
