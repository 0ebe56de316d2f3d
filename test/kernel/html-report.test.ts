// `receptive run --html`: the report of an executed notebook. Code is escaped, streams and errors
// shown, rich outputs drawn from their image/png, image/svg+xml and text/html fallbacks (never the
// Receptive JSON), and the page loads nothing from outside itself and never leaves (no meta
// refresh, <base> or form a cell displays takes effect), checked in real Chromium.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { bundleToHtml, escapeHtml, markdownToHtml, notebookToHtml } from "../../kernel/server/html-report";
import { sanitizeHtml } from "../../kernel/server/html-sanitize";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";

const repo = join(__dirname, "..", "..", "..");
const cli = join(repo, "dist", "kernel", "cli.js");
const fixtures = join(repo, "test", "kernel", "fixtures");

function runWithHtml(fixture: string, ...extra: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "receptive-html-"));
  const path = join(dir, fixture);
  copyFileSync(join(fixtures, fixture), path);
  const html = join(dir, "report.html");
  const r = spawnSync(
    process.execPath,
    [...KERNEL_NODE_FLAGS, cli, "run", path, "--out", join(dir, "out.ipynb"), "--html", html, ...extra],
    { encoding: "utf8", timeout: 60_000 },
  );
  return { dir, html, code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The base64 PNGs of every <img> in the page. */
const pngsIn = (html: string) =>
  [...html.matchAll(/<img alt="output" src="data:image\/png;base64,([A-Za-z0-9+/=]+)">/g)].map((m) => m[1]);

describe("receptive run --html", () => {
  test("writes a self-contained report: escaped code, streams, tensors as pictures", () => {
    const r = runWithHtml("small.ipynb");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*out\.ipynb and .*report\.html/);
    const html = readFileSync(r.html, "utf8");
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<title>small\.ipynb<\/title>/);
    // the markdown cell, the code (escaped), the stream
    assert.match(html, /<h1>A small notebook<\/h1>/);
    assert.ok(html.includes("(r) =&gt; setTimeout(r, 5)"), "code cells are HTML-escaped");
    assert.ok(html.includes("import { F, tensor } from &quot;receptive&quot;;"));
    assert.match(html, /<pre class="stdout">edge map sum: 240\n<\/pre>/);
    // both tensors (the 6x6 image and the 4x4 edge map) as PNG pictures beside their number tables
    const pngs = pngsIn(html);
    assert.equal(pngs.length, 2);
    for (const b64 of pngs) assert.equal(Buffer.from(b64, "base64").subarray(1, 4).toString(), "PNG");
    assert.equal((html.match(/<td/g) ?? []).length, 36 + 16);
    // the live display's last value, and no Receptive JSON payloads, scripts or remote resources
    assert.ok(html.includes("{ step: 3 }"));
    assert.doesNotMatch(html, /application\/vnd\.receptive|"values"|<script|<link|https?:\/\//);
    assert.deepEqual(readdirSync(r.dir).sort(), ["out.ipynb", "report.html", "small.ipynb"]);
  });

  test("a failing run still writes the report, with the error and the cells before it", () => {
    const r = runWithHtml("failing.ipynb");
    assert.equal(r.code, 1);
    const html = readFileSync(r.html, "utf8");
    assert.match(html, /<pre class="error">Error: b is two/);
    assert.match(html, /In \[2\]:/);
  });

  test("the report renders in Chromium with every picture decoded and no request leaving the page", async () => {
    const r = runWithHtml("small.ipynb");
    assert.equal(r.code, 0, r.stderr);
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on("request", (req) => requests.push(req.url()));
      await page.goto(pathToFileURL(r.html).href);
      type Img = { naturalWidth: number; naturalHeight: number }; // tsconfig has no DOM types
      const sizes = await page.$$eval("img", (imgs) =>
        imgs.map((i) => [(i as unknown as Img).naturalWidth, (i as unknown as Img).naturalHeight]),
      );
      assert.equal(sizes.length, 2);
      for (const [w, h] of sizes) assert.ok(w > 0 && h > 0, `an image did not decode: ${w}x${h}`);
      assert.deepEqual(
        requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:")),
        [],
      );
    } finally {
      await browser.close();
    }
  });
});

