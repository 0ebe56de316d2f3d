// Main-thread half of the side thread: starts it, forwards its "interrupt" messages to the
// execution session, and lets transports ask for an interrupt or close it.

import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { InterruptMessage, InterruptResult } from "./execute/interrupt";
import type { ExecutionSession } from "./execute/session";
import { hasInterruptFlag } from "./node-flags";
import type { SideThreadData } from "./side-thread";

export class SideThreadHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, (r: InterruptResult) => void>();
  private nextId = 1;
  private messageHandlers: ((m: any) => void)[] = [];
  readonly ready: Promise<void>;

  constructor(session: ExecutionSession, plugins: SideThreadData["plugins"] = []) {
    const data: SideThreadData = {
      interruptBuffer: session.interruptState.buffer,
      canTerminate: hasInterruptFlag(),
      plugins,
    };
    this.worker = new Worker(join(__dirname, "side-thread.js"), {
      workerData: data,
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    let readyResolve: () => void;
    let readyReject: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.worker.on("error", (err) => readyReject(err));
    this.worker.on("message", (m: any) => {
      if (m?.type === "interrupt") session.handleInterrupt((m as InterruptMessage).cell);
      else if (m?.type === "side-thread:ready") readyResolve();
      else if (m?.type === "side-thread:error")
        readyReject(new Error(`kernel side thread failed: ${m.message}`));
      else if (m?.type === "side-thread:interrupted") {
        this.pending.get(m.id)?.(m.result);
        this.pending.delete(m.id);
      } else for (const h of this.messageHandlers) h(m);
    });
  }

  /** Stops the running cell (see execute/interrupt.ts). */
  interrupt(): Promise<InterruptResult> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ type: "side-thread:interrupt", id });
    });
  }

  /** Interrupts cell `cell` if it is still running after `ms`; returns a cancel function. */
  interruptAfter(cell: number, ms: number): () => void {
    this.worker.postMessage({ type: "side-thread:interrupt-after", cell, ms });
    return () => this.worker.postMessage({ type: "side-thread:cancel-interrupt-after", cell });
  }

  post(message: unknown): void {
    this.worker.postMessage(message);
  }

  onMessage(handler: (m: any) => void): void {
    this.messageHandlers.push(handler);
  }

  /** Lets the side thread's plugins close their sockets, then ends the thread. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.worker.on("message", (m: any) => {
        if (m?.type === "side-thread:closed") resolve();
      });
      this.worker.on("exit", () => resolve());
    });
    this.worker.postMessage({ type: "side-thread:close" });
    await closed;
  }
}
