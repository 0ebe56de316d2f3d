// `receptive run` on notebook fixtures: outputs saved in nbformat's shape (validated by Debian's
// python3-nbformat), the first error stops the run with its cell number, --allow-errors goes on,
// --timeout stops a runaway cell; and nbclient (nbconvert's executor) runs the same notebook.
// Every failure ends the run within seconds with a message naming the cause: a malformed notebook
// or a destination that cannot be written (checked before any cell runs), a cell calling
// process.exit, and killing `receptive run` takes its child process with it.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { TENSOR_MIME } from "../../kernel/display/schema";
import { installKernelspec } from "../../kernel/server/jupyter/kernelspec";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";
import { alive, childrenOf, sleep, startRunUntil, waitFor } from "../processes";

const repo = join(__dirname, "..", "..", "..");
const cli = join(repo, "dist", "kernel", "cli.js");
const fixtures = join(repo, "test", "kernel", "fixtures");

function copyFixture(name: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "receptive-run-"));
  const path = join(dir, name);
  copyFileSync(join(fixtures, name), path);
  return { dir, path };
}

/** Runs the CLI with the kernel's Node flags; `viaRerun` starts it without them (it re-runs itself). */
function receptiveRun(...args: string[]) {
  const viaRerun = args[0] === "--via-rerun";
  const nodeArgs = viaRerun ? [cli, "run", ...args.slice(1)] : [...KERNEL_NODE_FLAGS, cli, "run", ...args];
  const r = spawnSync(process.execPath, nodeArgs, { encoding: "utf8", timeout: 60_000 });
  assert.ok(
    r.signal === null,
    `receptive run ${args.join(" ")} hung and was killed (${r.signal}):\n${r.stderr}`,
  );
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const codeCell = (source: unknown) => ({
  cell_type: "code",
  metadata: {},
  execution_count: null,
  outputs: [],
  source,
});

/** A fresh folder holding `name`, a notebook with these cells (or this whole JSON value). */
function writeNotebook(name: string, cells: unknown[], whole?: unknown): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "receptive-run-"));
  const path = join(dir, name);
  const nb = whole ?? { nbformat: 4, nbformat_minor: 4, metadata: {}, cells };
  writeFileSync(path, typeof nb === "string" ? nb : JSON.stringify(nb));
  return { dir, path };
}

/** Files a run left that it should not have: its temporary `.NAME.PID.tmp` files. */
const tempFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

/** nbformat stores multi-line text as a list of lines. */
const joined = (text: string | string[]) => (Array.isArray(text) ? text.join("") : text);
const readNb = (p: string) => JSON.parse(readFileSync(p, "utf8"));
const codeCells = (nb: any) => nb.cells.filter((c: any) => c.cell_type === "code");

function validateWithNbformat(path: string): void {
  const r = spawnSync(
    "/usr/bin/python3",
    ["-c", "import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], 4))", path],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, `nbformat rejects ${path}:\n${r.stderr}`);
}

