// The activation explorer webview (webviews/panel/, bundled to extension/dist/webviews/panel.js) in
// real Chromium, served with the extension's own HTML and CSP (panel-html.ts) and a stand-in for
// VS Code's webview API (acquireVsCodeApi: postMessage recorded, getState/setState kept in
// sessionStorage so a reload plays "reopen"). Checks: it asks for the kernel's variables, fills the
// toolkit dropdowns, asks to explore the chosen model/layer/sample, draws the input, the filters of
// the current channel and its feature map (known pixels), steps channels (buttons, slider, keys),
// shows kernel errors, restores its choices after a reload, and makes no request off the machine.

import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { panelHtml } from "../../extension/src/panel-html";
import { F, tensor } from "../../kernel/engine/index";
import type { ExploreResult } from "../../webviews/panel/messages";

const ROOT = join(__dirname, "..", "..", "..");
const BUNDLE_DIR = join(ROOT, "extension", "dist", "webviews");
const ARTIFACTS = join(ROOT, "test", "artifacts", "extension");
const NONCE = "panel-test-nonce";

const FAKE_API = `<script nonce="${NONCE}">
window.posted = [];
window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.posted.push(m),
  getState: () => JSON.parse(sessionStorage.getItem("state") || "null") ?? undefined,
  setState: (s) => sessionStorage.setItem("state", JSON.stringify(s)),
});
</script>`;

const lightToDark = Array.from({ length: 6 }, () => [10, 10, 10, 0, 0, 0]);
const checker = lightToDark.map((row, y) => (y < 3 ? row : row.map((v) => 10 - v)));
const packFloat32 = (values: ArrayLike<number>) => ({
  dtype: "float32" as const,
  base64: Buffer.from(Float32Array.from(values).buffer).toString("base64"),
});

/** The lecture's two edge filters and their maps (conv2 channel 0 on the stripes, channel 1 on the checkerboard). */
function edgeResult(): ExploreResult {
  const vertical = [
    [1, 0, -1],
    [1, 0, -1],
    [1, 0, -1],
  ];
  const horizontal = [
    [1, 1, 1],
    [0, 0, 0],
    [-1, -1, -1],
  ];
  const a = F.conv2d(tensor([[lightToDark]]), tensor([[vertical]])); // rows [0, 30, 30, 0]
  const b = F.conv2d(tensor([[checker]]), tensor([[horizontal]])); // rows 0s, [30 10 -10 -30] x2, 0s
  return {
    input: {
      version: 1,
      kind: "samples",
      shape: [1, 1, 6, 6],
      data: packFloat32(lightToDark.flat()),
      colormap: "grey",
    },
    featureMaps: {
      version: 1,
      kind: "featureMaps",
      layer: "0",
      shape: [2, 1, 4, 4],
      data: packFloat32([...a.data, ...b.data]),
    },
    filters: {
      version: 1,
      kind: "filters",
      layer: "0",
      shape: [2, 1, 3, 3],
      data: packFloat32([...vertical.flat(), ...horizontal.flat()]),
      normalize: "shared",
      colormap: "diverging",
    },
    filterShape: [2, 1],
  };
}

const VARIABLES = {
  type: "variables",
  notebook: "lesson.ipynb",
  models: [
    {
      name: "net",
      type: "Sequential",
      layers: [
        { name: "0", type: "Conv2d", filters: true },
        { name: "1", type: "ReLU", filters: false },
      ],
    },
    { name: "other", type: "LeNet5", layers: [{ name: "conv1", type: "Conv2d", filters: true }] },
  ],
  inputs: [{ name: "ds", kind: "dataset", length: 10 }],
};

