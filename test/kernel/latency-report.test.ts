// The kernel latency benchmark's report (test/bench/latency.ts): medians, ratios to tslab, goals,
// and the RESULTS.md section replaced in place (other sections untouched) or appended. The
// measurement itself runs in `npm run bench`; here the numbers are given.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { latencySection, median, quantile, writeLatencySection } from "../bench/latency";

const ours = {
  label: "Receptive",
  startSeconds: [0.5, 0.4, 0.6],
  roundTripSeconds: [0.01, 0.03, 0.02, 0.04],
};
const tslab = { label: "tslab", startSeconds: [4, 5, 6], roundTripSeconds: [0.02, 0.02, 0.02, 0.02] };

describe("kernel latency report", () => {
  test("median and quantiles", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(quantile([5, 1, 4, 2, 3], 0.9), 5);
    assert.equal(quantile([5, 1, 4, 2, 3], 0), 1);
  });

  test("rows with ratios to tslab and the goals of issue 5", () => {
    const s = latencySection([ours, tslab], [0.1, 0.2]);
    assert.match(s, /^## Kernel latency\n/);
    assert.match(s, /\| Receptive \| 0\.50 s \| 25\.0 ms \| 40\.0 ms \| 10\.0 ms \| 0\.10x \/ 1\.25x \|/);
    assert.match(s, /\| tslab \| 5\.00 s \| 20\.0 ms \|/);
    assert.match(s, /round trip median < 50 ms: 25\.0 ms \(met\)/);
    assert.match(s, /start to ready < 2 s: 0\.50 s \(met\)/);
    assert.doesNotMatch(s, /shared machine/);
    const slow = latencySection([{ ...ours, startSeconds: [3], roundTripSeconds: [0.08] }, tslab], [9, 9]);
    assert.match(slow, /80\.0 ms \(NOT met\)/);
    assert.match(slow, /3\.00 s \(NOT met\)/);
    assert.match(slow, /a shared machine/);
  });

  test("the section replaces an earlier one in place and leaves the other sections alone", () => {
    const file = join(mkdtempSync(join(tmpdir(), "receptive-latency-")), "RESULTS.md");
    writeFileSync(file, "# Results\n\n## Throughput\n\nrows\n");
    writeLatencySection(file, "## Kernel latency\n\nfirst\n");
    assert.equal(
      readFileSync(file, "utf8"),
      "# Results\n\n## Throughput\n\nrows\n\n## Kernel latency\n\nfirst\n",
    );
    writeFileSync(file, `${readFileSync(file, "utf8")}\n## Later\n\nkept\n`);
    writeLatencySection(file, "## Kernel latency\n\nsecond\n");
    assert.equal(
      readFileSync(file, "utf8"),
      "# Results\n\n## Throughput\n\nrows\n\n## Kernel latency\n\nsecond\n\n## Later\n\nkept\n",
    );
  });
});
