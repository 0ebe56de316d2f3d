// Test host for the notebook renderer in real Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): a 127.0.0.1 server for the built bundle and a page that plays VS Code's part,
// creating output items the way VS Code's webview preload does (id, mime, text/json/data/blob,
// `_allOutputItems`) and calling the renderer's activate/renderOutputItem. Records every request
// the page makes so tests can check that nothing leaves the machine.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const ROOT = join(__dirname, "..", "..", "..");
/** Where webviews/build.mjs puts the bundle: the folder extension/package.json's renderer entry names. */
export const BUNDLE_DIR = join(ROOT, "extension", "dist", "webviews");
export const ARTIFACTS = join(ROOT, "test", "artifacts", "webviews");
const CHROMIUM = "/usr/bin/chromium";
const NONCE = "receptive-test-nonce";

// Close to VS Code's notebook webview policy: scripts only from the page's origin (or nonced), no
// eval, no network. Inline styles are allowed there too (plotly and our tiles use them).
const CSP = `default-src 'none'; script-src 'self' 'nonce-${NONCE}'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'`;

/** The host page; with `trustedTypes` its policy also makes every HTML sink demand TrustedHTML. */
const hostHtml = (trustedTypes: boolean) => `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}${trustedTypes ? "; require-trusted-types-for 'script'" : ""}">
<title>Receptive renderer host</title>
<style nonce="${NONCE}">body { margin: 8px; background: var(--vscode-editor-background, #fff); width: 900px; }</style>
</head><body><div id="outputs"></div>
<script type="module" nonce="${NONCE}">
import { activate } from "/bundle/renderer.js";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const listeners = new Set();
const messages = [];
const elements = new Map();
let api;
function outputItem(id, mime, bytes, all) {
  return {
    id, mime, metadata: {},
    data: () => bytes,
    text: () => decoder.decode(bytes),
    json() { return JSON.parse(decoder.decode(bytes)); },
    blob: () => new Blob([bytes], { type: mime }),
    _allOutputItems: all.map((o) => ({ mime: o.mime, getItem: async () => outputItem(id, o.mime, o.bytes, all) })),
  };
}
window.host = {
  messages,
  errors: [],
  init(messaging) {
    const ctx = {
      workspace: { isTrusted: true },
      setState() {}, getState() { return undefined; }, getRenderer: async () => undefined,
    };
    if (messaging) {
      ctx.postMessage = (m) => messages.push(m);
      ctx.onDidReceiveMessage = (listener) => { listeners.add(listener); return { dispose: () => listeners.delete(listener) }; };
    }
    api = activate(ctx);
  },
  // items: [{ mime, text } or { mime, base64 } for binary data]; the first item is the one rendered.
  // fresh: VS Code gave this output a new element (the old one leaves the page) and renders into it.
  async render(outputId, items, fresh) {
    let element = elements.get(outputId);
    if (element && fresh) {
      element.remove();
      element = undefined;
    }
    if (!element) {
      element = document.createElement("div");
      element.className = "output";
      element.id = outputId;
      document.getElementById("outputs").append(element);
      elements.set(outputId, element);
    }
    const bytesOf = (i) => (i.base64 !== undefined ? Uint8Array.from(atob(i.base64), (c) => c.charCodeAt(0)) : encoder.encode(i.text));
    const all = items.map((i) => ({ mime: i.mime, bytes: bytesOf(i) }));
    await api.renderOutputItem(outputItem(outputId, all[0].mime, all[0].bytes, all), element, new AbortController().signal);
  },
  dispose(outputId) { api.disposeOutputItem(outputId); elements.get(outputId)?.remove(); elements.delete(outputId); },
  send(message) { for (const l of listeners) l(message); },
};
window.addEventListener("error", (e) => window.host.errors.push(String(e.message)));
document.body.dataset.ready = "yes";
</script></body></html>`;

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".map": "application/json",
  ".txt": "text/plain",
};

function serve(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(hostHtml(url.searchParams.has("trusted-types")));
      return;
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname.startsWith("/bundle/")) {
      const file = join(BUNDLE_DIR, basename(url.pathname)); // basename: no way out of the folder
      if (existsSync(file)) {
        const ext = file.slice(file.lastIndexOf("."));
        res.writeHead(200, { "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream" });
        res.end(readFileSync(file));
        return;
      }
    }
    res.writeHead(404).end();
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    });
  });
}

