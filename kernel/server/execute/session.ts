// The execution core shared by every transport (Jupyter, stdio, `receptive run`): runs TypeScript
// cells in one persistent scope, turns the last expression into a MIME bundle, reports compile and
// runtime errors in the cell's terms, and survives errors, rejections and interrupts.

import * as vm from "node:vm";
import { MessageChannel } from "node:worker_threads";
import { display } from "../../display/display-api";
import { toMimeBundle } from "../../display/mime";
import type { MimeBundle } from "../../display/schema";
import { CellCompiler, type CompiledCell, isComplete } from "./cell-compiler";
import {
  backgroundErrorOwner,
  type CellContext,
  type CellOutput,
  cellFinished,
  cellStarted,
  InterruptedError,
  installCellRouting,
  interruptCell,
} from "./cell-context";
import { makeInput } from "./cell-input";
import { cellTraceback } from "./error-location";
import { InterruptState } from "./interrupt";
import { ModuleLoader } from "./module-loader";
import { explainOutOfMemory } from "./out-of-memory";
import { guardProcessExit, ProcessExitError } from "./process-exit";
import { hideEngineFrames, studentDiagnostic } from "./student-errors";

export type ExecuteOutcome =
  | { status: "ok"; result?: MimeBundle }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

const CELL_GLOBAL = Symbol.for("receptive.cell");
/** Late errors kept for the next cell; more are counted (they were shown on their own cell). */
const MAX_LATE_ERRORS = 5;
/** TypeScript errors shown per cell. */
const MAX_DIAGNOSTICS = 3;

/**
 * Runs callbacks each in its own macrotask, delivered through a MessagePort.
 *
 * NOTE: not setImmediate. An interrupt may terminate a cell's synchronous code (interrupt.ts), and
 * Node's immediate queue does not survive a termination inside a callback that is not the first of
 * its batch: the immediates behind it are lost and every later check phase throws ("reading
 * '_idleNext'"). A message port keeps no such state across the callback.
 */
class OwnMacrotask {
  private readonly channel = new MessageChannel();
  private readonly pending: (() => void)[] = [];
  constructor() {
    this.channel.port1.on("message", () => {
      const callback = this.pending.shift();
      if (this.pending.length === 0) this.channel.port1.unref(); // idle: do not keep the process alive
      callback?.();
    });
    this.channel.port1.unref();
  }
  run(callback: () => void): void {
    this.pending.push(callback);
    this.channel.port1.ref();
    this.channel.port2.postMessage(0);
  }
}

/**
 * The scope cells share: a proxy that turns `export` definitions into plain, rewritable values,
 * except the live bindings of top-level `let`/`var` (live-bindings.ts), accessors with a setter.
 */
function createScope(): Record<string, any> {
  const values: Record<string, any> = {};
  return new Proxy(values, {
    defineProperty: (_t, prop, attrs) => {
      if (prop === "__esModule") return true;
      if (attrs.set) return Reflect.defineProperty(values, prop, attrs);
      delete values[prop as string];
      values[prop as string] = attrs.get ? attrs.get() : attrs.value;
      return true;
    },
  });
}

export class ExecutionSession {
  readonly interruptState = new InterruptState();
  private compiler: CellCompiler | null = null;
  private readonly loader: ModuleLoader;
  private scope = createScope();
  private cellCounter = 0;
  private running: {
    ctx: CellContext;
    reject: (e: Error) => void;
    /** The first process.exit (abort, kill) the cell or its callbacks tried while it ran. */
    exitCall?: ProcessExitError;
  } | null = null;
  private readonly releaseExitGuard: () => void;
  /** The process's own stdout and stderr (process.stdout/stderr writes go to the current cell). */
  readonly kernelOutput: { stdout: (s: string) => void; stderr: (s: string) => void };
  /** Errors from finished cells' callbacks raised while no cell ran: shown at the next cell's start. */
  private lateErrors: string[] = [];
  /** How many more there were than MAX_LATE_ERRORS (a failing setInterval repeats itself). */
  private lateErrorsLeftOut = 0;
  private readonly macrotask = new OwnMacrotask();

  constructor(readonly notebookDir: string = process.cwd()) {
    this.loader = new ModuleLoader(notebookDir);
    this.kernelOutput = installCellRouting();
    this.releaseExitGuard = guardProcessExit((err) => {
      if (this.running !== null) this.running.exitCall ??= err;
    });
    this.resetScope();
    process.on("uncaughtException", (err) => this.reportBackgroundError("exception", err));
    process.on("unhandledRejection", (reason) => this.reportBackgroundError("rejection", reason));
    process.on("SIGINT", () => {
      const cell = this.running?.ctx.cellNumber;
      if (cell !== undefined) this.handleInterrupt(cell);
    });
  }

