// Replays every PyTorch golden case (test/golden/data/*.json, made by make_goldens.py) on
// Receptive and compares outputs and input gradients within 1e-5 abs + 1e-4 rel.

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as R from "../../kernel/engine/index";
import { type DType, type Tensor, tensor } from "../../kernel/engine/index";
import { expectClose, expectShape } from "../helpers";

interface Encoded {
  shape: number[];
  dtype: DType;
  data: number[];
  requiresGrad?: boolean;
}
interface GoldenCase {
  name: string;
  op: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  inputs: Encoded[];
  outputs: Encoded[];
  gout: Encoded | null;
  grads: Record<string, Encoded>;
  after: Record<string, Encoded>;
}
interface GoldenFile {
  format: string;
  version: number;
  family: string;
  torch: string;
  cases: GoldenCase[];
}

// The golden data sits next to this test's source; compiled tests run from dist/.
const dataDir = join(__dirname, "..", "..", "..", "test", "golden", "data");

function decode(e: Encoded): Tensor {
  return tensor(Float32Array.from(e.data), { shape: e.shape, dtype: e.dtype, requiresGrad: e.requiresGrad });
}

function resolveArg(a: unknown, inputs: Tensor[]): unknown {
  if (Array.isArray(a)) return a.map((x) => resolveArg(x, inputs));
  if (a !== null && typeof a === "object") {
    const o = a as { t?: number; num?: string };
    if (o.t !== undefined) return inputs[o.t];
    if (o.num !== undefined) return Number(o.num.replace("inf", "Infinity"));
  }
  return a;
}

function call(op: string, args: unknown[], kwargs: Record<string, unknown>): unknown {
  const rest = Object.keys(kwargs).length > 0 ? [...args, kwargs] : args;
  if (op.startsWith("Tensor.")) {
    const method = op.slice("Tensor.".length);
    const self = rest[0] as unknown as Record<string, (...a: unknown[]) => unknown>;
    assert.equal(typeof self[method], "function", `Tensor has no method ${method}`);
    return self[method](...rest.slice(1));
  }
  const table = (op.startsWith("torch.") ? R : R.F) as unknown as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  const name = op.replace(/^torch\./, "");
  assert.equal(typeof table[name], "function", `no function ${op}`);
  return table[name](...rest);
}

function asList(result: unknown): Tensor[] {
  if (result instanceof R.Tensor) return [result];
  if (Array.isArray(result)) return result as Tensor[];
  const r = result as { values?: Tensor; indices?: Tensor; output?: Tensor };
  if (r.values && r.indices) return [r.values, r.indices];
  if (r.output && r.indices) return [r.output, r.indices];
  throw new Error(`unexpected result ${String(result)}`);
}

export function runGoldenCase(c: GoldenCase): void {
  const inputs = c.inputs.map(decode);
  const args = c.args.map((a) => resolveArg(a, inputs));
  const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, resolveArg(v, inputs)]));
  const outs = asList(call(c.op, args, kwargs));
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

for (const file of readdirSync(dataDir)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const golden = JSON.parse(readFileSync(join(dataDir, file), "utf8")) as GoldenFile;
  describe(`golden ${golden.family} (torch ${golden.torch})`, () => {
    it("has a known header", () => {
      assert.equal(golden.format, "receptive-golden");
      assert.equal(golden.version, 1);
    });
    for (const c of golden.cases) it(`${c.name} (${c.op})`, () => runGoldenCase(c));
  });
}
