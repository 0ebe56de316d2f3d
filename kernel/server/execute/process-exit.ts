// A cell cannot end the kernel. While an ExecutionSession lives, `process.exit`, `process.reallyExit`,
// `process.abort` and `process.kill` aimed at the kernel's own process throw ProcessExitError
// instead: the error unwinds the cell, which fails with a message saying what happened, and the
// kernel keeps its variables. Called from a timer or promise after its cell ended, the error is
// reported like any late exception (session.ts) and the kernel again keeps running.
//
// The kernel's own exits (shutdown, the end of stdin, a finished `receptive run`) go through
// exitKernel, which puts the real functions back first, or happen after the last session closed.
//
// NOTE: what cannot be intercepted still ends the process: a native addon calling exit(), a signal
// sent by another process (`child_process.execSync("kill -9 " + process.pid)`), a fatal V8 error.

import { currentCell, runningCell } from "./cell-context";

type Kill = typeof process.kill;
type ProcessWithReallyExit = NodeJS.Process & { reallyExit(code?: number): never };

const proc = process as ProcessWithReallyExit;
const real = {
  exit: proc.exit,
  reallyExit: proc.reallyExit,
  abort: proc.abort,
  kill: proc.kill,
};

/** Signals whose default action does not end the process (signal 0 only checks that it exists). */
const HARMLESS_SIGNALS = new Set<string | number>([0, "SIGCHLD", "SIGCONT", "SIGURG", "SIGWINCH", "SIGUSR1"]);

/**
 * Thrown instead of ending the kernel process. `call` is what the code called
 * (`process.exit(1)`, `process.abort()`, ...), `code` the exit code it asked for, if any.
 * A stable contract: `receptive run` and the transports recognise it by this class or its name.
 */
export class ProcessExitError extends Error {
  override name = "ProcessExitError";
  constructor(
    readonly call: string,
    readonly code: number | undefined,
  ) {
    const where =
      runningCell() !== undefined
        ? "while this cell was running"
        : currentCell() !== undefined
          ? "by a timer or promise callback after its cell ended"
          : "while no cell was running";
    super(
      `${call} was called ${where}; the kernel keeps running and keeps your variables. ` +
        'To stop the notebook at this point, throw an Error instead: throw new Error("stopped here: <reason>")',
    );
  }
}

const listeners = new Set<(err: ProcessExitError) => void>();

function refuse(call: string, code: number | undefined): never {
  const err = new ProcessExitError(call, code);
  for (const listener of listeners) listener(err);
  throw err;
}

function exitCodeOf(code: unknown): number | undefined {
  if (code === undefined || code === null) return undefined;
  const n = Number(code);
  return Number.isInteger(n) ? n : undefined;
}

const argText = (v: unknown) =>
  v === undefined ? "" : typeof v === "string" ? JSON.stringify(v) : String(v);

const guarded = {
  exit(code?: unknown): never {
    return refuse(`process.exit(${argText(code)})`, exitCodeOf(code));
  },
  reallyExit(code?: unknown): never {
    return refuse(`process.reallyExit(${argText(code)})`, exitCodeOf(code));
  },
  abort(): never {
    return refuse("process.abort()", undefined);
  },
  kill(pid: number, signal?: string | number): true {
    const self = Number(pid) === process.pid || Number(pid) === 0 || Number(pid) === -process.pid;
    const sig = signal ?? "SIGTERM";
    if (!self || HARMLESS_SIGNALS.has(sig) || (typeof sig === "string" && process.listenerCount(sig) > 0)) {
      return real.kill.call(process, pid, signal);
    }
    return refuse(
      `process.kill(${Number(pid) === process.pid ? "process.pid" : pid}, ${argText(sig)})`,
      undefined,
    );
  },
};

function install(): void {
  proc.exit = guarded.exit as typeof proc.exit;
  proc.reallyExit = guarded.reallyExit as typeof proc.reallyExit;
  proc.abort = guarded.abort;
  proc.kill = guarded.kill as Kill;
}

function restore(): void {
  proc.exit = real.exit;
  proc.reallyExit = real.reallyExit;
  proc.abort = real.abort;
  proc.kill = real.kill;
}

/**
 * Guards the process until the returned function is called; `onCall` hears of every refused call
 * (before the error is thrown, so a cell that catches the error still fails). Sessions nest: the
 * real functions come back when the last guard is released.
 */
export function guardProcessExit(onCall: (err: ProcessExitError) => void): () => void {
  const listener = (err: ProcessExitError) => onCall(err);
  listeners.add(listener);
  install();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) restore();
  };
}

/** Ends the kernel process with `code` (the real process.exit, whatever cells did to it). */
export function exitKernel(code: number): never {
  listeners.clear();
  restore();
  return real.exit.call(process, code);
}
