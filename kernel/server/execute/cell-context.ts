// Which cell is running: console output, displays and timers started while a cell runs belong to
// it, so late output lands under the last cell and an interrupted cell's pending timers never fire.
// Timers remember their cell, so an error a timer raises after its cell finished (or a promise
// rejection that follows one) can be reported as that cell's (backgroundErrorOwner).
//
// NOTE: deliberately not AsyncLocalStorage: it enables async hooks, which makes Node abort when an
// interrupt terminates synchronous code (see interrupt.ts). Only one cell runs at a time, so "the
// cell running when the work was scheduled" is the owner.

import { Console } from "node:console";
import { Writable } from "node:stream";
import { setImmediate as originalSetImmediate } from "node:timers";
import { promisify } from "node:util";
import type { DisplaySink } from "../../display/sink";
import { setDisplaySinkProvider } from "../../display/sink";

export interface CellOutput extends DisplaySink {
  /** The number the front end shows for this cell (`In [n]`), for messages that name the cell. */
  readonly executionCount?: number;
  stream(name: "stdout" | "stderr", text: string): void;
  /**
   * Asks the front end for a line of text (cell-input.ts); rejects with an error that says why
   * when this front end cannot ask. Absent: the transport has no way to ask at all.
   */
  input?(prompt: string, password: boolean): Promise<string>;
}

export interface CellContext {
  readonly cellNumber: number;
  readonly output: CellOutput;
  interrupted: boolean;
  /** Run once when the cell is interrupted (onCellInterrupt); the cell's own code never resumes. */
  interruptHandlers?: (() => void)[];
}

export class InterruptedError extends Error {
  override name = "Interrupted";
  constructor() {
    super("the cell was stopped by an interrupt; variables keep the values they had at that moment");
  }
}

let running: CellContext | undefined;
let lastContext: CellContext | undefined;
/** The cell whose timer callback is running now (set while it runs). */
let timerOwner: CellContext | undefined;
/** The cell whose timer callback ran last, until the next check phase: rejections follow it. */
let recentTimerOwner: CellContext | undefined;
/** The last exception thrown out of a timer callback, and that timer's cell. */
let lastThrown: { err: unknown; ctx: CellContext } | undefined;

/** Marks `ctx` as the running cell (until cellFinished) and the owner of late output. */
export function cellStarted(ctx: CellContext): void {
  running = ctx;
  lastContext = ctx;
  recentTimerOwner = undefined;
}

export function cellFinished(ctx: CellContext): void {
  if (running === ctx) running = undefined;
}

/** The cell running now (not a finished one whose timers still fire). */
export function runningCell(): CellContext | undefined {
  return running;
}

/** The running cell, else the last one (late output from timers goes there). */
export function currentCell(): CellContext | undefined {
  return running ?? lastContext;
}

/**
 * Whose error an uncaught exception (`kind` "exception") or unhandled rejection is, and what
 * raised it: an exception thrown by a cell's timer callback is that cell's; a rejection right
 * after a timer callback (the timer rejected a promise, or resumed code that threw) is the timer
 * cell's; anything else is the running cell's, else the last cell's. Undefined before any cell.
 */
export function backgroundErrorOwner(
  err: unknown,
  kind: "exception" | "rejection",
): { ctx: CellContext; source: "timer" | "promise" | "callback" } | undefined {
  if (kind === "exception" && lastThrown !== undefined && lastThrown.err === err) {
    const { ctx } = lastThrown;
    lastThrown = undefined;
    return { ctx, source: "timer" };
  }
  const source = kind === "rejection" ? "promise" : "callback";
  const ctx = (kind === "rejection" ? recentTimerOwner : undefined) ?? running ?? lastContext;
  return ctx === undefined ? undefined : { ctx, source };
}

/**
 * The running cell's interrupt flag, for loops that run across many event-loop turns (the
 * DataLoader): capture `token = runningCellToken()` when the loop starts, then stop when
 * `token?.interrupted` becomes true.
 */
export function runningCellToken(): { readonly interrupted: boolean } | undefined {
  return running;
}

/**
 * Marks `ctx` interrupted and runs its interrupt handlers: an interrupted cell is abandoned at its
 * next await, so its `finally` blocks never run; long-running helpers (fit) register here what
 * they would do in one (restore train/eval modes, close the progress bar). A throwing handler is
 * reported on stderr and does not stop the others.
 */
