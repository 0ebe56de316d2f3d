// Faults through the notebook kernel's real clients: jupyter_client (Debian's python3-jupyter-client,
// via test/kernel/jupyter_client_bridge.py), nbclient, and the stdio protocol of the VS Code
// extension. After each fault the kernel must still run cells with the variables it had.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installKernelspec } from "../../kernel/server/jupyter/kernelspec";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";
import { type Collected, JupyterBridge, resultText, stdoutOf } from "../kernel/jupyter-bridge";
import { StdioClient } from "../kernel/stdio-client";
import { alive, childrenOf, sleep, waitFor } from "../processes";
import { type Fault, failed, type Outcome, ok } from "./fault";

const cli = join(__dirname, "..", "..", "kernel", "cli.js");
let bridge: JupyterBridge | undefined;
let stdio: StdioClient | undefined;
const dir = mkdtempSync(join(tmpdir(), "receptive-faults-kernel-"));

async function jupyter(): Promise<JupyterBridge> {
  if (bridge === undefined) {
    bridge = new JupyterBridge();
    await bridge.call("start", { name: "k", cwd: dir });
  }
  return bridge;
}
const run = async (code: string, timeout = 60): Promise<Collected> =>
  (await jupyter()).execute("k", code, timeout);
const errorOf = (c: Collected) => c.outputs.find((o) => o.msg_type === "error")?.content;
const stderrOf = (c: Collected) =>
  c.outputs
    .filter((o) => o.msg_type === "stream" && o.content.name === "stderr")
    .map((o) => o.content.text)
    .join("");

/** The kernel still runs a cell and still has `name` (defined earlier) equal to `value`. */
async function stillAlive(name: string, value: string): Promise<string> {
  const r = await run(name);
  return resultText(r) === value ? "" : `afterwards ${name} is ${resultText(r) ?? errorOf(r)?.evalue}`;
}

/** Runs `code` expecting an error reply matching `pattern`, then checks the kernel kept `keep`. */
function jupyterError(name: string, code: string, pattern: RegExp): Fault {
  const keep = `kept${name.replace(/\W/g, "").slice(0, 20)}`;
  return {
    name,
    via: "jupyter_client",
    run: async () => {
      await run(`const ${keep} = 7;`);
      const r = await run(code);
      const error = errorOf(r);
      if (r.reply.status !== "error" || !error) return failed(`status ${r.reply.status}, no error`);
      if (!pattern.test(`${error.ename}: ${error.evalue}`))
        return failed(`unclear: ${error.ename}: ${error.evalue}`);
      const lost = await stillAlive(keep, "7");
      return lost
        ? failed(lost, "the kernel's variables")
        : ok(`${error.ename}: ${error.evalue.slice(0, 100)}`);
    },
  };
}

async function manyLines(): Promise<Outcome> {
  const n = 20_000;
  const r = await run(`for (let i = 0; i < ${n}; i++) console.log(i);\n"done"`, 120);
  const lines = stdoutOf(r).split("\n").filter(Boolean);
  const inOrder = lines.every((l, i) => l === String(i));
  if (lines.length !== n || !inOrder)
    return failed(`${lines.length} of ${n} lines, in order: ${inOrder}`, "output");
  if (resultText(r) !== "'done'") return failed(`the result is ${resultText(r)}`, "the result");
  return ok(`${n} lines in order, the result and idle arrived (${r.outputs.length} messages)`);
}

