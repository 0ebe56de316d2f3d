// An allocation that fails deep in an op (a typed array or wasm memory growth) reaches the cell as
// an OutOfMemoryError in the user's terms: how big, which op, what to do. (Shapes over the
// typed-array limit are refused earlier by the engine itself; see test/kernel/stdio.test.ts.)

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { explainOutOfMemory, OutOfMemoryError } from "../../kernel/server/execute/out-of-memory";

describe("out of memory", () => {
  test("a real RangeError from a typed array becomes an OutOfMemoryError with the size and the fix", () => {
    let caught: unknown;
    try {
      new Float32Array(5e9);
    } catch (e) {
      caught = e;
    }
    const explained = explainOutOfMemory(caught);
    assert.ok(explained instanceof OutOfMemoryError);
    assert.match(explained.message, /out of memory.*5,000,000,000 values \(20\.0 GB as float32\)/);
    assert.match(explained.message, /smaller batch size/);
  });

  test("other errors pass through unchanged", () => {
    const other = new RangeError("Maximum call stack size exceeded");
    assert.equal(explainOutOfMemory(other), other);
    const type = new TypeError("x is not a function");
    assert.equal(explainOutOfMemory(type), type);
  });
});
