// `viz.curves(series)`: training curves as one figure. Takes the payload's series, a fit()
// history ({loss, accuracy, valLoss, valAccuracy, ...}: "val"/"test" prefixes name the split) or a
// record of metric -> numbers.

import { type CurveSeries, type CurvesPayload, VIZ_MIME } from "../display/payloads-viz";
import { curvesPng } from "./curves-png";
import { curvesHtml, curvesText } from "./curves-svg";
import { VizFigure } from "./figure";

export interface CurvesOptions {
  title?: string;
  /** What x counts (default "epoch"). */
  xLabel?: string;
  logY?: boolean;
}

export type SeriesInput = Partial<CurveSeries>[] | Record<string, readonly (number | null)[] | undefined>;

/** "valLoss" -> ["loss", "validation"], "testAccuracy" -> ["accuracy", "test"], "loss" -> ["loss", "train"]. */
export function splitOfKey(key: string): [metric: string, split: string] {
  const m = /^(val|validation|test|train)([A-Z_].*)$/.exec(key);
  if (m === null) return [key, "train"];
  const rest = m[2].replace(/^_/, "");
  const metric = rest.charAt(0).toLowerCase() + rest.slice(1);
  return [metric, m[1] === "val" || m[1] === "validation" ? "validation" : m[1]];
}

const clean = (v: number | null | undefined) => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function toSeries(input: SeriesInput): CurveSeries[] {
  if (Array.isArray(input)) {
    return input.map((s, i) => {
      if (s === null || typeof s !== "object" || !Array.isArray(s.y))
        throw new TypeError(
          `viz.curves: series ${i} needs y values, e.g. { metric: "loss", split: "train", y: [0.9, 0.5] }; got ${JSON.stringify(s)}`,
        );
      const y = s.y.map(clean);
      const x = s.x ?? y.map((_, k) => k + 1);
      if (x.length !== y.length)
        throw new Error(
          `viz.curves: series ${i} (${s.metric}) has ${x.length} x values for ${y.length} y values`,
        );
      return { metric: s.metric ?? "value", split: s.split ?? "train", x: [...x], y };
    });
  }
  if (input === null || typeof input !== "object")
    throw new TypeError(
      `viz.curves: expected a list of series or a history such as { loss: [...], valLoss: [...] }, got ${typeof input}`,
    );
  const out: CurveSeries[] = [];
  for (const [key, values] of Object.entries(input)) {
    if (
      !Array.isArray(values) ||
      values.length === 0 ||
      !values.every((v) => v === null || typeof v === "number")
    )
      continue;
    const [metric, split] = splitOfKey(key);
    out.push({ metric, split, x: values.map((_, k) => k + 1), y: values.map(clean) });
  }
  return out;
}

export function curvesPayload(
  series: CurveSeries[],
  { title, xLabel = "epoch", logY }: CurvesOptions = {},
): CurvesPayload {
  return { version: 1, ...(title ? { title } : {}), xLabel, series, ...(logY ? { logY } : {}) };
}

/** The payload, a PNG (for front ends that strip SVG from untrusted notebooks), the SVG in HTML, text. */
export function curvesBundle(p: CurvesPayload): Record<string, unknown> {
  return {
    [VIZ_MIME.curves]: p,
    "image/png": curvesPng(p).toString("base64"),
    "text/html": curvesHtml(p),
    "text/plain": curvesText(p),
  };
}

/**
 * Training curves, e.g. `viz.curves(history)` after fit(), or
 * `viz.curves([{ metric: "loss", split: "train", y: losses }])`.
 */
export function curves(series: SeriesInput, options: CurvesOptions = {}): VizFigure<CurvesPayload> {
  const p = curvesPayload(toSeries(series), options);
  if (p.series.length === 0)
    throw new Error("viz.curves: no series with values; pass e.g. { loss: [0.9, 0.6, 0.4] }");
  return new VizFigure(p, () => curvesBundle(p), curvesText(p).split("\n")[0]);
}
