// Runs in the kernel's side thread: reads the stdio protocol's requests from stdin, answers
// `interrupt` at once (the main thread may be busy) and passes every other line to the main thread.
// An interrupt stops the running cell and cancels the execute requests read before it
// (execute-ledger.ts): it is answered once none of them can run any more. It also watches the
// process that started the kernel (the VS Code extension host): when that dies, every cell is
// stopped and the kernel exits, so a crashed editor leaves no kernel spinning in a loop.

import { Socket } from "node:net";
import { createInterface } from "node:readline";
import { isatty, ReadStream } from "node:tty";
import type { InterruptResult } from "../execute/interrupt";
import { watchParent } from "../jupyter/parent-watch";
import type { SideThreadContext } from "../side-thread";
import { ExecuteLedger } from "./execute-ledger";

export interface StdinPluginOptions {
  /** The ExecuteLedger's buffer, shared with the main thread. */
  ledger: SharedArrayBuffer;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** When the main thread has not exited this long after the kernel's parent died, kill it. */
const PARENT_GONE_KILL_MS = 5000;

export async function startPlugin(ctx: SideThreadContext, options: StdinPluginOptions): Promise<void> {
  const ledger = new ExecuteLedger(options.ledger);
  let executesRead = 0;
  /** Interrupts until every execute request up to `upTo` has finished; the first real result. */
  const stopAll = async (upTo: number): Promise<InterruptResult> => {
    let result = await ctx.interrupt();
    while (!ledger.finishedUpTo(upTo)) {
      await sleep(5);
      const again = await ctx.interrupt(); // a cell that started after the first interrupt
      if (result === "idle") result = again;
    }
    return result;
  };
  // NOTE: a non-blocking stream on fd 0 (not fs.createReadStream, whose blocking read in the
  // thread pool keeps the process from exiting while the client holds stdin open).
  const input = isatty(0) ? new ReadStream(0) : new Socket({ fd: 0, readable: true, writable: false });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", async (line) => {
    let request: { id?: unknown; type?: unknown } | null = null;
    try {
      request = JSON.parse(line);
    } catch {
      // the main thread reports malformed lines
    }
    const type = request !== null && typeof request === "object" ? request.type : undefined;
    if (type === "interrupt") {
      const upTo = executesRead;
      ledger.cancelUpTo(upTo);
      const result = await stopAll(upTo);
      ctx.toMain({ type: "stdio:reply", message: { id: request?.id, type: "interrupt_reply", result } });
      return;
    }
    ctx.toMain({ type: "stdio:line", line, seq: type === "execute" ? ++executesRead : undefined });
  });
  lines.on("close", () => ctx.toMain({ type: "stdio:eof" }));
  if (process.ppid > 1) {
    watchParent(process.ppid, async () => {
      ledger.cancelUpTo(executesRead);
      setTimeout(() => process.kill(process.pid, "SIGKILL"), PARENT_GONE_KILL_MS).unref();
      await stopAll(executesRead);
      ctx.toMain({ type: "stdio:eof" });
    });
  }
}