/** A notebook of one code cell, run with --html in a fresh folder. */
function runCellWithHtml(source: string) {
  const dir = mkdtempSync(join(tmpdir(), "receptive-html-"));
  const path = join(dir, "cell.ipynb");
  const cell = { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source };
  writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [cell] }));
  const html = join(dir, "report.html");
  const r = spawnSync(process.execPath, [...KERNEL_NODE_FLAGS, cli, "run", path, "--html", html], {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return html;
}

const HOSTILE = [
  '<meta http-equiv="refresh" content="0;url=https://example.com/refresh">',
  '<base href="https://example.com/base/"><a id="relative" href="page.html">relative</a>',
  '<form id="f" action="https://example.com/post" method="post"><input name="q" value="secret" autofocus>' +
    '<button id="send" type="submit">Send</button><input type="image" src="https://example.com/i.png"></form>',
  '<img src="https://example.com/pixel.png" onerror="location=\'https://example.com/js\'">',
  '<div style="background:url(https://example.com/bg.png)">background</div>',
  '<iframe srcdoc="<meta http-equiv=refresh content=0;url=https://example.com/frame>"></iframe>',
  '<svg width="20" height="20"><a href="javascript:location=1"><rect width="20" height="20"/></a><animate attributeName="href" to="https://example.com/a"/></svg>',
  '<a id="link" href="https://example.com/clicked">a link</a>',
];

describe("receptive run --html: a cell's HTML cannot leave the page", () => {
  test("meta refresh, <base>, forms, remote pictures: the page stays and no request leaves, in Chromium", async () => {
    const html = runCellWithHtml(HOSTILE.map((h) => `display.html(${JSON.stringify(h)});`).join("\n"));
    const text = readFileSync(html, "utf8");
    // a form dropped in by hand (past the sanitiser) must not post either: the CSP's form-action
    const withRawForm = join(html, "..", "raw-form.html");
    writeFileSync(
      withRawForm,
      text.replace(
        "</body>",
        '<form action="https://example.com/raw" method="post"><button id="raw" type="submit">raw</button></form></body>',
      ),
    );
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
    try {
      const context = await browser.newContext();
      const outside: string[] = [];
      await context.route(
        (url) => url.protocol !== "file:" && url.protocol !== "data:",
        (route) => {
          outside.push(route.request().url());
          return route.abort();
        },
      );
      for (const file of [html, withRawForm]) {
        const page = await context.newPage();
        const url = pathToFileURL(file).href;
        const navigations: string[] = [];
        page.on("framenavigated", (f) => {
          if (f === page.mainFrame()) navigations.push(f.url());
        });
        await page.goto(url);
        // what the sanitiser left: no refresh, base, form, frame or handler reached the page
        assert.equal(
          await page.locator("meta[http-equiv=refresh i], base, form, iframe, input, button").count(),
          file === html ? 0 : 2,
        );
        assert.equal(await page.locator("[onerror], [onclick]").count(), 0);
        if (file === withRawForm) await page.click("#raw", { noWaitAfter: true });
        await page.waitForTimeout(1500); // longer than the refresh's 0 s
        assert.equal(page.url(), url, "the page stayed");
        assert.deepEqual(navigations, [url]);
        assert.deepEqual(outside, [], "no request left the page");
        await page.close();
      }
      // a link the reader clicks does open, in a new tab; the report stays
      const page = await context.newPage();
      const url = pathToFileURL(html).href;
      await page.goto(url);
      const [popup] = await Promise.all([
        context.waitForEvent("page"),
        page.locator('a[href="https://example.com/clicked"]').click(),
      ]);
      await popup.waitForLoadState().catch(() => {});
      assert.equal(page.url(), url);
      assert.deepEqual(outside, ["https://example.com/clicked"]);
    } finally {
      await browser.close();
    }
  });
});

describe("html-report", () => {
  test("sanitises a cell's HTML to an allow-list: tables, links, data: pictures and SVG shapes stay", () => {
    assert.equal(
      sanitizeHtml('<table><tr><td style="color:red" onclick="x()">1</td></tr></table>'),
      '<table><tr><td style="color:red">1</td></tr></table>',
    );
    assert.equal(
      sanitizeHtml(
        '<meta http-equiv="refresh" content="0;url=https://e.com"><base href="https://e.com/">text',
      ),
      "text",
    );
    assert.equal(
      sanitizeHtml('<form action="https://e.com"><input name="q"><button>Go</button></form>'),
      "Go",
    );
    assert.equal(sanitizeHtml("<script>alert(1)</script><style>*{}</style>ok"), "ok");
    assert.equal(
      sanitizeHtml('<a href=" jav&#x61;script:x">js</a><a href="https://e.com/?a=1&amp;b=2">ok</a>'),
      '<a target="_blank" rel="noopener noreferrer">js</a><a href="https://e.com/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">ok</a>',
    );
    assert.equal(
      sanitizeHtml('<img src="https://e.com/x.png"><img src="data:image/png;base64,AA" alt="p">'),
      '<img><img src="data:image/png;base64,AA" alt="p">',
    );
    assert.equal(
      sanitizeHtml(
        '<svg viewBox="0 0 2 2"><polyline points="0,0 1,1"/><use href="#x"/><text>a &lt; b</text></svg>',
      ),
      '<svg viewBox="0 0 2 2"><polyline points="0,0 1,1"/><text>a &lt; b</text></svg>',
    );
    assert.equal(sanitizeHtml("<div><p>open <b>bold"), "<div><p>open <b>bold</b></p></div>");
    assert.equal(sanitizeHtml("a < b && c <!-- <meta> --> <3"), "a &lt; b &amp;&amp; c  &lt;3");
  });

  test("a picture drawn by the HTML itself (curves, image grids) is shown once", () => {
    const png = "iVBORw0KGgo=";
    const grid = bundleToHtml({
      "image/png": png,
      "text/html": `<figure><img src="data:image/png;base64,${png}"><figcaption>cats</figcaption></figure>`,
    });
    assert.equal(grid.match(/<img/g)?.length, 1);
    assert.match(grid, /cats/);
    const table = bundleToHtml({ "image/png": png, "text/html": "<table><tr><td>1</td></tr></table>" });
    assert.match(table, /^<img alt="output" src="data:image\/png;base64,iVBORw0KGgo=">\n<div><table>/);
  });

  test("escapes text and picks pictures from the fallbacks", () => {
    assert.equal(escapeHtml('<a href="x">&</a>'), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="2"></svg>';
    const shown = bundleToHtml({ "image/svg+xml": svg, "text/plain": "[SVG image]" });
    const b64 = /src="data:image\/svg\+xml;base64,([^"]+)"/.exec(shown)?.[1];
    assert.equal(Buffer.from(b64 ?? "", "base64").toString(), svg);
    assert.doesNotMatch(shown, /SVG image/);
    assert.equal(bundleToHtml({ "text/plain": "a < b" }), "<pre>a &lt; b</pre>");
    assert.equal(
      bundleToHtml({ "text/markdown": "# T\n**b** `c`", "text/plain": "x" }),
      '<div class="markdown"><h1>T</h1>\n<p><strong>b</strong> <code>c</code></p></div>',
    );
    // a payload-only bundle falls back to its text, never to the JSON
    const payloadOnly = bundleToHtml({
      "application/vnd.receptive.curves+json": { version: 1 },
      "text/plain": "curves",
    });
    assert.equal(payloadOnly, "<pre>curves</pre>");
  });

  test("markdown: headings, paragraphs split at blank lines, escaped", () => {
    assert.equal(
      markdownToHtml("## Two\nline a\nline b\n\n<i>"),
      "<h2>Two</h2>\n<p>line a\nline b</p>\n<p>&lt;i&gt;</p>",
    );
  });

  test("errors drop ANSI colours and keep the traceback", () => {
    const html = notebookToHtml(
      {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            cell_type: "code",
            source: "boom()",
            metadata: {},
            execution_count: 1,
            outputs: [
              {
                output_type: "error",
                ename: "Error",
                evalue: "boom",
                traceback: ["\x1b[31mError: boom\x1b[0m", "  at line 1"],
              },
            ],
          },
        ],
      },
      "t.ipynb",
    );
    assert.ok(html.includes('<pre class="error">Error: boom\n  at line 1</pre>'));
  });
});