async function lateError(): Promise<Outcome> {
  await run('setTimeout(() => { throw new Error("late boom"); }, 50);');
  await sleep(300);
  const next = await run("1 + 1");
  const text = stderrOf(next);
  if (!/Error from an earlier cell's timer \(cell \[\d+\]\)/.test(text) || !/late boom/.test(text))
    return failed(`the next cell's stderr: ${JSON.stringify(text.slice(0, 80))}`, "the error");
  return ok("reported to the next cell, labelled with the cell that set the timer");
}

async function nonStringCode(): Promise<Outcome> {
  const r = await (await jupyter()).call("execute_content", {
    kernel: "k",
    content: { code: 42 },
    timeout: 30,
  });
  const error = errorOf(r);
  if (r.reply.status !== "error" || !/"code" must be a string/.test(error?.evalue ?? ""))
    return failed(`reply ${JSON.stringify(r.reply).slice(0, 100)}`);
  return ok(`${error.ename}: ${error.evalue.slice(0, 90)}`);
}

async function replay(): Promise<Outcome> {
  const b = await jupyter();
  await run("let replays = 0;");
  const r = await b.call("replay", { kernel: "k", code: "replays++", after: "replays" });
  if (r.execute_inputs !== 1 || r.replies !== 1)
    return failed(`ran ${r.execute_inputs} times`, "idempotence");
  return ok("the replayed copy was refused; the request ran once");
}

async function badSignature(): Promise<Outcome> {
  const b = await jupyter();
  const r = await b.call("bad_signature", { kernel: "k", code: "globalThis.forged = 1" });
  if (r.answered) return failed("a wrongly signed request was answered");
  const ran = await run('typeof (globalThis as any).forged === "undefined"');
  return resultText(ran) === "true" ? ok("ignored; the kernel carries on") : failed("the forged code ran");
}

async function interruptLoop(): Promise<Outcome> {
  const b = await jupyter();
  await run("let spins = 0;");
  const { msg_id } = await b.call("execute_async", { kernel: "k", code: "while (true) { spins++; }" });
  await sleep(1500);
  const r = await b.call("interrupt_and_wait", { kernel: "k", msg_id, timeout: 30 });
  const spun = await run("spins > 0");
  if (resultText(spun) !== "true") return failed("the loop's variable was lost", "the kernel's variables");
  return ok(`stopped in ${r.elapsed.toFixed(2)} s; its variables kept`);
}

async function shorthand(): Promise<Outcome> {
  await run("const q = 1;");
  const r = await run("JSON.stringify({ q })");
  return resultText(r) === `'{"q":1}'`
    ? ok("{ q } reads q from the earlier cell")
    : failed(errorOf(r)?.evalue ?? "");
}

async function inspectInArguments(): Promise<Outcome> {
  const b = await jupyter();
  await run('import { F } from "receptive";');
  const code = "F.conv2d(x, ";
  const r = await b.call("inspect", { kernel: "k", args: { code, cursor_pos: code.length } });
  const text = r.reply.data?.["text/plain"] ?? "";
  return r.reply.found && /conv2d/.test(text) ? ok("shows conv2d's signature") : failed("nothing found");
}

/** A client killed with SIGKILL: its kernel (JPY_PARENT_PID is the client's pid) must exit by itself. */
async function deadClient(): Promise<Outcome> {
  const client = new JupyterBridge();
  await client.call("start", { name: "orphan", cwd: dir });
  const kernels = childrenOf(client.pid);
  client.kill();
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    if (!kernels.some(alive)) return ok(`its kernel exited ${(i + 1) / 2} s after the client died`);
  }
  for (const pid of kernels.filter(alive)) process.kill(pid, "SIGKILL");
  return failed("its kernel was still running 10 s after the client died");
}

async function gracefulShutdowns(): Promise<Outcome> {
  const b = await jupyter();
  for (let i = 0; i < 5; i++) {
    await b.call("start", {
      name: "s",
      cwd: dir,
      capture_output: true,
      env: { MALLOC_CHECK_: "3", MALLOC_PERTURB_: "165" },
    });
    await b.execute("s", '(await import("receptive")).randn([64, 64]).sum().item()');
    const r = await b.call("shutdown", { kernel: "s" });
    if (r.exit_code !== 0 || /corrupted|double free|free\(\)|Aborted|terminate called/.test(r.output ?? ""))
      return failed(`shutdown ${i + 1}: exit ${r.exit_code}, ${(r.output ?? "").trim().slice(0, 80)}`);
  }
  return ok("5 shutdowns under glibc's malloc checks: exit 0, no heap errors");
}

async function nbclientManyLines(): Promise<Outcome> {
  const prefix = mkdtempSync(join(tmpdir(), "receptive-faults-spec-"));
  installKernelspec({ prefix });
  const path = join(dir, "lines.ipynb");
  const cell = { cell_type: "code", metadata: {}, execution_count: null, outputs: [], source: "" };
  const source = 'for (let i = 0; i < 20000; i++) console.log(i);\n"done"';
  writeFileSync(
    path,
    JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells: [{ ...cell, source }] }),
  );
  const script = `import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], 4)
NotebookClient(nb, kernel_name="receptive", timeout=120).execute()
nbformat.write(nb, sys.argv[1])`;
  const r = spawnSync("/usr/bin/python3", ["-c", script, path], {
    encoding: "utf8",
    env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter") },
    timeout: 180_000,
  });
  if (r.status !== 0)
    return failed(`nbclient exited ${r.status ?? r.signal}: ${r.stderr.slice(-200)}`, "the notebook");
  const outputs = JSON.parse(readFileSync(path, "utf8")).cells[0].outputs;
  const text = outputs
    .filter((o: { name?: string }) => o.name === "stdout")
    .map((o: { text: string | string[] }) => (Array.isArray(o.text) ? o.text.join("") : o.text))
    .join("");
  const lines = text.split("\n").filter(Boolean).length;
  const result = outputs.find((o: { output_type: string }) => o.output_type === "execute_result");
  if (lines !== 20000 || !result)
    return failed(`${lines} of 20000 lines saved, result: ${Boolean(result)}`, "output");
  return ok("20,000 lines and the result saved in the notebook");
}

async function stdioClient(): Promise<StdioClient> {
  stdio ??= new StdioClient(dir);
  return stdio;
}