export interface Harness {
  page: Page;
  origin: string;
  /** Every URL the page asked for. */
  requests: string[];
  /** Console errors and uncaught page errors. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** Starts the server and Chromium (fresh profile) and opens the host page. */
export async function openHarness(options: { messaging: boolean; trustedTypes?: boolean }): Promise<Harness> {
  if (!existsSync(join(BUNDLE_DIR, "renderer.js"))) {
    throw new Error(
      `no renderer bundle in ${BUNDLE_DIR}: run \`npm run build\` (node webviews/build.mjs) first`,
    );
  }
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const { server, origin } = await serve();
  const profile = mkdtempSync(join(tmpdir(), "receptive-chromium-"));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
      viewport: { width: 1000, height: 800 },
    });
  } catch (e) {
    server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const requests: string[] = [];
  const pageErrors: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await page.goto(`${origin}/${options.trustedTypes ? "?trusted-types" : ""}`);
  await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
  await page.evaluate(
    (messaging) => (globalThis as unknown as HostWindow).host.init(messaging),
    options.messaging,
  );
  return {
    page,
    origin,
    requests,
    pageErrors,
    async close() {
      await context?.close();
      await new Promise((resolve) => server.close(resolve));
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface HostWindow {
  host: {
    messages: unknown[];
    errors: string[];
    init(messaging: boolean): void;
    render(
      outputId: string,
      items: ({ mime: string; text: string } | { mime: string; base64: string })[],
      fresh?: boolean,
    ): Promise<void>;
    dispose(outputId: string): void;
    send(message: unknown): void;
  };
}

type WireItem = { mime: string; text: string } | { mime: string; base64: string };

/** Strings and objects travel as text (objects as JSON), byte arrays as binary (VS Code holds image/png as bytes). */
function toWire(items: { mime: string; data: unknown }[]): WireItem[] {
  return items.map((i) =>
    i.data instanceof Uint8Array
      ? { mime: i.mime, base64: Buffer.from(i.data).toString("base64") }
      : { mime: i.mime, text: typeof i.data === "string" ? i.data : JSON.stringify(i.data) },
  );
}

/**
 * Renders one output: `items[0]` is the Receptive payload, the rest its fallbacks. With `fresh` the
 * output gets a new element (the old one is removed), as VS Code does when it rebuilds an output.
 */
export async function render(
  page: Page,
  outputId: string,
  items: { mime: string; data: unknown }[],
  options: { fresh?: boolean } = {},
): Promise<void> {
  await page.evaluate(
    ([id, list, fresh]) => (globalThis as unknown as HostWindow).host.render(id, list, fresh),
    [outputId, toWire(items), options.fresh === true] as const,
  );
}

/** Starts several renders of one output at once, without waiting in between (a burst of live updates). */
export async function renderBurst(
  page: Page,
  outputId: string,
  versions: { mime: string; data: unknown }[][],
): Promise<void> {
  await page.evaluate(
    ([id, lists]) =>
      Promise.all(lists.map((list) => (globalThis as unknown as HostWindow).host.render(id, list))),
    [outputId, versions.map(toWire)] as const,
  );
}

/** RGBA of pixel (x, y) of the canvas matching `selector`, read back from the canvas itself. */
export async function canvasPixel(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.$eval(
    selector,
    (c: any, [px, py]) => [...c.getContext("2d").getImageData(px, py, 1, 1).data] as number[],
    [x, y] as const,
  );
}

/** Text content of the first element matching `selector` ("" when there is none). */
export async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? "";
}

export async function screenshot(page: Page, name: string, selector?: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  if (selector) await page.locator(selector).first().screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
}

/** Requests that went anywhere but the test server (or stayed inside the page as data:/blob:). */
export function outsideRequests(h: Harness): string[] {
  return h.requests.filter(
    (u) => !u.startsWith(`${h.origin}/`) && !u.startsWith("data:") && !u.startsWith("blob:"),
  );
}

/** Little-endian float32 bytes as the payloads carry them. */
export function packFloat32(values: ArrayLike<number>): { dtype: "float32"; base64: string } {
  return { dtype: "float32", base64: Buffer.from(Float32Array.from(values).buffer).toString("base64") };
}

/**
 * VS Code's theme as a notebook webview sees it: the body's class (vscode-light / vscode-dark),
 * `data-vscode-theme-kind` and the --vscode-* colours (the default Light Modern / Dark Modern
 * values of the ones the renderers use). Switching fires the same DOM changes VS Code makes.
 */
export async function setTheme(page: Page, kind: "light" | "dark"): Promise<void> {
  const colours =
    kind === "dark"
      ? {
          "--vscode-editor-background": "#1f1f1f",
          "--vscode-foreground": "#cccccc",
          "--vscode-descriptionForeground": "#9d9d9d",
          "--vscode-panel-border": "#2b2b2b",
          "--vscode-editorWidget-border": "#313131",
          "--vscode-editorWidget-background": "#202020",
          "--vscode-charts-blue": "#3794ff",
          "--vscode-charts-orange": "#d18616",
          "--vscode-charts-green": "#89d185",
          "--vscode-textLink-foreground": "#4daafc",
          "--vscode-errorForeground": "#f85149",
        }
      : {
          "--vscode-editor-background": "#ffffff",
          "--vscode-foreground": "#3b3b3b",
          "--vscode-descriptionForeground": "#3b3b3b",
          "--vscode-panel-border": "#e5e5e5",
          "--vscode-editorWidget-border": "#c8c8c8",
          "--vscode-editorWidget-background": "#f8f8f8",
          "--vscode-charts-blue": "#1a85ff",
          "--vscode-charts-orange": "#d18616",
          "--vscode-charts-green": "#388a34",
          "--vscode-textLink-foreground": "#005fb8",
          "--vscode-errorForeground": "#f85149",
        };
  await page.evaluate(
    ([k, vars]) => {
      const doc = (globalThis as any).document;
      const style = doc.documentElement.style;
      for (const [name, value] of Object.entries(vars)) style.setProperty(name, value);
      doc.body.classList.remove("vscode-light", "vscode-dark");
      doc.body.classList.add(`vscode-${k}`);
      doc.body.dataset.vscodeThemeKind = `vscode-${k}`;
    },
    [kind, colours] as const,
  );
}
