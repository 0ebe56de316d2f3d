// Drives the Python Jupyter client bridge (jupyter_client_bridge.py) from node:test: installs the
// kernelspec into a temporary prefix, starts /usr/bin/python3 and sends it JSON-lines commands.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { installKernelspec } from "../../kernel/server/jupyter/kernelspec";
import { requirePython } from "../helpers";

const BRIDGE = join(__dirname, "..", "..", "..", "test", "kernel", "jupyter_client_bridge.py");

export interface JupyterOutput {
  msg_type: string;
  content: any;
}

export interface Collected {
  reply: any;
  reply_metadata: any;
  outputs: JupyterOutput[];
  msg_id: string;
}

export class JupyterBridge {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (answer: any) => void>();
  private nextId = 1;
  private stderr = "";
  readonly prefix: string;

  constructor() {
    requirePython({
      jupyter_client: "python3-jupyter-client",
      nbclient: "python3-nbclient",
      nbformat: "python3-nbformat",
    });
    this.prefix = mkdtempSync(join(tmpdir(), "receptive-kernelspec-"));
    installKernelspec({ prefix: this.prefix });
    this.proc = spawn("/usr/bin/python3", [BRIDGE], {
      env: { ...process.env, JUPYTER_PATH: join(this.prefix, "share", "jupyter"), PYTHONUNBUFFERED: "1" },
    });
    this.proc.stderr.on("data", (d) => {
      this.stderr += d;
    });
    createInterface({ input: this.proc.stdout }).on("line", (line) => {
      const answer = JSON.parse(line);
      this.waiting.get(answer.id)?.(answer);
      this.waiting.delete(answer.id);
    });
  }

  /** Sends one command; rejects with the Python traceback when the bridge reports a failure. */
  call(op: string, args: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (answer) =>
        answer.ok
          ? resolve(answer)
          : reject(new Error(`bridge ${op} failed:\n${answer.error}\n${this.stderr}`)),
      );
      this.proc.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Everything the bridge and its kernels wrote to stderr so far (kernels inherit its stderr). */
  get stderrText(): string {
    return this.stderr;
  }

  /** The bridge's process id: the JPY_PARENT_PID of the kernels it starts. */
  get pid(): number {
    return this.proc.pid as number;
  }

  /** Kills the bridge with SIGKILL, as a crashed client dies; its kernels are on their own. */
  kill(): void {
    this.proc.kill("SIGKILL");
  }

  execute(kernel: string, code: string, timeout = 30): Promise<Collected> {
    return this.call("execute", { kernel, code, timeout });
  }

  async close(): Promise<void> {
    this.proc.stdin.end();
    await new Promise((resolve) => this.proc.on("exit", resolve));
  }
}

/** Text of all stdout stream outputs. */
export function stdoutOf(c: Collected): string {
  return c.outputs
    .filter((o) => o.msg_type === "stream" && o.content.name === "stdout")
    .map((o) => o.content.text)
    .join("");
}

/** The text/plain of the execute_result, or undefined. */
export function resultText(c: Collected): string | undefined {
  return c.outputs.find((o) => o.msg_type === "execute_result")?.content.data["text/plain"];
}
