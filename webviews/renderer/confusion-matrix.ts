// Confusion matrix: a table heatmap of counts (rows = true class, columns = predicted), each cell
// shaded by its share of the row, the per-class accuracy column and the overall accuracy.

import type { ConfusionMatrixPayload } from "../../kernel/display/payloads-viz";
import { confusionStats } from "../lib/confusion";
import { formatInt, formatPercent } from "../lib/format";
import { el } from "./dom";
import type { View, ViewHost } from "./view";

export function confusionMatrixView(payload: unknown, host: ViewHost): View {
  const p = payload as ConfusionMatrixPayload;
  if (p === null || typeof p !== "object") throw new Error("confusion matrix: payload is not an object");
  if (p.version !== 1)
    throw new Error(
      `confusion matrix: unsupported version ${JSON.stringify(p.version)} (this renderer reads 1)`,
    );
  const s = confusionStats(p);
  const names = p.classNames;
  const head = el(
    "tr",
    {},
    el("th", { scope: "col", class: "rcp-muted" }, "true \\ predicted"),
    ...names.map((n) => el("th", { scope: "col" }, n)),
    el("th", { scope: "col" }, "accuracy"),
  );
  const body = p.matrix.map((row, t) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, names[t]),
      ...row.map((count, q) => {
        const share = s.share[t][q];
        // Diagonal cells in the theme's blue, mistakes in red; alpha = share of the row.
        const hue = t === q ? "var(--vscode-charts-blue, #1a85ff)" : "var(--vscode-charts-red, #e51400)";
        const td = el(
          "td",
          {
            title: `true ${names[t]}, predicted ${names[q]}: ${formatInt(count)} (${formatPercent(share)} of ${names[t]})`,
            "data-share": share.toFixed(4),
          },
          formatInt(count),
        );
        td.style.background = `color-mix(in srgb, ${hue} ${Math.round(share * 85)}%, transparent)`;
        if (share > 0.55) td.style.color = "#fff";
        return td;
      }),
      el(
        "td",
        { class: "rcp-class-accuracy" },
        s.perClass[t] === null ? "–" : formatPercent(s.perClass[t] as number),
      ),
    ),
  );
  const root = el(
    "div",
    { class: "rcp rcp-confusion" },
    el(
      "table",
      { tabindex: 0, "aria-label": p.title ?? "confusion matrix" },
      el("caption", { class: "rcp-title", style: "text-align:left" }, p.title ?? "Confusion matrix"),
      el("thead", {}, head),
      el("tbody", {}, ...body),
    ),
    el(
      "div",
      { class: "rcp-overall" },
      `Accuracy ${formatPercent(s.total > 0 ? s.correct / s.total : Number.NaN)} (${formatInt(s.correct)} of ${formatInt(s.total)})`,
    ),
  );
  host.element.append(root);
  return { dispose: () => root.remove() };
}
