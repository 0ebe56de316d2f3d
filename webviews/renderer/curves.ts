// Training curves with plotly.js (loaded on first use): one plot per metric, train and validation
// together, accuracy on [0, 1], a log-scale toggle, and in-place updates with Plotly.react on the
// same element when the kernel replaces the output (no flicker, no new plot per update).

import type { CurvesPayload } from "../../kernel/display/payloads-viz";
import { type CurvesTheme, curvesFigure, validateCurves } from "../lib/curves-figure";
import { el } from "./dom";
import type { View, ViewHost } from "./view";

const PLOT_CONFIG = {
  responsive: true,
  displaylogo: false,
  showLink: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "sendDataToCloud"],
};

function themeOf(element: HTMLElement): CurvesTheme {
  const css = getComputedStyle(element);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v("--vscode-foreground", "#1f1f1f"),
    muted: v("--vscode-descriptionForeground", "#717171"),
    grid: v("--vscode-editorWidget-border", "rgba(128,128,128,0.25)"),
    font: v("--vscode-font-family", "system-ui, sans-serif"),
    palette: [
      v("--vscode-charts-blue", "#1a85ff"),
      v("--vscode-charts-orange", "#d18616"),
      v("--vscode-charts-green", "#388a34"),
      v("--vscode-charts-purple", "#652d90"),
      v("--vscode-charts-red", "#e51400"),
    ],
  };
}

function check(p: CurvesPayload): void {
  if (p === null || typeof p !== "object") throw new Error("curves: payload is not an object");
  if (p.version !== 1)
    throw new Error(`curves: unsupported version ${JSON.stringify(p.version)} (this renderer reads 1)`);
  validateCurves(p);
}

export async function curvesView(payload: unknown, host: ViewHost): Promise<View> {
  let current = payload as CurvesPayload;
  check(current);
  const Plotly = (await import("plotly.js-basic-dist-min")).default;
  let logY = current.logY ?? false;
  const root = el("div", { class: "rcp rcp-curves" });
  const toggle = el("button", { class: "rcp-log", "aria-pressed": String(logY) }, "log scale");
  const plot = el("div", { class: "rcp-plot" });
  root.append(el("div", { class: "rcp-toolbar" }, toggle), plot);
  host.element.append(root);
  const theme = themeOf(host.element);

  const draw = async () => {
    const fig = curvesFigure(current, theme, logY);
    await Plotly.react(plot, fig.data, fig.layout, PLOT_CONFIG);
    root.dataset.metrics = fig.metrics.join(",");
  };
  toggle.addEventListener("click", () => {
    logY = !logY;
    toggle.setAttribute("aria-pressed", String(logY));
    void draw();
  });
  await draw();
  return {
    async update(next: unknown) {
      check(next as CurvesPayload);
      current = next as CurvesPayload;
      await draw();
      return true;
    },
    dispose() {
      Plotly.purge(plot);
      root.remove();
    },
  };
}
