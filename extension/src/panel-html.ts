// The activation explorer's HTML: a strict Content-Security-Policy (scripts only with this load's
// nonce, nothing remote: no connect, no frames), the bundled script from the extension's own folder
// (webview URIs from localResourceRoots), and a root element the script fills.
// NOTE: style-src allows inline styles: the toolkit's controls and the image grid set them.

import { randomBytes } from "node:crypto";

export function makeNonce(): string {
  return randomBytes(16)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "");
}

export interface PanelHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  /** webview.asWebviewUri of extension/dist/webviews/panel.js, as a string */
  scriptUri: string;
}

export function panelHtml({ cspSource, nonce, scriptUri }: PanelHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `img-src ${cspSource} data: blob:`,
    `font-src ${cspSource}`,
  ].join("; ");
  return `<!doctype html>
<html lang="en"><head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Receptive: Activation Explorer</title>
</head><body>
<div id="root"></div>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body></html>`;
}
