// `viz.liveCurves({title})`: curves that grow while a model trains. `.push({epoch, loss,
// accuracy, split})` adds points; the one output is redrawn in place at most every 200 ms (5 per
// second) with the last push always shown, and `.close()` (or `.done()`) draws the final state.

import type { CurveSeries, CurvesPayload } from "../display/payloads-viz";
import type { DisplaySink } from "../display/sink";
import { curvesBundle, curvesPayload } from "./curves";
import { LiveOutput } from "./live-sink";
import { type Clock, realClock, Throttle } from "./throttle";

export const LIVE_INTERVAL_MS = 200;

/** One point per metric: x from `epoch`, `step` or `x` (else the series' next index); other numbers are metrics. */
export interface CurvePoint {
  epoch?: number;
  step?: number;
  x?: number;
  /** "train" (default), "validation", "test"... */
  split?: string;
  [metric: string]: number | string | undefined;
}

export interface LiveCurvesOptions {
  title?: string;
  /** Default: "epoch" when the first point has an epoch, else "step". */
  xLabel?: string;
  logY?: boolean;
  /** Redraw at most this often (default 200 ms). */
  intervalMs?: number;
  /** For tests: where the output goes (default: the running cell) and the clock the throttle reads. */
  sink?: DisplaySink;
  clock?: Clock;
}

export class LiveCurves {
  private readonly series: CurveSeries[] = [];
  private readonly output: LiveOutput;
  private readonly throttle: Throttle;
  private xLabel: string | undefined;
  private closed = false;
  /** How many times the output was drawn (first display + updates). */
  renders = 0;

  constructor(private readonly options: LiveCurvesOptions = {}) {
    this.xLabel = options.xLabel;
    this.output = new LiveOutput(options.sink ?? undefined);
    this.throttle = new Throttle(
      options.intervalMs ?? LIVE_INTERVAL_MS,
      () => this.draw(),
      options.clock ?? realClock,
    );
    this.draw(); // reserve the output now, so it sits where the cell called liveCurves()
  }

  get displayId(): string {
    return this.output.displayId;
  }

  /** The curves so far as a payload. */
  get payload(): CurvesPayload {
    return curvesPayload(
      this.series.map((s) => ({ ...s, x: [...s.x], y: [...s.y] })),
      { title: this.options.title, xLabel: this.xLabel ?? "step", logY: this.options.logY },
    );
  }

  /** Adds one point per metric in `point` and asks for a redraw (throttled). */
  push(point: CurvePoint): this {
    if (point === null || typeof point !== "object")
      throw new TypeError(
        `liveCurves.push: expected a point such as { epoch: 1, loss: 0.5 }, got ${typeof point}`,
      );
    if (this.closed)
      throw new Error("liveCurves.push: these curves were closed; start new ones with viz.liveCurves()");
    const { epoch, step, x, split = "train", ...metrics } = point;
    this.xLabel ??= epoch !== undefined ? "epoch" : "step";
    let added = 0;
    for (const [metric, value] of Object.entries(metrics)) {
      if (typeof value !== "number") continue;
      let s = this.series.find((c) => c.metric === metric && c.split === split);
      if (s === undefined) {
        s = { metric, split, x: [], y: [] };
        this.series.push(s);
      }
      s.x.push(epoch ?? step ?? x ?? s.x.length + 1);
      s.y.push(Number.isFinite(value) ? value : null);
      added++;
    }
    if (added === 0)
      throw new Error(
        `liveCurves.push: the point has no metric values (numbers besides epoch/step/x), got ${JSON.stringify(point)}`,
      );
    this.throttle.request();
    return this;
  }

  /** Draws now whatever is pending. */
  flush(): this {
    this.throttle.flushNow();
    return this;
  }

  /** The final redraw; later pushes are an error. */
  close(): CurvesPayload {
    if (!this.closed) this.throttle.flushNow();
    this.closed = true;
    return this.payload;
  }

  /** Same as close(). */
  done(): CurvesPayload {
    return this.close();
  }

  private draw(): void {
    if (!this.output.active) return;
    this.output.render(curvesBundle(this.payload));
    this.renders++;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `LiveCurves(${this.series.map((s) => `${s.metric}/${s.split}: ${s.y.length} points`).join(", ")})`;
  }
}

/** Live training curves: `const c = viz.liveCurves({ title: "LeNet-5" }); c.push({ epoch, loss }); c.close();` */
export function liveCurves(options: LiveCurvesOptions = {}): LiveCurves {
  return new LiveCurves(options);
}
