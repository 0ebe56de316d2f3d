// Tensor shapes share one hidden class (tensor/tensor.ts frozenShape): whatever array an op built
// its shape in (doubles, `new Array(n)`, a spread), the copy a tensor keeps is frozen small
// integers. A shape class of its own that only a step's activations had was collected by every full
// GC between steps, and V8 then dropped the optimized code of every function that had seen it.
// V8's %HaveSameMap tells, in a child started with --allow-natives-syntax.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const engine = join(__dirname, "../../kernel/engine/index.js");

/** Prints one line per op of LeNet-5's forward graph whose output shape's class is not a parameter's. */
const child = `
const R = require(${JSON.stringify(engine)});
const model = R.models.lenet5();
const reference = model.parameters()[0].shape;
const odd = new Set();
const walk = (t) => {
  if (!%HaveSameMap(t.shape, reference)) odd.add(t.gradFn ? t.gradFn.name : "leaf");
  for (const input of t.gradFn ? t.gradFn.inputs : []) if (input) walk(input);
};
walk(model.forward(R.randn([4, 1, 28, 28])));
const shapes = [[2, 3], new Array(2).fill(3), [6 / 2, 1.5 * 2], Float64Array.from([2, 3])];
for (const s of shapes) if (!%HaveSameMap(R.zeros([...s]).shape, reference)) odd.add("zeros of " + s.constructor.name);
console.log(JSON.stringify([...odd]));
`;

describe("tensor shapes", () => {
  it("share one hidden class, whatever array each op built its shape in", () => {
    const r = spawnSync(process.execPath, ["--allow-natives-syntax", "-e", child], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout.trim()),
      [],
      "these ops' output shapes have a hidden class of their own",
    );
  });
});
