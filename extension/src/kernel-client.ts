// A client for the kernel's stdio protocol (kernel/server/stdio/protocol.ts), free of VS Code so the
// tests drive it against the real kernel: it spawns the kernel, shakes hands, matches replies to
// requests by id, streams a request's events to its handlers, interrupts, restarts, shuts down, and
// turns an unexpected exit into one clear error. Every line worth showing goes to `log`.
// NOTE: a request's reply is the first message of its id whose type ends in "_reply"; events
// (stream, display, update_display) come before it. Output that arrives after its cell ended (a
// timer's console.log, a display updated later) goes to the `onMessage` listeners only.

import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { StdioMessage } from "../../kernel/server/stdio/protocol";

export type HelloReply = Extract<StdioMessage, { type: "hello_reply" }>;
export type ExecuteReply = Extract<StdioMessage, { type: "execute_reply" }>;
export type CompleteReply = Extract<StdioMessage, { type: "complete_reply" }>;
export type InspectReply = Extract<StdioMessage, { type: "inspect_reply" }>;
export type InterruptReply = Extract<StdioMessage, { type: "interrupt_reply" }>;
export type DisplayMessage = Extract<StdioMessage, { type: "display" }>;
export type UpdateDisplayMessage = Extract<StdioMessage, { type: "update_display" }>;
export type StreamMessage = Extract<StdioMessage, { type: "stream" }>;
/** (protocol 1.1) A cell awaits `input(prompt)`: answer with what the person typed. */
export interface InputRequestMessage {
  id: string | number;
  type: "input_request";
  prompt: string;
  password: boolean;
}
/** Any message the kernel writes, including request types this file does not know yet. */
export type KernelMessage =
  | StdioMessage
  | { id: string | number | null; type: string; [key: string]: unknown };

/** How to start the kernel process: `command args...` in `cwd`. */
export interface KernelLaunch {
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export interface ExecuteHandlers {
  onStream?(message: StreamMessage): void;
  onDisplay?(message: DisplayMessage): void;
  onUpdateDisplay?(message: UpdateDisplayMessage): void;
  /** The text for the cell's `input()`; undefined (cancelled) or no handler sends "". */
  onInputRequest?(message: InputRequestMessage): Promise<string | undefined> | string | undefined;
}

export type KernelStatus = "stopped" | "starting" | "idle" | "busy" | "dead";

/** How the kernel process ended; `expected` is false for a crash. */
export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
  /** For a crash: what happened and what to do, for the user. */
  message?: string;
}

/** Raised for requests that were pending when the kernel process died or was restarted. */
export class KernelDiedError extends Error {
  override name = "KernelDiedError";
}

interface Pending {
  onEvent?: (m: KernelMessage) => void;
  resolve: (m: KernelMessage) => void;
  reject: (e: Error) => void;
  type: string;
}

const STDERR_TAIL = 20;

export class KernelClient {
  private proc: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private readonly messageListeners = new Set<(m: KernelMessage) => void>();
  private readonly exitListeners = new Set<(e: KernelExit) => void>();
  private readonly statusListeners = new Set<(s: KernelStatus) => void>();
  private stderrTail: string[] = [];
  private nextId = 1;
  private executing = 0;
  /** Interrupts sent so far: an execute not yet sent when one comes is aborted, never sent. */
  private interrupts = 0;
  private stopping = false;
  private starting: Promise<HelloReply> | undefined;
  private _status: KernelStatus = "stopped";
  /** The hello reply of the running kernel. */
  info: HelloReply | undefined;

  private cutReason: string | undefined;
  /** The execution count of the last reply (an aborted cell repeats it). */
  private lastCount = 0;

  constructor(
    /** How to start the kernel; a function is asked again at every (re)start (settings may change). */
    private readonly launch: KernelLaunch | (() => KernelLaunch),
    private readonly log: (line: string) => void = () => {},
    /** How long the kernel may take to answer hello before it is killed. */
    private readonly startTimeoutMs = 60_000,
  ) {}

  get status(): KernelStatus {
    return this._status;
  }

  /** Starts the kernel if it is not running; resolves once it answered hello. */
  start(): Promise<HelloReply> {
    if (this.proc && this.starting) return this.starting;
    this.starting = this.spawnAndGreet();
    return this.starting;
  }

