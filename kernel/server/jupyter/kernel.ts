// The Jupyter kernel: binds shell, iopub and stdin (heartbeat and control live in the side thread),
// answers requests in order with busy/idle status around each, and turns cell outputs into
// stream / display_data / update_display_data / execute_result / error messages. A cell's
// `await input()` asks the front end on the stdin socket (input_request / input_reply). Comms go to
// the targets of a CommRegistry (built in: `receptive.featureMaps`).

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as zmq from "zeromq";
import type { MimeBundle } from "../../display/schema";
import { CommRegistry, FEATURE_MAPS_TARGET } from "../comms";
import type { CellOutput } from "../execute/cell-context";
import { packageRoot } from "../execute/package-root";
import { exitKernel } from "../execute/process-exit";
import { ExecutionSession } from "../execute/session";
import { typescriptVersion } from "../execute/typescript";
import { featureMapsTarget } from "../feature-maps-target";
import { SideThreadHost } from "../side-thread-host";
import { type ConnectionInfo, endpoint } from "./connection";
import { codePointsToUtf16, utf16ToCodePoints } from "./cursor";
import { parentPidFromEnv } from "./parent-watch";
import { SendQueue } from "./send-queue";
import { StreamBatcher } from "./stream-batcher";
import {
  decode,
  encode,
  type Header,
  type Message,
  makeHeader,
  PROTOCOL_VERSION,
  SignatureHistory,
  Signer,
} from "./wire";

const version: string = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version;

export function kernelInfo(): Record<string, unknown> {
  return {
    status: "ok",
    protocol_version: PROTOCOL_VERSION,
    implementation: "receptive",
    implementation_version: version,
    language_info: {
      name: "typescript",
      version: typescriptVersion(),
      mimetype: "text/typescript",
      file_extension: ".ts",
      codemirror_mode: { name: "javascript", typescript: true },
      pygments_lexer: "typescript",
    },
    banner: `Receptive ${version}: TypeScript cells, a PyTorch-style tensor engine for CNNs (import from "receptive")`,
    help_links: [{ text: "Receptive", url: "https://github.com/receptive" }],
  };
}

export class JupyterKernel {
  private readonly signer: Signer;
  private readonly session = randomUUID();
  private readonly shell = new zmq.Router();
  private readonly stdin = new zmq.Router();
  // NOTE: no send high-water mark (ZeroMQ's default, 1000, makes a publisher drop messages once
  // a subscriber falls behind): output waits in the queue instead of being lost.
  private readonly iopub = new zmq.Publisher({ sendHighWaterMark: 0 });
  private readonly shellOut = new SendQueue(this.shell, (e) => this.log(e));
  private readonly iopubOut = new SendQueue(this.iopub, (e) => this.log(e));
  private readonly stdinOut = new SendQueue(this.stdin, (e) => this.log(e));
  /** Stream writes gathered into few iopub messages (flushed before anything else is published). */
  private readonly streams = new StreamBatcher<Header>((parent, name, text) =>
    this.publishNow("stream", parent, { name, text }),
  );
  /** Signatures seen on shell, stdin and forwarded control messages: a replay is refused. */
  private readonly signatures = new SignatureHistory();
  /** Requests answered so far (so a request that failed unexpectedly still gets a reply). */
  private readonly answered = new WeakSet<Message>();
  /** The cell's unanswered input_request, if any (one at a time; later ones wait their turn). */
  private pendingInput: { resolve: (value: string) => void; reject: (e: Error) => void } | null = null;
  private inputTurn: Promise<unknown> = Promise.resolve();
  readonly comms = new CommRegistry();
  /** The request a comm's messages answer: the comm_open or comm_msg being handled. */
  private commParent: Header | null = null;
  private readonly exec: ExecutionSession;
  private sideThread!: SideThreadHost;
  private executionCount = 0;
  private readonly history: [number, number, string][] = [];
  private queue: Promise<void> = Promise.resolve();
  private received = 0;
  private abortUpTo = 0;
  private closing = false;

  constructor(private readonly connection: ConnectionInfo) {
    this.signer = new Signer(connection.key, connection.signature_scheme);
    this.exec = new ExecutionSession(process.cwd());
    this.comms.registerTarget(FEATURE_MAPS_TARGET, featureMapsTarget);
  }

