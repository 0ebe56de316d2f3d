// Reliability of the Jupyter kernel through real clients (jupyter_client, nbclient): nothing a cell
// prints is lost however much it prints, and outputs keep their order; errors from callbacks that
// fire after their cell has finished reach a cell; malformed and replayed requests are answered or
// refused; cells skipped after an interrupt carry no execution count; Shift+Tab inside a call's
// arguments documents the call; names from earlier cells work in shorthand properties and
// destructuring; and a kernel started with JPY_PARENT_PID exits when that process dies.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, describe, test } from "node:test";
import { installKernelspec } from "../../kernel/server/jupyter/kernelspec";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";
import { type Collected, JupyterBridge, type JupyterOutput, resultText } from "./jupyter-bridge";

const cli = join(__dirname, "..", "..", "kernel", "cli.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each output as events: one per stream line ("stdout o1"), "display <text>", "result <text>". */
function events(outputs: JupyterOutput[]): string[] {
  const out: string[] = [];
  for (const o of outputs) {
    if (o.msg_type === "stream") {
      const lines = o.content.text.split("\n");
      if (lines.at(-1) === "") lines.pop();
      for (const line of lines) out.push(`${o.content.name} ${line}`);
    } else if (o.msg_type === "display_data") out.push(`display ${o.content.data["text/plain"]}`);
    else if (o.msg_type === "execute_result") out.push(`result ${o.content.data["text/plain"]}`);
  }
  return out;
}

/** Fails with the first differing position and its neighbourhood (not a 20,000-line diff). */
function assertSameSequence(got: string[], want: string[], what: string): void {
  const n = Math.min(got.length, want.length);
  let i = 0;
  while (i < n && got[i] === want[i]) i++;
  if (i === n && got.length === want.length) return;
  assert.fail(
    `${what}: first difference at ${i} of ${want.length} expected (${got.length} received): ` +
      `got ${JSON.stringify(got.slice(i, i + 5))}, expected ${JSON.stringify(want.slice(i, i + 5))}`,
  );
}

const countingLines = (n: number) => Array.from({ length: n }, (_, i) => `stdout ${i}`);

describe("Jupyter kernel reliability with jupyter_client", () => {
  let bridge: JupyterBridge;
  let dir: string;
  const run = (code: string, timeout = 30): Promise<Collected> => bridge.execute("r", code, timeout);

  before(async () => {
    bridge = new JupyterBridge();
    dir = mkdtempSync(join(tmpdir(), "receptive-nb-"));
    await bridge.call("start", { name: "r", cwd: dir });
  });
  after(async () => {
    await bridge.call("shutdown", { kernel: "r" }).catch(() => {});
    await bridge.close();
  });

  test("20,000 console.log lines, the final result and the idle status all arrive, in order", async () => {
    const out = await run("for (let i = 0; i < 20000; i++) console.log(i);\n'done'", 120);
    assert.equal(out.reply.status, "ok", JSON.stringify(out.reply));
    assertSameSequence(events(out.outputs), [...countingLines(20000), "result 'done'"], "outputs");
    // many writes go out as a few stream messages (batched), not one message per line
    const streams = out.outputs.filter((o) => o.msg_type === "stream").length;
    assert.ok(streams < 200, `${streams} stream messages for 20,000 lines`);
  });

  test("stdout, stderr, displays and the result keep their order when interleaved", async () => {
    const code = [
      "for (let i = 0; i < 6000; i++) {",
      '  console.log("o" + i);',
      '  if (i % 1000 === 999) console.error("e" + i);',
      "  if (i % 2000 === 1999) display({ d: i });",
      "  if (i % 1500 === 0) await new Promise((r) => setImmediate(r));",
      "}",
      "'end'",
    ].join("\n");
    const want: string[] = [];
    for (let i = 0; i < 6000; i++) {
      want.push(`stdout o${i}`);
      if (i % 1000 === 999) want.push(`stderr e${i}`);
      if (i % 2000 === 1999) want.push(`display { d: ${i} }`);
    }
    want.push("result 'end'");
    const out = await run(code, 120);
    assert.equal(out.reply.status, "ok", JSON.stringify(out.reply));
    assertSameSequence(events(out.outputs), want, "outputs");
  });

  test("10,000 messages that cannot be batched (stdout and stderr alternating) all arrive", async () => {
    const out = await run(
      'for (let i = 0; i < 5000; i++) {\n  console.log("o" + i);\n  console.error("e" + i);\n}\n"done"',
      120,
    );
    assert.equal(out.reply.status, "ok", JSON.stringify(out.reply));
    const want = Array.from({ length: 5000 }, (_, i) => [`stdout o${i}`, `stderr e${i}`]).flat();
    assertSameSequence(events(out.outputs), [...want, "result 'done'"], "outputs");
  });

  test("output written by a timer after its cell finished still arrives, whole", async () => {
    const first = await run(
      "setTimeout(() => { for (let i = 0; i < 5000; i++) console.log(i); }, 100);\n'scheduled'",
    );
    assert.equal(resultText(first), "'scheduled'");
    const lines: string[] = [];
    while (lines.length < 5000) {
      const late = await bridge.call("wait_iopub", { kernel: "r", msg_id: first.msg_id, timeout: 20 });
      assert.equal(late.msg_type, "stream");
      lines.push(...events([late]));
    }
    assertSameSequence(lines, countingLines(5000), "late lines");
  });

  test("an error thrown by a timer after its cell finished is shown on that cell and the next", async () => {
    const first = await run('setTimeout(() => { throw new Error("late failure"); }, 200);\n"scheduled"');
    const count = first.reply.execution_count;
    assert.equal(resultText(first), "'scheduled'");
    const late = await bridge.call("wait_iopub", { kernel: "r", msg_id: first.msg_id, timeout: 10 });
    assert.equal(late.msg_type, "stream");
    assert.equal(late.content.name, "stderr");
    assert.match(late.content.text, new RegExp(`cell \\[${count}\\]`));
    assert.match(late.content.text, /Error: late failure/);
    // front ends that stopped listening to the finished cell (JupyterLab, nbclient) see it here
    const next = await run("1 + 1");
    assert.equal(resultText(next), "2");
    const notice = next.outputs.find((o) => o.msg_type === "stream" && o.content.name === "stderr");
    assert.ok(notice, JSON.stringify(next.outputs));
    assert.match(
      notice.content.text,
      new RegExp(`^Error from an earlier cell's timer \\(cell \\[${count}\\]\\)`),
    );
    assert.match(notice.content.text, /Error: late failure/);
    // reported once: the cell after that is clean
    const third = await run("2 + 2");
    assert.deepEqual(
      third.outputs.filter((o) => o.msg_type === "stream"),
      [],
    );
  });

  test("a promise rejected after its cell finished is shown on that cell and the next", async () => {
    const first = await run(
      'new Promise((_, reject) => setTimeout(() => reject(new Error("late rejection")), 200));\n"pending"',
    );
    const count = first.reply.execution_count;
    const late = await bridge.call("wait_iopub", { kernel: "r", msg_id: first.msg_id, timeout: 10 });
    assert.equal(late.content.name, "stderr");
    assert.match(late.content.text, new RegExp(`cell \\[${count}\\]`));
    assert.match(late.content.text, /Error: late rejection/);
    const next = await run("3");
    const notice = next.outputs.find((o) => o.msg_type === "stream" && o.content.name === "stderr");
    assert.match(
      notice?.content.text ?? "",
      new RegExp(`^Error from an earlier cell's promise \\(cell \\[${count}\\]\\)`),
    );
    assert.match(notice?.content.text ?? "", /Error: late rejection/);
  });

  test("an earlier cell's timer failing while another cell runs is shown in the running cell, labelled", async () => {
    const first = await run('setTimeout(() => { throw new Error("while busy"); }, 100);');
    const count = first.reply.execution_count;
    const busy = await run("await new Promise((r) => setTimeout(r, 600));\n'waited'");
    assert.equal(resultText(busy), "'waited'");
    const notice = busy.outputs.find((o) => o.msg_type === "stream" && o.content.name === "stderr");
    assert.match(
      notice?.content.text ?? "",
      new RegExp(`^Error from an earlier cell's timer \\(cell \\[${count}\\]\\)`),
    );
    assert.match(notice?.content.text ?? "", /Error: while busy/);
    const after = await run("4");
    assert.deepEqual(
      after.outputs.filter((o) => o.msg_type === "stream"),
      [],
      "already shown: not repeated",
    );
  });

  test("an execute_request whose code is not a string gets an error reply (and idle)", async () => {
    for (const [content, given] of [
      [{ code: 42 }, "a number"],
      [{ code: null }, "null"],
      [{}, "nothing"],
    ] as const) {
      const r = await bridge.call("execute_content", { kernel: "r", content, timeout: 10 });
      assert.equal(r.reply.status, "error", JSON.stringify(r.reply));
      assert.equal(r.reply.ename, "TypeError");
      assert.match(r.reply.evalue, /execute_request: "code" must be a string/);
      assert.match(r.reply.evalue, new RegExp(`got ${given}`));
      assert.ok(r.outputs.some((o: JupyterOutput) => o.msg_type === "error"));
    }
    assert.equal(resultText(await run("'still here'")), "'still here'");
  });

  test("tracebacks name the cell by its execution count, also after silent requests", async () => {
    for (let i = 0; i < 3; i++)
      await bridge.call("execute_content", { kernel: "r", content: { code: "1 + 1", silent: true } });
    const failed = await run('throw new Error("named")');
    const count = failed.reply.execution_count;
    assert.ok(
      failed.reply.traceback.some((line: string) => line.includes(`cell[${count}]`)),
      `execution count ${count}, traceback ${JSON.stringify(failed.reply.traceback)}`,
    );
  });

  test("a replayed signed message is refused, not run twice, and logged", async () => {
    const r = await bridge.call("replay", {
      kernel: "r",
      code: "(globalThis as any).replays = ((globalThis as any).replays ?? 0) + 1;",
      after: "0",
    });
    assert.equal(r.execute_inputs, 1, "the replayed request ran twice");
    assert.equal(r.replies, 1);
    assert.equal(resultText(await run("(globalThis as any).replays")), "1");
    assert.match(bridge.stderrText, /duplicate signature/);
  });

  test("cells aborted after an interrupt reply {status: 'aborted'} with no execution count", async () => {
    const running = await bridge.call("execute_async", {
      kernel: "r",
      code: "while (true) await new Promise((r) => setImmediate(r));",
    });
    const queued = [
      await bridge.call("execute_async", { kernel: "r", code: "'skipped 1'" }),
      await bridge.call("execute_async", { kernel: "r", code: "'skipped 2'" }),
    ];
    await sleep(300);
    const stopped = await bridge.call("interrupt_and_wait", {
      kernel: "r",
      msg_id: running.msg_id,
      timeout: 10,
    });
    assert.equal(stopped.reply.ename, "Interrupted");
    for (const q of queued) {
      const r = await bridge.call("wait", { kernel: "r", msg_id: q.msg_id });
      assert.deepEqual(r.reply, { status: "aborted" });
      assert.equal(r.reply_metadata.status, "aborted");
      assert.ok(!r.outputs.some((o: JupyterOutput) => o.msg_type === "execute_input"));
    }
    const next = await run("'runs'");
    assert.equal(next.reply.execution_count, stopped.reply.execution_count + 1);
  });

  test("inspect (Shift+Tab) inside a call's arguments documents the call", async () => {
    const setup = await run('import { F, nn } from "receptive";\nconst xs = 1;');
    assert.equal(setup.reply.status, "ok", JSON.stringify(setup.reply));
    const inspect = async (code: string, cursor = code.length) => {
      const r = await bridge.call("inspect", { kernel: "r", args: { code, cursor_pos: cursor } });
      assert.equal(r.reply.status, "ok");
      assert.equal(r.reply.found, true, `nothing found for ${JSON.stringify(code)} at ${cursor}`);
      return r.reply.data["text/plain"] as string;
    };
    const conv = await inspect("F.conv2d(xs, ");
    assert.match(conv, /conv2d\(input: Tensor, weight: Tensor/);
    assert.match(conv, /2-D convolution/);
    assert.match(await inspect("F.conv2d("), /conv2d\(input: Tensor/);
    assert.match(await inspect("F.conv2d(xs, w, { padding: 1 })", "F.conv2d(xs, w, { pad".length), /padding/);
    assert.match(await inspect("new nn.Conv2d(1, "), /Conv2d/);
    assert.match(await inspect("Math.max(1, Math.abs("), /Math\.abs\(x: number\)/);
    assert.match(await inspect("Math.max(1, Math.abs(2), "), /Math\.max\(\.\.\.values/);
    assert.match(await inspect('display.html("<b>', 'display.html("<b'.length), /html/);
    // outside any call, an empty spot still finds nothing
    const none = await bridge.call("inspect", { kernel: "r", args: { code: "1 + ", cursor_pos: 4 } });
    assert.equal(none.reply.found, false);
  });

  test("names from earlier cells work in shorthand properties and destructuring", async () => {
    await run("const q = 1;\nconst valLoader = 5;\nconst pair = { a: 2, c: 3 };\nlet m = 0;");
    assert.equal(resultText(await run("({ q })")), "{ q: 1 }");
    await run(
      "function fitLike(net: number, loader: number, o: { valLoader: number }) { return o.valLoader; }",
    );
    assert.equal(resultText(await run("fitLike(0, 0, { valLoader })")), "5");
    assert.equal(resultText(await run("({ q, ...pair })")), "{ q: 1, a: 2, c: 3 }");
    assert.equal(resultText(await run("const { c: renamed } = pair;\nrenamed")), "3");
    assert.equal(resultText(await run("({ m } = { m: 9 });\nm")), "9");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the cell
    assert.equal(resultText(await run("[q, `${q}`]")), "[ 1, '1' ]");
  });
});

describe("Jupyter kernel reliability with nbclient", () => {
  test("nbclient saves all 20,000 lines of a cell and its final result", () => {
    const prefix = mkdtempSync(join(tmpdir(), "receptive-kernelspec-"));
    installKernelspec({ prefix });
    const dir = mkdtempSync(join(tmpdir(), "receptive-nbclient-"));
    const path = join(dir, "flood.ipynb");
    const cell = (source: string) => ({
      cell_type: "code",
      metadata: {},
      source,
      outputs: [],
      execution_count: null,
    });
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: "receptive", display_name: "Receptive (TypeScript)", language: "typescript" },
      },
      cells: [cell("for (let i = 0; i < 20000; i++) console.log(i);\n'done'"), cell("'next'")].map(
        (c, i) => ({
          ...c,
          id: `c${i}`,
        }),
      ),
    };
    writeFileSync(path, JSON.stringify(notebook));
    const out = join(dir, "out.ipynb");
    const script = [
      "import sys, nbformat, nbclient",
      "nb = nbformat.read(sys.argv[1], 4)",
      "nbclient.NotebookClient(nb, kernel_name='receptive', timeout=120, resources={'metadata': {'path': sys.argv[3]}}).execute()",
      "nbformat.write(nb, sys.argv[2])",
    ].join("\n");
    const r = spawnSync("/usr/bin/python3", ["-c", script, path, out, dir], {
      encoding: "utf8",
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
      timeout: 180_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const saved = JSON.parse(readFileSync(out, "utf8"));
    const [flood, next] = saved.cells;
    const joined = (t: string | string[]) => (Array.isArray(t) ? t.join("") : t);
    const outputs: JupyterOutput[] = flood.outputs.map((o: any) =>
      o.output_type === "stream"
        ? { msg_type: "stream", content: { name: o.name, text: joined(o.text) } }
        : { msg_type: o.output_type, content: { data: { "text/plain": joined(o.data["text/plain"]) } } },
    );
    assertSameSequence(events(outputs), [...countingLines(20000), "result 'done'"], "saved outputs");
    assert.equal(joined(next.outputs[0].data["text/plain"]), "'next'");
  });
});

/** Whether `pid` is a live process (an exited, unreaped one counts as gone). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("a kernel started with JPY_PARENT_PID", () => {
  test("exits within a few seconds of that process's death, as ipykernel does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "receptive-parent-"));
    const ip = join(dir, "kernel");
    const connectionFile = join(dir, "connection.json");
    writeFileSync(
      connectionFile,
      JSON.stringify({
        transport: "ipc",
        ip,
        shell_port: 1,
        iopub_port: 2,
        stdin_port: 3,
        control_port: 4,
        hb_port: 5,
        key: "secret",
        signature_scheme: "hmac-sha256",
      }),
    );
    // A short-lived parent: a shell that starts the kernel with JPY_PARENT_PID set to its own pid.
    const kernelArgs = [
      process.execPath,
      ...KERNEL_NODE_FLAGS,
      cli,
      "kernel",
      "start",
      "--connection-file",
      connectionFile,
    ];
    const parent = spawn("/bin/sh", ["-c", 'JPY_PARENT_PID=$$ "$@" & echo $!; wait', "sh", ...kernelArgs], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const kernelPid = await new Promise<number>((resolve) =>
      createInterface({ input: parent.stdout }).once("line", (line) => resolve(Number(line))),
    );
    try {
      for (let waited = 0; !existsSync(`${ip}-2`); waited += 50) {
        assert.ok(waited < 30_000, "the kernel did not bind its sockets within 30 s");
        await sleep(50);
      }
      await sleep(1500); // running, and polling its parent
      assert.ok(isRunning(kernelPid), "the kernel exited while its parent was alive");
      parent.kill("SIGKILL");
      let waited = 0;
      while (isRunning(kernelPid) && waited < 10_000) {
        await sleep(100);
        waited += 100;
      }
      assert.ok(!isRunning(kernelPid), "the kernel still runs 10 s after its parent died");
    } finally {
      if (isRunning(kernelPid)) process.kill(kernelPid, "SIGKILL");
      parent.kill("SIGKILL");
    }
  });
});