  private async spawnAndGreet(): Promise<HelloReply> {
    const { command, args, cwd, env } = typeof this.launch === "function" ? this.launch() : this.launch;
    const t0 = Date.now();
    this.setStatus("starting");
    this.stopping = false;
    this.stderrTail = [];
    this.log(`starting the kernel: ${[command, ...args].join(" ")} (in ${cwd})`);
    const proc = spawn(command, args, { cwd, env: env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    this.proc = proc;
    proc.stdin?.on("error", () => {}); // EPIPE after a crash: the exit handler reports it
    createInterface({ input: proc.stdout! }).on("line", (line) => this.onLine(line));
    createInterface({ input: proc.stderr! }).on("line", (line) => {
      this.stderrTail = [...this.stderrTail.slice(-(STDERR_TAIL - 1)), line];
      this.log(`[kernel] ${line}`);
    });
    proc.on("error", (err) => this.handleExit(proc, null, null, err));
    proc.on("exit", (code, signal) => this.handleExit(proc, code, signal));
    this.cutReason = undefined;
    const timer = setTimeout(() => {
      this.cutReason = `did not answer hello within ${this.startTimeoutMs / 1000} s`;
      proc.kill("SIGKILL");
    }, this.startTimeoutMs);
    let hello: HelloReply;
    try {
      hello = (await this.request({ type: "hello" })) as HelloReply;
    } finally {
      clearTimeout(timer);
    }
    if (hello.type !== "hello_reply" || hello.protocol !== "receptive-stdio") {
      throw new Error(
        `Receptive kernel: expected a hello_reply of protocol "receptive-stdio", got ${JSON.stringify(hello).slice(0, 200)}. Is ${args.join(" ")} the Receptive kernel?`,
      );
    }
    this.info = hello;
    this.setStatus("idle");
    this.log(`kernel ready: ${hello.implementation} ${hello.implementationVersion} in ${Date.now() - t0} ms`);
    return hello;
  }

  /** Sends one request; resolves with its reply, passing the events before it to `onEvent`. */
  request(
    body: { type: string; [key: string]: unknown },
    onEvent?: (m: KernelMessage) => void,
  ): Promise<KernelMessage> {
    const proc = this.proc;
    if (!proc || this._status === "dead" || this._status === "stopped") {
      return Promise.reject(
        new KernelDiedError(
          `Receptive kernel: cannot send '${body.type}': the kernel is not running. Restart it first.`,
        ),
      );
    }
    const id = this.nextId++;
    return new Promise<KernelMessage>((resolve, reject) => {
      this.pending.set(id, { onEvent, resolve, reject, type: body.type });
      proc.stdin?.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  /**
   * Runs a cell; its output goes to `handlers` as it comes. `silent`: the extension's own query
   * (no execution count). An interrupt that comes before the request is sent (while the kernel
   * starts) aborts it; one that comes later cancels it in the kernel (protocol 1.2).
   */
  async execute(
    code: string,
    handlers: ExecuteHandlers = {},
    options: { silent?: boolean } = {},
  ): Promise<ExecuteReply> {
    const interrupts = this.interrupts;
    await this.start();
    if (this.interrupts !== interrupts) return abortedReply(this.lastCount);
    this.executing++;
    this.setStatus("busy");
    try {
      const body = { type: "execute", code, ...(options.silent ? { silent: true } : {}) };
      const reply = await this.request(body, (m) => {
        if (m.type === "stream") handlers.onStream?.(m as StreamMessage);
        else if (m.type === "display") handlers.onDisplay?.(m as DisplayMessage);
        else if (m.type === "update_display") handlers.onUpdateDisplay?.(m as UpdateDisplayMessage);
        else if (m.type === "input_request") this.answerInput(m as InputRequestMessage, handlers);
      });
      const executed = expectReply(reply, "execute_reply") as ExecuteReply;
      this.lastCount = executed.executionCount;
      return executed;
    } finally {
      this.executing--;
      if (this.executing === 0 && this._status === "busy") this.setStatus("idle");
    }
  }

  private answerInput(m: InputRequestMessage, handlers: ExecuteHandlers): void {
    Promise.resolve()
      .then(() => handlers.onInputRequest?.(m))
      .catch(() => undefined)
      .then((value) => this.notify({ type: "input_reply", value: value ?? "" }));
  }

  /** Sends a request that gets no reply on success (input_reply); a failure comes as an error_reply, logged. */
  notify(body: { type: string; [key: string]: unknown }): void {
    if (!this.proc || this._status === "dead" || this._status === "stopped") return;
    this.proc.stdin?.write(`${JSON.stringify({ ...body, id: this.nextId++ })}\n`);
  }

  async complete(code: string, cursor: number): Promise<CompleteReply> {
    await this.start();
    return expectReply(
      await this.request({ type: "complete", code, cursor }),
      "complete_reply",
    ) as CompleteReply;
  }

  async inspect(code: string, cursor: number): Promise<InspectReply> {
    await this.start();
    return expectReply(
      await this.request({ type: "inspect", code, cursor }),
      "inspect_reply",
    ) as InspectReply;
  }

  /** Stops the running cell (the kernel answers at once, even mid-cell); "idle" when none ran. */
  async interrupt(): Promise<InterruptReply> {
    this.interrupts++;
    if (!this.proc || this._status === "dead" || this._status === "stopped") {
      return { id: 0, type: "interrupt_reply", result: "idle" };
    }
    this.log("interrupting the running cell");
    const reply = expectReply(await this.request({ type: "interrupt" }), "interrupt_reply") as InterruptReply;
    this.log(`interrupt: ${reply.result}`);
    return reply;
  }

  /** A new kernel process with fresh state; the old one is killed, even mid-cell. */
  async restart(): Promise<HelloReply> {
    this.log("restarting the kernel");
    await this.kill("the kernel was restarted");
    return this.start();
  }

  /** Asks the kernel to exit (after the running cell), killing it if it has not within `graceMs`. */
  async shutdown(graceMs = 2000): Promise<void> {
    const proc = this.proc;
    if (!proc || this._status === "dead" || this._status === "stopped") return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    this.request({ type: "shutdown" }).catch(() => {});
    const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private async kill(reason: string): Promise<void> {
    const proc = this.proc;
    if (!proc || this._status === "dead" || this._status === "stopped") return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    this.failPending(new KernelDiedError(`Receptive kernel: ${reason}.`));
    proc.kill("SIGKILL");
    await exited;
  }

  /** Every message from the kernel, after the request handlers saw it. */
  onMessage(listener: (m: KernelMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onExit(listener: (e: KernelExit) => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  onStatus(listener: (s: KernelStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setStatus(s: KernelStatus): void {
    if (s === this._status) return;
    this._status = s;
    for (const l of this.statusListeners) l(s);
  }

  private onLine(line: string): void {
    let m: KernelMessage;
    try {
      m = JSON.parse(line);
    } catch {
      this.log(`[kernel stdout, not a protocol message] ${line}`);
      return;
    }
    if (m.type === "error_reply")
      this.log(`kernel error_reply: ${String((m as { message?: unknown }).message)}`);
    const p = typeof m.id === "number" ? this.pending.get(m.id) : undefined;
    if (p) {
      if (m.type.endsWith("_reply")) {
        this.pending.delete(m.id as number);
        p.resolve(m);
      } else p.onEvent?.(m);
    }
    for (const l of this.messageListeners) l(m);
  }

  private handleExit(
    proc: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    error?: Error,
  ): void {
    if (proc !== this.proc) return;
    this.proc = undefined;
    this.starting = undefined;
    this.info = undefined;
    this.lastCount = 0;
    const expected = this.stopping;
    let message: string | undefined;
    if (!expected) {
      const how = error
        ? `could not be started (${error.message})`
        : this.cutReason
          ? `${this.cutReason} and was stopped`
          : `exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`;
      const during = this.executing > 0 ? " while a cell was running" : "";
      const tail = this.stderrTail.length
        ? `\nLast kernel output:\n${this.stderrTail.slice(-8).join("\n")}`
        : "";
      message = `Receptive kernel ${how}${during}. Its variables are gone; run "Receptive: Restart Kernel" to start a fresh one.${tail}`;
      this.log(message);
      this.failPending(new KernelDiedError(message));
      this.setStatus("dead");
    } else {
      this.log(`kernel exited (${signal ? `signal ${signal}` : `exit code ${code}`})`);
      this.failPending(new KernelDiedError("Receptive kernel: the kernel was stopped."));
      this.setStatus("stopped");
    }
    for (const l of this.exitListeners) l({ code, signal, expected, message });
  }

  private failPending(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(error);
  }
}

/** The reply for a cell an interrupt stopped before it was sent. */
function abortedReply(executionCount: number): ExecuteReply {
  return {
    id: 0,
    type: "execute_reply",
    status: "aborted",
    executionCount,
    error: { ename: "Interrupted", evalue: "stopped before it started", traceback: [] },
  };
}

function expectReply(m: KernelMessage, type: string): KernelMessage {
  if (m.type === type) return m;
  const detail = m.type === "error_reply" ? String((m as { message?: unknown }).message) : JSON.stringify(m);
  throw new Error(`Receptive kernel: expected ${type}, got ${m.type}: ${detail.slice(0, 300)}`);
}
