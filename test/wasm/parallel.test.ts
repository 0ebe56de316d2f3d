// How calls are cut into shares (backends/wasm/parallel.ts): ranges cover [0, n) exactly in whole
// units, never empty, at most the parts asked for; splittable calls take two shares per thread,
// never more than the worker threads' argument slots hold.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ranges, sharesFor } from "../../kernel/engine/backends/wasm/threads/parallel";
import { MAX_SHARES, MAX_WORKERS } from "../../kernel/engine/backends/wasm/threads/protocol";

describe("wasm call splitting", () => {
  it("cuts [0, n) into contiguous, non-empty ranges of whole units", () => {
    for (const [n, unit, parts] of [
      [64, 4, 4],
      [10, 1, 3],
      [1, 1, 4],
      [100, 16, 2],
      [3, 1, 8],
      [1000, 7, 128],
    ]) {
      const r = ranges(n, unit, parts);
      assert.ok(r.length >= 1 && r.length <= Math.min(parts, Math.ceil(n / unit)), `${n}/${unit}/${parts}`);
      assert.equal(r[0][0], 0);
      assert.equal(r[r.length - 1][1], n);
      r.forEach(([a, b], i) => {
        assert.ok(b > a, `empty range ${i} of ${n}/${unit}/${parts}`);
        if (i > 0) assert.equal(a, r[i - 1][1]);
        if (i < r.length - 1) assert.equal(b % unit, 0);
      });
    }
  });

  it("takes two shares per thread, one on one thread, and stays within the argument slots", () => {
    assert.equal(sharesFor(1), 1);
    assert.equal(sharesFor(2), 4);
    assert.equal(sharesFor(MAX_WORKERS + 1), MAX_SHARES);
  });
});