describe("activation explorer panel in Chromium", () => {
  let server: Server;
  let origin = "";
  let context: BrowserContext;
  let page: Page;
  let profile = "";
  const requests: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    assert.ok(
      existsSync(join(BUNDLE_DIR, "panel.js")),
      "extension/dist/webviews/panel.js is missing: npm run build",
    );
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname === "/") {
        const html = panelHtml({ cspSource: origin, nonce: NONCE, scriptUri: `${origin}/bundle/panel.js` });
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        return void res.end(html.replace("</head>", `${FAKE_API}</head>`));
      }
      if (url.pathname === "/favicon.ico") return void res.writeHead(204).end();
      const file = join(BUNDLE_DIR, basename(url.pathname));
      if (url.pathname.startsWith("/bundle/") && existsSync(file)) {
        res.writeHead(200, { "content-type": "text/javascript" });
        return void res.end(readFileSync(file));
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    profile = mkdtempSync(join(tmpdir(), "receptive-panel-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
      ],
      viewport: { width: 1000, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text());
    });
    await page.goto(`${origin}/`);
  });
  after(async () => {
    await context?.close();
    await new Promise((r) => server.close(r));
    rmSync(profile, { recursive: true, force: true });
  });

  const posted = () => page.evaluate(() => (globalThis as any).posted as { type: string }[]);
  const send = (m: unknown) => page.evaluate((msg) => (globalThis as any).postMessage(msg, "*"), m);
  const lastExplore = async () => (await posted()).filter((m) => m.type === "explore").at(-1) as any;
  const textOf = (sel: string) => page.$eval(sel, (e) => e.textContent ?? "");
  const pixel = (sel: string, x: number, y: number) =>
    page.$eval(sel, (c: any, [px, py]) => [...c.getContext("2d").getImageData(px, py, 1, 1).data], [
      x,
      y,
    ] as const);

  test("asks for the variables, then fills the model, layer and input dropdowns", async () => {
    await page.waitForFunction(() => (globalThis as any).posted?.some((m: any) => m.type === "ready"));
    await send(VARIABLES);
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll(".rcp-model vscode-option").length === 2,
    );
    assert.match(await textOf(".rcp-status"), /2 models in lesson\.ipynb/);
    const layers = await page.$$eval(".rcp-layer vscode-option", (os) => os.map((o) => o.textContent));
    assert.deepEqual(layers, ["layer 0 (Conv2d)", "layer 1 (ReLU)"], "numbered layers do not read as counts");
    const inputs = await page.$$eval(".rcp-input vscode-option", (os) =>
      os.map((o) => o.getAttribute("value")),
    );
    assert.deepEqual(inputs, ["ds", "file:"]);
    assert.equal(await page.$eval(".rcp-model", (d: any) => d.value), "net");
  });

  test("Show asks the extension to explore the chosen layer and sample", async () => {
    await page.$eval(".rcp-index", (f: any) => {
      f.value = "3";
    });
    await page.click(".rcp-show");
    await page.waitForFunction(() => (globalThis as any).posted.some((m: any) => m.type === "explore"));
    const m = await lastExplore();
    assert.deepEqual(m.request, {
      model: "net",
      layer: "0",
      input: { kind: "dataset", name: "ds", index: 3 },
    });
    assert.match(await textOf(".rcp-status"), /Running net up to 0/);
  });

  test("the answer shows the input, channel 0's filters and feature map side by side", async () => {
    const { ticket } = await lastExplore();
    await send({ type: "explored", ticket, result: edgeResult() });
    await page.waitForSelector(".rcp-side-map canvas");
    assert.equal(await textOf(".rcp-channel"), "channel 0 of 2");
    assert.match(
      await textOf(".rcp-status"),
      /net · layer 0 \(Conv2d\): 2 feature maps of 4x4; filters 2x1 \(out x in channels\)/,
    );
    // Channel 0's map has rows [0, 30, 30, 0]: the outer columns share a colour, the inner ones another.
    const sel = ".rcp-side-map canvas[data-index='0']";
    assert.deepEqual(await pixel(sel, 0, 0), await pixel(sel, 3, 2));
    assert.deepEqual(await pixel(sel, 1, 0), await pixel(sel, 2, 3));
    assert.notDeepEqual(await pixel(sel, 0, 0), await pixel(sel, 1, 0));
    // Its filter [[1, 0, -1] x3] on the diverging map: the middle column is the map's centre (white-ish).
    const f = ".rcp-side-filters canvas[data-index='0']";
    assert.notDeepEqual(await pixel(f, 0, 0), await pixel(f, 2, 0));
    assert.deepEqual(await pixel(f, 0, 0), await pixel(f, 0, 2));
    assert.equal(await page.$$eval(".rcp-all-maps canvas[data-index]", (cs) => cs.length), 2);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "activation-explorer.png"), fullPage: true });
  });

  test("Next, the slider and the arrow keys step through the channels", async () => {
    await page.click(".rcp-next");
    assert.equal(await textOf(".rcp-channel"), "channel 1 of 2");
    // Channel 1 (horizontal edges of the checkerboard): rows differ, columns of row 1 differ too.
    const sel = ".rcp-side-map canvas[data-index='0']";
    assert.notDeepEqual(await pixel(sel, 0, 0), await pixel(sel, 0, 1));
    assert.notDeepEqual(await pixel(sel, 0, 1), await pixel(sel, 3, 1));
    await page.click(".rcp-next"); // already the last: stays
    assert.equal(await textOf(".rcp-channel"), "channel 1 of 2");
    await page.$eval(".rcp-slider", (s: any) => {
      s.value = "0";
      s.dispatchEvent(new Event("input"));
    });
    assert.equal(await textOf(".rcp-channel"), "channel 0 of 2");
    await page.focus(".rcp-slider");
    await page.keyboard.press("ArrowRight");
    assert.equal(await textOf(".rcp-channel"), "channel 1 of 2");
  });

  test("a kernel error is shown in the status line", async () => {
    await page.click(".rcp-show");
    const { ticket } = await lastExplore();
    await send({
      type: "explored",
      ticket,
      error: "activation explorer: 'net' is not an nn.Module variable",
    });
    await page.waitForSelector(".rcp-status.rcp-error");
    assert.match(await textOf(".rcp-status"), /not an nn\.Module/);
    // The old pictures answered another question: they go.
    assert.equal(await page.locator(".rcp-side-map canvas").count(), 0);
    assert.equal(await page.locator(".rcp-all-maps canvas").count(), 0);
    assert.equal(await page.locator(".rcp-stepper").isVisible(), false);
    await page.screenshot({ path: join(ARTIFACTS, "activation-explorer-error.png"), fullPage: true });
  });

  test("reopened, it restores its choices and explores them again at the same channel", async () => {
    await page.reload();
    await page.waitForFunction(() => (globalThis as any).posted?.some((m: any) => m.type === "ready"));
    await send(VARIABLES);
    await page.waitForFunction(() => (globalThis as any).posted.some((m: any) => m.type === "explore"));
    const m = await lastExplore();
    assert.deepEqual(m.request, {
      model: "net",
      layer: "0",
      input: { kind: "dataset", name: "ds", index: 3 },
    });
    await send({ type: "explored", ticket: m.ticket, result: edgeResult() });
    await page.waitForSelector(".rcp-side-map canvas");
    assert.equal(await textOf(".rcp-channel"), "channel 1 of 2");
  });

  test("no request leaves the machine and the page logs no errors", () => {
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith("data:") && !u.startsWith("blob:")),
      [],
    );
    assert.deepEqual(pageErrors, []);
  });
});
