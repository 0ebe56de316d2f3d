// Replays every PyTorch golden case (test/golden/data/*.json, made by make_goldens.py) on
// Receptive and compares outputs and input gradients within 1e-5 abs + 1e-4 rel.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectClose, expectShape } from "../helpers";
import { asList, callCase, decode, type GoldenCase, goldenFiles } from "./golden-data";

export function runGoldenCase(c: GoldenCase): void {
  const inputs = c.inputs.map(decode);
  const outs = asList(callCase(c, (k) => inputs[k]));
  assert.equal(outs.length, c.outputs.length, "number of outputs");
  c.outputs.forEach((e, k) => {
    expectShape(outs[k].shape, e.shape, `output ${k}`);
    expectClose(outs[k].storage, e.data, `output ${k}`);
  });
  for (const [slot, e] of Object.entries(c.after))
    expectClose(inputs[Number(slot)].storage, e.data, `input ${slot} after the call`);
  if (c.gout) {
    outs[0].backward(decode(c.gout));
    for (const [slot, e] of Object.entries(c.grads)) {
      const g = inputs[Number(slot)].grad;
      assert.ok(g !== null, `input ${slot} has no gradient`);
      expectShape(g.shape, e.shape, `grad of input ${slot}`);
      expectClose(g.storage, e.data, `grad of input ${slot}`);
    }
  }
}

for (const golden of goldenFiles()) {
  describe(`golden ${golden.family} (torch ${golden.torch})`, () => {
    it("has a known header", () => {
      assert.equal(golden.format, "receptive-golden");
      assert.equal(golden.version, 1);
    });
    for (const c of golden.cases) it(`${c.name} (${c.op})`, () => runGoldenCase(c));
  });
}
