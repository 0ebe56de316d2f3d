// The kernel ends cleanly: graceful shutdowns through jupyter_client and the end of stdin for the
// stdio kernel each exit 0 with no glibc or abort message, and the side thread's last ZeroMQ frames
// survive the thread (the shutdown crash: "corrupted double-linked list", about 1 shutdown in 10-30).
// Kernels run under glibc's malloc checks where available, which turn a write to freed memory into
// an abort instead of a silent corruption.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";
import { JupyterBridge } from "./jupyter-bridge";

const SHUTDOWNS = 15;
const NATIVE_CRASH =
  /corrupted|free\(\)|double free|malloc\(\)|Aborted|terminate called|Segmentation|Assertion/;

/** glibc's malloc checks (the library exists from glibc 2.34), with freed memory overwritten. */
function mallocChecks(): Record<string, string> {
  const candidates = ["x86_64-linux-gnu", "aarch64-linux-gnu"].map(
    (a) => `/usr/lib/${a}/libc_malloc_debug.so.0`,
  );
  const lib = candidates.find((p) => existsSync(p));
  if (lib === undefined) return {};
  return { LD_PRELOAD: lib, GLIBC_TUNABLES: "glibc.malloc.check=3:glibc.malloc.perturb=165" };
}

const ENGINE_CELL = [
  'import { manualSeed, nn, randn } from "receptive";',
  "manualSeed(0);",
  "const conv = new nn.Conv2d(3, 8, 3);",
  "conv.forward(randn([4, 3, 16, 16])).sum().item()",
].join("\n");

/** Runs `args` to its end; its exit code (or signal) and everything it wrote to stdout and stderr. */
function runToEnd(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<{ code: number | null; signal: string | null; output: string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  if (stdin !== undefined) child.stdin.end(stdin);
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, output })));
}

describe("graceful shutdown through jupyter_client", () => {
  let bridge: JupyterBridge;
  let dir: string;
  before(() => {
    bridge = new JupyterBridge();
    dir = mkdtempSync(join(tmpdir(), "receptive-exit-"));
  });
  after(async () => {
    await bridge.close();
  });

  test(`${SHUTDOWNS} kernels in a row: start, a cell, shutdown_request; each exits 0 with no native error`, async () => {
    for (let i = 1; i <= SHUTDOWNS; i++) {
      const name = `k${i}`;
      await bridge.call("start", { name, cwd: dir, env: mallocChecks(), capture_output: true });
      const cell = await bridge.execute(name, i % 3 === 0 ? ENGINE_CELL : "const a: number = 20;\na + 1");
      assert.equal(cell.reply.status, "ok", JSON.stringify(cell.reply));
      const { exit_code, output } = await bridge.call("shutdown", { kernel: name });
      assert.doesNotMatch(output, NATIVE_CRASH, `shutdown ${i} of ${SHUTDOWNS}: the kernel wrote\n${output}`);
      assert.equal(exit_code, 0, `shutdown ${i} of ${SHUTDOWNS}: exit code ${exit_code}, output:\n${output}`);
    }
  });
});

describe("the stdio kernel ends cleanly", () => {
  const cli = join(__dirname, "..", "..", "kernel", "cli.js");
  const args = [...KERNEL_NODE_FLAGS, cli, "kernel", "stdio"];

  test("at the end of stdin and on a shutdown request, after a cell that used the engine: exit 0, no native error", async () => {
    const cell = JSON.stringify({ id: 1, type: "execute", code: ENGINE_CELL });
    for (const [how, input] of [
      ["end of stdin", `${cell}\n`],
      ["shutdown request", `${cell}\n${JSON.stringify({ id: 2, type: "shutdown" })}\n`],
    ]) {
      for (let i = 1; i <= 2; i++) {
        const r = await runToEnd(args, mallocChecks(), input);
        assert.match(r.output, /"type":"execute_reply","status":"ok"/, `${how} ${i}: ${r.output}`);
        assert.doesNotMatch(r.output, NATIVE_CRASH, `${how} ${i}: the kernel wrote\n${r.output}`);
        assert.deepEqual(
          { code: r.code, signal: r.signal },
          { code: 0, signal: null },
          `${how} ${i}: ${r.output}`,
        );
      }
    }
  });
});

describe("ZeroMQ frames sent from a thread that ends", () => {
  test("arrive whole after the thread is gone, without writing freed memory", async () => {
    const child = join(__dirname, "side-thread-frames-child.js");
    const r = await runToEnd([child, "owned"], mallocChecks());
    assert.doesNotMatch(r.output, NATIVE_CRASH, r.output);
    assert.deepEqual({ code: r.code, output: r.output }, { code: 0, output: "received 300\n" });
  });
});