async function stdioExit(): Promise<Outcome> {
  const c = await stdioClient();
  await c.execute("const keptStdio = 3;");
  const r = await c.execute("process.exit(1)");
  if (r.status !== "error" || !/process\.exit\(1\)/.test(r.error?.evalue ?? ""))
    return failed(`status ${r.status}`);
  const after = await c.execute("keptStdio");
  if (after.result?.["text/plain"] !== "3") return failed("the kernel lost its variables", "variables");
  return ok(`${r.error?.ename}: the cell failed, the kernel kept its variables`);
}

async function stdioOrphan(): Promise<Outcome> {
  // Started as from a shell (no kernel flags): it re-runs itself as a child, which must die with it.
  const c = new StdioClient(dir, { withFlags: false });
  await c.execute("1");
  const children = childrenOf(c.proc.pid as number);
  c.proc.kill("SIGKILL");
  await waitFor("the launcher ended", () => !alive(c.proc.pid as number), 5000).catch(() => {});
  await sleep(1000);
  const living = children.filter(alive);
  return living.length ? failed(`its child ${living.join(", ")} outlived it`) : ok("its child ended with it");
}

/** The editor (the stdio kernel's parent) dies while a cell spins in `while (true) {}`. */
async function stdioEditorDies(): Promise<Outcome> {
  const editor = spawn(
    process.execPath,
    [
      "-e",
      `const k = require("node:child_process").spawn(process.execPath, ${JSON.stringify([...KERNEL_NODE_FLAGS, cli, "kernel", "stdio"])}, { stdio: ["pipe", "ignore", "ignore"] });
k.stdin.write(JSON.stringify({ id: 1, type: "execute", code: "while (true) {}" }) + "\\n");
console.log(k.pid);
setInterval(() => {}, 1000);`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const kernel = await new Promise<number>((resolve) =>
    editor.stdout?.once("data", (d) => resolve(Number(String(d)))),
  );
  await sleep(2000); // the cell is spinning
  editor.kill("SIGKILL");
  for (let i = 0; i < 20; i++) {
    await sleep(500);
    if (!alive(kernel))
      return ok(`the kernel stopped its cell and exited ${(i + 1) / 2} s after the editor died`);
  }
  process.kill(kernel, "SIGKILL");
  return failed("the kernel was still spinning 10 s after the editor died");
}

export const kernelFaults: Fault[] = [
  jupyterError("a cell that throws", 'throw new RangeError("too far")', /RangeError: too far/),
  jupyterError(
    "a tensor too big for memory",
    'import { zeros } from "receptive"; zeros([100000, 100000])',
    /zeros/,
  ),
  jupyterError(
    "the engine's memory exhausted (1 GB tensors until wasm memory cannot grow)",
    // Inputs in ordinary arrays (from a Float32Array, not a factory, which takes wasm storage): the
    // kernel copies each into wasm memory next to the outputs kept, until the memory cannot grow.
    'import { tensor as tensorBig } from "receptive";\nconst big: unknown[] = [];\n' +
      "try { for (let i = 0; i < 6; i++) big.push(tensorBig(new Float32Array(2.5e8), { shape: [2.5e8] }).add(1)); } finally { big.length = 0; }",
    /OutOfMemoryError: out of memory in \w+.*smaller batch size/,
  ),
  jupyterError("process.exit(1) in a cell", "process.exit(1)", /ProcessExitError: process\.exit\(1\)/),
  jupyterError("a type error", "const s: string = 5;", /not assignable to type 'string'/),
  { name: "interrupting while (true) {}", via: "jupyter_client", run: interruptLoop },
  { name: "20,000 console.log lines in one cell", via: "jupyter_client", run: manyLines },
  { name: "an error thrown by a timer after its cell ended", via: "jupyter_client", run: lateError },
  { name: "an execute_request whose code is a number", via: "jupyter_client", run: nonStringCode },
  { name: "a replayed signed execute_request", via: "jupyter_client", run: replay },
  { name: "an execute_request signed with the wrong key", via: "jupyter_client", run: badSignature },
  { name: "{ q } with q from an earlier cell", via: "jupyter_client", run: shorthand },
  { name: "Shift+Tab inside a call's arguments", via: "jupyter_client", run: inspectInArguments },
  { name: "the client dies (JPY_PARENT_PID)", via: "jupyter_client", run: deadClient },
  { name: "graceful shutdowns (heap corruption at exit)", via: "jupyter_client", run: gracefulShutdowns },
  { name: "20,000 console.log lines in one cell", via: "nbclient", run: nbclientManyLines },
  { name: "process.exit(1) in a cell", via: "stdio", run: stdioExit },
  { name: "the launcher of a stdio kernel killed", via: "stdio", run: stdioOrphan },
  { name: "the editor dies while a cell spins", via: "stdio", run: stdioEditorDies },
];

/** Ends the shared kernels. */
export async function closeKernelFaults(): Promise<void> {
  if (stdio) {
    const exited = new Promise((r) => stdio?.proc.on("exit", r));
    await stdio.request({ type: "shutdown" });
    await exited;
  }
  await bridge?.close();
}
