// The course runs top to bottom: every notebook in notebooks/ is executed headless with
// `receptive run` (the kernel's own executor), and the numbers the lectures promise are in its outputs.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const root = join(__dirname, "..", "..", "..");
const cli = join(root, "dist", "kernel", "cli.js");
const out = mkdtempSync(join(tmpdir(), "receptive-notebooks-"));
after(() => rmSync(out, { recursive: true, force: true }));

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}

/** Runs a notebook and returns the text of each code cell's outputs. */
function runNotebook(name: string): string[] {
  const target = join(out, name);
  const r = spawnSync(process.execPath, [cli, "run", join(root, "notebooks", name), "--out", target], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, `receptive run ${name} failed:\n${r.stdout}\n${r.stderr}`);
  const nb = JSON.parse(readFileSync(target, "utf8")) as {
    cells: { cell_type: string; outputs?: Output[] }[];
  };
  const join_ = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join("") : (t ?? ""));
  return nb.cells
    .filter((c) => c.cell_type === "code")
    .map((c) => (c.outputs ?? []).map((o) => join_(o.text) + join_(o.data?.["text/plain"])).join("\n"));
}

const notebooks = readdirSync(join(root, "notebooks"))
  .filter((f) => f.endsWith(".ipynb"))
  .sort();

describe("course notebooks", () => {
  it("are all checked below", () => {
    assert.deepEqual(notebooks, [
      "01-convolution.ipynb",
      "03-pooling-unpooling-receptive-fields.ipynb",
      "05-lenet-fashion-mnist.ipynb",
      "08-pretrained-onnx.ipynb",
    ]);
  });

  it("01: the edge maps, padding tables and learned filter of the lectures", () => {
    const cells = runNotebook("01-convolution.ipynb").join("\n");
    assert.match(
      cells,
      /\[ 0\., 30\., 30\., {2}0\.\],\n\s+\[ 0\., 30\., 30\., {2}0\.\]/,
      "vertical edge map",
    );
    assert.match(cells, /\[\s*0\., -30\., -30\.,\s*0\.\]/, "dark-to-light edge map");
    assert.match(cells, /\[\s*30\.,\s*10\., -10\., -30\.\]/, "horizontal edge map");
    // Seed 003's reflection table, first row.
    assert.match(cells, /reflect\ntensor\(\[\[9\., 1\., 9\., 5\., 0\., 7\., 7\., 7\.\]/);
    for (const line of cells.matchAll(/formula (\d+), conv2d gives (\d+)/g)) assert.equal(line[1], line[2]);
    const losses = [...cells.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
    assert.ok(losses.at(-1)! < 0.05 * losses[0], `the filter is learned: losses ${losses}`);
  });

  it("03: pooling slide, self-check answers and VGG-16's totals", () => {
    const cells = runNotebook("03-pooling-unpooling-receptive-fields.ipynb").join("\n");
    assert.match(cells, /\[\[9\., 6\.\],\n\s+\[9\., 8\.\]\]/, "the 4x4 max-pool slide");
    assert.match(cells, /C_in = 1: 40 parameters/);
    assert.match(cells, /C_in = 3: 112 parameters/);
    assert.match(cells, /Total params: 138,357,544/);
  });

  it("08: PaddleOCR's pretrained networks read a real screenshot", () => {
    const cells = runNotebook("08-pretrained-onnx.ipynb").join("\n");
    assert.match(cells, /129,356 pretrained parameters/);
    // The direction classifier: an upright line is upright, the same line rotated is upside down.
    const upright = /upright: 0 degrees (\d\.\d+), 180 degrees (\d\.\d+)/.exec(cells);
    const rotated = /rotated: 0 degrees (\d\.\d+), 180 degrees (\d\.\d+)/.exec(cells);
    assert.ok(upright && Number(upright[1]) > 0.9, `upright line: ${upright?.[0]}`);
    assert.ok(rotated && Number(rotated[2]) > 0.9, `rotated line: ${rotated?.[0]}`);
    assert.match(cells, /Conv2d p2o_Conv_0: 8 maps of 24x96/);
    assert.match(cells, /text lines found: 6\b/);
    const diff = Number(/largest difference from ONNX Runtime: (\S+)/.exec(cells)?.[1]);
    assert.ok(diff < 1e-3, `detector vs ONNX Runtime: ${diff}`);
  });

  it("05: LeNet-5 learns Fashion-MNIST", () => {
    const cells = runNotebook("05-lenet-fashion-mnist.ipynb").join("\n");
    const acc = Number(/test accuracy: (\d\.\d+)/.exec(cells)?.[1]);
    // PyTorch reaches 0.869 with this recipe (test/bench/results); a broken gradient stays near 0.1.
    assert.ok(acc > 0.84, `test accuracy ${acc}`);
  });
});
