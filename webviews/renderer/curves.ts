// Training curves with plotly.js (loaded on first use): one plot per metric, train and validation
// together, accuracy on [0, 1], a log-scale toggle, and in-place updates with Plotly.react on the
// same element when the kernel replaces the output (no flicker, no new plot per update).
// NOTE: the plot always gets an explicit width and height, so plotly never sizes it from its
// container. With plotly's own `responsive: true`, a window resize during VS Code's re-layout (an
// error output appended after Stop) made plotly drop the layout's height and, the width having
// changed, redraw its svg container at height "100%" of an auto-height div: 0 px, for good. The
// width follows the output through a ResizeObserver, which ignores 0-width (hidden) moments.
// Colours follow VS Code's theme live: a theme switch changes the body's class and the --vscode-*
// variables on <html>; a MutationObserver sees it and the plot is redrawn in the new colours.

import type { CurvesPayload } from "../../kernel/display/payloads-viz";
import { type CurvesTheme, curvesFigure, validateCurves } from "../lib/curves-figure";
import { el } from "./dom";
import type { View, ViewHost } from "./view";

const PLOT_CONFIG = {
  responsive: false, // sized here: see the NOTE above
  displaylogo: false,
  showLink: false,
  showSendToCloud: false,
  showEditInChartStudio: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "sendDataToCloud"],
};
/** Plot width (px) until the output has been seen at a width of its own (it was hidden when drawn). */
const FALLBACK_WIDTH = 640;

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
  let disposed = false;
  const root = el("div", { class: "rcp rcp-curves" });
  const toggle = el("button", { class: "rcp-log", "aria-pressed": String(logY) }, "log scale");
  const plot = el("div", { class: "rcp-plot" });
  root.append(el("div", { class: "rcp-toolbar" }, toggle), plot);
  host.element.append(root);
  let theme = themeOf(host.element);
  let width = Math.floor(root.clientWidth) || FALLBACK_WIDTH; // 0 while hidden or detached

  // Draws run one after another (updates, the log toggle and resizes never interleave).
  let queue: Promise<void> = Promise.resolve();
  const drawNow = async () => {
    if (disposed) return; // a purged plot stays purged
    const fig = curvesFigure(current, theme, logY);
    const height = fig.layout.height as number;
    plot.style.height = `${height}px`; // the output keeps its box whatever plotly does
    await Plotly.react(plot, fig.data, { ...fig.layout, width, height, autosize: false }, PLOT_CONFIG);
    root.dataset.metrics = fig.metrics.join(",");
  };
  const draw = (): Promise<void> => {
    const next = queue.then(drawNow);
    queue = next.catch(() => {});
    return next;
  };
  const redraw = () =>
    draw().catch((error) => console.error("Receptive renderer (curves): redraw failed:", error));

  toggle.addEventListener("click", () => {
    logY = !logY;
    toggle.setAttribute("aria-pressed", String(logY));
    redraw();
  });
  // Follows the output's width; a 0 width (hidden, collapsed, mid re-layout) keeps the last drawing.
  const resizes = new ResizeObserver((entries) => {
    const seen = Math.floor(entries[entries.length - 1].contentRect.width);
    if (seen === 0 || seen === width) return;
    width = seen;
    redraw();
  });
  resizes.observe(root);
  const doc = host.element.ownerDocument;
  const themes = new MutationObserver(() => {
    const next = themeOf(host.element);
    if (JSON.stringify(next) === JSON.stringify(theme)) return;
    theme = next;
    redraw();
  });
  themes.observe(doc.documentElement, { attributes: true, attributeFilter: ["style", "class"] });
  if (doc.body) themes.observe(doc.body, { attributes: true, attributeFilter: ["class", "style"] });
  await draw();
  return {
    async update(next: unknown) {
      check(next as CurvesPayload);
      // The same output id rendered again after VS Code emptied its element: build the view anew.
      if (!host.element.contains(root)) return false;
      current = next as CurvesPayload;
      await draw();
      return true;
    },
    dispose() {
      disposed = true;
      resizes.disconnect();
      themes.disconnect();
      Plotly.purge(plot);
      root.remove();
    },
  };
}
