// Creating tensors: from nested arrays or typed arrays, filled, random (seeded), ranges.
// Values are float32 unless a dtype is given; integer class targets may stay float32 too.

import { emptyStorage, newStorage } from "../backends/registry";
import { check, fmtShape } from "../errors";
import { defaultGenerator, type Generator } from "./random";
import { numelOf, type Shape } from "./shape";
import { allocateFloats, checkShape } from "./size-limit";
import { DTYPES, type DType, type NestedArray, Tensor } from "./tensor";

export interface TensorOptions {
  shape?: Shape;
  requiresGrad?: boolean;
  dtype?: DType;
}

export interface RandomOptions {
  requiresGrad?: boolean;
  generator?: Generator;
}

type Data = NestedArray | ArrayLike<number>;

/** A tensor from nested arrays (`[[1, 2], [3, 4]]`), a typed array (with `shape`), or a number. */
export function tensor(data: Data, options: TensorOptions = {}): Tensor {
  checkDType(options.dtype, "tensor");
  if (options.shape !== undefined) checkShape(options.shape, "tensor");
  let values: Float32Array;
  let shape: number[];
  let dtype: DType = options.dtype ?? "float32";
  if (ArrayBuffer.isView(data) || (typeof data === "object" && !Array.isArray(data))) {
    values = Float32Array.from(data as ArrayLike<number>);
    shape = options.shape ? [...options.shape] : [values.length];
  } else {
    shape = inferNestedShape(data as NestedArray);
    values = new Float32Array(numelOf(shape));
    let k = 0;
    let sawBool = false;
    const fill = (v: NestedArray) => {
      if (Array.isArray(v)) for (const e of v) fill(e);
      else {
        if (typeof v === "boolean") sawBool = true;
        else
          check(typeof v === "number", "tensor", () => `expected numbers, found ${typeof v} (${String(v)})`);
        values[k++] = Number(v);
      }
    };
    fill(data as NestedArray);
    if (sawBool && options.dtype === undefined) dtype = "bool";
    if (options.shape) {
      check(
        numelOf(options.shape) === values.length,
        "tensor",
        () => `shape ${fmtShape(options.shape!)} does not fit ${values.length} values`,
      );
      shape = [...options.shape];
    }
  }
  check(
    numelOf(shape) === values.length,
    "tensor",
    () => `shape ${fmtShape(shape)} holds ${numelOf(shape)} values but ${values.length} were given`,
  );
  if (dtype === "int64") values = values.map(Math.trunc);
  const t = new Tensor(values, shape, dtype);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

function inferNestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
    if (level === undefined) break;
  }
  // Check every sub-array has the same length (no ragged nesting).
  const verify = (v: NestedArray, d: number, path: string) => {
    if (d === shape.length) {
      check(!Array.isArray(v), "tensor", () => `ragged nested array: ${path} is deeper than its siblings`);
      return;
    }
    check(
      Array.isArray(v) && v.length === shape[d],
      "tensor",
      () =>
        `ragged nested array: ${path} has ${Array.isArray(v) ? `length ${v.length}` : "a number"}, expected length ${shape[d]}`,
    );
    (v as NestedArray[]).forEach((e, i) => {
      verify(e, d + 1, `${path}[${i}]`);
    });
  };
  verify(data, 0, "data");
  return shape;
}

/** Rejects dtypes the engine does not have, naming the ones it does. */
function checkDType(dtype: unknown, op: string): void {
  check(
    dtype === undefined || DTYPES.includes(dtype as DType),
    op,
    () =>
      `dtype ${JSON.stringify(dtype)} is not supported; the supported dtypes are ${DTYPES.map((d) => `"${d}"`).join(", ")} (complex and float64 tensors are not available: values are stored as float32)`,
  );
}

/**
 * A new tensor of `shape` whose storage `fill` writes (`fill` null: zeros). The storage is the active
 * backend's (wasm memory with the wasm backend), so the first op on it reads it in place instead of
 * copying it in on every call.
 */
