// The fault suite: every fault of api-faults.ts (and the kernel and CLI lists) is injected through
// the interface that found it; each must be survived with nothing lost. Prints one table of
// outcomes (faults tried, survived, data lost) and keeps it in test/artifacts/faults.md.

import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { apiFaults } from "./api-faults";
import { chromiumFaults } from "./chromium-faults";
import { cliFaults } from "./cli-faults";
import { type Fault, faultTable, type Outcome } from "./fault";
import { closeKernelFaults, kernelFaults } from "./kernel-faults";

const ARTIFACTS = join(__dirname, "..", "..", "..", "test", "artifacts");
const rows: { fault: Fault; outcome: Outcome }[] = [];

describe("fault suite", () => {
  for (const fault of [...apiFaults, ...cliFaults, ...chromiumFaults, ...kernelFaults])
    test(`${fault.via}: ${fault.name}`, async () => {
      let outcome: Outcome;
      try {
        outcome = await fault.run();
      } catch (e) {
        outcome = { survived: false, lost: "", note: `the check itself failed: ${(e as Error).message}` };
      }
      rows.push({ fault, outcome });
      assert.ok(
        outcome.survived && !outcome.lost,
        `${fault.name}: ${outcome.note}; lost: ${outcome.lost || "nothing"}`,
      );
    });

  after(async () => {
    await closeKernelFaults();
    const table = faultTable(rows);
    console.log(`\n${table}\n`);
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "faults.md"), `# Fault suite\n\n${table}\n`);
  });
});