describe("receptive run", () => {
  test("executes every cell and writes outputs to --out, leaving the source untouched", () => {
    const { dir, path } = copyFixture("small.ipynb");
    const out = join(dir, "executed.ipynb");
    const before = readFileSync(path, "utf8");
    const r = receptiveRun("--via-rerun", path, "--out", out);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cell 3\/3 ok/);
    assert.equal(readFileSync(path, "utf8"), before);
    validateWithNbformat(out);
    const [image, edges, live] = codeCells(readNb(out));
    assert.deepEqual([image.execution_count, edges.execution_count, live.execution_count], [1, 2, 3]);
    const imageData = image.outputs[0].data;
    assert.equal(image.outputs[0].output_type, "execute_result");
    assert.deepEqual(imageData[TENSOR_MIME].shape, [6, 6]);
    assert.equal((imageData["text/html"].match(/<td/g) ?? []).length, 36);
    assert.deepEqual(edges.outputs[0], {
      output_type: "stream",
      name: "stdout",
      text: "edge map sum: 240\n",
    });
    assert.deepEqual(
      edges.outputs[1].data[TENSOR_MIME].values,
      [0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0, 0, 30, 30, 0],
    );
    // the live display was updated in place: one output holding the last value
    assert.equal(live.outputs.length, 1);
    assert.equal(live.outputs[0].data["text/plain"], "{ step: 3 }");
  });

  test("a function sees a top-level let or var as later cells set it (not a stale copy)", () => {
    const cells = [
      "let lr = 0.1;\nvar epochs = 1;\nfunction settings() { return [lr, epochs]; }",
      "lr = 0.01; epochs += 2;",
      "settings()",
      "let lr = 5; // declared again: earlier functions keep the earlier variable\n[lr, settings()[0]]",
      "lr++; lr",
    ].map(codeCell);
    const { dir, path } = writeNotebook("live.ipynb", cells);
    const out = join(dir, "out.ipynb");
    const r = receptiveRun(path, "--out", out);
    assert.equal(r.code, 0, r.stderr);
    const text = codeCells(readNb(out)).map((c: any) => joined(c.outputs[0]?.data?.["text/plain"] ?? ""));
    assert.deepEqual(text.slice(2), ["[ 0.01, 3 ]", "[ 5, 0.01 ]", "6"]);
  });

  test("stops at the first error with the cell number, keeping the outputs so far", () => {
    const { dir, path } = copyFixture("failing.ipynb");
    const out = join(dir, "executed.ipynb");
    const r = receptiveRun(path, "--out", out);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cell 2 \(notebook cell 2\) failed: Error: b is two/);
    validateWithNbformat(out);
    const [first, second, third] = codeCells(readNb(out));
    assert.equal(first.outputs[0].data["text/plain"], "1");
    assert.equal(second.outputs[0].output_type, "error");
    assert.match(second.outputs[0].traceback.join("\n"), /line 2/);
    assert.deepEqual(third.outputs, []);
  });

  test("--allow-errors runs on and overwrites the notebook in place atomically", () => {
    const { dir, path } = copyFixture("failing.ipynb");
    const r = receptiveRun(path, "--allow-errors");
    assert.equal(r.code, 0, r.stderr);
    const third = codeCells(readNb(path))[2];
    assert.deepEqual(third.outputs, [{ output_type: "stream", name: "stdout", text: "after the error 1\n" }]);
    assert.deepEqual(readdirSync(dir), ["failing.ipynb"]); // no temporary file left behind
  });

  test("--timeout stops a runaway synchronous cell", () => {
    const dir = mkdtempSync(join(tmpdir(), "receptive-run-"));
    const path = join(dir, "spin.ipynb");
    const cell = (source: string) => ({
      cell_type: "code",
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    });
    writeFileSync(
      path,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [cell("let n = 0;\nwhile (true) n++;")],
      }),
    );
    const r = receptiveRun(path, "--timeout", "1");
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /cell 1 \(notebook cell 1\) failed: Timeout: the cell ran longer than --timeout 1 s/,
    );
  });

  test("input() in a headless run fails with a message that says what to do instead", () => {
    const dir = mkdtempSync(join(tmpdir(), "receptive-run-"));
    const path = join(dir, "ask.ipynb");
    const cell = {
      cell_type: "code",
      metadata: {},
      execution_count: null,
      outputs: [],
      source: 'await input("name? ")',
    };
    writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [cell] }));
    const r = receptiveRun(path);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /failed: Error: input: `receptive run` executes the notebook headless.*put the value in the cell/,
    );
  });

  test("bad arguments are explained", () => {
    const r = receptiveRun("--timeout", "soon");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--timeout must be a positive number of seconds, got 'soon'/);
  });

  test("nbclient (what nbconvert --execute uses) runs the notebook on the installed kernel", () => {
    const prefix = mkdtempSync(join(tmpdir(), "receptive-kernelspec-"));
    installKernelspec({ prefix });
    const { dir, path } = copyFixture("small.ipynb");
    const out = join(dir, "nbclient.ipynb");
    const script = [
      "import sys, nbformat, nbclient",
      "nb = nbformat.read(sys.argv[1], 4)",
      "nbclient.NotebookClient(nb, kernel_name='receptive', timeout=60, resources={'metadata': {'path': sys.argv[3]}}).execute()",
      "nbformat.write(nb, sys.argv[2])",
    ].join("\n");
    const r = spawnSync("/usr/bin/python3", ["-c", script, path, out, dir], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const [image, edges, live] = codeCells(readNb(out));
    assert.deepEqual(image.outputs[0].data[TENSOR_MIME].shape, [6, 6]);
    assert.equal(joined(edges.outputs[0].text), "edge map sum: 240\n");
    assert.equal(joined(live.outputs[0].data["text/plain"]), "{ step: 3 }"); // nbclient applied update_display_data
  });
});

