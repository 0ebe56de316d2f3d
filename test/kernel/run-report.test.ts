// `receptive run --report F` and `--budget S` through the CLI: the JSON report lists every code
// cell (id, tags, ok / error with its message / timeout / not run and why, seconds), is rewritten
// after every cell (a killed run leaves the cells it finished), and a notebook that runs past its
// budget is stopped, its remaining cells not run, and the run fails.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { RunReport } from "../../kernel/server/run-report";
import { sleep, waitFor } from "../processes";

const repo = join(__dirname, "..", "..", "..");
const cli = join(repo, "dist", "kernel", "cli.js");

const code = (id: string, source: string, tags: string[] = []) => ({
  cell_type: "code",
  id,
  metadata: tags.length > 0 ? { tags } : {},
  execution_count: null,
  outputs: [],
  source,
});

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder with `nb.ipynb` holding these cells (a markdown cell first). */
function notebook(cells: unknown[]): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "receptive-report-"));
  made.push(dir);
  const path = join(dir, "nb.ipynb");
  const md = { cell_type: "markdown", id: "intro", metadata: {}, source: "# a notebook" };
  writeFileSync(
    path,
    JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [md, ...cells] }),
  );
  return { dir, path };
}

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, "run", ...args], { encoding: "utf8", timeout: 90_000 });
  assert.equal(r.signal, null, `receptive run ${args.join(" ")} hung:\n${r.stderr}`);
  return r;
}

const readReport = (path: string) => JSON.parse(readFileSync(path, "utf8")) as RunReport;

const CELLS = [
  code("one", "const a = 1;\na", ["given"]),
  code("two", 'throw new Error("b is two")', ["solution"]),
  code("three", "assert.equal(a, 2, 'a is not two')", ["tests", "points=2"]),
  code("four", "console.log('last')"),
];
const IMPORT = code("setup", 'import assert from "node:assert/strict";');

describe("receptive run --report", () => {
  test("lists every code cell: ok, errors with their messages, and cells not run with the reason", () => {
    const { dir, path } = notebook([IMPORT, ...CELLS]);
    const report = join(dir, "report.json");
    const r = run(path, "--out", join(dir, "out.ipynb"), "--report", report);
    assert.equal(r.status, 1);
    const rep = readReport(report);
    assert.equal(rep.version, 1);
    assert.equal(rep.finished, true);
    assert.equal(rep.ok, false);
    assert.deepEqual(
      rep.cells.map((c) => [c.index, c.id, c.count, c.status]),
      [
        [1, "setup", 1, "ok"],
        [2, "one", 2, "ok"],
        [3, "two", 3, "error"],
        [4, "three", 4, "not run"],
        [5, "four", 5, "not run"],
      ],
    );
    assert.deepEqual(rep.cells[2].error, { ename: "Error", evalue: "b is two" });
    assert.deepEqual(rep.cells[3].tags, ["tests", "points=2"]);
    assert.match(
      rep.cells[3].reason!,
      /cell 3 failed and the run stopped there \(--allow-errors runs every cell\)/,
    );
    assert.deepEqual(rep.counts, { ok: 2, error: 1, timeout: 0, "not run": 2 });
    assert.ok(rep.cells[0].seconds! >= 0 && rep.cells[3].seconds === null);
  });

  test("with --allow-errors every cell runs and reports its own result", () => {
    const { dir, path } = notebook([IMPORT, ...CELLS]);
    const report = join(dir, "report.json");
    const r = run(path, "--allow-errors", "--report", report);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*nb\.ipynb and .*report\.json/);
    const rep = readReport(report);
    assert.deepEqual(
      rep.cells.map((c) => c.status),
      ["ok", "ok", "error", "error", "ok"],
    );
    assert.equal(rep.cells[3].error?.ename, "AssertionError");
    assert.match(rep.cells[3].error!.evalue, /a is not two/);
  });

  test("--report must not overwrite the executed notebook", () => {
    const { path } = notebook(CELLS);
    const r = run(path, "--report", path);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /--report .* would overwrite the executed notebook .*; give it its own name, e.g. --report .*nb\.report\.json/,
    );
  });
});

describe("receptive run --budget", () => {
  test("stops the running cell when the notebook's budget runs out; the rest are not run and the run fails", () => {
    const { dir, path } = notebook([
      code("quick", "1 + 1"),
      code("forever", "while (true) {}"),
      code("after", "console.log('never')"),
    ]);
    const report = join(dir, "report.json");
    const started = Date.now();
    const r = run(path, "--budget", "3", "--timeout", "60", "--allow-errors", "--report", report);
    assert.equal(r.status, 1, "a notebook that runs out of budget fails, --allow-errors or not");
    assert.ok(Date.now() - started < 60_000, "the budget, not the 60 s timeout, stopped the loop");
    assert.match(
      r.stderr,
      /failed: Timeout: the notebook ran longer than its --budget of 3 s; this cell was stopped/,
    );
    const rep = readReport(report);
    assert.deepEqual(
      rep.cells.map((c) => c.status),
      ["ok", "timeout", "not run"],
    );
    assert.match(rep.cells[2].reason!, /the notebook ran longer than its --budget of 3 s/);
    const out = JSON.parse(readFileSync(path, "utf8"));
    assert.equal(out.cells[2].outputs[0].ename, "Timeout", "the outputs were written");
  });

  test("--timeout still stops one cell and the next runs", () => {
    const { dir, path } = notebook([code("forever", "for (;;) {}"), code("after", "2 + 2")]);
    const report = join(dir, "report.json");
    const r = run(path, "--timeout", "2", "--allow-errors", "--report", report);
    assert.equal(r.status, 0, r.stderr);
    const rep = readReport(report);
    assert.deepEqual(
      rep.cells.map((c) => c.status),
      ["timeout", "ok"],
    );
    assert.match(rep.cells[0].error!.evalue, /longer than --timeout 2 s/);
  });

  test("bad values are explained", () => {
    const { path } = notebook(CELLS);
    const r = run(path, "--budget", "soon");
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--budget must be a positive number of seconds, got 'soon'/);
  });
});

test("a run killed mid-notebook leaves the report of the cells it finished, marked unfinished", async () => {
  const { dir, path } = notebook([code("quick", "1 + 1"), code("forever", "while (true) {}")]);
  const report = join(dir, "report.json");
  const child = spawn(process.execPath, [cli, "run", path, "--report", report], { stdio: "ignore" });
  try {
    await waitFor(
      "the first cell's result in the report",
      () => existsSync(report) && readReport(report).cells[0].status === "ok",
      60_000,
    );
  } finally {
    child.kill("SIGKILL");
  }
  await sleep(500);
  const rep = readReport(report);
  assert.equal(rep.finished, false);
  assert.deepEqual(
    rep.cells.map((c) => c.status),
    ["ok", "not run"],
  );
});
