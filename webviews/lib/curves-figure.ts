// Training curves -> a plotly figure (data + layout), pure so Node tests can check it: one plot per
// metric stacked on a shared x axis, the same colour and legend group for a split across plots
// (train solid, validation dashed), accuracy on [0, 1], log scale on the other plots when asked.
// Epochs (or any whole-number x) get whole-number ticks; the legend sits in the bottom margin, clear
// of plotly's toolbar (top right); a per-batch series ("train, per batch (smoothed)") is drawn thin.

import type { CurvesPayload } from "../../kernel/display/payloads-viz";

export interface CurvesTheme {
  foreground: string;
  muted: string;
  grid: string;
  font: string;
  /** Colours given to splits in order of first appearance. */
  palette: string[];
}

export interface PlotTrace {
  type: "scatter";
  mode: "lines" | "lines+markers";
  name: string;
  legendgroup: string;
  showlegend: boolean;
  x: number[];
  y: (number | null)[];
  xaxis: string;
  yaxis: string;
  line: { color: string; width: number; dash: "solid" | "dash" | "dot" };
  opacity: number;
  hovertemplate: string;
  cliponaxis: boolean;
}

export interface PlotFigure {
  data: PlotTrace[];
  layout: Record<string, unknown>;
  metrics: string[];
}

export const isAccuracy = (metric: string) => /^(acc|accuracy)$|accuracy|_acc$/i.test(metric);

/** A finer-grained companion of a split (fit's "train, per batch (smoothed)"): drawn thin and light. */
export const isPerBatch = (split: string) => /per batch/i.test(split);
/** The split a companion belongs to ("train, per batch (smoothed)" -> "train"): it shares its colour. */
const baseSplit = (split: string) => split.replace(/,\s*per batch.*$/i, "");

/**
 * Whole-number ticks when x counts epochs or every x is a whole number: plotly's automatic ticks
 * would put a 2-epoch curve at 1.2, 1.4, ... Steps of 1, 2, 5, 10, 20, ... about 8 ticks.
 */
export function integerTicks(xLabel: string | undefined, xs: number[]): Record<string, unknown> {
  const finite = xs.filter(Number.isFinite);
  if (finite.length === 0) return {};
  if (!/epoch/i.test(xLabel ?? "") && !finite.every(Number.isInteger)) return {};
  const span =
    finite.reduce((m, v) => Math.max(m, v), -Infinity) - finite.reduce((m, v) => Math.min(m, v), Infinity);
  const steps = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7].flatMap((k) => [k, 2 * k, 5 * k]);
  const dtick = steps.find((d) => span / d <= 8) ?? 1e8;
  return { tickmode: "linear", tick0: 0, dtick, tickformat: "d" };
}

const DASH: Record<string, "solid" | "dash" | "dot"> = {
  train: "solid",
  validation: "dash",
  val: "dash",
  test: "dot",
};

export function validateCurves(p: CurvesPayload): void {
  if (!Array.isArray(p.series)) throw new Error("curves: `series` must be a list");
  for (const s of p.series) {
    if (typeof s.metric !== "string" || typeof s.split !== "string") {
      throw new Error("curves: every series needs a `metric` and a `split` name");
    }
    if (!Array.isArray(s.x) || !Array.isArray(s.y) || s.x.length !== s.y.length) {
      throw new Error(`curves: series ${s.split} ${s.metric} needs x and y lists of the same length`);
    }
  }
}

export function curvesFigure(p: CurvesPayload, theme: CurvesTheme, logY: boolean): PlotFigure {
  validateCurves(p);
  const metrics: string[] = [];
  const splits: string[] = [];
  for (const s of p.series) {
    if (!metrics.includes(s.metric)) metrics.push(s.metric);
    if (!splits.includes(baseSplit(s.split))) splits.push(baseSplit(s.split));
  }
  const rows = Math.max(1, metrics.length);
  const gap = rows > 1 ? 0.08 : 0;
  const height = (1 - gap * (rows - 1)) / rows;
  const layout: Record<string, unknown> = {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: theme.foreground, family: theme.font, size: 12 },
    // The legend goes below the x axis (container coordinates): the toolbar covers the top right.
    margin: { l: 56, r: 16, t: p.title ? 36 : 28, b: 72 },
    height: 152 + 200 * rows,
    showlegend: true,
    legend: { orientation: "h", x: 0, xanchor: "left", y: 0, yanchor: "bottom", yref: "container" },
    hovermode: "x unified",
    uirevision: "keep", // keeps the user's zoom and hidden traces across Plotly.react updates
  };
  if (p.title) layout.title = { text: p.title, x: 0, xanchor: "left", font: { size: 14 } };
  const ticks = integerTicks(
    p.xLabel,
    p.series.flatMap((s) => s.x),
  );
  metrics.forEach((metric, r) => {
    const suffix = r === 0 ? "" : String(r + 1);
    const top = 1 - r * (height + gap);
    const acc = isAccuracy(metric);
    layout[`yaxis${suffix}`] = {
      title: { text: metric },
      domain: [Math.max(0, top - height), top],
      type: !acc && logY ? "log" : "linear",
      range: acc ? [0, 1] : undefined,
      autorange: !acc,
      tickformat: acc ? ".0%" : undefined,
      gridcolor: theme.grid,
      zerolinecolor: theme.grid,
      linecolor: theme.muted,
      anchor: `x${suffix}`,
    };
    layout[`xaxis${suffix}`] = {
      title: r === rows - 1 ? { text: p.xLabel } : undefined,
      anchor: `y${suffix}`,
      matches: r === 0 ? undefined : "x",
      showticklabels: r === rows - 1,
      ...ticks,
      gridcolor: theme.grid,
      zerolinecolor: theme.grid,
      linecolor: theme.muted,
    };
  });
  const data: PlotTrace[] = p.series.map((s) => {
    const r = metrics.indexOf(s.metric);
    const suffix = r === 0 ? "" : String(r + 1);
    const colour = theme.palette[splits.indexOf(baseSplit(s.split)) % theme.palette.length];
    const firstOfSplit = p.series.find((o) => o.split === s.split) === s;
    const fine = isPerBatch(s.split);
    return {
      type: "scatter",
      mode: s.x.length < 30 && !fine ? "lines+markers" : "lines",
      name: s.split,
      legendgroup: s.split,
      showlegend: firstOfSplit,
      x: s.x,
      y: s.y,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      line: { color: colour, width: fine ? 1.25 : 2, dash: DASH[s.split] ?? "solid" },
      opacity: fine ? 0.75 : 1,
      hovertemplate: `${s.split} ${s.metric}: %{y:.4g}<extra></extra>`,
      cliponaxis: false, // markers at accuracy 1.0 stay whole
    };
  });
  return { data, layout, metrics };
}
