// The slice of plotly.js (basic partial bundle: scatter, bar, pie; no WebGL, no eval) the curves
// view uses.

declare module "plotly.js-basic-dist-min" {
  export interface PlotlyHTMLElement extends HTMLDivElement {
    data: { x: unknown[]; y: unknown[]; name?: string }[];
    layout: Record<string, unknown>;
  }
  export function react(
    root: HTMLElement,
    data: unknown[],
    layout: Record<string, unknown>,
    config?: Record<string, unknown>,
  ): Promise<PlotlyHTMLElement>;
  export function purge(root: HTMLElement): void;
  export function relayout(root: HTMLElement, update: Record<string, unknown>): Promise<PlotlyHTMLElement>;
  const Plotly: {
    react: typeof react;
    purge: typeof purge;
    relayout: typeof relayout;
  };
  export default Plotly;
}
