// A client of the stdio JSON-lines protocol (what the VS Code extension speaks) for tests: starts
// `receptive kernel stdio` as a child process and pairs each request with the messages answering it.

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { KERNEL_NODE_FLAGS } from "../../kernel/server/node-flags";
import type { StdioMessage } from "../../kernel/server/stdio/protocol";

const cli = join(__dirname, "..", "..", "kernel", "cli.js");
const FINAL = new Set([
  "hello_reply",
  "execute_reply",
  "complete_reply",
  "inspect_reply",
  "is_complete_reply",
  "interrupt_reply",
  "reset_reply",
  "shutdown_reply",
  "error_reply",
  "featureMaps_reply",
]);

export class StdioClient {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly messages = new Map<unknown, StdioMessage[]>();
  private readonly waiters = new Map<unknown, (m: StdioMessage[]) => void>();
  private nextId = 1;

  /** `withFlags: false` starts it as a user would from a shell (it re-runs itself with the flags). */
  constructor(cwd: string, { withFlags = true } = {}) {
    const flags = withFlags ? KERNEL_NODE_FLAGS : [];
    this.proc = spawn(process.execPath, [...flags, cli, "kernel", "stdio"], { cwd });
    createInterface({ input: this.proc.stdout }).on("line", (line) => {
      const m = JSON.parse(line) as StdioMessage;
      const list = this.messages.get(m.id) ?? [];
      list.push(m);
      this.messages.set(m.id, list);
      // A snapshot: messages that arrive later (a timer's report after its cell ended, read in the
      // same chunk as the reply) must not land after the final reply the caller reads.
      if (FINAL.has(m.type)) this.waiters.get(m.id)?.([...list]);
    });
  }

  /** Sends a request; resolves with every message answering it, the final reply last. */
  request(body: Record<string, unknown>): Promise<StdioMessage[]> {
    const id = this.nextId++;
    const done = new Promise<StdioMessage[]>((resolve) => this.waiters.set(id, resolve));
    this.proc.stdin.write(`${JSON.stringify({ id, ...body })}\n`);
    return done;
  }

  /** Sends a request and returns its id and a promise of its messages, without waiting. */
  start(body: Record<string, unknown>): Promise<StdioMessage[]> {
    return this.request(body);
  }

  async execute(code: string): Promise<Extract<StdioMessage, { type: "execute_reply" }>> {
    const all = await this.request({ type: "execute", code });
    return all[all.length - 1] as Extract<StdioMessage, { type: "execute_reply" }>;
  }

  sendRaw(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }

  messagesFor(id: unknown): StdioMessage[] {
    return this.messages.get(id) ?? [];
  }

  /** The first message of `type` answering request `id`, once it has arrived. */
  async waitFor(id: unknown, type: StdioMessage["type"], timeoutMs = 30_000): Promise<StdioMessage> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(10)) {
      const m = this.messagesFor(id).find((x) => x.type === type);
      if (m !== undefined) return m;
    }
    throw new Error(`no ${type} for request ${String(id)} within ${timeoutMs} ms`);
  }

  /** The id the next request will get. */
  get upcomingId(): number {
    return this.nextId;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
