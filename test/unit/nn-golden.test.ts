// Replays the PyTorch module goldens (test/golden/nn/modules.json, made by make_nn_goldens.py):
// each layer is built with the same arguments, loaded with PyTorch's state dict through
// loadStateDict, run forward and backward, and compared: outputs, gradients of the inputs and
// parameters, and the state after the call (batch norm's running statistics).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type DType, nn, type Tensor, tensor } from "../../kernel/engine/index";
import { expectReproduced } from "../golden/regenerated";
import { expectClose, expectShape } from "../helpers";

interface Encoded {
  shape: number[];
  dtype: DType;
  data: number[];
  requiresGrad?: boolean;
}
interface ModuleCase {
  name: string;
  module: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  train: boolean;
  inputs: Encoded[];
  stateBefore: Record<string, Encoded>;
  outputs: Encoded[];
  gout: Encoded;
  grads: Record<string, Encoded>;
  stateAfter: Record<string, Encoded>;
}

const file = join(__dirname, "..", "..", "..", "test", "golden", "nn", "modules.json");
const golden = JSON.parse(readFileSync(file, "utf8")) as {
  format: string;
  version: number;
  cases: ModuleCase[];
};

const decode = (e: Encoded): Tensor =>
  tensor(Float32Array.from(e.data), { shape: e.shape, dtype: e.dtype, requiresGrad: e.requiresGrad });
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const arg = (a: unknown): unknown =>
  a !== null && typeof a === "object" && "tensor" in (a as object)
    ? decode((a as { tensor: Encoded }).tensor)
    : a;

describe("nn modules match PyTorch", () => {
  it("golden file header", () => {
    assert.equal(golden.format, "receptive-nn-golden");
    assert.equal(golden.version, 1);
  });
  for (const c of golden.cases)
    it(c.name, () => {
      const Cls = (nn as unknown as Record<string, new (...a: unknown[]) => nn.Module>)[c.module];
      assert.equal(typeof Cls, "function", `nn.${c.module} is missing`);
      const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, arg(v)]));
      const args = c.args.map(arg);
      const m = Object.keys(kwargs).length ? new Cls(...args, kwargs) : new Cls(...args);
      m.train(c.train);
      const state = Object.fromEntries(
        Object.entries(c.stateBefore).map(([k, v]) => [k.split(".").map(camel).join("."), decode(v)]),
      );
      m.loadStateDict(state);
      const inputs = c.inputs.map(decode);
      const result = m.forward(...inputs);
      const outs: Tensor[] = Array.isArray(result) ? result : [result];
      assert.equal(outs.length, c.outputs.length, "number of outputs");
      outs.forEach((o, i) => {
        expectShape(o.shape, c.outputs[i].shape, `output ${i}`);
        expectClose(o.data, c.outputs[i].data, `output ${i}`);
      });
      if (Object.keys(c.grads).length > 0) {
        outs[0].mul(decode(c.gout)).sum().backward();
        const params = new Map(m.namedParameters());
        for (const [k, g] of Object.entries(c.grads)) {
          const t = k.startsWith("input") ? inputs[Number(k.slice(5))] : params.get(camel(k));
          assert.ok(t?.grad, `no gradient for ${k}`);
          expectClose(t.grad.data, g.data, `grad ${k}`);
        }
      }
      const after = m.stateDict();
      for (const [k, v] of Object.entries(c.stateAfter)) {
        const ours = after[k.split(".").map(camel).join(".")];
        assert.ok(ours, `state dict lacks ${k}`);
        expectClose(ours.data, v.data, `state after: ${k}`);
      }
    });
});

describe("nn goldens are reproducible", () => {
  it("the committed file is what the seeded script makes (needs Debian's python3-torch)", () => {
    expectReproduced(
      join(__dirname, "..", "..", "..", "test", "golden", "nn/make_nn_goldens.py"),
      "modules.json",
      file,
    );
  });
});
