// Training curves -> a plotly figure (data + layout), pure so Node tests can check it: one plot per
// metric stacked on a shared x axis, the same colour and legend group for a split across plots
// (train solid, validation dashed), accuracy on [0, 1], log scale on the other plots when asked.

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
  hovertemplate: string;
  cliponaxis: boolean;
}

export interface PlotFigure {
  data: PlotTrace[];
  layout: Record<string, unknown>;
  metrics: string[];
}

export const isAccuracy = (metric: string) => /^(acc|accuracy)$|accuracy|_acc$/i.test(metric);

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
    if (!splits.includes(s.split)) splits.push(s.split);
  }
  const rows = Math.max(1, metrics.length);
  const gap = rows > 1 ? 0.08 : 0;
  const height = (1 - gap * (rows - 1)) / rows;
  const layout: Record<string, unknown> = {
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { color: theme.foreground, family: theme.font, size: 12 },
    margin: { l: 56, r: 16, t: p.title ? 36 : 12, b: 40 },
    height: 120 + 200 * rows,
    showlegend: true,
    legend: { orientation: "h", x: 1, xanchor: "right", y: 1.02, yanchor: "bottom" },
    hovermode: "x unified",
    uirevision: "keep", // keeps the user's zoom and hidden traces across Plotly.react updates
  };
  if (p.title) layout.title = { text: p.title, x: 0, xanchor: "left", font: { size: 14 } };
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
      gridcolor: theme.grid,
      zerolinecolor: theme.grid,
      linecolor: theme.muted,
    };
  });
  const data: PlotTrace[] = p.series.map((s) => {
    const r = metrics.indexOf(s.metric);
    const suffix = r === 0 ? "" : String(r + 1);
    const colour = theme.palette[splits.indexOf(s.split) % theme.palette.length];
    const firstOfSplit = p.series.find((o) => o.split === s.split) === s;
    return {
      type: "scatter",
      mode: s.x.length < 30 ? "lines+markers" : "lines",
      name: s.split,
      legendgroup: s.split,
      showlegend: firstOfSplit,
      x: s.x,
      y: s.y,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      line: { color: colour, width: 2, dash: DASH[s.split] ?? "solid" },
      hovertemplate: `${s.split} ${s.metric}: %{y:.4g}<extra></extra>`,
      cliponaxis: false, // markers at accuracy 1.0 stay whole
    };
  });
  return { data, layout, metrics };
}
