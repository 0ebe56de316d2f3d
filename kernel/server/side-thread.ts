// The kernel's side thread: keeps answering while the main thread runs a cell. It owns the
// interrupt (see execute/interrupt.ts) and hosts transport parts that must not wait for the main
// thread, such as Jupyter's heartbeat and control sockets (modules named in workerData.plugins).

import { Session } from "node:inspector";
import { parentPort, workerData } from "node:worker_threads";
import {
  type InterruptMessage,
  type InterruptResult,
  InterruptState,
  interruptMainThread,
} from "./execute/interrupt";

export interface SideThreadData {
  interruptBuffer: SharedArrayBuffer;
  canTerminate: boolean;
  /** Absolute paths of modules exporting `startPlugin(ctx, options)`. */
  plugins: { module: string; options: unknown }[];
}

export interface SideThreadContext {
  interrupt(): Promise<InterruptResult>;
  /** Sends a message to the main thread. */
  toMain(message: unknown): void;
  /** Receives messages from the main thread (other than the side thread's own protocol). */
  onMain(handler: (message: any) => void): void;
  /** Called before the thread exits: plugins close their sockets here. */
  onClose(handler: () => Promise<void>): void;
}

if (parentPort === null) throw new Error("side-thread.ts must run in a worker thread");
const port = parentPort;
const data = workerData as SideThreadData;
const state = new InterruptState(data.interruptBuffer);

// A fresh inspector session per termination, disconnected at once: while one is connected Node
// waits for "the debugger to disconnect" before the process can exit.
const terminate = data.canTerminate
  ? () =>
      new Promise<void>((resolve) => {
        const inspector = new Session();
        inspector.connectToMainThread();
        inspector.post("Runtime.terminateExecution", () => {
          inspector.disconnect();
          resolve();
        });
      })
  : null;

const mainHandlers: ((m: any) => void)[] = [];
const timers = new Map<number, NodeJS.Timeout>();
const closeHandlers: (() => Promise<void>)[] = [];
const ctx: SideThreadContext = {
  interrupt: () => interruptMainThread(state, (m: InterruptMessage) => port.postMessage(m), terminate),
  toMain: (m) => port.postMessage(m),
  onMain: (h) => mainHandlers.push(h),
  onClose: (h) => closeHandlers.push(h),
};

port.on("message", async (m: any) => {
  if (m?.type === "side-thread:close") {
    for (const h of closeHandlers) await h();
    port.postMessage({ type: "side-thread:closed" });
    port.close();
    return;
  }
  if (m?.type === "side-thread:interrupt-after") {
    // A deadline kept here, not on the busy main thread: interrupt cell m.cell if still running.
    const timer = setTimeout(() => {
      if (state.runningCell === m.cell) void ctx.interrupt();
    }, m.ms);
    timers.set(m.cell, timer);
    return;
  }
  if (m?.type === "side-thread:cancel-interrupt-after") {
    clearTimeout(timers.get(m.cell));
    timers.delete(m.cell);
    return;
  }
  if (m?.type === "side-thread:interrupt") {
    port.postMessage({ type: "side-thread:interrupted", id: m.id, result: await ctx.interrupt() });
    return;
  }
  for (const h of mainHandlers) h(m);
});

(async () => {
  for (const p of data.plugins) {
    const mod = require(p.module);
    await mod.startPlugin(ctx, p.options);
  }
  port.postMessage({ type: "side-thread:ready" });
})().catch((err) => port.postMessage({ type: "side-thread:error", message: String(err?.stack ?? err) }));
