// The extension's stdio kernel client (extension/src/kernel-client.ts) against the real kernel
// process: handshake, cells with streams and results, displays updated in place, interrupting a
// running loop, restart with fresh state, and a crash reported with a clear message.

import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type DisplayMessage, KernelClient, type KernelExit } from "../../extension/src/kernel-client";
import { kernelLaunch, kernelNodeFlags } from "../../extension/src/kernel-launch";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";

const cliPath = join(__dirname, "..", "..", "kernel", "cli.js");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("kernel client", () => {
  let client: KernelClient;
  const log: string[] = [];
  before(() => {
    const cwd = mkdtempSync(join(tmpdir(), "receptive-client-"));
    client = new KernelClient(kernelLaunch({ cliPath, cwd }), (line) => log.push(line));
  });
  after(async () => {
    await client.shutdown();
  });

  test("the launch runs the kernel with its Node flags", () => {
    const l = kernelLaunch({
      cliPath,
      cwd: "/tmp",
      execPath: "/opt/code/code",
      nodeVersion: "20.9.0",
      electron: true,
    });
    assert.equal(l.command, "/opt/code/code");
    assert.deepEqual(l.args, [
      "--no-force-async-hooks-checks",
      "--no-concurrent-recompilation",
      "--experimental-wasm-relaxed-simd",
      cliPath,
      "kernel",
      "stdio",
    ]);
    assert.equal(l.env?.ELECTRON_RUN_AS_NODE, "1");
    assert.deepEqual(kernelNodeFlags("22.1.0"), [
      "--no-force-async-hooks-checks",
      "--no-concurrent-recompilation",
    ]);
    // The extension keeps its own copy of the kernel's flags (it does not load kernel code).
    assert.deepEqual(kernelNodeFlags(process.versions.node), KERNEL_NODE_FLAGS);
  });

  test("a kernel that never answers hello, or cannot be started, is reported", async () => {
    const silent = new KernelClient(
      { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"], cwd: tmpdir() },
      () => {},
      500,
    );
    await assert.rejects(silent.start(), /did not answer hello within 0\.5 s and was stopped/);
    assert.equal(silent.status, "dead");
    const missing = new KernelClient({ command: "/nonexistent/receptive-node", args: [], cwd: tmpdir() });
    await assert.rejects(
      missing.start(),
      /could not be started \(spawn \/nonexistent\/receptive-node ENOENT\)/,
    );
  });

  test("start shakes hands and logs the command line", async () => {
    const hello = await client.start();
    assert.equal(hello.protocol, "receptive-stdio");
    assert.equal(hello.language, "typescript");
    assert.equal(client.status, "idle");
    assert.ok(log.some((l) => l.startsWith("starting the kernel:") && l.includes("kernel stdio")));
    assert.ok(log.some((l) => l.startsWith("kernel ready: receptive")));
  });

  test("execute streams output and returns the last value", async () => {
    const streams: string[] = [];
    const reply = await client.execute(
      'const n: number = 6;\nconsole.log("n is", n);\nconsole.error("warn");\nn * 7',
      {
        onStream: (m) => streams.push(`${m.name}:${m.text}`),
      },
    );
    assert.equal(reply.status, "ok");
    assert.equal(reply.result?.["text/plain"], "42");
    assert.deepEqual(streams, ["stdout:n is 6\n", "stderr:warn\n"]);
    const failed = await client.execute('throw new RangeError("too far")');
    assert.equal(failed.status, "error");
    assert.equal(failed.error?.ename, "RangeError");
    assert.ok(failed.executionCount > reply.executionCount);
  });

  test("displays and their in-place updates share a display id", async () => {
    const shown: DisplayMessage[] = [];
    const updates: string[] = [];
    await client.execute("const d = display(1);\nd.update(2);\nd.update(3);", {
      onDisplay: (m) => shown.push(m),
      onUpdateDisplay: (m) => {
        assert.equal(m.displayId, shown[0]?.displayId);
        updates.push(String(m.data["text/plain"]));
      },
    });
    assert.equal(shown.length, 1);
    assert.equal(shown[0].data["text/plain"], "1");
    assert.deepEqual(updates, ["2", "3"]);
  });

  test("a cell's input() is answered by onInputRequest (protocol 1.1)", async (t) => {
    if (((client.info as { minorVersion?: number } | undefined)?.minorVersion ?? 0) < 1) {
      return t.skip("this kernel predates input_request (protocol 1.0)");
    }
    const prompts: string[] = [];
    const reply = await client.execute('const who = await input("name? ");\n"hello " + who', {
      onInputRequest: (m) => {
        prompts.push(m.prompt);
        return "Ada";
      },
    });
    assert.deepEqual(prompts, ["name? "]);
    assert.equal(reply.result?.["text/plain"], "'hello Ada'");
    const cancelled = await client.execute('await input("again? ")', {
      onInputRequest: async () => undefined,
    });
    assert.equal(cancelled.result?.["text/plain"], "''");
  });

  test("interrupt stops a running loop and keeps the variables", async () => {
    let started!: () => void;
    const spinning = new Promise<void>((r) => {
      started = r;
    });
    const running = client.execute('console.log("spinning");\nlet spins = 0;\nwhile (true) spins++;', {
      onStream: () => started(),
    });
    await spinning; // the loop runs (its first line printed), however slow the machine is
    await sleep(100);
    assert.equal(client.status, "busy");
    const ir = await client.interrupt();
    assert.equal(ir.type, "interrupt_reply");
    const reply = await running;
    assert.equal(reply.error?.ename, "Interrupted");
    assert.equal((await client.execute("spins > 0")).result?.["text/plain"], "true");
    assert.equal(client.status, "idle");
  });

  test("Stop also cancels the cells sent behind the running one: they never run later", async () => {
    // What the extension sends around a Stop: its own query, then the person's loop (issue 14).
    let started!: () => void;
    const busy = new Promise<void>((r) => {
      started = r;
    });
    const first = client.execute(
      'console.log("busy");\nlet until = Date.now() + 60_000;\nwhile (Date.now() < until) {}',
      { onStream: () => started() },
    );
    const queued = client.execute("let ranLater = true;\nwhile (true) {}");
    await busy;
    await sleep(100);
    const ir = await client.interrupt();
    assert.notEqual(ir.result, "idle");
    assert.equal((await first).error?.ename, "Interrupted");
    const skipped = await queued;
    assert.equal(skipped.status, "aborted", JSON.stringify(skipped));
    assert.equal(skipped.error?.evalue, "stopped before it started");
    const after = await client.execute("typeof ranLater");
    assert.equal(after.status, "error", "the cancelled cell defined nothing: it never ran");
    assert.equal(client.status, "idle");
  });

  test("Stop while the kernel starts aborts the cell before it is sent", async () => {
    const fresh = new KernelClient(
      kernelLaunch({ cliPath, cwd: mkdtempSync(join(tmpdir(), "receptive-client-")) }),
    );
    try {
      const loop = fresh.execute("while (true) {}");
      await fresh.interrupt();
      const reply = await loop;
      assert.equal(reply.status, "aborted");
      const next = await fresh.execute("1 + 1");
      assert.equal(next.result?.["text/plain"], "2");
      assert.equal(next.executionCount, 1, "the aborted cell took no execution count");
    } finally {
      await fresh.shutdown();
    }
  });

  test("silent executes (the extension's queries) take no count; tracebacks name cells by their count", async () => {
    const before = await client.execute("0");
    const silent = await client.execute('process.stdout.write("q")', {}, { silent: true });
    assert.equal(silent.status, "ok");
    const failing = await client.execute("const boom = () => { throw new Error('no'); };\nboom();");
    assert.equal(failing.executionCount, before.executionCount + 1);
    const trace = failing.error?.traceback.join("\n") ?? "";
    assert.match(trace, new RegExp(`cell\\[${failing.executionCount}\\] line 2`), trace);
  });

  test("restart gives a new process with fresh state", async () => {
    await client.execute("const kept = 1;");
    const running = client.execute("while (true) {}");
    const cut = assert.rejects(running, /the kernel was restarted/);
    await sleep(200);
    await client.restart();
    await cut;
    const gone = await client.execute("kept");
    assert.equal(gone.status, "error");
    assert.match(gone.error!.evalue, /Cannot find name 'kept'/);
    assert.equal(gone.executionCount, 1);
  });

  test("a kernel crash rejects the running cell with a clear message and the next cell starts a new kernel", async () => {
    const exits: KernelExit[] = [];
    const off = client.onExit((e) => exits.push(e));
    // What the process itself writes to stderr (not a cell's console.error, which is a stream message).
    await client.execute('require("node:fs").writeSync(2, "about to crash\\n");');
    const crashing = client.execute(
      // a crash from outside: the kernel refuses process.kill of itself from a cell
      'require("node:child_process").execSync("kill -9 " + process.pid);\nawait new Promise((r) => setTimeout(r, 5000));',
    );
    await assert.rejects(crashing, (err: Error) => {
      assert.equal(err.name, "KernelDiedError");
      assert.match(err.message, /exited unexpectedly \(signal SIGKILL\) while a cell was running/);
      assert.match(err.message, /Restart Kernel/);
      assert.match(err.message, /about to crash/);
      return true;
    });
    off();
    assert.equal(exits.length, 1);
    assert.equal(exits[0].expected, false);
    assert.equal(client.status, "dead");
    assert.equal((await client.execute("1 + 1")).result?.["text/plain"], "2");
  });
});