  /** To the kernel process's own stderr (process.stderr.write goes to the current cell). */
  private log(err: unknown): void {
    this.exec.kernelOutput.stderr(`receptive kernel: ${err instanceof Error ? err.message : String(err)}\n`);
  }

  async start(): Promise<void> {
    this.sideThread = new SideThreadHost(this.exec, [
      {
        module: join(__dirname, "control-plugin.js"),
        options: { connection: this.connection, session: this.session, parentPid: parentPidFromEnv() },
      },
    ]);
    this.sideThread.onMessage((m) => {
      if (m?.type === "jupyter:control") {
        const frames = (m.frames as Uint8Array[]).map((f) => Buffer.from(f));
        this.enqueue(frames, "control");
      } else if (m?.type === "jupyter:log") this.log(m.text);
      else if (m?.type === "jupyter:parent-gone") {
        this.log(`the process that started this kernel (JPY_PARENT_PID ${m.pid}) is gone; shutting down`);
        void this.shutdown();
      }
    });
    await Promise.all([
      this.shell.bind(endpoint(this.connection, "shell")),
      this.stdin.bind(endpoint(this.connection, "stdin")),
      this.iopub.bind(endpoint(this.connection, "iopub")),
      this.sideThread.ready,
    ]);
    this.publish("status", {}, { execution_state: "starting" });
    (async () => {
      for await (const frames of this.shell) this.enqueue(frames, "shell");
    })().catch((e) => this.log(e));
    (async () => {
      for await (const frames of this.stdin) this.onStdin(frames);
    })().catch((e) => this.log(e));
  }

  /** Requests run one at a time, in arrival order. */
  private enqueue(frames: Buffer[], channel: "shell" | "control"): void {
    let msg: Message;
    try {
      msg = decode(frames, this.signer, this.signatures);
    } catch (err) {
      this.log(err);
      return;
    }
    const seq = ++this.received;
    this.queue = this.queue.then(() => this.handle(msg, channel, seq)).catch((e) => this.log(e));
  }

  private reply(
    channel: "shell" | "control",
    request: Message,
    type: string,
    content: unknown,
    metadata = {},
  ) {
    this.answered.add(request);
    const frames = encode(
      this.signer,
      request.identities,
      makeHeader(type, this.session),
      request.header,
      content,
      metadata,
    );
    if (channel === "shell") this.shellOut.send(frames);
    else this.sideThread.post({ type: "jupyter:control-reply", frames });
  }

  /** Publishes on iopub after any stream output gathered so far, so outputs keep their order. */
  private publish(
    type: string,
    parent: Header | Record<string, never>,
    content: unknown,
    metadata = {},
  ): void {
    this.streams.flush();
    this.publishNow(type, parent, content, metadata);
  }

  private publishNow(
    type: string,
    parent: Header | Record<string, never>,
    content: unknown,
    metadata = {},
  ): void {
    const topic = Buffer.from(`kernel.${this.session}.${type}`);
    this.iopubOut.send(
      encode(this.signer, [topic], makeHeader(type, this.session), parent, content, metadata),
    );
  }

  private async handle(msg: Message, channel: "shell" | "control", seq: number): Promise<void> {
    const type = msg.header.msg_type;
    this.publish("status", msg.header, { execution_state: "busy" });
    try {
      switch (type) {
        case "kernel_info_request":
          this.reply(channel, msg, "kernel_info_reply", kernelInfo());
          break;
        case "execute_request":
          await this.execute(msg, channel, seq);
          break;
        case "complete_request":
          this.reply(channel, msg, "complete_reply", this.complete(msg.content.code, msg.content.cursor_pos));
          break;
        case "inspect_request":
          this.reply(channel, msg, "inspect_reply", this.inspect(msg.content.code, msg.content.cursor_pos));
          break;
        case "is_complete_request": {
          const r = this.exec.isComplete(msg.content.code);
          this.reply(
            channel,
            msg,
            "is_complete_reply",
            r.complete ? { status: "complete" } : { status: "incomplete", indent: r.indent },
          );
          break;
        }
        case "history_request":
          this.reply(channel, msg, "history_reply", { status: "ok", history: this.historyFor(msg.content) });
          break;
        case "comm_info_request":
          this.reply(channel, msg, "comm_info_reply", {
            status: "ok",
            comms: this.comms.info(msg.content.target_name ?? undefined),
          });
          break;
        case "shutdown_request":
          this.reply(channel, msg, "shutdown_reply", { status: "ok", restart: msg.content.restart === true });
          this.publish("status", msg.header, { execution_state: "idle" });
          await this.shutdown();
          return;
        case "comm_open":
        case "comm_msg":
        case "comm_close":
          await this.comm(msg);
          break;
        default:
          if (type.endsWith("_request")) {
            this.reply(channel, msg, type.replace(/_request$/, "_reply"), {
              status: "error",
              ename: "NotImplemented",
              evalue: `the Receptive kernel does not handle ${type}`,
              traceback: [],
            });
          }
      }
    } catch (err) {
      // A malformed request (content of the wrong shape) or a kernel bug: still answer it.
      this.log(err);
      if (type.endsWith("_request") && !this.answered.has(msg)) {
        this.reply(channel, msg, type.replace(/_request$/, "_reply"), {
          status: "error",
          ename: "KernelError",
          evalue: `the kernel failed to handle ${type}: ${err instanceof Error ? err.message : String(err)}`,
          traceback: [],
        });
      }
    } finally {
      this.publish("status", msg.header, { execution_state: "idle" });
      // Build the TypeScript converter (about a second) once the client knows we are ready.
      this.exec.warmUpSoon();
    }
  }

