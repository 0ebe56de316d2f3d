// The renderers' stylesheet, installed once per document. Colours come from VS Code's theme
// variables (--vscode-*) with fallbacks that read well on a plain white page outside VS Code.

const CSS = `
.rcp { margin: 0 0 8px; font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, #1f1f1f); line-height: 1.4; }
.rcp [hidden] { display: none !important; }
.rcp :focus-visible { outline: 1px solid var(--vscode-focusBorder, #0078d4); outline-offset: 1px; }
.rcp-title { font-weight: 600; margin: 0 0 4px; }
.rcp-muted { color: var(--vscode-descriptionForeground, #616161); }
.rcp-toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 4px 0; }
.rcp button, .rcp select { font: inherit; color: var(--vscode-button-secondaryForeground, #1f1f1f);
  background: var(--vscode-button-secondaryBackground, #e5e5e5); border: 1px solid var(--vscode-button-border, transparent);
  border-radius: 2px; padding: 2px 8px; cursor: pointer; }
.rcp button.rcp-primary { color: var(--vscode-button-foreground, #fff); background: var(--vscode-button-background, #0078d4); }
.rcp button:hover { background: var(--vscode-button-secondaryHoverBackground, #cccccc); }
.rcp button.rcp-primary:hover { background: var(--vscode-button-hoverBackground, #026ec1); }
.rcp select { background: var(--vscode-dropdown-background, #fff); color: var(--vscode-dropdown-foreground, #1f1f1f);
  border-color: var(--vscode-dropdown-border, #cecece); }
.rcp-legend { display: inline-flex; align-items: center; gap: 4px; font-size: 11px; }
.rcp-legend-bar { width: 96px; height: 10px; image-rendering: pixelated; border: 1px solid var(--vscode-panel-border, #c8c8c8); }
.rcp-readout { font-family: var(--vscode-editor-font-family, ui-monospace, monospace); min-height: 1.4em; }
.rcp-error { color: var(--vscode-errorForeground, #c72e0f); }
.rcp-tiles { display: flex; flex-wrap: wrap; gap: 4px; }
.rcp-tile { margin: 0; padding: 1px; border: 1px solid transparent; border-radius: 2px; cursor: zoom-in; }
.rcp-tile:hover { border-color: var(--vscode-focusBorder, #0078d4); }
.rcp-tile canvas, .rcp-enlarged canvas { display: block; image-rendering: pixelated; }
.rcp-cells { position: relative; outline: 1px solid rgba(128, 128, 128, 0.75); }
.rcp-numbers { position: absolute; inset: 0; display: grid; pointer-events: none; font-size: 11px; line-height: 1; }
.rcp-numbers span { display: flex; align-items: center; justify-content: center; overflow: hidden; white-space: nowrap;
  box-shadow: inset -1px -1px 0 rgba(128, 128, 128, 0.6); }
.rcp-hide-numbers .rcp-numbers { display: none; }
.rcp-numbers-toggle[aria-pressed=false] { opacity: 0.7; }
.rcp-note { font-size: 11px; text-align: center; font-style: italic; color: var(--vscode-descriptionForeground, #616161); }
.rcp-tile figcaption { font-size: 11px; text-align: center; max-width: 100%; overflow-wrap: anywhere; line-height: 1.2; }
.rcp-tile.rcp-wrong { border-color: var(--vscode-errorForeground, #c72e0f); }
.rcp-tile.rcp-wrong figcaption { color: var(--vscode-errorForeground, #c72e0f); font-weight: 600; }
.rcp-enlarged { display: flex; gap: 12px; align-items: flex-start; margin: 6px 0; padding: 6px;
  border: 1px solid var(--vscode-panel-border, #e5e5e5); background: var(--vscode-editorWidget-background, #f8f8f8); }
.rcp-enlarged canvas { cursor: crosshair; }
.rcp table { border-collapse: collapse; }
.rcp th, .rcp td { padding: 2px 8px; text-align: right; font-variant-numeric: tabular-nums; }
.rcp th { font-weight: 600; }
.rcp-summary td:first-child, .rcp-summary th:first-child { text-align: left; }
.rcp-summary tbody tr { border-top: 1px solid var(--vscode-panel-border, #e5e5e5); }
.rcp-summary tfoot tr:first-child { border-top: 2px solid var(--vscode-panel-border, #c8c8c8); }
.rcp-summary tfoot th { font-weight: normal; }
.rcp-summary tbody tr:hover { background: var(--vscode-list-hoverBackground, #f0f0f0); }
.rcp-summary .rcp-layer { background: none; border: none; padding: 0; color: var(--vscode-textLink-foreground, #005fb8); text-align: left; }
.rcp-summary .rcp-layer:hover { text-decoration: underline; background: none; }
.rcp-summary .rcp-fold { background: none; border: none; padding: 0 4px 0 0; width: 1.4em; }
.rcp-mono { font-family: var(--vscode-editor-font-family, ui-monospace, monospace); }
.rcp-conv-row { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
.rcp-conv-op { font-size: 20px; }
.rcp-conv figure { margin: 0; }
.rcp-conv figcaption { text-align: center; font-size: 12px; }
.rcp-conv td { border: 1px solid var(--vscode-panel-border, #a0a0a0); min-width: 2.2em; height: 1.9em; text-align: center;
  font-family: var(--vscode-editor-font-family, ui-monospace, monospace); }
.rcp-conv td.rcp-pad { color: var(--vscode-descriptionForeground, #8a8a8a); border-style: dashed; }
.rcp-conv td.rcp-window { background: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.25)); }
.rcp-conv td .rcp-weight { display: block; font-size: 10px; color: var(--vscode-charts-blue, #1a73e8); line-height: 1; }
.rcp-conv td.rcp-current { background: var(--vscode-editor-findMatchBackground, rgba(234, 92, 0, 0.45)); font-weight: 600; }
.rcp-conv .rcp-caption { font-weight: 600; min-height: 1.4em; }
.rcp-conv .rcp-equation { font-family: var(--vscode-editor-font-family, ui-monospace, monospace); min-height: 1.4em; }
.rcp-conv input[type=range] { width: 200px; }
.rcp-confusion td { border: 1px solid var(--vscode-panel-border, #e5e5e5); min-width: 2.5em; }
.rcp-confusion th[scope=row] { text-align: right; }
.rcp-fallback img { max-width: 100%; }
`;

const STYLE_ID = "receptive-renderer-styles";

export function installStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = CSS;
  doc.head.append(style);
}
