// `receptive kernel stdio`: the execution core behind the stdio protocol (protocol.ts). Messages go
// out with synchronous writes to fd 1, so output from a long synchronous cell still streams.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CellOutput } from "../execute/cell-context";
import { packageRoot } from "../execute/package-root";
import { exitKernel } from "../execute/process-exit";
import { ExecutionSession } from "../execute/session";
import { featureMapsReply } from "../feature-maps-target";
import { SideThreadHost } from "../side-thread-host";
import { ExecuteLedger } from "./execute-ledger";
import {
  STDIO_PROTOCOL,
  STDIO_PROTOCOL_MINOR_VERSION,
  STDIO_PROTOCOL_VERSION,
  type StdioMessage,
  type StdioRequest,
} from "./protocol";
import { writeAllSync } from "./write-all";

const version: string = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version;

export async function runStdioKernel(): Promise<number> {
  const send = (m: StdioMessage) => writeAllSync(1, `${JSON.stringify(m)}\n`);
  // Stray writes to process.stdout (outside any cell) must not corrupt the protocol: send them to stderr.
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  const session = new ExecutionSession(process.cwd());
  const ledger = new ExecuteLedger();
  const side = new SideThreadHost(session, [
    { module: join(__dirname, "stdin-plugin.js"), options: { ledger: ledger.buffer } },
  ]);
  let executionCount = 0;
  let queue = Promise.resolve();
  // The running cell's unanswered input_request (one at a time; later ones wait their turn).
  let pendingInput: { resolve: (value: string) => void; reject: (e: Error) => void } | null = null;
  let inputTurn: Promise<unknown> = Promise.resolve();
  const requestInput = (id: RequestId, prompt: string, password: boolean): Promise<string> => {
    const turn = inputTurn.then(
      () =>
        new Promise<string>((resolve, reject) => {
          pendingInput = { resolve, reject };
          send({ id, type: "input_request", prompt, password });
        }),
    );
    inputTurn = turn.catch(() => {});
    return turn;
  };
  const answerInput = (r: { id?: RequestId; value?: unknown }) => {
    if (pendingInput === null) {
      return void send({
        id: r.id ?? null,
        type: "error_reply",
        message: "input_reply: no cell is waiting for input (send it after an input_request)",
      });
    }
    const { resolve } = pendingInput;
    pendingInput = null;
    resolve(String(r.value ?? ""));
  };

  const handle = async (r: StdioRequest, seq?: number): Promise<void> => {
    switch (r.type) {
      case "hello":
        return void send({
          id: r.id,
          type: "hello_reply",
          protocol: STDIO_PROTOCOL,
          version: STDIO_PROTOCOL_VERSION,
          minorVersion: STDIO_PROTOCOL_MINOR_VERSION,
          implementation: "receptive",
          implementationVersion: version,
          language: "typescript",
        });
      case "execute": {
        if (seq !== undefined && ledger.isCancelled(seq)) {
          // An interrupt came after this request was sent and before it started: it never runs.
          ledger.finished(seq);
          const error = { ename: "Interrupted", evalue: "stopped before it started", traceback: [] };
          return void send({ id: r.id, type: "execute_reply", status: "aborted", executionCount, error });
        }
        // Silent requests (a front end's own queries) take no execution count.
        const count = r.silent ? executionCount : ++executionCount;
        const output: CellOutput = {
          executionCount: count,
          stream: (name, text) => send({ id: r.id, type: "stream", name, text }),
          display: (data, metadata, displayId) =>
            send({ id: r.id, type: "display", displayId, data, metadata }),
          update: (data, metadata, displayId) =>
            send({ id: r.id, type: "update_display", displayId, data, metadata }),
          input: (prompt, password) => requestInput(r.id, prompt, password),
        };
        let o: Awaited<ReturnType<typeof session.execute>>;
        try {
          // Tracebacks name the cell by the count the front end shows.
          o = await session.execute(String(r.code), output, r.silent ? "query" : `cell[${count}]`);
        } finally {
          if (seq !== undefined) ledger.finished(seq);
        }
        pendingInput?.reject(new Error("input: the cell ended before the front end answered"));
        pendingInput = null;
        if (o.status === "ok") {
          return void send({
            id: r.id,
            type: "execute_reply",
            status: "ok",
            executionCount: count,
            result: o.result,
          });
        }
        const error = { ename: o.ename, evalue: o.evalue, traceback: o.traceback };
        return void send({ id: r.id, type: "execute_reply", status: "error", executionCount: count, error });
      }
      case "complete": {
        const c = session.complete(String(r.code), Number(r.cursor));
        return void send({
          id: r.id,
          type: "complete_reply",
          matches: c.candidates,
          cursorStart: c.start,
          cursorEnd: c.end,
        });
      }
      case "inspect": {
        const i = session.inspect(String(r.code), Number(r.cursor));
        const data =
          i === null ? {} : { "text/plain": [i.signature, i.documentation].filter((s) => s).join("\n\n") };
        return void send({ id: r.id, type: "inspect_reply", found: i !== null, data });
      }
      case "is_complete": {
        const c = session.isComplete(String(r.code));
        return void send({
          id: r.id,
          type: "is_complete_reply",
          status: c.complete ? "complete" : "incomplete",
          indent: c.indent,
        });
      }
      case "featureMaps": {
        const { type: _, ...answer } = await featureMapsReply(r);
        return void send({ id: r.id, type: "featureMaps_reply", ...answer });
      }
      case "reset":
        session.reset();
        executionCount = 0;
        return void send({ id: r.id, type: "reset_reply" });
      case "shutdown":
        send({ id: r.id, type: "shutdown_reply" });
        // NOTE: no side.close(): its stdin reader may sit in a blocking read; exiting ends it.
        session.close();
        return exitKernel(0);
      default:
        send({
          id: (r as { id?: RequestId }).id ?? null,
          type: "error_reply",
          message: `unknown request type '${(r as { type?: unknown }).type}'`,
        });
    }
  };

  side.onMessage((m) => {
    if (m?.type === "stdio:reply") send(m.message);
    else if (m?.type === "stdio:eof") queue = queue.then(() => exitKernel(0));
    else if (m?.type === "stdio:line") {
      let request: StdioRequest;
      try {
        request = JSON.parse(m.line);
        if (request === null || typeof request !== "object" || typeof request.type !== "string")
          throw new Error("no type");
      } catch {
        return void send({
          id: null,
          type: "error_reply",
          message: `not a protocol request (one JSON object with a "type" per line): ${String(m.line).slice(0, 200)}`,
        });
      }
      if (request.type === "input_reply") return answerInput(request); // the waiting cell holds the queue
      const seq = typeof m.seq === "number" ? m.seq : undefined;
      queue = queue
        .then(() => handle(request, seq))
        .then(() => session.warmUpSoon())
        .catch((err) => {
          send({ id: request.id, type: "error_reply", message: String(err?.message ?? err) });
        });
    }
  });
  await side.ready;
  return new Promise<number>(() => {}); // runs until shutdown or the end of stdin
}

type RequestId = StdioRequest["id"];