describe("receptive run: every failure ends the run with its cause", () => {
  test("--help prints the usage and exits 0; an unknown option is refused with the usage", () => {
    for (const flag of ["--help", "-h"]) {
      const help = receptiveRun(flag);
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^usage: receptive run NOTEBOOK\.ipynb/);
      assert.match(help.stdout, /--timeout S/);
    }
    const unknown = receptiveRun("--colour", "x.ipynb");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /receptive run: unknown option '--colour'\n\nusage: receptive run/);
  });

  test("a malformed notebook is refused at once, naming the cell, what was given and what is expected", () => {
    const small = readNb(join(fixtures, "small.ipynb"));
    const withCell = (cell: unknown) => ({ ...small, cells: [small.cells[0], cell] });
    const cases: [string, unknown, RegExp][] = [
      [
        "number-source",
        withCell(codeCell(42)),
        /cell 2 has a "source" that is a number \(42\); expected a string or a list of strings/,
      ],
      [
        "null-source",
        withCell(codeCell(null)),
        /cell 2 has a "source" that is null; expected a string or a list of strings/,
      ],
      [
        "list-source",
        withCell(codeCell(["a", 1])),
        /cell 2 has a "source" that is a list with a line that is not a string/,
      ],
      ["null-cell", withCell(null), /cell 2 is null; each cell must be an object like \{"cell_type": "code"/],
      [
        "no-type",
        withCell({ source: "1" }),
        /cell 2 has a "cell_type" that is missing; expected "code", "markdown" or "raw"/,
      ],
      [
        "no-cells",
        { nbformat: 4, nbformat_minor: 5, metadata: {} },
        /has no "cells" list \(its "cells" is missing\); an nbformat 4 notebook needs "cells": \[/,
      ],
      ["v3", { nbformat: 3, worksheets: [] }, /is nbformat 3, not 4; convert it with jupyter nbconvert/],
      ["not-json", "{ not json", /is not a notebook: it is not valid JSON/],
      [
        "a-list",
        [],
        /is not a notebook: expected a JSON object \{"nbformat": 4, "cells": \[\.\.\.\]\}, got a list/,
      ],
    ];
    for (const [name, nb, message] of cases) {
      const { dir, path } = writeNotebook(`${name}.ipynb`, [], typeof nb === "string" ? nb : nb);
      const before = readFileSync(path, "utf8");
      const r = receptiveRun(path, "--out", join(dir, "out.ipynb"));
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.match(r.stderr, message, name);
      assert.ok(r.stderr.includes(path), `${name}: the message names the file: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /cell 1/, `${name}: no cell ran`);
      assert.equal(readFileSync(path, "utf8"), before);
      assert.deepEqual(readdirSync(dir), [`${name}.ipynb`], `${name}: nothing written`);
    }
    const missing = receptiveRun(join(tmpdir(), "receptive-no-such-notebook.ipynb"));
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /cannot read notebook .*receptive-no-such-notebook\.ipynb: no such file; check the path/,
    );
  });

  test("a notebook without metadata runs, and what is written is valid nbformat", () => {
    const { dir, path } = writeNotebook("bare.ipynb", [], {
      nbformat: 4,
      nbformat_minor: 4,
      cells: [
        { cell_type: "code", source: ["1 +", " 1"] },
        { cell_type: "markdown", source: "# hi" },
      ],
    });
    const out = join(dir, "out.ipynb");
    const r = receptiveRun(path, "--out", out);
    assert.equal(r.code, 0, r.stderr);
    validateWithNbformat(out);
    const nb = readNb(out);
    assert.equal(nb.metadata.kernelspec.name, "receptive");
    assert.equal(nb.cells[0].outputs[0].data["text/plain"], "2");
    assert.deepEqual(nb.cells[1].metadata, {});
  });

  test("destinations that cannot be written are refused before any cell runs", () => {
    const { dir, path } = copyFixture("small.ipynb");
    mkdirSync(join(dir, "a-folder.ipynb"));
    const cases: [string[], RegExp][] = [
      [
        ["--out", join(dir, "missing", "out.ipynb")],
        /cannot write the executed notebook to .*missing\/out\.ipynb: the folder .*missing does not exist; create it \(mkdir -p .*missing\) or pick another --out/,
      ],
      [
        ["--out", join(dir, "a-folder.ipynb")],
        /cannot write the executed notebook to .*a-folder\.ipynb: .*a-folder\.ipynb is a folder, not a file; name a file, e\.g\. --out .*a-folder\.ipynb\/executed\.ipynb/,
      ],
      [
        ["--out", "/proc/out.ipynb"],
        /cannot write the executed notebook to \/proc\/out\.ipynb: files cannot be created in \/proc; pick another --out/,
      ],
      [
        ["--html", join(dir, "missing", "report.html")],
        /cannot write the HTML report to .*missing\/report\.html: the folder .*missing does not exist; create it/,
      ],
      [
        ["--out", join(dir, "o.ipynb"), "--html", join(dir, "o.ipynb")],
        /--html .*o\.ipynb would overwrite the executed notebook/,
      ],
    ];
    const before = readFileSync(path, "utf8");
    for (const [args, message] of cases) {
      const r = receptiveRun(path, ...args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stdout, /cell 1/, "no cell ran");
      assert.deepEqual(readdirSync(dir).sort(), ["a-folder.ipynb", "small.ipynb"]);
    }
    assert.equal(readFileSync(path, "utf8"), before);
    // the re-run without the kernel's flags reports the same, and exits too
    const viaRerun = receptiveRun("--via-rerun", path, "--out", join(dir, "missing", "out.ipynb"));
    assert.equal(viaRerun.code, 1);
    assert.match(viaRerun.stderr, /the folder .*missing does not exist/);
  });

  test("a destination that goes away during the run: the error names it, the outputs are kept elsewhere", () => {
    const { dir, path } = writeNotebook("rm.ipynb", [
      codeCell('require("node:fs").rmSync("gone", { recursive: true }); "ran"'),
    ]);
    mkdirSync(join(dir, "gone"));
    const r = receptiveRun(
      path,
      "--out",
      join(dir, "gone", "out.ipynb"),
      "--html",
      join(dir, "gone", "r.html"),
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /cell 1\/1 ok/);
    const kept =
      /the executed notebook was not saved: cannot write .*gone\/out\.ipynb: the folder .*gone does not exist; it was kept at (\S+) instead/.exec(
        r.stderr,
      );
    assert.ok(kept, r.stderr);
    assert.match(
      r.stderr,
      /the HTML report was not saved: cannot write .*gone\/r\.html: .*it was kept at \S+r\.html instead/,
    );
    validateWithNbformat(kept[1]);
    assert.equal(codeCells(readNb(kept[1]))[0].outputs[0].data["text/plain"], "'ran'");
    assert.deepEqual(tempFiles(dir), []);
  });

  test("process.exit(0) in a cell fails the run; the notebook is written with the error, later cells not run", () => {
    const { dir, path } = writeNotebook("exit.ipynb", [
      codeCell('console.log("one")'),
      codeCell("process.exit(0);"),
      codeCell('console.log("three")'),
    ]);
    const out = join(dir, "out.ipynb");
    const html = join(dir, "report.html");
    const r = receptiveRun(path, "--out", out, "--html", html);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      // NOTE: the kernel may also refuse process.exit itself (an error thrown in the cell); either
      // way the cell fails with a message naming the call
      /cell 2 \(notebook cell 2\) failed: \w+: process\.exit\(0\)/,
    );
    validateWithNbformat(out);
    const [one, exit, three] = codeCells(readNb(out));
    assert.equal(one.outputs[0].text, "one\n");
    assert.equal(exit.execution_count, 2);
    assert.equal(exit.outputs.at(-1).output_type, "error");
    assert.match(exit.outputs.at(-1).evalue, /process\.exit\(0\)/);
    assert.deepEqual([three.execution_count, three.outputs], [null, []]);
    assert.match(readFileSync(html, "utf8"), /<pre class="error">[^<]*process\.exit\(0\)/);
    assert.deepEqual(tempFiles(dir), []);
  });
});

describe("receptive run: its child process", () => {
  for (const signal of ["SIGKILL", "SIGTERM"] as const) {
    test(`dies with the parent (${signal}) and writes nothing afterwards`, async () => {
      const { dir, path } = writeNotebook("slow.ipynb", [
        codeCell("1"),
        codeCell("await new Promise((r) => setTimeout(r, 3000));"),
        codeCell("2"),
      ]);
      const out = join(dir, "out.ipynb");
      // started without the kernel's flags, it runs itself again as a child that has them
      const { parent, exited } = await startRunUntil(cli, [path, "--out", out], "cell 1/3 ok");
      const [child] = childrenOf(parent.pid as number);
      assert.ok(child !== undefined && alive(child), "a child runs the cells");
      parent.kill(signal);
      await exited;
      await waitFor("the child ended", () => !alive(child), 5000);
      await sleep(3500); // past the end of the slow cell: nothing may write the outputs now
      assert.equal(existsSync(out), false, "no output written after the parent was killed");
      assert.deepEqual(readdirSync(dir), ["slow.ipynb"]);
    });
  }
});
