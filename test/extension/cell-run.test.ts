// What the NotebookController does with a cell, without VS Code: runCell (extension/src/cell-run.ts)
// against the real kernel with a recording sink, the MIME bundle -> output item conversion (base64
// PNG decoded to bytes, JSON payloads as JSON bytes, richest first) and kernel errors as VS Code shows them.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CellSink, runCell } from "../../extension/src/cell-run";
import { KernelClient } from "../../extension/src/kernel-client";
import { kernelLaunch } from "../../extension/src/kernel-launch";
import { bundleToItems, kernelError, type OutputItemData } from "../../extension/src/outputs";
import { encodePng } from "../../kernel/display/png";

type Event = [string, ...unknown[]];

function recordingSink(): CellSink & { events: Event[] } {
  const events: Event[] = [];
  return {
    events,
    start: () => events.push(["start"]),
    stream: (name, text) => events.push(["stream", name, text]),
    display: (items, displayId) => events.push(["display", items, displayId]),
    update: (displayId, items) => events.push(["update", displayId, items]),
    error: (e) => events.push(["error", e]),
    end: (outcome, count) => {
      events.push(["end", outcome, count]);
    },
  };
}

const mimes = (items: OutputItemData[]) => items.map((i) => i.mime);
const decode = (i: OutputItemData | undefined) => new TextDecoder().decode(i?.data);

describe("output items", () => {
  test("a bundle becomes items, Receptive payloads first and text/plain last", () => {
    const png = encodePng(1, 1, new Uint8Array([255, 0, 0, 255]));
    const items = bundleToItems({
      "text/plain": "Tensor([1])",
      "image/png": png.toString("base64"),
      "text/html": ["<b>", "t</b>"],
      "application/vnd.receptive.tensor+json": { version: 1, shape: [1] },
    });
    assert.deepEqual(mimes(items), [
      "application/vnd.receptive.tensor+json",
      "text/html",
      "image/png",
      "text/plain",
    ]);
    assert.deepEqual(JSON.parse(decode(items[0])), { version: 1, shape: [1] });
    assert.equal(decode(items[1]), "<b>t</b>");
    assert.deepEqual(Buffer.from(items[2].data), png, "image/png is the PNG's bytes, not its base64 text");
    assert.equal(decode(items[3]), "Tensor([1])");
  });

  test("kernel errors carry name, message and the traceback as stack", () => {
    assert.deepEqual(
      kernelError({
        ename: "RangeError",
        evalue: "too far",
        traceback: ["RangeError: too far", "    at cell 1:1"],
      }),
      {
        name: "RangeError",
        message: "too far",
        stack: "RangeError: too far\n    at cell 1:1",
      },
    );
  });
});

describe("runCell against the kernel", () => {
  let client: KernelClient;
  before(() => {
    client = new KernelClient(
      kernelLaunch({
        cliPath: join(__dirname, "..", "..", "kernel", "cli.js"),
        cwd: mkdtempSync(join(tmpdir(), "rcp-cell-")),
      }),
    );
  });
  after(() => client.shutdown());

  test("streams, displays, updates and the result arrive in order between start and end", async () => {
    const sink = recordingSink();
    const outcome = await runCell(
      client,
      'console.log("a");\nconst d = display(1);\nd.update(2);\n6 * 7',
      sink,
    );
    assert.equal(outcome, "ok");
    const kinds = sink.events.map((e) => e[0]);
    assert.deepEqual(kinds, ["start", "stream", "display", "update", "display", "end"]);
    const [, , shown, update, result] = sink.events;
    assert.equal(typeof shown[2], "string");
    assert.equal(update[1], shown[2], "the update names the display's id");
    assert.equal(decode((update[2] as OutputItemData[]).find((i) => i.mime === "text/plain")), "2");
    assert.equal(result[2], undefined, "the result is not updatable");
    assert.equal(decode((result[1] as OutputItemData[])[0]), "42");
    assert.deepEqual(sink.events.at(-1)?.slice(0, 2), ["end", "ok"]);
  });

  test("a tensor result carries the Receptive payload and the PNG fallback as bytes", async () => {
    const sink = recordingSink();
    await runCell(client, 'import { arange } from "receptive";\narange(64).reshape([8, 8])', sink);
    const items = sink.events.find((e) => e[0] === "display")?.[1] as OutputItemData[];
    assert.equal(items[0].mime, "application/vnd.receptive.tensor+json");
    assert.deepEqual(JSON.parse(decode(items[0])).shape, [8, 8]);
    const png = items.find((i) => i.mime === "image/png");
    if (png) assert.deepEqual([...png.data.subarray(1, 4)], [0x50, 0x4e, 0x47], "PNG signature");
  });

  test("an error ends the cell unsuccessfully with the kernel's error", async () => {
    const sink = recordingSink();
    const outcome = await runCell(client, 'throw new TypeError("bad shape")', sink);
    assert.equal(outcome, "error");
    const err = sink.events.find((e) => e[0] === "error")?.[1] as { name: string; message: string };
    assert.equal(err.name, "TypeError");
    assert.equal(err.message, "bad shape");
    const [, , count] = sink.events.at(-1)!;
    assert.deepEqual(sink.events.at(-1), ["end", "error", count]);
    assert.ok(typeof count === "number" && count > 0, "an error cell has the kernel's execution count");
  });

  test("a dead kernel still ends the cell, with the crash message", async () => {
    const sink = recordingSink();
    const outcome = await runCell(
      client,
      // a crash from outside: the kernel refuses process.kill of itself from a cell
      'require("node:child_process").execSync("kill -9 " + process.pid);\nawait new Promise((r) => setTimeout(r, 5000));',
      sink,
    );
    assert.equal(outcome, "died");
    const err = sink.events.find((e) => e[0] === "error")?.[1] as { name: string; message: string };
    assert.equal(err.name, "KernelDiedError");
    assert.match(err.message, /exited unexpectedly/);
    assert.deepEqual(sink.events.at(-1), ["end", "died", undefined]);
  });
});