  private async execute(msg: Message, channel: "shell" | "control", seq: number): Promise<void> {
    const { code, silent = false, store_history = true, stop_on_error = true } = msg.content;
    if (seq <= this.abortUpTo) {
      // As ipykernel: no execution count (the front end shows none), nothing published.
      this.reply(channel, msg, "execute_reply", { status: "aborted" }, { status: "aborted" });
      return;
    }
    if (typeof code !== "string") {
      const ename = "TypeError";
      const evalue = `execute_request: "code" must be a string of TypeScript, got ${describeValue(code)}`;
      this.publish("error", msg.header, { ename, evalue, traceback: [`${ename}: ${evalue}`] });
      this.reply(
        channel,
        msg,
        "execute_reply",
        { status: "error", ename, evalue, traceback: [] },
        { status: "error" },
      );
      return;
    }
    const counts = !silent && store_history !== false;
    if (counts) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.publish("execute_input", msg.header, { code, execution_count: count });
    if (counts) this.history.push([1, count, code]);
    const parent = msg.header;
    const allowStdin = msg.content.allow_stdin === true;
    const output: CellOutput = {
      executionCount: count,
      stream: (name, text) => {
        if (!silent) this.streams.write(parent, name, text);
      },
      display: (bundle: MimeBundle, metadata, displayId) => {
        if (!silent)
          this.publish("display_data", parent, {
            data: bundle,
            metadata,
            transient: { display_id: displayId },
          });
      },
      update: (bundle: MimeBundle, metadata, displayId) => {
        this.publish("update_display_data", parent, {
          data: bundle,
          metadata,
          transient: { display_id: displayId },
        });
      },
      input: (prompt, password) => {
        if (!allowStdin) {
          return Promise.reject(
            new Error(
              "input: this front end does not accept input for this cell (its execute_request has allow_stdin false); put the value in the cell instead, or run it from a front end with input (JupyterLab, Notebook, VS Code)",
            ),
          );
        }
        return this.requestInput(msg, prompt, password);
      },
    };
    // Tracebacks name the cell as the front end numbers it (a silent request takes no number).
    const outcome = await this.exec.execute(code, output, counts ? `cell[${count}]` : undefined);
    this.cancelInput(); // an interrupted cell's question is no longer open
    if (outcome.status === "ok") {
      if (outcome.result && !silent) {
        this.publish("execute_result", parent, {
          execution_count: count,
          data: outcome.result,
          metadata: {},
        });
      }
      this.reply(channel, msg, "execute_reply", {
        status: "ok",
        execution_count: count,
        payload: [],
        user_expressions: {},
      });
      return;
    }
    const { ename, evalue, traceback } = outcome;
    if (!silent) this.publish("error", parent, { ename, evalue, traceback });
    this.reply(
      channel,
      msg,
      "execute_reply",
      { status: "error", execution_count: count, ename, evalue, traceback },
      {
        status: "error",
      },
    );
    if (stop_on_error) this.abortUpTo = this.received; // requests already queued are aborted
  }

