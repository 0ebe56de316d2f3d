// Bad arguments at the public API get errors naming the op, what it expected, what it got and the
// fix: non-Tensors where a Tensor belongs (every golden op, every tensor argument), unsupported
// dtypes, impossible shapes and thread counts.

import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import * as R from "../../kernel/engine/index";
import {
  cat,
  type DType,
  F,
  full,
  getNumThreads,
  matmul,
  nn,
  ones,
  ReceptiveError,
  randn,
  setNumThreads,
  type Tensor,
  tensor,
  zeros,
} from "../../kernel/engine/index";
import { callCase, decode, goldenFiles, tensorSlots } from "../golden/golden-data";

/** assert.throws for a ReceptiveError whose message matches `re`. */
function throwsClearly(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ReceptiveError, `expected a ReceptiveError, got ${String(e)}`);
    assert.match(e.message, re);
    return true;
  });
}

describe("non-Tensor arguments", () => {
  it("F.conv2d with nested arrays says what to do", () => {
    const w = randn([1, 1, 1, 2]);
    throwsClearly(
      () => F.conv2d([[1, 2]] as unknown as Tensor, w),
      /^conv2d: input must be a Tensor, got an Array \(number\[\]\[\]\)\. Fix: wrap it with tensor\(\.\.\.\)$/,
    );
    throwsClearly(
      () => F.conv2d(randn([1, 1, 2, 2]), [[[[1]]]] as unknown as Tensor),
      /^conv2d: weight must be a Tensor, got an Array \(number\[\]\[\]\[\]\[\]\)/,
    );
    throwsClearly(
      () => F.conv2d(randn([1, 1, 2, 2]), randn([1, 1, 1, 1]), [0.5] as unknown as Tensor),
      /^conv2d: bias must be a Tensor, got an Array \(number\[\]\)/,
    );
    throwsClearly(
      () => F.relu(undefined as unknown as Tensor),
      /^relu: input must be a Tensor, got undefined\. Fix: pass a Tensor/,
    );
    throwsClearly(
      () => F.linear(Float32Array.of(1, 2) as unknown as Tensor, randn([2, 2])),
      /^linear: input must be a Tensor, got a Float32Array of 2 values\. Fix: wrap it with tensor\(values, \{ shape: \[\.\.\.\] \}\)/,
    );
    throwsClearly(
      () => cat([randn([2]), [1, 2]] as unknown as Tensor[]),
      /^cat: tensors\[1\] must be a Tensor, got an Array/,
    );
    throwsClearly(
      () => matmul(randn([2, 2]), [randn([2])] as unknown as Tensor),
      /^matmul: other must be a Tensor, got an Array \(Tensor\[\]\)\. Fix: pass one Tensor; join a list of them with stack/,
    );
    throwsClearly(
      () => randn([2]).add([1, 2] as unknown as Tensor),
      /^add: other must be a Tensor or a number, got an Array/,
    );
  });

  it("every F.* function checks its first argument", () => {
    for (const [name, fn] of Object.entries(F)) {
      if (typeof fn !== "function") continue;
      throwsClearly(
        () => (fn as (...a: unknown[]) => unknown)([[1, 2]]),
        new RegExp(
          `^${name}: \\w+ must be a Tensor, got an Array \\(number\\[\\]\\[\\]\\)\\. Fix: wrap it with tensor\\(\\.\\.\\.\\)$`,
        ),
      );
    }
  });

  it("every tensor argument of every golden op is checked", () => {
    // The golden cases (test/golden/data) call each op as PyTorch does; here each tensor argument
    // in turn is replaced by its nested-array values.
    let checked = 0;
    for (const golden of goldenFiles())
      for (const c of golden.cases) {
        const isMethod = c.op.startsWith("Tensor.");
        const name = c.op.replace(/^(Tensor|torch)\./, "");
        if (name === "indexSelect") continue; // its index may be a plain array
        for (const slot of tensorSlots(c)) {
          if (isMethod && slot[0] === "args" && slot[1] === 0) continue; // self
          const inputs = c.inputs.map(decode);
          const same = (path: (string | number)[]) =>
            path.length === slot.length && path.every((p, i) => p === slot[i]);
          const where = `${c.name} (${c.op}), ${slot.join(".")}`;
          assert.throws(
            () => callCase(c, (k, path) => (same(path) ? inputs[k].toArray() : inputs[k])),
            (e: unknown) => {
              assert.ok(e instanceof ReceptiveError, `${where}: ${String(e)}`);
              assert.match(
                e.message,
                /^\w+: [\w[\]]+ must be (a Tensor|a Tensor or a number|a Tensor or null|an array of Tensors), got (an Array \((number|boolean)(\[\])+\)|the (number|boolean) \S+)\. Fix: wrap it with tensor\(\.\.\.\)$/,
                where,
              );
              return true;
            },
            `${where}: an array was accepted`,
          );
          checked++;
        }
      }
    assert.ok(checked > 150, `only ${checked} tensor arguments checked`);
  });
});