export function interruptCell(ctx: CellContext): void {
  if (ctx.interrupted) return;
  ctx.interrupted = true;
  const handlers = ctx.interruptHandlers ?? [];
  ctx.interruptHandlers = [];
  for (const h of handlers) {
    try {
      h();
    } catch (err) {
      ctx.output.stream("stderr", `cleanup after the interrupt failed: ${(err as Error)?.message ?? err}\n`);
    }
  }
}

/**
 * Registers `fn` to run if the running cell is interrupted; returns a function that unregisters it
 * (call it when the work finishes normally). Outside a cell it does nothing.
 */
export function onCellInterrupt(fn: () => void): () => void {
  const ctx = running;
  if (ctx === undefined) return () => {};
  ctx.interruptHandlers ??= [];
  ctx.interruptHandlers.push(fn);
  return () => {
    const i = ctx.interruptHandlers?.indexOf(fn) ?? -1;
    if (i >= 0) ctx.interruptHandlers?.splice(i, 1);
  };
}

let installed = false;

/**
 * Routes console.*, process.stdout/stderr writes and displays to the current cell, guards timers,
 * and exposes runningCellToken and onCellInterrupt as `globalThis[Symbol.for("receptive.<name>")]`.
 * Returns the process's original stdout/stderr writers for the kernel's own use.
 */
export function installCellRouting(): { stdout: (s: string) => void; stderr: (s: string) => void } {
  const rawOut = process.stdout.write.bind(process.stdout);
  const rawErr = process.stderr.write.bind(process.stderr);
  const original = { stdout: (s: string) => void rawOut(s), stderr: (s: string) => void rawErr(s) };
  if (installed) return original;
  installed = true;
  const route = (name: "stdout" | "stderr", raw: typeof rawOut) =>
    ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
      const cell = currentCell();
      if (cell === undefined) return raw(chunk as string, encoding as BufferEncoding, cb as () => void);
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      cell.output.stream(name, text);
      const done = typeof encoding === "function" ? encoding : cb;
      if (typeof done === "function") process.nextTick(done as () => void);
      return true;
    }) as typeof rawOut;
  process.stdout.write = route("stdout", rawOut);
  process.stderr.write = route("stderr", rawErr);
  const writer = (name: "stdout" | "stderr") =>
    new Writable({
      decodeStrings: false,
      write(chunk, _enc, cb) {
        const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
        const cell = currentCell();
        if (cell === undefined) (name === "stdout" ? rawOut : rawErr)(text);
        else cell.output.stream(name, text);
        cb();
      },
    });
  const cellConsole = new Console({ stdout: writer("stdout"), stderr: writer("stderr"), colorMode: false });
  globalThis.console = cellConsole;
  setDisplaySinkProvider(() => currentCell()?.output);
  guardTimers();
  (globalThis as Record<symbol, unknown>)[Symbol.for("receptive.runningCellToken")] = runningCellToken;
  (globalThis as Record<symbol, unknown>)[Symbol.for("receptive.onCellInterrupt")] = onCellInterrupt;
  return original;
}

/**
 * Timer callbacks scheduled by a cell (or by its timers) that has since been interrupted are
 * dropped; the others record their cell while they run, for backgroundErrorOwner.
 */
function guardTimers(): void {
  const g = globalThis as any;
  let resetScheduled = false;
  const forgetRecentOwner = () => {
    resetScheduled = false;
    recentTimerOwner = undefined;
  };
  for (const name of ["setTimeout", "setInterval", "setImmediate"] as const) {
    const original = g[name];
    const guarded = function (this: unknown, callback: unknown, ...rest: unknown[]) {
      const ctx = timerOwner ?? running;
      if (ctx === undefined || typeof callback !== "function") return original.call(this, callback, ...rest);
      const wrapped = (...args: unknown[]) => {
        if (ctx.interrupted) return undefined;
        const outer = timerOwner;
        timerOwner = ctx;
        recentTimerOwner = ctx;
        if (!resetScheduled) {
          resetScheduled = true;
          originalSetImmediate(forgetRecentOwner).unref();
        }
        try {
          return (callback as (...a: unknown[]) => unknown)(...args);
        } catch (err) {
          lastThrown = { err, ctx };
          throw err;
        } finally {
          timerOwner = outer;
        }
      };
      return original.call(this, wrapped, ...rest);
    };
    const custom = original[promisify.custom];
    if (custom !== undefined) (guarded as any)[promisify.custom] = custom;
    g[name] = guarded;
  }
}
