// The PyTorch golden cases (test/golden/data/*.json, made by make_goldens.py) and how to call one
// on Receptive: shared by golden.test.ts (values and gradients) and by the tests that walk every
// golden op's arguments (unit/api-errors.test.ts, unit/saved-tensors.test.ts).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as R from "../../kernel/engine/index";
import { type DType, type Tensor, tensor } from "../../kernel/engine/index";

export interface Encoded {
  shape: number[];
  dtype: DType;
  data: number[];
  requiresGrad?: boolean;
}
export interface GoldenCase {
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
export interface GoldenFile {
  format: string;
  version: number;
  family: string;
  torch: string;
  cases: GoldenCase[];
}

// The golden data sits next to this file's source; compiled tests run from dist/.
const dataDir = join(__dirname, "..", "..", "..", "test", "golden", "data");

/** Every golden file, sorted by name. */
export function goldenFiles(): GoldenFile[] {
  return readdirSync(dataDir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dataDir, f), "utf8"), nonFinite) as GoldenFile);
}

/** golden.py writes NaN and infinities (which JSON lacks) as these strings. */
function nonFinite(_key: string, v: unknown): unknown {
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return v;
}

export function decode(e: Encoded): Tensor {
  return tensor(Float32Array.from(e.data), { shape: e.shape, dtype: e.dtype, requiresGrad: e.requiresGrad });
}

/** A case's argument with `{t: k}` replaced by `slot(k, path)` and `{num}` by the number. */
export function resolveArg(
  a: unknown,
  slot: (k: number, path: (string | number)[]) => unknown,
  path: (string | number)[] = [],
): unknown {
  if (Array.isArray(a)) return a.map((x, i) => resolveArg(x, slot, [...path, i]));
  if (a !== null && typeof a === "object") {
    const o = a as { t?: number; num?: string };
    if (o.t !== undefined) return slot(o.t, path);
    if (o.num !== undefined) return Number(o.num.replace("inf", "Infinity"));
  }
  return a;
}

/** Paths ("args", i, ...) / ("kwargs", key, ...) to every tensor slot of a case. */
export function tensorSlots(c: GoldenCase): (string | number)[][] {
  const slots: (string | number)[][] = [];
  const walk = (a: unknown, path: (string | number)[]) => {
    if (Array.isArray(a)) for (const [i, x] of a.entries()) walk(x, [...path, i]);
    else if (a !== null && typeof a === "object" && (a as { t?: number }).t !== undefined) slots.push(path);
  };
  for (const [i, a] of c.args.entries()) walk(a, ["args", i]);
  for (const [k, v] of Object.entries(c.kwargs)) walk(v, ["kwargs", k]);
  return slots;
}

/** Calls the case's op with its arguments, each tensor slot filled by `slot(k, path)`. */
export function callCase(c: GoldenCase, slot: (k: number, path: (string | number)[]) => unknown): unknown {
  const args = c.args.map((a, i) => resolveArg(a, slot, ["args", i]));
  const kwargs = Object.fromEntries(
    Object.entries(c.kwargs).map(([k, v]) => [k, resolveArg(v, slot, ["kwargs", k])]),
  );
  const rest = Object.keys(kwargs).length > 0 ? [...args, kwargs] : args;
  if (c.op.startsWith("Tensor.")) {
    const method = c.op.slice("Tensor.".length);
    const self = rest[0] as unknown as Record<string, (...a: unknown[]) => unknown>;
    assert.equal(typeof self[method], "function", `Tensor has no method ${method}`);
    return self[method](...rest.slice(1));
  }
  // torch.cat -> cat, torchvision.ops.box_iou -> ops.boxIou, anything else is F.<name>.
  const [table, name] = (
    c.op.startsWith("torch.")
      ? [R, c.op.slice(6)]
      : c.op.startsWith("ops.")
        ? [R.ops, c.op.slice(4)]
        : [R.F, c.op]
  ) as [Record<string, (...a: unknown[]) => unknown>, string];
  assert.equal(typeof table[name], "function", `no function ${c.op}`);
  return table[name](...rest);
}

/** An op's result as a list of tensors (values and indices, output and indices...). */
export function asList(result: unknown): Tensor[] {
  if (result instanceof R.Tensor) return [result];
  if (Array.isArray(result)) return result as Tensor[];
  const r = result as { values?: Tensor; indices?: Tensor; output?: Tensor };
  if (r.values && r.indices) return [r.values, r.indices];
  if (r.output && r.indices) return [r.output, r.indices];
  throw new Error(`unexpected result ${String(result)}`);
}
