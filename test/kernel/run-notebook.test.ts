// `receptive run` on notebook fixtures: outputs saved in nbformat's shape (validated by Debian's
// python3-nbformat), the first error stops the run with its cell number, --allow-errors goes on,
// --timeout stops a runaway cell; and nbclient (nbconvert's executor) runs the same notebook.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { TENSOR_MIME } from "../../kernel/display/schema";
import { installKernelspec } from "../../kernel/server/jupyter/kernelspec";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";

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
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

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