function make(
  shape: Shape,
  op: string,
  fill: ((out: Float32Array) => void) | null,
  requiresGrad = false,
  dtype: DType = "float32",
): Tensor {
  checkDType(dtype, op);
  const out = allocateFloats(checkShape(shape, op), shape, op, fill === null ? newStorage : emptyStorage);
  fill?.(out);
  const t = new Tensor(out, shape, dtype);
  if (requiresGrad) t.requiresGrad_(true);
  return t;
}

export function zeros(shape: Shape, options: { requiresGrad?: boolean; dtype?: DType } = {}): Tensor {
  return make(shape, "zeros", null, options.requiresGrad, options.dtype);
}
export function ones(shape: Shape, options: { requiresGrad?: boolean; dtype?: DType } = {}): Tensor {
  return make(shape, "ones", (o) => o.fill(1), options.requiresGrad, options.dtype);
}
export function full(
  shape: Shape,
  value: number,
  options: { requiresGrad?: boolean; dtype?: DType } = {},
): Tensor {
  return make(shape, "full", (o) => o.fill(value), options.requiresGrad, options.dtype);
}
export const zerosLike = (t: Tensor, options: { requiresGrad?: boolean } = {}): Tensor =>
  zeros(t.shape, options);
export const onesLike = (t: Tensor, options: { requiresGrad?: boolean } = {}): Tensor =>
  ones(t.shape, options);
export const fullLike = (t: Tensor, value: number): Tensor => full(t.shape, value);

/** Standard normal samples from the seeded generator. */
export function randn(shape: Shape, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return make(
    shape,
    "randn",
    (o) => {
      for (let i = 0; i < o.length; i++) o[i] = g.normal();
    },
    options.requiresGrad,
  );
}

/** Uniform samples in [0, 1). */
export function rand(shape: Shape, options: RandomOptions = {}): Tensor {
  const g = options.generator ?? defaultGenerator;
  return make(
    shape,
    "rand",
    (o) => {
      for (let i = 0; i < o.length; i++) o[i] = g.uniform();
    },
    options.requiresGrad,
  );
}

/** Random integers in [low, high). */
export function randint(
  low: number,
  high: number,
  shape: Shape,
  options: { generator?: Generator } = {},
): Tensor {
  check(high > low, "randint", () => `high (${high}) must be greater than low (${low})`);
  const g = options.generator ?? defaultGenerator;
  return make(
    shape,
    "randint",
    (o) => {
      for (let i = 0; i < o.length; i++) o[i] = low + g.int(high - low);
    },
    false,
    "int64",
  );
}

/** A random permutation of 0..n-1. */
export function randperm(n: number, options: { generator?: Generator } = {}): Tensor {
  checkShape([n], "randperm");
  const p = (options.generator ?? defaultGenerator).permutation(n);
  return new Tensor(Float32Array.from(p), [n], "int64");
}

/** `arange(end)`, `arange(start, end)` or `arange(start, end, step)`, like torch.arange. */
export function arange(start: number, end?: number, step = 1): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  check(
    [start, end, step].every(Number.isFinite),
    "arange",
    () => `start, end and step must be finite numbers, got ${start}, ${end}, ${step}`,
  );
  check(step !== 0, "arange", "step must be non-zero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const ints = [start, end, step].every(Number.isInteger);
  return make(
    [n],
    "arange",
    (o) => {
      for (let i = 0; i < n; i++) o[i] = start + i * step;
    },
    false,
    ints ? "int64" : "float32",
  );
}

/** `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number): Tensor {
  return make([steps], "linspace", (o) => {
    for (let i = 0; i < steps; i++) o[i] = steps === 1 ? start : start + ((end - start) * i) / (steps - 1);
  });
}

/** An n x m identity matrix (m defaults to n). */
export function eye(n: number, m = n): Tensor {
  return make([n, m], "eye", (o) => {
    for (let i = 0; i < Math.min(n, m); i++) o[i * m + i] = 1;
  });
}