  private async comm(msg: Message): Promise<void> {
    const { comm_id: commId, target_name: target, data = {} } = msg.content;
    this.commParent = msg.header;
    const type = msg.header.msg_type;
    if (type === "comm_open") {
      const send = (d: unknown) =>
        this.publish("comm_msg", this.commParent ?? msg.header, { comm_id: commId, data: d });
      const opened = await this.comms.openComm(commId, target, data, send);
      if (!opened) {
        this.log(`no comm target named '${target}' (known: ${FEATURE_MAPS_TARGET}); closing comm ${commId}`);
        this.publish("comm_close", msg.header, { comm_id: commId, data: {} });
      }
    } else if (type === "comm_msg") {
      if (!(await this.comms.message(commId, data))) this.log(`comm_msg for unknown comm ${commId} ignored`);
    } else this.comms.close(commId, data);
  }

  /** Sends input_request on stdin to the client that sent `request`; resolves with its input_reply. */
  private requestInput(request: Message, prompt: string, password: boolean): Promise<string> {
    const turn = this.inputTurn.then(
      () =>
        new Promise<string>((resolve, reject) => {
          this.streams.flush(); // the prompt's context (printed before it) shows first
          const header = makeHeader("input_request", this.session);
          this.pendingInput = { resolve, reject };
          this.stdinOut.send(
            encode(this.signer, request.identities, header, request.header, { prompt, password }),
          );
        }),
    );
    this.inputTurn = turn.catch(() => {});
    return turn;
  }

  private onStdin(frames: Buffer[]): void {
    let msg: Message;
    try {
      msg = decode(frames, this.signer);
    } catch (err) {
      this.log(err);
      return;
    }
    const pending = this.pendingInput;
    if (msg.header.msg_type !== "input_reply" || pending === null) return;
    this.pendingInput = null;
    if (msg.content?.status === "error") {
      pending.reject(
        new Error(`input: the front end answered with an error: ${msg.content.evalue ?? "no value"}`),
      );
    } else pending.resolve(String(msg.content?.value ?? ""));
  }

  private cancelInput(): void {
    this.pendingInput?.reject(new Error("input: the cell ended before the front end answered"));
    this.pendingInput = null;
  }

  private complete(code: string, cursorPos: number) {
    const cursor = codePointsToUtf16(code, cursorPos);
    const r = this.exec.complete(code, cursor);
    return {
      status: "ok",
      matches: r.candidates,
      cursor_start: utf16ToCodePoints(code, r.start),
      cursor_end: utf16ToCodePoints(code, r.end),
      metadata: {},
    };
  }

  private inspect(code: string, cursorPos: number) {
    const r = this.exec.inspect(code, codePointsToUtf16(code, cursorPos));
    if (r === null) return { status: "ok", found: false, data: {}, metadata: {} };
    const text = r.documentation ? `${r.signature}\n\n${r.documentation}` : r.signature;
    const markdown = `\`\`\`typescript\n${r.signature}\n\`\`\`${r.documentation ? `\n\n${r.documentation}` : ""}`;
    return {
      status: "ok",
      found: true,
      data: { "text/plain": text, "text/markdown": markdown },
      metadata: {},
    };
  }

  private historyFor(content: {
    hist_access_type?: string;
    n?: number;
    start?: number;
    stop?: number;
    pattern?: string;
  }) {
    const all = this.history;
    switch (content.hist_access_type) {
      case "tail":
        return all.slice(-(content.n ?? 10));
      case "range":
        return all.filter(
          ([, line]) => line >= (content.start ?? 0) && (content.stop === undefined || line < content.stop),
        );
      case "search": {
        const pattern = new RegExp(
          `^${(content.pattern ?? "*")
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
          "s",
        );
        return all.filter(([, , input]) => pattern.test(input)).slice(-(content.n ?? all.length));
      }
      default:
        return all;
    }
  }

  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all([this.shellOut.flush(), this.iopubOut.flush(), this.stdinOut.flush()]);
    await this.sideThread.close();
    this.shell.close();
    this.stdin.close();
    this.iopub.close();
    this.exec.close();
    exitKernel(0);
  }
}

/** What a request carried instead of the expected value, for error messages. */
function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  const article = /^[aeiou]/.test(type) ? "an" : "a";
  return type === "object" ? "an object" : `${article} ${type} (${String(value).slice(0, 40)})`;
}
