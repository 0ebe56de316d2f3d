// The stdio JSON-lines protocol (what the VS Code extension uses): the same behaviours as the
// Jupyter tests, through a plain child process: state, streams, results, errors, displays,
// completion, interrupting async and synchronous loops within a second, reset, malformed input.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import type { StdioMessage } from "../../kernel/server/stdio/protocol";
import { unpackNumeric } from "../../kernel/viz/image-grid";
import { StdioClient } from "./stdio-client";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (m: { result?: Record<string, unknown> }) => m.result?.["text/plain"];

describe("stdio protocol", () => {
  let client: StdioClient;
  before(() => {
    client = new StdioClient(mkdtempSync(join(tmpdir(), "receptive-stdio-")));
  });
  after(async () => {
    const exited = new Promise((r) => client.proc.on("exit", r));
    await client.request({ type: "shutdown" });
    await exited;
  });

  test("hello names the protocol and its version", async () => {
    const [reply] = await client.request({ type: "hello" });
    assert.deepEqual(
      { type: reply.type, ...(reply.type === "hello_reply" ? { p: reply.protocol, v: reply.version } : {}) },
      { type: "hello_reply", p: "receptive-stdio", v: 1 },
    );
    assert.equal(
      (reply as { minorVersion?: number }).minorVersion,
      2,
      "1.1: input and featureMaps; 1.2: silent executes, interrupts cancel queued cells",
    );
  });

  test("cells keep state and types, stream output and return the last value", async () => {
    const all = await client.request({
      type: "execute",
      code: 'const k: number = 6;\nconsole.log("k is", k);\nk * 7',
    });
    assert.deepEqual(all[0], { id: all[0].id, type: "stream", name: "stdout", text: "k is 6\n" });
    const reply = all[all.length - 1] as Extract<StdioMessage, { type: "execute_reply" }>;
    assert.equal(reply.status, "ok");
    assert.equal(text(reply), "42");
    const typed = await client.execute("const s: string = k;");
    assert.equal(typed.status, "error");
    assert.match(typed.error!.evalue, /line 1, column 7: Type 'number' is not assignable to type 'string'/);
    const thrown = await client.execute('throw new RangeError("too far");');
    assert.equal(thrown.error!.ename, "RangeError");
    assert.equal(text(await client.execute("k + 1")), "7");
  });

  test("displays and in-place updates carry a display id", async () => {
    const all = await client.request({ type: "execute", code: "const d = display(1);\nd.update(2);" });
    const shown = all.find((m) => m.type === "display");
    const updated = all.find((m) => m.type === "update_display");
    assert.ok(shown?.type === "display" && updated?.type === "update_display");
    assert.equal(updated.displayId, shown.displayId);
    assert.equal(updated.data["text/plain"], "2");
  });

  test("complete, inspect and is_complete", async () => {
    const [c] = await client.request({ type: "complete", code: "Math.ma", cursor: 7 });
    assert.ok(c.type === "complete_reply" && c.matches.includes("max") && c.cursorStart === 5);
    const [i] = await client.request({ type: "inspect", code: "Math.max", cursor: 6 });
    assert.ok(i.type === "inspect_reply" && i.found);
    assert.match(String(i.data["text/plain"]), /Math\.max/);
    // inside a call's arguments, on nothing with a type: the call (Shift+Tab after `Math.max(1, `)
    const [inCall] = await client.request({ type: "inspect", code: "Math.max(1, ", cursor: 12 });
    assert.ok(inCall.type === "inspect_reply" && inCall.found);
    assert.match(String(inCall.data["text/plain"]), /Math\.max\(\.\.\.values/);
    const [ic] = await client.request({ type: "is_complete", code: "if (k) {" });
    assert.ok(ic.type === "is_complete_reply");
    assert.equal(ic.status, "incomplete");
  });

  test("interrupt stops an async loop and a synchronous loop within 1 s, keeping variables", async () => {
    for (const code of [
      "let ticks = 0;\nwhile (true) { ticks++; await new Promise((r) => setImmediate(r)); }",
      "let spins = 0;\nwhile (true) spins++;",
    ]) {
      const running = client.start({ type: "execute", code });
      await sleep(500);
      const t0 = Date.now();
      const [ir] = await client.request({ type: "interrupt" });
      const all = await running;
      const elapsed = (Date.now() - t0) / 1000;
      assert.ok(elapsed < 1, `interrupt took ${elapsed} s`);
      assert.equal(ir.type, "interrupt_reply");
      const reply = all[all.length - 1] as Extract<StdioMessage, { type: "execute_reply" }>;
      assert.equal(reply.error?.ename, "Interrupted");
    }
    assert.equal(text(await client.execute("ticks > 0 && spins > 0")), "true");
  });

  test("interrupt also cancels the execute requests sent before it that have not started", async () => {
    const busyId = client.upcomingId;
    const busy = client.start({
      type: "execute",
      code: 'console.log("busy");\nlet until = Date.now() + 60_000;\nwhile (Date.now() < until) {}',
    });
    const queued = client.start({ type: "execute", code: "let neverRan = 1;\nwhile (true) {}" });
    await client.waitFor(busyId, "stream");
    const [ir] = await client.request({ type: "interrupt" });
    const after = client.start({ type: "execute", code: "typeof neverRan" });
    assert.ok(ir.type === "interrupt_reply" && ir.result !== "idle", JSON.stringify(ir));
    const stopped = (await busy).at(-1) as Extract<StdioMessage, { type: "execute_reply" }>;
    assert.equal(stopped.error?.ename, "Interrupted");
    const skipped = (await queued).at(-1) as Extract<StdioMessage, { type: "execute_reply" }>;
    assert.equal(skipped.status, "aborted");
    assert.deepEqual(skipped.error?.evalue, "stopped before it started");
    assert.equal(skipped.executionCount, stopped.executionCount, "an aborted cell takes no number");
    // Sent after the interrupt: runs. The cancelled cell defined nothing.
    const later = (await after).at(-1) as Extract<StdioMessage, { type: "execute_reply" }>;
    assert.equal(later.status, "error");
    assert.match(later.error!.evalue, /Cannot find name 'neverRan'/);
    assert.equal(later.executionCount, stopped.executionCount + 1);
  });

  test("errors for students: no test-runner advice, import and submodule hints, engine frames hidden, few at a time", async () => {
    const runner = await client.execute('test("adds", () => {});');
    assert.doesNotMatch(runner.error!.evalue, /@types\/jest|install type definitions/);
    assert.match(runner.error!.evalue, /Cannot find name 'test'\. Run the cell that defines it first/);
    const missing = await client.execute("noGrad(() => 1);");
    assert.match(missing.error!.evalue, /import \{ noGrad \} from "receptive"/);
    await client.execute(
      'import { nn, F, randn } from "receptive";\nconst net = new nn.Sequential(new nn.Conv2d(1, 2, 3));',
    );
    const sub = await client.execute('net.getSubmodule("0").weight');
    assert.match(sub.error!.evalue, /\(model\.getSubmodule\("0"\) as nn\.Conv2d\)\.weight/);
    const engine = await client.execute("F.conv2d(randn([1, 1, 2, 2]), randn([1, 1, 3, 3]));");
    const trace = engine.error!.traceback.join("\n");
    assert.match(trace, /^ReceptiveError: conv2d: the kernel size \(3x3\) is larger/);
    assert.match(trace, new RegExp(`at cell\\[${engine.executionCount}\\] line 1`));
    assert.doesNotMatch(trace, /kernel[/\\]engine[/\\]/, "no frame inside the engine");
    assert.match(trace, /\d frames? inside receptive hidden/);
    const many = await client.execute("a1 + a2 + a3 + a4 + a5");
    assert.equal(many.error!.evalue.split("\n").length, 4);
    assert.match(many.error!.evalue, /\(and 2 more errors: fix these first/);
  });

  test("input() asks with input_request; input_reply answers while the cell waits", async () => {
    const id = client.upcomingId;
    const running = client.start({
      type: "execute",
      code: 'const who = await input("name? ");\nconst pin = await prompt("pin: ", { password: true });\nwho + pin.length',
    });
    assert.deepEqual(await client.waitFor(id, "input_request"), {
      id,
      type: "input_request",
      prompt: "name? ",
      password: false,
    });
    client.sendRaw(JSON.stringify({ id: "answer-1", type: "input_reply", value: "Ada" }));
    const asked = () => client.messagesFor(id).filter((m) => m.type === "input_request");
    for (let i = 0; i < 3000 && asked().length < 2; i++) await sleep(10);
    assert.deepEqual(asked()[1], { id, type: "input_request", prompt: "pin: ", password: true });
    client.sendRaw(JSON.stringify({ id: "answer-2", type: "input_reply", value: "1234" }));
    const all = await running;
    assert.equal(text(all[all.length - 1] as { result?: Record<string, unknown> }), "'Ada4'");
  });

  test("an input_reply with no question open is an error_reply; an interrupt ends a cell waiting for input", async () => {
    const [stray] = await client.request({ type: "input_reply", value: "early" });
    assert.equal(stray.type, "error_reply");
    assert.match((stray as { message: string }).message, /input_reply: no cell is waiting for input/);
    const id = client.upcomingId;
    const running = client.start({ type: "execute", code: 'await input("wait: ")' });
    await client.waitFor(id, "input_request");
    const t0 = Date.now();
    await client.request({ type: "interrupt" });
    const all = await running;
    assert.ok(Date.now() - t0 < 1000, `interrupt took ${Date.now() - t0} ms`);
    const reply = all[all.length - 1] as Extract<StdioMessage, { type: "execute_reply" }>;
    assert.equal(reply.error?.ename, "Interrupted");
  });

  test("featureMaps answers a summary's layer request with the layer's maps, or why not", async () => {
    const setup = await client.request({
      type: "execute",
      code: [
        'import { manualSeed, nn, randn, summary } from "receptive";',
        "manualSeed(1);",
        "const fmConv = new nn.Conv2d(1, 3, 3, { padding: 1 });",
        "const fmNet = new nn.Sequential(fmConv, new nn.Flatten());",
        "display(summary(fmNet, [1, 1, 5, 5]));",
        "const fmX = randn([1, 1, 5, 5]);",
        "fmNet.forward(fmX);",
        "console.log(JSON.stringify(fmConv.forward(fmX).reshape([-1]).toArray()));",
      ].join("\n"),
    });
    const shown = setup.find((m) => m.type === "display");
    const out = setup.find((m) => m.type === "stream");
    assert.ok(shown?.type === "display" && out?.type === "stream", JSON.stringify(setup));
    const modelId = (shown.data[VIZ_MIME.modelSummary] as { modelId: string }).modelId;
    const expected: number[] = JSON.parse(out.text);
    const [reply] = await client.request({ type: "featureMaps", modelId, layer: "0" });
    assert.ok(reply.type === "featureMaps_reply", JSON.stringify(reply));
    assert.equal(reply.error, undefined, reply.error);
    assert.equal(reply.layer, "0");
    assert.deepEqual(reply.grid?.shape, [3, 1, 5, 5]);
    const got = unpackNumeric(reply.grid!.data);
    assert.equal(got.length, expected.length);
    for (let i = 0; i < got.length; i++)
      assert.ok(Math.abs(got[i] - expected[i]) < 1e-5, `value ${i}: ${got[i]} vs ${expected[i]}`);
    const [missing] = await client.request({ type: "featureMaps", modelId, layer: "nope" });
    assert.ok(missing.type === "featureMaps_reply" && missing.grid === undefined);
    assert.match(String(missing.error), /nope/);
    const [gone] = await client.request({ type: "featureMaps", modelId: "no-such-model", layer: "0" });
    assert.ok(gone.type === "featureMaps_reply");
    assert.match(String(gone.error), /that model is gone/);
  });

  test("malformed lines and unknown requests get an error_reply; the kernel carries on", async () => {
    client.sendRaw("this is not json");
    const [unknown] = await client.request({ type: "dance" });
    assert.equal(unknown.type, "error_reply");
    assert.match((unknown as { message: string }).message, /unknown request type 'dance'/);
    assert.equal(client.messagesFor(null)[0]?.type, "error_reply");
  });

  test("a tensor too big for memory is an error naming the op and the size; the kernel and its variables live on", async () => {
    await client.execute('import { zeros as zerosOom } from "receptive"; const keptOom = 41;');
    const failed = await client.execute("zerosOom([100000, 100000]);");
    assert.equal(failed.error?.ename, "ReceptiveError");
    assert.match(
      failed.error!.evalue,
      /zeros: shape \[100000, 100000\] has 1e10 elements \(40 GB as float32\)/,
    );
    assert.match(failed.error!.evalue, /smaller/);
    const after = await client.execute("keptOom + 1");
    assert.equal(after.result?.["text/plain"], "42");
  });

  test("process.exit(0) and process.exit(1) in a cell fail that cell; the kernel keeps its variables", async () => {
    for (const code of [0, 1]) {
      const failed = await client.execute(`const keptExit${code} = 40 + ${code};\nprocess.exit(${code});`);
      assert.equal(failed.status, "error", `process.exit(${code}) got ${JSON.stringify(failed)}`);
      assert.equal(failed.error?.ename, "ProcessExitError");
      assert.match(
        failed.error!.evalue,
        new RegExp(`process\\.exit\\(${code}\\) was called while this cell`),
      );
      assert.match(failed.error!.evalue, /the kernel keeps running.*throw an Error instead/);
      const after = await client.execute(`keptExit${code} + 1`);
      assert.equal(text(after), String(41 + code));
    }
    const asyncExit = await client.execute("await new Promise((r) => setTimeout(r, 10));\nprocess.exit();");
    assert.match(asyncExit.error!.evalue, /^process\.exit\(\) was called/);
  });

  test("process.exit from a timer after its cell ended is reported under that cell; the kernel lives on", async () => {
    const id = client.upcomingId;
    const scheduled = await client.execute("setTimeout(() => process.exit(3), 10);\nconst keptLate = 5;");
    assert.equal(scheduled.status, "ok");
    const report = await client.waitFor(id, "stream", 10_000);
    assert.ok(report.type === "stream" && report.name === "stderr");
    assert.match(
      report.text,
      /ProcessExitError: process\.exit\(3\) was called by a timer or promise callback after its cell ended/,
    );
    assert.equal(text(await client.execute("keptLate * 2")), "10");
  });

  test("reset forgets everything", async () => {
    await client.request({ type: "reset" });
    const gone = await client.execute("k");
    assert.match(gone.error!.evalue, /Cannot find name 'k'/);
  });
});
