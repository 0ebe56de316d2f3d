// The kernel through a real Jupyter client (Debian's python3-jupyter-client): started from its
// kernelspec, cells keep state and types, outputs arrive as the protocol says, errors leave it
// alive, interrupts stop async and sync loops within a second, restart forgets, kernels coexist;
// comms reach the receptive.featureMaps target, and input() asks on the stdin channel.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { VIZ_MIME } from "../../kernel/display/payloads-viz";
import { TENSOR_MIME } from "../../kernel/display/schema";
import { FEATURE_MAPS_TARGET } from "../../kernel/server/comms";
import { unpackNumeric } from "../../kernel/viz/image-grid";
import { JupyterBridge, resultText, stdoutOf } from "./jupyter-bridge";

/** A notebook folder outside this repository, with an ESM-only package (top-level await inside). */
function makeNotebookDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "receptive-nb-"));
  const pkg = join(dir, "node_modules", "esm-only");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({ name: "esm-only", type: "module", exports: { ".": { import: "./index.js" } } }),
  );
  writeFileSync(
    join(pkg, "index.js"),
    'export const answer = await Promise.resolve(42);\nexport default "dflt";\n',
  );
  return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Jupyter protocol with jupyter_client", () => {
  let bridge: JupyterBridge;
  let dir: string;
  const run = (code: string, kernel = "a") => bridge.execute(kernel, code);

  before(async () => {
    bridge = new JupyterBridge();
    dir = makeNotebookDir();
    const started = await bridge.call("start", { name: "a", cwd: dir });
    assert.equal(started.spec.display_name, "Receptive (TypeScript)");
    assert.equal(started.spec.interrupt_mode, "message");
  });
  after(async () => {
    await bridge.call("shutdown", { kernel: "a" }).catch(() => {});
    await bridge.close();
  });

  test("kernel_info names the language and protocol", async () => {
    const info = await bridge.call("kernel_info", { kernel: "a" });
    assert.equal(info.reply.language_info.name, "typescript");
    assert.equal(info.reply.implementation, "receptive");
    assert.match(info.reply.protocol_version, /^5\./);
  });

  test("state and types carry across cells; the last expression is the result", async () => {
    const first = await run("const x: number = 21;\nx * 2");
    assert.equal(first.reply.status, "ok");
    assert.equal(resultText(first), "42");
    const count = first.reply.execution_count;
    const second = await run("x + 1");
    assert.equal(resultText(second), "22");
    assert.equal(second.reply.execution_count, count + 1);
    assert.deepEqual(second.outputs.find((o) => o.msg_type === "execute_input")?.content, {
      code: "x + 1",
      execution_count: count + 1,
    });
  });

  test("a type error names the cell's line and column and keeps the kernel's state", async () => {
    const bad = await run("const ok = 1;\nconst s: string = x;");
    assert.equal(bad.reply.status, "error");
    assert.equal(bad.reply.ename, "TypeScriptError");
    assert.match(bad.reply.evalue, /line 2, column 7: Type 'number' is not assignable to type 'string'/);
    assert.ok(bad.outputs.some((o) => o.msg_type === "error"));
    assert.equal(resultText(await run("x")), "21");
  });

  test("console.log arrives as a stdout stream, console.error as stderr", async () => {
    const out = await run('console.log("hello", x);\nconsole.error("careful");');
    assert.equal(stdoutOf(out), "hello 21\n");
    const err = out.outputs.find((o) => o.msg_type === "stream" && o.content.name === "stderr");
    assert.equal(err?.content.text, "careful\n");
  });

  test("a runtime error is mapped to the cell's line and leaves variables intact", async () => {
    const out = await run(
      'let before = 5;\nfunction f(a: number) {\n  throw new Error("boom " + a);\n}\nf(before);',
    );
    assert.equal(out.reply.status, "error");
    assert.equal(out.reply.ename, "Error");
    assert.equal(out.reply.evalue, "boom 5");
    const tb = out.reply.traceback.join("\n");
    assert.match(tb, /cell\[\d+\] line 3, column 9 in f/);
    assert.match(tb, /cell\[\d+\] line 5, column 1/);
    assert.doesNotMatch(tb, /node:|kernel\/server/);
    assert.equal(resultText(await run("before * 2")), "10");
  });

  test("after an error, execute requests already queued are aborted (stop_on_error)", async () => {
    const failing = await bridge.call("execute_async", {
      kernel: "a",
      code: 'await new Promise((r) => setTimeout(r, 200));\nthrow new Error("first fails");',
    });
    const queued = await bridge.call("execute_async", { kernel: "a", code: "const neverRuns = 1;" });
    const first = await bridge.call("wait", { kernel: "a", msg_id: failing.msg_id });
    const second = await bridge.call("wait", { kernel: "a", msg_id: queued.msg_id });
    assert.equal(first.reply.status, "error");
    assert.equal(second.reply.status, "aborted");
    assert.equal(resultText(await run("x")), "21"); // later requests run normally
  });

  test("top-level await", async () => {
    const out = await run(
      "const later = await new Promise<number>((r) => setTimeout(() => r(7), 10));\nlater * 6",
    );
    assert.equal(resultText(out), "42");
  });

  test("receptive is importable from a notebook folder without installing it; tensors render", async () => {
    const out = await run(
      'import { tensor } from "receptive";\nconst img = tensor([[10, 10, 0], [10, 10, 0], [10, 10, 0]]);\nimg',
    );
    assert.equal(out.reply.status, "ok", JSON.stringify(out.reply));
    const data = out.outputs.find((o) => o.msg_type === "execute_result")?.content.data;
    assert.match(data["text/plain"], /^tensor\(\[\[10\., 10\.,\s+0\.\]/);
    assert.deepEqual(data[TENSOR_MIME].shape, [3, 3]);
    assert.deepEqual(data[TENSOR_MIME].values, [10, 10, 0, 10, 10, 0, 10, 10, 0]);
    assert.match(data["text/html"], /<table/);
    assert.equal(Buffer.from(data["image/png"], "base64").subarray(1, 4).toString(), "PNG");
    // and the types came along: a wrong argument is a compile error
    const typed = await run("img.reshape(true)");
    assert.equal(typed.reply.ename, "TypeScriptError");
  });

  test("an ESM-only package with top-level await loads with import() and import", async () => {
    const dynamic = await run('const m = await import("esm-only");\nm.answer');
    assert.equal(dynamic.reply.status, "ok", JSON.stringify(dynamic.reply));
    assert.equal(resultText(dynamic), "42");
    const stat = await run('import dflt, { answer } from "esm-only";\ndflt + " " + answer');
    assert.equal(resultText(stat), "'dflt 42'");
  });

  test("display() shows a value and its handle updates it in place", async () => {
    const out = await run(
      'const h = display({ step: 1 });\nh.update({ step: 2 });\ndisplay.html("<b>hi</b>");',
    );
    const shown = out.outputs.filter((o) => o.msg_type === "display_data");
    const updated = out.outputs.filter((o) => o.msg_type === "update_display_data");
    assert.equal(shown.length, 2);
    assert.equal(shown[0].content.data["text/plain"], "{ step: 1 }");
    assert.equal(updated.length, 1);
    assert.equal(updated[0].content.data["text/plain"], "{ step: 2 }");
    assert.equal(updated[0].content.transient.display_id, shown[0].content.transient.display_id);
    assert.equal(shown[1].content.data["text/html"], "<b>hi</b>");
  });

  test("objects with Symbol.for('Jupyter.display') render themselves", async () => {
    const out = await run(
      '({ [Symbol.for("Jupyter.display")]() { return { "text/markdown": "# Title" }; } })',
    );
    const data = out.outputs.find((o) => o.msg_type === "execute_result")?.content.data;
    assert.equal(data["text/markdown"], "# Title");
  });

  test("complete, inspect and is_complete come from the TypeScript language service", async () => {
    const code = "const learningRate = 0.1;\nlearningR";
    const c = await bridge.call("complete", { kernel: "a", args: { code, cursor_pos: code.length } });
    assert.equal(c.reply.status, "ok");
    assert.equal(c.reply.matches[0], "learningRate");
    assert.equal(c.reply.cursor_start, code.length - "learningR".length);
    assert.equal(c.reply.cursor_end, code.length);
    const members = await bridge.call("complete", { kernel: "a", args: { code: "Math.ma", cursor_pos: 7 } });
    assert.ok(members.reply.matches.includes("max"));
    const i = await bridge.call("inspect", { kernel: "a", args: { code: "Math.max(1, 2)", cursor_pos: 6 } });
    assert.equal(i.reply.found, true);
    assert.match(i.reply.data["text/plain"], /Math\.max\(\.\.\.values: number\[\]\): number/);
    assert.match(i.reply.data["text/plain"], /Returns the larger/);
    const open = await bridge.call("is_complete", { kernel: "a", args: { code: "for (const i of [1]) {" } });
    assert.equal(open.reply.status, "incomplete");
    assert.equal(open.reply.indent, "  ");
    const done = await bridge.call("is_complete", { kernel: "a", args: { code: "let q = 1;" } });
    assert.equal(done.reply.status, "complete");
  });

  test("history and comm_info", async () => {
    const h = await bridge.call("history", { kernel: "a", args: { hist_access_type: "tail", n: 2 } });
    assert.equal(h.reply.status, "ok");
    assert.equal(h.reply.history.length, 2);
    assert.equal(typeof h.reply.history[1][2], "string");
    const c = await bridge.call("comm_info", { kernel: "a" });
    assert.deepEqual(c.reply.comms, {});
  });

  test("comm receptive.featureMaps answers a summary's layer requests with the layer's maps", async () => {
    const setup = await run(
      [
        'import { manualSeed, nn, randn, summary } from "receptive";',
        "manualSeed(0);",
        "const fmConv = new nn.Conv2d(1, 4, 3);",
        "const fmNet = new nn.Sequential(fmConv, new nn.ReLU(), new nn.Flatten());",
        "display(summary(fmNet, [1, 1, 8, 8]));",
        "const fmX = randn([2, 1, 8, 8]);",
        "fmNet.forward(fmX);",
        "console.log(JSON.stringify(fmConv.forward(fmX.narrow(0, 0, 1)).relu().reshape([-1]).toArray()));",
      ].join("\n"),
    );
    assert.equal(setup.reply.status, "ok", JSON.stringify(setup.reply));
    const expected: number[] = JSON.parse(stdoutOf(setup));
    const summaryData = setup.outputs.find((o) => o.msg_type === "display_data")?.content.data;
    const modelId = summaryData[VIZ_MIME.modelSummary].modelId;
    assert.equal(typeof modelId, "string");

    const comm = (msg_type: string, content: Record<string, unknown>) =>
      bridge.call("comm", { kernel: "a", msg_type, content });
    const opened = await comm("comm_open", { comm_id: "fm-1", target_name: FEATURE_MAPS_TARGET, data: {} });
    assert.deepEqual(opened.outputs, [], "the comm was accepted (not closed)");
    const info = await bridge.call("comm_info", { kernel: "a", args: { target_name: FEATURE_MAPS_TARGET } });
    assert.deepEqual(info.reply.comms, { "fm-1": { target_name: FEATURE_MAPS_TARGET } });

    const ask = async (data: unknown) => {
      const r = await comm("comm_msg", { comm_id: "fm-1", data });
      const replies = r.outputs.filter((o: any) => o.msg_type === "comm_msg");
      assert.equal(replies.length, 1);
      assert.equal(replies[0].content.comm_id, "fm-1");
      return replies[0].content.data;
    };
    const maps = await ask({ type: "featureMaps", modelId, layer: "1" });
    assert.equal(maps.error, undefined, maps.error);
    assert.equal(maps.layer, "1");
    assert.deepEqual(maps.grid.shape, [4, 1, 6, 6]);
    const got = unpackNumeric(maps.grid.data);
    assert.equal(got.length, expected.length);
    for (let i = 0; i < got.length; i++)
      assert.ok(Math.abs(got[i] - expected[i]) < 1e-5, `value ${i}: ${got[i]} vs ${expected[i]}`);

    const flat = await ask({ type: "featureMaps", modelId, layer: "2" });
    assert.match(flat.error, /not 4-D/);
    const bad = await ask({ layer: 3 });
    assert.match(
      bad.error,
      /^featureMaps: expected type "featureMaps", got undefined; send \{ type: "featureMaps"/,
    );

    // a comm_open whose data is a request is answered at once
    const direct = await comm("comm_open", {
      comm_id: "fm-2",
      target_name: FEATURE_MAPS_TARGET,
      data: { type: "featureMaps", modelId, layer: "0" },
    });
    assert.deepEqual(
      direct.outputs.map((o: any) => [o.msg_type, o.content.comm_id, o.content.data.grid?.shape]),
      [["comm_msg", "fm-2", [4, 1, 6, 6]]],
    );
    await comm("comm_close", { comm_id: "fm-2", data: {} });
    await comm("comm_close", { comm_id: "fm-1", data: {} });
    const after = await bridge.call("comm_info", { kernel: "a" });
    assert.deepEqual(after.reply.comms, {});
    const unknown = await comm("comm_open", { comm_id: "x-1", target_name: "no.such.target", data: {} });
    assert.deepEqual(unknown.outputs, [{ msg_type: "comm_close", content: { comm_id: "x-1", data: {} } }]);
  });

  test("an exception in a callback is reported and the kernel lives on", async () => {
    await run(
      'setTimeout(() => { throw new Error("late failure"); }, 0);\nawait new Promise((r) => setTimeout(r, 50));',
    );
    assert.equal(resultText(await run("x")), "21");
  });

  test("process.exit(0) and process.exit(1) in a cell fail that cell; the kernel keeps its variables", async () => {
    for (const code of [1, 0]) {
      const out = await run(`const keptExit${code} = 40 + ${code};\nprocess.exit(${code});`);
      assert.equal(out.reply.status, "error", `process.exit(${code}) got ${JSON.stringify(out.reply)}`);
      assert.equal(out.reply.ename, "ProcessExitError");
      assert.match(out.reply.evalue, new RegExp(`process\\.exit\\(${code}\\) was called while this cell`));
      assert.match(out.reply.evalue, /the kernel keeps running.*throw an Error instead/);
      assert.match(out.reply.traceback.join("\n"), /cell\[\d+\] line 2, column 9/);
      assert.ok(out.outputs.some((o) => o.msg_type === "error"));
      assert.equal(resultText(await run(`keptExit${code} + x`)), String(61 + code));
    }
    const caught = await run("try { process.exit(2); } catch {}\nx");
    assert.equal(caught.reply.ename, "ProcessExitError", "catching the error does not hide the exit");
    const aborted = await run("process.abort();");
    assert.match(aborted.reply.evalue, /process\.abort\(\) was called/);
    const killed = await run('process.kill(process.pid, "SIGTERM");');
    assert.match(killed.reply.evalue, /process\.kill\(process\.pid, "SIGTERM"\) was called/);
  });

  test("process.exit from a timer after its cell ended does not end the kernel", async () => {
    const scheduled = await run("setTimeout(() => process.exit(1), 10);\nconst keptLate = 5;");
    assert.equal(scheduled.reply.status, "ok");
    await sleep(500);
    assert.equal((await bridge.call("is_alive", { kernel: "a" })).alive, true);
    assert.equal(resultText(await run("keptLate * 2")), "10");
  });

  test("interrupt stops a for-await style loop within 1 s and keeps its state", async () => {
    const { msg_id } = await bridge.call("execute_async", {
      kernel: "a",
      code: "let steps = 0;\nwhile (true) {\n  steps++;\n  await new Promise((r) => setImmediate(r));\n}",
    });
    await sleep(500);
    const r = await bridge.call("interrupt_and_wait", { kernel: "a", msg_id, timeout: 10 });
    assert.ok(r.elapsed < 1, `interrupt took ${r.elapsed} s`);
    assert.equal(r.reply.status, "error");
    assert.equal(r.reply.ename, "Interrupted");
    const a = Number(resultText(await run("steps")));
    assert.ok(a > 0);
    await sleep(100);
    assert.equal(Number(resultText(await run("steps"))), a, "the loop kept running after the interrupt");
  });

  test("interrupt mid-training stops a DataLoader loop within 1 s; the model keeps its weights", async () => {
    const setup = await run(
      [
        'import { data, F, manualSeed, nn, optim, randn } from "receptive";',
        "manualSeed(0);",
        "const model = new nn.Linear(4, 1);",
        "const opt = new optim.SGD(model.parameters(), { lr: 0.01 });",
        "const loader = new data.DataLoader(new data.TensorDataset(randn([512, 4]), randn([512, 1])), { batchSize: 8 });",
        "const w0 = model.weight.detach().clone();",
        "let batches = 0;",
      ].join("\n"),
    );
    assert.equal(setup.reply.status, "ok", JSON.stringify(setup.reply));
    const { msg_id } = await bridge.call("execute_async", {
      kernel: "a",
      code: [
        "for (let epoch = 0; epoch < 100000; epoch++) {",
        "  for await (const [x, y] of loader) {",
        "    const loss = F.mseLoss(model.forward(x), y);",
        "    opt.zeroGrad();",
        "    loss.backward();",
        "    opt.step();",
        "    batches++;",
        "  }",
        "}",
      ].join("\n"),
    });
    await sleep(800);
    const r = await bridge.call("interrupt_and_wait", { kernel: "a", msg_id, timeout: 10 });
    assert.ok(r.elapsed < 1, `interrupt took ${r.elapsed} s`);
    assert.equal(r.reply.ename, "Interrupted");
    const trained = Number(resultText(await run("batches")));
    assert.ok(trained > 0, "no batch was trained before the interrupt");
    await sleep(100);
    assert.equal(Number(resultText(await run("batches"))), trained, "training went on after the interrupt");
    assert.equal(resultText(await run("model.weight.sub(w0).abs().sum().item() > 0")), "true");
  });

  test("interrupt stops a synchronous loop within 1 s and keeps its state", async () => {
    const { msg_id } = await bridge.call("execute_async", {
      kernel: "a",
      code: "let spins = 0;\nwhile (true) {\n  spins++;\n}",
    });
    await sleep(500);
    const r = await bridge.call("interrupt_and_wait", { kernel: "a", msg_id, timeout: 10 });
    assert.ok(r.elapsed < 1, `interrupt took ${r.elapsed} s`);
    assert.equal(r.reply.ename, "Interrupted");
    assert.ok(Number(resultText(await run("spins"))) > 1000);
    // a synchronous loop after an await runs outside the cell's first call: also stopped
    const { msg_id: id2 } = await bridge.call("execute_async", {
      kernel: "a",
      code: "await new Promise((r) => setTimeout(r, 10));\nlet more = 0;\nwhile (true) more++;",
    });
    await sleep(500);
    const r2 = await bridge.call("interrupt_and_wait", { kernel: "a", msg_id: id2, timeout: 10 });
    assert.ok(r2.elapsed < 1, `interrupt took ${r2.elapsed} s`);
    assert.equal(r2.reply.ename, "Interrupted");
    assert.equal(resultText(await run("spins > 0 && x === 21")), "true");
  });

  test("two kernels run at once with separate state", async () => {
    await bridge.call("start", { name: "b", cwd: dir });
    await run("const who = 'a';", "a");
    await run("const who = 'b';", "b");
    const slow = "await new Promise((r) => setTimeout(r, 300));\nwho";
    const [ida, idb] = await Promise.all([
      bridge.call("execute_async", { kernel: "a", code: slow }),
      bridge.call("execute_async", { kernel: "b", code: slow }),
    ]);
    const ra = await bridge.call("wait", { kernel: "a", msg_id: ida.msg_id });
    const rb = await bridge.call("wait", { kernel: "b", msg_id: idb.msg_id });
    assert.equal(resultText(ra), "'a'");
    assert.equal(resultText(rb), "'b'");
    await bridge.call("shutdown", { kernel: "b" });
  });

  test("input() and prompt() ask the front end on stdin and resume with its answers", async () => {
    const r = await bridge.call("execute_with_input", {
      kernel: "a",
      code: [
        'const userName = await input("name? ");',
        'const pin = await prompt("pin: ", { password: true });',
        'console.log("hello", userName);',
        "userName + pin.length",
      ].join("\n"),
      answers: ["Ada", "1234"],
    });
    assert.equal(r.reply.status, "ok", JSON.stringify(r.reply));
    assert.deepEqual(
      r.input_requests.map((q: any) => q.content),
      [
        { prompt: "name? ", password: false },
        { prompt: "pin: ", password: true },
      ],
    );
    assert.ok(
      r.input_requests.every((q: any) => q.parent === r.msg_id),
      "input_request's parent is the execute_request",
    );
    assert.equal(stdoutOf(r), "hello Ada\n");
    assert.equal(resultText(r), "'Ada4'");
  });

  test("input() without allow_stdin is a clear error; an interrupt ends a cell waiting for input", async () => {
    const denied = await bridge.call("execute", {
      kernel: "a",
      code: 'await input("name? ")',
      allow_stdin: false,
    });
    assert.equal(denied.reply.status, "error");
    assert.match(denied.reply.evalue, /^input: .*allow_stdin false.*put the value in the cell/);
    const { msg_id } = await bridge.call("execute_async", {
      kernel: "a",
      code: 'const never = await input("wait: ");',
    });
    const asked = await bridge.call("wait_input_request", { kernel: "a" });
    assert.deepEqual([asked.content.prompt, asked.parent], ["wait: ", msg_id]);
    const r = await bridge.call("interrupt_and_wait", { kernel: "a", msg_id, timeout: 10 });
    assert.ok(r.elapsed < 1, `interrupt took ${r.elapsed} s`);
    assert.equal(r.reply.ename, "Interrupted");
    // the abandoned question does not swallow the next cell's answer
    const next = await bridge.call("execute_with_input", {
      kernel: "a",
      code: 'await input("again? ")',
      answers: ["yes"],
    });
    assert.equal(resultText(next), "'yes'");
  });

  test("restart gives a fresh state", async () => {
    await bridge.call("restart", { kernel: "a" });
    const gone = await run("x");
    assert.equal(gone.reply.ename, "TypeScriptError");
    assert.match(gone.reply.evalue, /Cannot find name 'x'/);
    assert.equal(resultText(await run("const x = 'new'; x")), "'new'");
  });
});
