// The stdio kernel's protocol lines can be megabytes (PNG fallbacks, feature maps). A plain
// fs.writeSync to a non-blocking pipe writes only the first 64 KiB; writeAllSync must write it all.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";

const writeAll = join(__dirname, "../../kernel/server/stdio/write-all.js");

/**
 * The child's stdout, read by a slow reader: nothing is read until `readFrom` ("exit": the child
 * has exited, so every write it made met a full pipe; a number: that many ms after the start).
 */
function childOutput(script: string, readFrom: "exit" | number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.pause();
    if (readFrom === "exit") child.on("exit", () => child.stdout.resume());
    else setTimeout(() => child.stdout.resume(), readFrom);
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

test("writeAllSync writes a 2 MiB line whole to a full, non-blocking pipe", async () => {
  const script = `
    process.stdout; // makes fd 1 a non-blocking pipe, as in the kernel
    const { writeAllSync } = require(${JSON.stringify(writeAll)});
    writeAllSync(1, JSON.stringify({ data: "é".repeat(1 << 20) }) + "\\n");
    writeAllSync(1, JSON.stringify({ next: 1 }) + "\\n");`;
  const lines = (await childOutput(script, 300)).split("\n");
  assert.equal(lines.length, 3);
  assert.equal(JSON.parse(lines[0]).data.length, 1 << 20);
  assert.deepEqual(JSON.parse(lines[1]), { next: 1 });
});

test("a plain writeSync loses the tail of the same line (why writeAllSync exists)", async () => {
  const script = `
    process.stdout;
    require("node:fs").writeSync(1, "x".repeat(1 << 21) + "\\n");`;
  const out = await childOutput(script, "exit").catch(() => "");
  assert.ok(out.length < (1 << 21) + 1, `expected a short write, got all ${out.length} bytes`);
});
