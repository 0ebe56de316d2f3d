// bench.ts's command line (args.ts): a round count is never taken for a case filter.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseBenchArgs } from "./args";

describe("npm run bench's arguments", () => {
  it("--rounds N: N rounds, and no filter for the sections (a full run writes every section)", () => {
    const a = parseBenchArgs(["--rounds", "2"]);
    assert.equal(a.rounds, 2);
    assert.deepEqual(a.filters, []);
    assert.deepEqual(a.sectionArgs, []);
  });

  it("case filters around --rounds and --quick reach the cases and the sections", () => {
    const a = parseBenchArgs(["LeNet", "--rounds", "3", "--quick", "ResNet"]);
    assert.deepEqual([a.quick, a.rounds], [true, 3]);
    assert.deepEqual(a.filters, ["LeNet", "ResNet"]);
    assert.deepEqual(a.sectionArgs, ["LeNet", "ResNet", "--quick"]);
  });

  it("a filter that looks like a number is a filter without --rounds", () => {
    assert.deepEqual(parseBenchArgs(["2"]).filters, ["2"]);
    assert.equal(parseBenchArgs([]).rounds, 1);
  });

  it("a malformed round count is an error naming the option", () => {
    assert.throws(() => parseBenchArgs(["--rounds"]), /--rounds takes a whole number of rounds/);
    assert.throws(() => parseBenchArgs(["--rounds", "two"]), /got 'two'/);
    assert.throws(() => parseBenchArgs(["--rounds", "0"]), /1 or more/);
  });
});