describe("dtypes", () => {
  it("rejects unsupported dtypes naming the supported ones", () => {
    for (const make of [
      () => tensor([1, 2], { dtype: "complex128" as DType }),
      () => zeros([2], { dtype: "float64" as DType }),
      () => ones([2], { dtype: "int32" as DType }),
      () => full([2], 1, { dtype: "uint8" as DType }),
    ])
      throwsClearly(
        make,
        /dtype "\w+" is not supported; the supported dtypes are "float32", "int64", "bool"/,
      );
    assert.equal(tensor([1.7], { dtype: "int64" }).item(), 1);
  });
});

describe("shapes and sizes of new tensors", () => {
  it("randn([1e6, 1e6]) names the size and the limit", () => {
    throwsClearly(
      () => randn([1e6, 1e6]),
      /^randn: shape \[1000000, 1000000\] has 1e12 elements \(4 TB as float32\); the most one tensor can hold here is [\d.e]+ elements \([\d.]+ [GT]B, .*\)\. Use a smaller shape/,
    );
    throwsClearly(() => zeros([2, -1]), /^zeros: sizes must be non-negative integers, got \[2, -1\]/);
    throwsClearly(() => ones([2.5]), /^ones: sizes must be non-negative integers, got \[2.5\]/);
    throwsClearly(
      () => randn(5 as unknown as number[]),
      /^randn: shape must be an array of sizes, e.g. randn\(\[2, 3\]\), got the number 5; write randn\(\[5\]\)/,
    );
    throwsClearly(
      () => R.arange(0, Number.POSITIVE_INFINITY),
      /^arange: start, end and step must be finite numbers/,
    );
    throwsClearly(
      () => randn([1]).expand([1e6, 1e6]),
      /^expand: shape \[1000000, 1000000\] has 1e12 elements/,
    );
    throwsClearly(() => new nn.Linear(1e6, 1e6), /^Linear: shape \[1000000, 1000000\] has 1e12 elements/);
    assert.deepEqual(zeros([0, 3]).shape, [0, 3]);
  });
});

describe("setNumThreads", () => {
  it("rejects counts that are not whole numbers >= 1, or far beyond the cores", () => {
    const before = getNumThreads();
    const cores = availableParallelism();
    try {
      for (const bad of [0, -1, 1.5, Number.NaN])
        throwsClearly(
          () => setNumThreads(bad),
          /^setNumThreads: expected a whole number of threads >= 1, got .*; this machine has \d+ cores/,
        );
      throwsClearly(() => setNumThreads("2" as unknown as number), /got string "2"/);
      throwsClearly(
        () => setNumThreads(1000),
        new RegExp(
          `^setNumThreads: 1000 threads is more than this machine can use: it has ${cores} cores .*Use setNumThreads\\(${cores}\\)$`,
        ),
      );
      assert.equal(getNumThreads(), before, "a rejected call changes nothing");
      setNumThreads(1);
      assert.equal(getNumThreads(), 1);
    } finally {
      setNumThreads(before);
    }
  });
});
