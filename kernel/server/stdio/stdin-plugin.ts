// Runs in the kernel's side thread: reads the stdio protocol's requests from stdin, answers
// `interrupt` at once (the main thread may be busy) and passes every other line to the main thread.

import { Socket } from "node:net";
import { createInterface } from "node:readline";
import { isatty, ReadStream } from "node:tty";
import type { SideThreadContext } from "../side-thread";

export async function startPlugin(ctx: SideThreadContext): Promise<void> {
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
    if (request !== null && typeof request === "object" && request.type === "interrupt") {
      const result = await ctx.interrupt();
      ctx.toMain({ type: "stdio:reply", message: { id: request.id, type: "interrupt_reply", result } });
      return;
    }
    ctx.toMain({ type: "stdio:line", line });
  });
  lines.on("close", () => ctx.toMain({ type: "stdio:eof" }));
}
