// Runs in the kernel's side thread: reads the stdio protocol's requests from stdin, answers
// `interrupt` at once (the main thread may be busy) and passes every other line to the main thread.

import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { SideThreadContext } from "../side-thread";

export async function startPlugin(ctx: SideThreadContext): Promise<void> {
  const lines = createInterface({
    input: createReadStream("", { fd: 0 }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
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