  /** The TypeScript converter, created on first use (about a second). */
  private get cells(): CellCompiler {
    if (this.compiler === null) this.compiler = new CellCompiler();
    return this.compiler;
  }

  /** Builds the converter now, so the first cell runs as fast as the rest. */
  warmUp(): void {
    void this.cells;
  }

  /**
   * Builds the converter on the next quiet turn of the event loop: transports call this after
   * answering their first request, so the kernel reports ready before the second it takes.
   */
  warmUpSoon(): void {
    if (this.compiler === null && !this.warmUpScheduled) {
      this.warmUpScheduled = true;
      setTimeout(() => this.warmUp(), 20);
    }
  }
  private warmUpScheduled = false;

  private resetScope(): void {
    this.scope = createScope();
    this.scope.display = display;
    this.scope.input = makeInput("input");
    this.scope.prompt = makeInput("prompt");
  }

  /** Forgets every variable and declaration (a restart without a new process). */
  reset(): void {
    this.lateErrors = [];
    this.lateErrorsLeftOut = 0;
    this.resetScope();
    this.compiler?.reset();
  }

  /** The number the next executed cell will get (cells are numbered from 1 per session). */
  get nextCellNumber(): number {
    return this.cellCounter + 1;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** Called (on the main thread) when an interrupt for `cell` arrives. */
  handleInterrupt(cell: number): void {
    this.interruptState.acknowledge(cell);
    if (this.running === null || this.running.ctx.cellNumber !== cell) return;
    interruptCell(this.running.ctx);
    this.running.reject(new InterruptedError());
  }

  /**
   * Runs one cell. `cellName` names it in tracebacks (`cell[3]`): transports pass the execution
   * count the front end shows; by default the session's own number.
   */
  async execute(src: string, output: CellOutput, cellName?: string): Promise<ExecuteOutcome> {
    if (this.running !== null) {
      return { status: "error", ename: "Busy", evalue: "another cell is still running", traceback: [] };
    }
    const cellNumber = ++this.cellCounter;
    cellName ??= `cell[${cellNumber}]`;
    const ctx: CellContext = { cellNumber, output, interrupted: false };
    let reject: (e: Error) => void = () => {};
    const interrupted = new Promise<never>((_, rej) => {
      reject = rej;
    });
    interrupted.catch(() => {});
    this.running = { ctx, reject };
    cellStarted(ctx);
    for (const notice of this.lateErrors.splice(0)) output.stream("stderr", notice);
    if (this.lateErrorsLeftOut > 0) {
      output.stream(
        "stderr",
        `... and ${this.lateErrorsLeftOut} more such errors (each shown on its own cell)\n`,
      );
      this.lateErrorsLeftOut = 0;
    }
    this.interruptState.cellStarted(cellNumber);
    let compiled: CompiledCell | null = null;
    try {
      const result = this.cells.compile(src);
      if ("diagnostics" in result) {
        // The first few, written for students (student-errors.ts); the rest often follow from them.
        const shown = result.diagnostics.slice(0, MAX_DIAGNOSTICS);
        const more = result.diagnostics.length - shown.length;
        const lines = shown.map(
          (d) =>
            `${d.fileName ? `${d.fileName} ` : ""}line ${d.start.line + 1}, column ${d.start.character + 1}: ${studentDiagnostic(d.code, d.messageText)}`,
        );
        const srcLines = src.split("\n");
        const traceback = shown.flatMap((d, i) => {
          const at = srcLines[d.start.line] ?? "";
          return d.fileName ? [lines[i]] : [lines[i], `    ${at}`, `    ${" ".repeat(d.start.character)}^`];
        });
        if (more > 0) {
          const note = `(and ${more} more error${more === 1 ? "" : "s"}: fix these first, the rest often follow from them)`;
          lines.push(note);
          traceback.push(note);
        }
        return { status: "error", ename: "TypeScriptError", evalue: lines.join("\n"), traceback };
      }
      compiled = result;
      await Promise.race([this.loader.preloadEsModules(src), interrupted]);
      const value = await Promise.race([this.run(compiled, cellName, ctx), interrupted]);
      this.cells.commit(compiled);
      const exitCall = this.running?.exitCall; // also when the cell caught the error
      if (exitCall !== undefined) return this.runtimeError(exitCall, cellName, compiled.js, src);
      if (value === undefined || value === null) return { status: "ok" };
      return { status: "ok", result: toMimeBundle(value) };
    } catch (err) {
      if (compiled !== null) this.cells.commit(compiled); // names defined before the error stay usable
      const exitCall = this.running?.exitCall;
      if (exitCall !== undefined) return this.runtimeError(exitCall, cellName, compiled?.js ?? "", src);
      if (err instanceof InterruptedError) {
        return {
          status: "error",
          ename: err.name,
          evalue: err.message,
          traceback: [`${err.name}: ${err.message}`],
        };
      }
      return this.runtimeError(err, cellName, compiled?.js ?? "", src);
    } finally {
      this.interruptState.cellEnded();
      cellFinished(ctx);
      this.running = null;
    }
  }

  /** Runs compiled JS in its own macrotask (so an interrupt's unwinding stops there). */
  private run(cell: CompiledCell, cellName: string, ctx: CellContext): Promise<unknown> {
    const prefix = cell.hasTopLevelAwait
      ? "(async function (exports, require) { "
      : "(function (exports, require) { ";
    const code = `${prefix}${cell.js}\n})(globalThis[Symbol.for("receptive.cell")].exports, globalThis[Symbol.for("receptive.cell")].require)`;
    (globalThis as any)[CELL_GLOBAL] = { exports: this.scope, require: this.loader.require };
    return new Promise((resolve, reject) => {
      this.macrotask.run(() => {
        if (ctx.interrupted) return reject(new InterruptedError()); // stopped before it started
        try {
          this.interruptState.userCodeStarted();
          const ret = vm.runInThisContext(code, { filename: cellName, breakOnSigint: true });
          Promise.resolve(cell.hasTopLevelAwait ? ret : undefined).then(() => {
            const name = cell.lastExpressionVar;
            if (name === undefined) return resolve(undefined);
            const value = this.scope[name];
            delete this.scope[name];
            resolve(value);
          }, reject);
        } catch (err) {
          if ((err as { code?: string })?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
            interruptCell(ctx);
            reject(new InterruptedError());
          } else reject(err);
        }
      });
    });
  }

  private runtimeError(thrown: unknown, cellName: string, js: string, src: string): ExecuteOutcome {
    const err = explainOutOfMemory(thrown);
    if (!(err instanceof Error)) {
      return {
        status: "error",
        ename: "Uncaught",
        evalue: String(err),
        traceback: [`Uncaught ${String(err)}`],
      };
    }
    const traceback = hideEngineFrames(cellTraceback(err, cellName, js, src, 0));
    return { status: "error", ename: err.name, evalue: err.message, traceback };
  }

  /**
   * An uncaught exception or unhandled rejection: the kernel lives on and the error goes to the
   * cell it came from (backgroundErrorOwner). When that cell has finished, front ends that stopped
   * listening to it (JupyterLab, nbclient) would not show it there, so it also goes, labelled
   * with the cell's number, to the running cell or else the next cell to run.
   */
  private reportBackgroundError(kind: "exception" | "rejection", err: unknown): void {
    // A process.exit while a cell runs is already counted against it (see exitCall).
    if (err instanceof ProcessExitError && this.running !== null) return;
    const details = `${describeError(err)}\n`;
    const owner = backgroundErrorOwner(err, kind);
    const running = this.running?.ctx;
    if (owner === undefined) {
      this.kernelOutput.stderr(
        `Receptive caught an error outside any cell (the kernel keeps running):\n${details}`,
      );
      return;
    }
    const { ctx, source: what } = owner;
    if (ctx === running) {
      const caught = kind === "rejection" ? "an unhandled promise rejection" : `an exception in a ${what}`;
      ctx.output.stream("stderr", `Receptive caught ${caught} (the kernel keeps running):\n${details}`);
      return;
    }
    const cell = `cell [${ctx.output.executionCount ?? ctx.cellNumber}]`;
    ctx.output.stream(
      "stderr",
      `Error from this cell's ${what} (${cell}), raised after the cell finished; the kernel keeps running:\n${details}`,
    );
    const notice = `Error from an earlier cell's ${what} (${cell}), raised after that cell finished; the kernel keeps running:\n${details}`;
    if (running !== undefined) running.output.stream("stderr", notice);
    else if (this.lateErrors.length < MAX_LATE_ERRORS) this.lateErrors.push(notice);
    else this.lateErrorsLeftOut++;
  }

  complete(src: string, cursor: number): { start: number; end: number; candidates: string[] } {
    return this.cells.complete(src, cursor);
  }

  inspect(src: string, cursor: number): { signature: string; documentation: string } | null {
    return this.cells.inspect(src, cursor);
  }

  isComplete(src: string): { complete: boolean; indent: string } {
    return isComplete(src);
  }

  /** Frees the compiler and gives process.exit back (the kernel's own exit comes next). */
  close(): void {
    this.compiler?.close();
    this.releaseExitGuard();
  }
}

/** An error's stack without Node's and the kernel's frames (or the value, when not an Error). */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `Uncaught ${String(err)}`;
  const lines = (err.stack ?? `${err.name}: ${err.message}`).split("\n");
  return lines.filter((line) => !/^\s+at .*(node:|[\\/]kernel[\\/]server[\\/])/.test(line)).join("\n");
}
